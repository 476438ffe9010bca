import Badges

/// One row change the ledger hands to the group committer, in the order it happened.
enum LedgerWrite: Sendable {
    case event(ActivityEvent, recordedAt: Instant)
    case session(org: String, user: String, SessionRecord)
    case counter(org: String, user: String, CounterKey, Int64)
    case feature(org: String, user: String, String)
    case award(org: String, user: String, AwardRecord)
    case awardSeen(org: String, user: String, badgeID: String)
    case organization(Organization)
    case participant(Participant)
    case certificate(Certificate)
    case certificateSeen(id: String)
    case shareLink(ShareLink)
    case catalogVersion(version: Int, badgeIDs: [String], appliedAt: Instant)

    static func changes(_ changes: Changes, org: String, user: String) -> [LedgerWrite] {
        var writes: [LedgerWrite] = []
        for record in changes.sessions.values { writes.append(.session(org: org, user: user, record)) }
        for (key, value) in changes.counters { writes.append(.counter(org: org, user: user, key, value)) }
        for name in changes.features { writes.append(.feature(org: org, user: user, name)) }
        for award in changes.awards { writes.append(.award(org: org, user: user, award)) }
        return writes
    }
}

/// Event kinds as the store numbers them.
enum EventKindCode: Int64 {
    case sessionScheduled = 1, sessionCompleted, sessionCancelled, feedbackReceived, coachingItemSaved
    case qaReviewCompleted, qaReviewReceived, profileCompleted, featureUsed
}
