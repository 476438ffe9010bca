import Badges
import BadgeStore
import Foundation
import Testing

/// Scenarios from the two product documents, against a real SQLite store.
@Suite("Scenarios")
struct ScenarioTests {
    @Test(arguments: StoreKind.allCases) func mentorCrossesOneFiveAndTenSessions(store: StoreKind) async throws {
        let f = try LedgerFixture(store: store)
        try await f.enable()
        var awardsAt: [Int: [String]] = [:]
        for n in 1...10 {
            let outcome = try await f.completeSession("s\(n)")
            if !outcome.awarded.isEmpty { awardsAt[n] = outcome.awarded.map(\.badge.id) }
        }
        #expect(awardsAt == [1: ["mentoring-mentor-1"], 5: ["mentoring-mentor-5"], 10: ["mentoring-mentor-10"]])
        // The answer names the progress moved: toward 25 sessions, masked (hidden badge).
        let eleventh = try await f.completeSession("s11")
        #expect(eleventh.progress.first?.badge.id == "mentoring-mentor-25")
        #expect(eleventh.progress.first?.current == 11)
        #expect(eleventh.progress.first?.badge.masked == true)
    }

    @Test(arguments: StoreKind.allCases) func sessionCountsWhenItsTimePassesWithoutCompletion(store: StoreKind) async throws {
        let f = try LedgerFixture(store: store)
        try await f.enable()
        try await f.record(.sessionScheduled(sessionID: "s1", role: "mentee", programID: "p1", scheduledEnd: f.clock.now().adding(seconds: 3600)))
        #expect(try await f.awardIDs().isEmpty)
        f.clock.advance(seconds: 3601)
        // Right before the sweeper has run: the query already counts it.
        #expect(try await f.awardIDs() == ["mentoring-mentee-1"])
        // The sweeper makes it durable, credited to the booking.
        #expect(try await f.ledger.sweep() == 1)
        try f.reopen()
        let awards = try await f.ledger.achievements(org: "acme", user: "ana")
        guard case .award(let award) = awards.first else { Issue.record("no award after restart"); return }
        #expect(award.badge.id == "mentoring-mentee-1")
        #expect(award.award.eventID == "evt-1")
    }

    @Test(arguments: StoreKind.allCases) func cancelledSessionNeverCounts(store: StoreKind) async throws {
        let f = try LedgerFixture(store: store)
        try await f.enable()
        try await f.record(.sessionScheduled(sessionID: "s1", role: "mentor", programID: "p1", scheduledEnd: f.clock.now().adding(seconds: 60)))
        try await f.record(.sessionCancelled(sessionID: "s1"))
        f.clock.advance(seconds: 3600)
        try await f.ledger.sweep()
        try await f.record(.sessionCompleted(sessionID: "s1"))  // a late completion changes nothing
        #expect(try await f.awardIDs().isEmpty)
        let page = try await f.ledger.achievementsPage(org: "acme", user: "ana").0
        #expect(page.lifetimeStats.first { $0.key.metric == .sessionsCompleted }?.value == nil)
    }

    @Test(arguments: StoreKind.allCases) func theSameEventTwiceChangesNothing(store: StoreKind) async throws {
        let f = try LedgerFixture(store: store)
        try await f.enable()
        let first = try await f.record(.feedbackReceived, id: "fb-1")
        let second = try await f.record(.feedbackReceived, id: "fb-1")
        #expect(first.duplicate == false && first.awarded.map(\.badge.id) == ["feedback-1"])
        #expect(second.duplicate == true && second.awarded.isEmpty && second.progress.isEmpty)
        // Another user reusing the id is still a duplicate: ids are unique per organization.
        #expect(try await f.record(.feedbackReceived, user: "bo", id: "fb-1").duplicate)
        let stats = try await f.ledger.achievementsPage(org: "acme", user: "ana").0.lifetimeStats
        #expect(stats.first { $0.key.metric == .feedbackReceived }?.value == 1)
        try f.reopen()
        #expect(try await f.record(.feedbackReceived, id: "fb-1").duplicate, "duplicates are recognised after a restart")
    }

