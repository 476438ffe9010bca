import Badges
@testable import BadgeStore
import Testing

/// Switching an organization's badges on awards what its stored activity earned, a page of
/// users per commit, and a backfill cut short is finished later.
@Suite("Backfills in pages")
struct BackfillTests {
    private func fixture(_ store: StoreKind) throws -> LedgerFixture {
        var options = LedgerOptions()
        options.backfillPageSize = 2
        return try LedgerFixture(store: store, options: options)
    }

    private let users = (0..<7).map { "u\($0)" }

    @Test(arguments: StoreKind.allCases) func switchingOnAwardsEveryUserPageByPage(store: StoreKind) async throws {
        let f = try fixture(store)
        _ = try await f.ledger.configureOrganization(id: "acme", tier: .enterprise, badgesEnabled: false)
        for user in users { try await f.record(.feedbackReceived, user: user) }
        // Another organization's user stays out of it.
        try await f.enable("other")
        try await f.record(.coachingItemSaved, user: "u0", org: "other")

        let (_, awarded) = try await f.ledger.configureOrganization(id: "acme", tier: nil, badgesEnabled: true)
        #expect(awarded == users.count)
        for user in users { #expect(try await f.awardIDs(user) == ["feedback-1"], "awards of \(user)") }
        #expect(try await f.awardIDs("u0", org: "other") == ["coaching-1"])
        let counts = try #require(try await f.ledger.listBadges(org: "acme").first { $0.badge.id == "feedback-1" })
        #expect(counts.earned == users.count)
        // Nothing left pending.
        #expect(try await f.ledger.store.reports { try $0.pendingBackfills() }.isEmpty)
    }

    @Test(arguments: StoreKind.allCases) func aBackfillCutShortIsFinishedFromWhereItStopped(store: StoreKind) async throws {
        let f = try fixture(store)
        _ = try await f.ledger.configureOrganization(id: "acme", tier: .enterprise, badgesEnabled: false)
        for user in users { try await f.record(.feedbackReceived, user: user) }
        // As a stop would leave it: badges on, the backfill recorded past u2, nothing awarded yet.
        try await f.ledger.commit(.organizationSettings("acme")) { s in
            let on = Organization(id: "acme", tier: .enterprise, badgesEnabled: true)
            s.organizations[BytewiseKey("acme")] = on
            return ((), [.organization(on), .backfill(org: "acme", after: "u2")])
        }
        try f.reopen()
        try await f.ledger.resumeBackfills()
        // Live reads count what is earned already; stored awards are what the backfill made.
        for user in users.dropFirst(3) { #expect(try await f.ledger.exportUser(org: "acme", user: user).state?.hasEarned("feedback-1") == true) }
        for user in users.prefix(3) { #expect(try await f.ledger.exportUser(org: "acme", user: user).state?.hasEarned("feedback-1") == false) }
        #expect(try await f.ledger.store.reports { try $0.pendingBackfills() }.isEmpty)
    }
}
