import Badges
@testable import BadgeStore
import Testing

/// Random interleavings of events (duplicates, out-of-order session events, the clock jumping,
/// the sweeper running at random) give the same counters, sessions and awards as recomputing
/// from scratch over the events the store kept.
@Suite("Incremental equals recomputed")
struct PropertyTests {
    @Test(arguments: StoreKind.allCases, 1...12)
    func randomInterleavings(store: StoreKind, seed: UInt64) async throws {
        var random = SplitMix64(seed: seed)
        let f = try LedgerFixture(store: store)
        try await f.enable()
        let users = ["ana", "bo", "cy"]
        var usedIDs: [String] = []
        for step in 0..<250 {
            f.clock.advance(seconds: Int64.random(in: 0...1800, using: &random))
            if Int.random(in: 0..<10, using: &random) == 0 { try await f.ledger.sweep() }
            let session = "s\(Int.random(in: 0..<8, using: &random))"
            let kind: ActivityEvent.Kind
            switch Int.random(in: 0..<10, using: &random) {
            case 0, 1:
                kind = .sessionScheduled(sessionID: session, role: ["mentor", "mentee"].randomElement(using: &random)!, programID: "p1",
                                         scheduledEnd: f.clock.now().adding(seconds: Int64.random(in: -1800...7200, using: &random)))
            case 2, 3: kind = .sessionCompleted(sessionID: session)
            case 4: kind = .sessionCancelled(sessionID: session)
            case 5: kind = .feedbackReceived
            case 6: kind = .coachingItemSaved
            case 7: kind = [.qaReviewCompleted, .qaReviewReceived].randomElement(using: &random)!
            case 8: kind = .profileCompleted
            default: kind = .featureUsed(name: "f\(Int.random(in: 0..<6, using: &random))")
            }
            // One event in seven reuses an id, sometimes with another user.
            let id = !usedIDs.isEmpty && Int.random(in: 0..<7, using: &random) == 0 ? usedIDs.randomElement(using: &random)! : "e\(seed)-\(step)"
            usedIDs.append(id)
            try await f.record(kind, user: users.randomElement(using: &random)!, id: id)
        }
        f.clock.advance(seconds: 7200)

        // Recompute: replay the stored log in order, at the times the events were recorded.
        let stored = try f.storedEvents()
        #expect(Set(stored.map(\.event.eventID)).count == stored.count, "the log holds each event id once")
        let evaluator = Evaluator(catalog: f.catalog)
        let org = Organization(id: "acme", tier: .enterprise, badgesEnabled: true)
        var recomputed: [String: UserState] = [:]
        for (event, recordedAt) in stored {
            _ = evaluator.apply(event, to: &recomputed[event.userID, default: UserState()], organization: org, now: recordedAt)
        }
        let actualStates = try await f.ledger.currentStates(org: "acme", users: users)
        for (user, actual) in zip(users, actualStates) {
            var expected = recomputed[user] ?? UserState()
            var ignored = Changes()
            evaluator.settleDueSessions(&expected, organization: org, now: f.clock.now(), changes: &ignored)
            #expect(actual.counters == expected.counters, "counters of \(user), seed \(seed)")
            #expect(actual.sessions == expected.sessions, "sessions of \(user), seed \(seed)")
            #expect(actual.features == expected.features)
            #expect(Set(actual.awards.values.map { "\($0.badgeID)@\($0.eventID)" }) == Set(expected.awards.values.map { "\($0.badgeID)@\($0.eventID)" }),
                    "awards of \(user), seed \(seed)")
        }
        // And a restart answers as the running ledger did.
        let before = try await f.ledger.currentStates(org: "acme", users: users)
        try f.reopen()
        let after = try await f.ledger.currentStates(org: "acme", users: users)
        #expect(before == after)
    }
}