    @Test(arguments: StoreKind.allCases) func hiddenBadgesShowNoNameUntilEarned(store: StoreKind) async throws {
        let f = try LedgerFixture(store: store)
        try await f.enable()
        #expect(try await f.ledger.registerParticipant(Participant(organizationID: "acme", userID: "ana", programID: "p1", role: "mentor", displayName: "Ana")))
        let before = try await f.ledger.achievementsPage(org: "acme", user: "ana").0
        let mentoring = try #require(before.tracks.first { $0.track == Track(path: "Mentoring", role: "mentor") })
        #expect(mentoring.next.first?.badge.masked == true)
        #expect(mentoring.next.first?.badge.name == "")
        #expect(mentoring.next.first?.badge.description == "")
        #expect(mentoring.next.first?.threshold == 0, "a hidden badge's requirement stays hidden")
        _ = try await f.completeSession("s1")
        let after = try await f.ledger.achievementsPage(org: "acme", user: "ana").0
        let earned = try #require(after.tracks.first { $0.track.role == "mentor" }?.earned.first)
        #expect(earned.badge.name == "First Session Led")
        #expect(earned.badge.masked == false)
    }

    @Test(arguments: StoreKind.allCases) func onboardingBadgesAreVisibleFromTheStart(store: StoreKind) async throws {
        let f = try LedgerFixture(store: store)
        try await f.enable()
        let page = try await f.ledger.achievementsPage(org: "acme", user: "newcomer").0
        let next = Dictionary(uniqueKeysWithValues: page.tracks.map { ($0.track.path, $0.next.first) })
        #expect(next["Personal"]??.badge.name == "All Set Up")
        #expect(next["Feedback"]??.badge.name == "First Feedback")
        #expect(next["Coaching"]??.badge.name == "Coachable")
        #expect(next["Coaching"]??.threshold == 1)
        #expect(next["QA Reviewers"]??.badge.masked == true)
    }

