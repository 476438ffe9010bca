import Badges

/// One row change the ledger hands to the group committer, in the order it happened.
enum LedgerWrite: Sendable {
    case event(ActivityEvent, recordedAt: Instant)
    case award(org: String, user: String, AwardRecord)
    case awardSeen(org: String, user: String, badgeID: String)
    case organization(Organization)
    case participant(Participant)
    case certificate(Certificate)
    case certificateSeen(id: String)
    case shareLink(ShareLink)
    case catalogVersion(version: Int, badgeIDs: [String], appliedAt: Instant)
    case digestSubscription(org: String, user: String, DigestRecord)
    case outbox(OutboxEntry)
    /// Adds to the organization's counts of a badge's earners and users in progress.
    case badgeCount(org: String, badgeID: String, earned: Int, inProgress: Int)
    /// Empties the badge counts (a new catalog: they are counted again).
    case resetBadgeCounts
    /// Adds to the count of users registered in a program and role ("" for any).
    case roleCount(org: String, program: String, role: String, users: Int)
    /// Where an organization's backfill (badges switched on) has come to: past `after`;
    /// nil when done.
    case backfill(org: String, after: String?)
    /// Deletes every row of a user (DeleteUser), keeping their event ids as keyed hashes.
    case eraseUser(org: String, user: String)
    /// Changes nothing, but writes a page as any change would: a commit of it shows whether
    /// the store can commit again.
    case probe

    /// What of an evaluation's changes is written as rows of their own: the awards. Counters,
    /// sessions and features are stored with the user's state, which the store saves for
    /// every user a batch changed.
    static func changes(_ changes: Changes, org: String, user: String) -> [LedgerWrite] {
        changes.awards.map { .award(org: org, user: user, $0) }
    }
}

/// Event kinds as the store numbers them.
enum EventKindCode: Int64 {
    case sessionScheduled = 1, sessionCompleted, sessionCancelled, feedbackReceived, coachingItemSaved
    case qaReviewCompleted, qaReviewReceived, profileCompleted, featureUsed
}

/// An event kind as the `events` table stores it: a code and the columns that kind fills.
struct EventColumns {
    var code: EventKindCode
    var session: String?
    var role: String?
    var program: String?
    var scheduledEnd: Int64?
    var feature: String?

    init(_ kind: ActivityEvent.Kind) {
        switch kind {
        case .sessionScheduled(let id, let role, let program, let end):
            self.init(code: .sessionScheduled, session: id, role: role, program: program, scheduledEnd: end.milliseconds)
        case .sessionCompleted(let id): self.init(code: .sessionCompleted, session: id)
        case .sessionCancelled(let id): self.init(code: .sessionCancelled, session: id)
        case .feedbackReceived: self.init(code: .feedbackReceived)
        case .coachingItemSaved: self.init(code: .coachingItemSaved)
        case .qaReviewCompleted: self.init(code: .qaReviewCompleted)
        case .qaReviewReceived: self.init(code: .qaReviewReceived)
        case .profileCompleted: self.init(code: .profileCompleted)
        case .featureUsed(let name): self.init(code: .featureUsed, feature: name)
        }
    }

    // Labelled `code:`: an unlabelled `.feedbackReceived` would name the kind, not the code.
    private init(code: EventKindCode, session: String? = nil, role: String? = nil, program: String? = nil,
                 scheduledEnd: Int64? = nil, feature: String? = nil) {
        (self.code, self.session, self.role, self.program, self.scheduledEnd, self.feature) = (code, session, role, program, scheduledEnd, feature)
    }
}

extension ActivityEvent.Kind {
    /// The kind a stored event row describes; nil for a code this build does not know.
    init?(code: Int64, session: String, role: String, program: String, scheduledEnd: Int64, feature: String) {
        switch EventKindCode(rawValue: code) {
        case .sessionScheduled:
            self = .sessionScheduled(sessionID: session, role: role, programID: program, scheduledEnd: Instant(milliseconds: scheduledEnd))
        case .sessionCompleted: self = .sessionCompleted(sessionID: session)
        case .sessionCancelled: self = .sessionCancelled(sessionID: session)
        case .feedbackReceived: self = .feedbackReceived
        case .coachingItemSaved: self = .coachingItemSaved
        case .qaReviewCompleted: self = .qaReviewCompleted
        case .qaReviewReceived: self = .qaReviewReceived
        case .profileCompleted: self = .profileCompleted
        case .featureUsed: self = .featureUsed(name: feature)
        case nil: return nil
        }
    }
}
