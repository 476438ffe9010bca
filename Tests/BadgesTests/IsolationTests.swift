import Badges
@testable import BadgeStore
import Testing

/// Ids that look alike stay apart, and asking about users who do not exist stores nothing.
@Suite("Isolation")
struct IsolationTests {
    /// "José" precomposed and with a combining accent: equal to Swift's `String ==`, two ids here.
    static let composed = "Jos\u{E9}"
    static let decomposed = "Jose\u{301}"

    @Test(arguments: StoreKind.allCases) func lookAlikeIdsAreDistinct(store: StoreKind) async throws {
        #expect(Self.composed == Self.decomposed, "the premise: Swift's String equality conflates them")
        let f = try LedgerFixture(store: store)
        try await f.enable("caf\u{E9}")
        try await f.enable("cafe\u{301}", tier: .free)
        // Two organizations: one has badges, the other is on the free tier.
        try await f.record(.profileCompleted, user: "ana", org: "caf\u{E9}")
        try await f.record(.profileCompleted, user: "ana", org: "cafe\u{301}")
        #expect(try await f.awardIDs("ana", org: "caf\u{E9}") == ["personal-profile"])
        await #expect(throws: LedgerError.self) { try await f.awardIDs("ana", org: "cafe\u{301}") }

        // Two users in one organization, and two event ids that are not duplicates.
        let first = try await f.record(.feedbackReceived, user: Self.composed, org: "caf\u{E9}", id: "r\u{E9}1")
        let second = try await f.record(.feedbackReceived, user: Self.decomposed, org: "caf\u{E9}", id: "re\u{301}1")
        #expect(!first.duplicate && !second.duplicate)
        #expect(first.awarded.map(\.badge.id) == ["feedback-1"] && second.awarded.map(\.badge.id) == ["feedback-1"])
        // Sessions with look-alike ids are two sessions.
        try await f.record(.sessionScheduled(sessionID: "s\u{E9}", role: "mentor", programID: "p", scheduledEnd: f.clock.now().adding(seconds: 60)),
                           user: "ana", org: "caf\u{E9}")
        try await f.record(.sessionCompleted(sessionID: "se\u{301}"), user: "ana", org: "caf\u{E9}")
        #expect(try await f.awardIDs("ana", org: "caf\u{E9}") == ["personal-profile"], "completing the other session counts nothing")

        try f.reopen()
        #expect(try await f.awardIDs(Self.composed, org: "caf\u{E9}") == ["feedback-1"])
        #expect(try await f.awardIDs(Self.decomposed, org: "caf\u{E9}") == ["feedback-1"])
        let duplicate = try await f.record(.feedbackReceived, user: Self.decomposed, org: "caf\u{E9}", id: "re\u{301}1")
        #expect(duplicate.duplicate)
    }

    @Test(arguments: StoreKind.allCases) func readsAndMarksOfUnknownUsersStoreNothing(store: StoreKind) async throws {
        let f = try LedgerFixture(store: store)
        try await f.enable()
        for n in 0..<20 {
            let user = "stranger-\(n)"
            #expect(try await f.ledger.markSeen(org: "acme", user: user, badgeIDs: ["feedback-1", "no-such-badge"], certificateIDs: ["cert-x"], all: false) == 0)
            #expect(try await f.ledger.markSeen(org: "acme", user: user, badgeIDs: [], certificateIDs: [], all: true) == 0)
            _ = try await f.ledger.achievementsPage(org: "acme", user: user)
            _ = try await f.ledger.achievements(org: "acme", user: user, unseenOnly: true)
            #expect(try await f.ledger.digestSubscription(org: "acme", user: user) == nil)
        }
        let users = try await f.ledger.read(.organization("acme")) { $0.users.count }
        #expect(users == 0)
    }
}