    @Test(arguments: StoreKind.allCases) func disabledOrFreeOrganizationGetsNothingThenWhatItEarned(store: StoreKind) async throws {
        let f = try LedgerFixture(store: store)
        _ = try await f.ledger.configureOrganization(id: "acme", tier: .free, badgesEnabled: true)
        let outcome = try await f.record(.feedbackReceived)
        try await f.record(.profileCompleted)
        _ = try await f.completeSession("s1")
        #expect(outcome.awarded.isEmpty)
        await #expect(throws: LedgerError.badgesUnavailable("badges are only available on the PROFESSIONAL and ENTERPRISE tiers; organization 'acme' is on the FREE tier")) {
            try await f.ledger.achievements(org: "acme", user: "ana")
        }
        // Professional but switched off: still nothing, and a clear reason.
        _ = try await f.ledger.configureOrganization(id: "acme", tier: .professional, badgesEnabled: false)
        try await f.record(.coachingItemSaved)
        await #expect(throws: LedgerError.badgesUnavailable("badges are disabled for organization 'acme'")) {
            try await f.ledger.achievements(org: "acme", user: "ana")
        }
        // On again: what the stored activity earned is awarded now.
        let (org, awarded) = try await f.ledger.configureOrganization(id: "acme", tier: nil, badgesEnabled: true)
        #expect(org.badgesAvailable)
        #expect(awarded == 4)
        #expect(try await f.awardIDs() == ["feedback-1", "personal-profile", "mentoring-mentor-1", "coaching-1"])
        try f.reopen()
        #expect(try await f.awardIDs().count == 4)
    }

    @Test(arguments: StoreKind.allCases) func badgeSurvivesCancellationOfTheSessionThatEarnedIt(store: StoreKind) async throws {
        let f = try LedgerFixture(store: store)
        try await f.enable()
        let outcome = try await f.completeSession("s1")
        #expect(outcome.awarded.map(\.badge.id) == ["mentoring-mentor-1"])
        try await f.record(.sessionCancelled(sessionID: "s1"))
        #expect(try await f.awardIDs() == ["mentoring-mentor-1"])
        try f.reopen()
        #expect(try await f.awardIDs() == ["mentoring-mentor-1"])
    }

    @Test(arguments: StoreKind.allCases) func completionBeforeBookingCountsWhenTheBookingArrives(store: StoreKind) async throws {
        let f = try LedgerFixture(store: store)
        try await f.enable()
        #expect(try await f.record(.sessionCompleted(sessionID: "s1")).awarded.isEmpty)
        let booked = try await f.record(.sessionScheduled(sessionID: "s1", role: "mentee", programID: "p1", scheduledEnd: f.clock.now().adding(seconds: 3600)))
        #expect(booked.awarded.map(\.badge.id) == ["mentoring-mentee-1"])
    }

    @Test(arguments: StoreKind.allCases) func newCatalogVersionBackfillsOnce(store: StoreKind) async throws {
        let f = try LedgerFixture(store: store)
        try await f.enable()
        for _ in 0..<3 { try await f.record(.feedbackReceived) }
        #expect(try await f.awardIDs() == ["feedback-1"])
        let v2 = try CatalogLoader.load(data: Catalog.bundledJSON(version: 2, extraBadges: [[
            "id": "feedback-3", "path": "Feedback Streaks", "level": 1, "name": "Three Voices", "description": "Received 3 feedback responses",
            "metric": "feedback_received", "threshold": 3, "visibility": "HIDDEN",
        ]]))
        try f.reopen(catalog: v2)
        let awards = try await f.ledger.achievements(org: "acme", user: "ana").compactMap { a -> AwardRecord? in
            if case .award(let e) = a { return e.award } else { return nil }
        }
        let backfilled = try #require(awards.first { $0.badgeID == "feedback-3" })
        #expect(backfilled.backfilled && backfilled.catalogVersion == 2)
        #expect(awards.first { $0.badgeID == "feedback-1" }?.backfilled == false)
        // Opening again with the same version backfills nothing more.
        try f.reopen(catalog: v2)
        #expect(try await f.awardIDs() == ["feedback-1", "feedback-3"])
    }

    @Test(arguments: StoreKind.allCases) func certificatesShareLinksAndSeen(store: StoreKind) async throws {
        let f = try LedgerFixture(store: store)
        try await f.enable()
        #expect(try await f.ledger.registerParticipant(Participant(organizationID: "acme", userID: "ana", programID: "p1", role: "agent", displayName: "Ana Lima")))
        try await f.record(.profileCompleted)
        f.clock.advance(seconds: 10)
        let certificate = try await f.ledger.issueCertificate(org: "acme", user: "ana", title: "Customer Hero", text: "For Q3", issuer: "Dana")
        #expect(try await f.ledger.achievements(org: "acme", user: "ana", unseenOnly: true).count == 2)
        guard case .certificate(let first) = try await f.ledger.achievements(org: "acme", user: "ana").first else {
            Issue.record("the newest achievement should be the certificate"); return
        }
        #expect(first.id == certificate.id)
        #expect(try await f.ledger.markSeen(org: "acme", user: "ana", badgeIDs: ["personal-profile"], certificateIDs: [], all: false) == 1)
        #expect(try await f.ledger.achievements(org: "acme", user: "ana", unseenOnly: true).count == 1)
        #expect(try await f.ledger.markSeen(org: "acme", user: "ana", badgeIDs: [], certificateIDs: [], all: true) == 1)

        let link = try await f.ledger.createShareLink(org: "acme", user: "ana", badgeID: "personal-profile")
        #expect(link.token.count >= 32)
        let shared = try await f.ledger.resolveShareLink(token: link.token)
        #expect(shared == SharedAward(badgeName: "All Set Up", badgeDescription: "Completed your profile", displayName: "Ana Lima",
                                      awardedAt: f.clock.now().adding(seconds: -10)))
        await #expect(throws: LedgerError.notFound("user 'ana' has no award of badge 'feedback-1'")) {
            try await f.ledger.createShareLink(org: "acme", user: "ana", badgeID: "feedback-1")
        }
        await #expect(throws: LedgerError.notFound("no share link '\(link.token)' for user 'bo'")) {
            try await f.ledger.revokeShareLink(org: "acme", user: "bo", token: link.token)
        }
        try await f.ledger.revokeShareLink(org: "acme", user: "ana", token: link.token)
        await #expect(throws: LedgerError.notFound("no such share link, or it was revoked")) { try await f.ledger.resolveShareLink(token: link.token) }
        try f.reopen()
        await #expect(throws: LedgerError.notFound("no such share link, or it was revoked")) { try await f.ledger.resolveShareLink(token: link.token) }
        #expect(try await f.ledger.achievements(org: "acme", user: "ana", unseenOnly: true).isEmpty)
    }

    @Test(arguments: StoreKind.allCases) func reportsCountEligibleEarnedAndInProgress(store: StoreKind) async throws {
        let f = try LedgerFixture(store: store)
        try await f.enable()
        for (user, role) in [("ana", "mentor"), ("bo", "mentor"), ("cy", "mentee")] {
            #expect(try await f.ledger.registerParticipant(Participant(organizationID: "acme", userID: user, programID: "p1", role: role, displayName: user.uppercased())))
        }
        for n in 1...5 { _ = try await f.completeSession("a\(n)", user: "ana") }
        _ = try await f.completeSession("b1", user: "bo")
        let summary = try #require(try await f.ledger.listBadges(org: "acme").first { $0.badge.id == "mentoring-mentor-5" })
        #expect((summary.eligible, summary.earned, summary.inProgress) == (2, 1, 1))
        let rows = try await f.ledger.badgeReport(org: "acme", badgeID: "mentoring-mentor-5").rows
        #expect(rows.map(\.userID) == ["ana", "bo"])
        #expect(rows[1].status == .inProgress(current: 1) && rows[1].threshold == 5 && rows[1].displayName == "BO")
        await #expect(throws: LedgerError.notFound("no badge 'nope' in the catalog")) { try await f.ledger.badgeReport(org: "acme", badgeID: "nope") }
    }

    @Test(arguments: StoreKind.allCases) func badEventsAreRefusedNamingTheField(store: StoreKind) async throws {
        let f = try LedgerFixture(store: store)
        let event = ActivityEvent(organizationID: "acme", eventID: "", userID: "ana", occurredAt: f.clock.now(), kind: .feedbackReceived)
        await #expect(throws: LedgerError.invalidArgument("event.event_id is required")) { try await f.ledger.record(event) }
        await #expect(throws: LedgerError.invalidArgument("event.session_scheduled.role is required (mentor, mentee, ...)")) {
            try await f.record(.sessionScheduled(sessionID: "s", role: "", programID: "p", scheduledEnd: f.clock.now()))
        }
    }
}

