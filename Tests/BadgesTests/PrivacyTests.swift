import Badges
@testable import BadgeStore
import Foundation
import Testing

/// DeleteUser erases a user everywhere; ExportUser returns everything stored about them.
@Suite("Privacy")
struct PrivacyTests {
    private func fillAna(_ f: LedgerFixture) async throws {
        try await f.enable()
        _ = try await f.ledger.registerParticipant(Participant(organizationID: "acme", userID: "ana", programID: "p1", role: "mentor", displayName: "Ana Lima"))
        _ = try await f.ledger.registerParticipant(Participant(organizationID: "acme", userID: "bo", programID: "p1", role: "mentor", displayName: "Bo"))
        _ = try await f.completeSession("s1", user: "ana")
        _ = try await f.completeSession("s2", user: "bo")
        try await f.record(.featureUsed(name: "performance_page"), user: "ana", id: "ana-feature")
        _ = try await f.ledger.issueCertificate(org: "acme", user: "ana", title: "Helper", text: "For helping", issuer: "Admin")
        _ = try await f.ledger.createShareLink(org: "acme", user: "ana", badgeID: "mentoring-mentor-1")
        _ = try await f.ledger.updateDigestSubscription(org: "acme", user: "ana", DigestSubscription(
            enabled: true, frequency: .daily, weekday: nil, hour: 9, minute: 0, timeZone: "UTC", email: "ana@example.com"))
    }

    @Test(arguments: StoreKind.allCases) func exportHoldsEverythingStored(store: StoreKind) async throws {
        let f = try LedgerFixture(store: store)
        try await fillAna(f)
        let export = try await f.ledger.exportUser(org: "acme", user: "ana")
        #expect(export.registrations.map(\.displayName) == ["Ana Lima"])
        #expect(export.events.map(\.event.eventID).contains("ana-feature") && export.events.count == 3)
        #expect(export.state?.hasEarned("mentoring-mentor-1") == true)
        #expect(export.certificates.map(\.title) == ["Helper"] && export.shareLinks.count == 1)
        #expect(export.digest?.subscription.email == "ana@example.com")
        #expect(try await f.ledger.exportUser(org: "acme", user: "nobody").isEmpty)
    }

    @Test(arguments: StoreKind.allCases) func deletedUserIsGoneButTheirEventIDsStayDuplicates(store: StoreKind) async throws {
        let f = try LedgerFixture(store: store)
        try await fillAna(f)
        let before = try #require(try await f.ledger.listBadges(org: "acme").first { $0.badge.id == "mentoring-mentor-1" })
        #expect((before.eligible, before.earned) == (2, 2))

        #expect(try await f.ledger.deleteUser(org: "acme", user: "ana"))
        #expect(try await f.ledger.exportUser(org: "acme", user: "ana").isEmpty)
        #expect(try await f.ledger.achievements(org: "acme", user: "ana").isEmpty)
        let after = try #require(try await f.ledger.listBadges(org: "acme").first { $0.badge.id == "mentoring-mentor-1" })
        #expect((after.eligible, after.earned, after.inProgress) == (1, 1, 0))
        #expect(try await f.ledger.badgeReport(org: "acme", badgeID: "mentoring-mentor-1").rows.map(\.userID) == ["bo"])
        // Bo is untouched.
        #expect(try await f.awardIDs("bo").contains("mentoring-mentor-1"))

        // An old event id, retried after the erasure (and after a restart), is still a duplicate.
        #expect(try await f.record(.featureUsed(name: "performance_page"), user: "ana", id: "ana-feature").duplicate)
        try f.reopen()
        #expect(try await f.record(.featureUsed(name: "performance_page"), user: "ana", id: "ana-feature").duplicate)
        #expect(try await f.ledger.exportUser(org: "acme", user: "ana").isEmpty)
        // A new event starts the user afresh.
        #expect(try await f.record(.feedbackReceived, user: "ana", id: "ana-new").duplicate == false)
        #expect(try await f.ledger.exportUser(org: "acme", user: "ana").events.map(\.event.eventID) == ["ana-new"])
        #expect(try await f.ledger.deleteUser(org: "acme", user: "nobody") == false)
    }
}