/// Identifiers are opaque text: quotes, backslashes, braces, commas, NULL-looking words and
/// non-ASCII survive a store (PostgreSQL's array literals escape the first few) and a restart.
@Suite("Identifiers are stored as given")
struct IdentifierTests {
    @Test(arguments: StoreKind.allCases) func awkwardIdentifiersRoundTrip(store: StoreKind) async throws {
        let f = try LedgerFixture(store: store)
        let org = #"org "q" \ {a,b}"#
        try await f.enable(org)
        let users = [#"a"b"#, #"back\slash"#, "{braces},comma", "NULL", "élève 名前 🎓", " spaced "]
        for (n, user) in users.enumerated() {
            try await f.record(.featureUsed(name: #"f"\,{}"# + user), user: user, org: org, id: #"f"\{\#(n)},"#)
            try await f.record(.feedbackReceived, user: user, org: org, id: #"e"\{\#(n)},"#)
            let again = try await f.record(.feedbackReceived, user: user, org: org, id: #"e"\{\#(n)},"#)
            #expect(again.duplicate, "the repeated id of \(user) was not recognised")
        }
        try f.reopen()
        for user in users {
            #expect(try await f.awardIDs(user, org: org) == ["feedback-1"], "awards of \(user)")
        }
        let stored = try f.storedEvents().map(\.event)
        #expect(stored.map(\.userID) == users.flatMap { [$0, $0] })
        #expect(stored.map(\.organizationID).allSatisfy { $0 == org })
        #expect(stored.compactMap { if case .featureUsed(let name) = $0.kind { name } else { nil } } == users.map { #"f"\,{}"# + $0 })
    }
}

@Suite("Reports include unregistered earners")
struct ReportCoverageTests {
    @Test(arguments: StoreKind.allCases) func earnersWithoutRegistrationAreListed(store: StoreKind) async throws {
        let f = try LedgerFixture(store: store)
        try await f.enable()
        _ = try await f.completeSession("s1", user: "walk-in")
        let rows = try await f.ledger.badgeReport(org: "acme", badgeID: "mentoring-mentor-1").rows
        #expect(rows.map(\.userID) == ["walk-in"])
        // Restricted to a program, only that program's participants count.
        #expect(try await f.ledger.badgeReport(org: "acme", badgeID: "mentoring-mentor-1", program: "p1").rows.isEmpty)
    }
}
