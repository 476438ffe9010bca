import Badges

/// A user's digest subscription with the bookkeeping the scheduler needs.
public struct DigestRecord: Sendable, Hashable {
    public var subscription: DigestSubscription
    public var createdAt: Instant
    /// Achievements after this go into the next digest.
    public var lastDigestAt: Instant
    /// The due time of the last period handled (sent, queued or found empty).
    public var lastPeriodDue: Instant?
}

public enum OutboxState: Int, Sendable {
    case pending = 0, sent = 1, empty = 2
}

/// One period's digest: written once, sent until the relay takes it.
public struct OutboxEntry: Sendable, Hashable {
    public var org: String
    public var user: String
    public var period: String
    public var dueAt: Instant
    public var state: OutboxState
    public var recipient: String
    public var subject: String
    public var text: String
    public var html: String
    public var attempts: Int
    public var nextAttemptAt: Instant
    public var sentAt: Instant?
    public var lastError: String

    var key: OutboxKey { OutboxKey(org: org, user: user, period: period) }
}

/// One period of one user's digests, its ids compared byte for byte (see `BytewiseKey`).
struct OutboxKey: Hashable, Sendable {
    var org: BytewiseKey
    var user: BytewiseKey
    var period: String

    init(org: String, user: String, period: String) {
        self.org = BytewiseKey(org)
        self.user = BytewiseKey(user)
        self.period = period
    }
}

/// The contents of a digest: who it is for and what they earned since the last one.
public struct DigestContent: Sendable {
    public var displayName: String
    public var awards: [EarnedBadge]
    public var certificates: [Certificate]
}

extension BadgeLedger {
    public func digestSubscription(org: String, user: String) async throws -> DigestRecord? {
        let key = UserKey(org: org, user: user)
        return try await read(.user(key)) { $0.digests[key] }
    }

    /// Creates or replaces a subscription; a new one starts counting achievements from now.
    public func updateDigestSubscription(org: String, user: String, _ subscription: DigestSubscription) async throws -> DigestRecord {
        let key = UserKey(org: org, user: user)
        let now = clock.now()
        return try await commit(.user(key)) { s in
            // The first digest covers what is earned from this moment on (its window is
            // (lastDigestAt, due], so start it one millisecond back).
            var record = s.digests[key] ?? DigestRecord(subscription: subscription, createdAt: now,
                                                        lastDigestAt: Instant(milliseconds: now.milliseconds - 1), lastPeriodDue: nil)
            if record.subscription.timeZone != subscription.timeZone || record.subscription.frequency != subscription.frequency
                || record.subscription.weekday != subscription.weekday || record.subscription.localTime != subscription.localTime
                || !record.subscription.enabled {
                // A new schedule starts from now: nothing already due under the old one is owed.
                record.lastPeriodDue = now
            }
            record.subscription = subscription
            s.digests[key] = record
            return (record, [.digestSubscription(org: org, user: user, record)])
        }
    }

    /// Queues a digest for every subscription whose period has come (one per period, even
    /// after downtime), or records the period as empty when nothing new was earned. Returns
    /// the entries due for sending now, new and retried. `render` builds the message.
    public func queueDueDigests(render: @escaping @Sendable (DigestRecord, DigestContent) -> (subject: String, text: String, html: String)) async throws -> [OutboxEntry] {
        let now = clock.now()
        // The period looked up below is the latest one due by now: at most a week back.
        return try await commit(.digests(dueSince: now.adding(seconds: -8 * 86_400))) { s in
            var writes: [LedgerWrite] = []
            for (key, var record) in s.digests where record.subscription.enabled {
                guard s.organization(key.org).badgesAvailable else { continue }
                let anchor = record.lastPeriodDue ?? record.createdAt
                guard let dueAt = record.subscription.latestDue(after: anchor, now: now) else { continue }
                let period = record.subscription.period(of: dueAt)
                record.lastPeriodDue = dueAt
                if s.outbox[OutboxKey(org: key.org, user: key.user, period: period)] == nil {
                    let user = self.currentState(s, key)
                    let content = DigestContent(
                        displayName: s.displayName(of: key),
                        awards: user.awards.values.filter { $0.awardedAt > record.lastDigestAt && $0.awardedAt <= dueAt }
                            .sorted { ($0.awardedAt, $0.badgeID) < ($1.awardedAt, $1.badgeID) }.compactMap(self.catalog.earned),
                        certificates: (s.certificatesByUser[key] ?? []).compactMap { s.certificates[BytewiseKey($0)] }
                            .filter { $0.issuedAt > record.lastDigestAt && $0.issuedAt <= dueAt })
                    var entry = OutboxEntry(org: key.org, user: key.user, period: period, dueAt: dueAt, state: .empty,
                                            recipient: record.subscription.email, subject: "", text: "", html: "",
                                            attempts: 0, nextAttemptAt: now, sentAt: nil, lastError: "")
                    if !content.awards.isEmpty || !content.certificates.isEmpty {
                        let message = render(record, content)
                        entry.state = .pending
                        (entry.subject, entry.text, entry.html) = (message.subject, message.text, message.html)
                        // The next digest starts after this one's contents.
                        record.lastDigestAt = dueAt
                    }
                    s.outbox[entry.key] = entry
                    writes.append(.outbox(entry))
                }
                s.digests[key] = record
                writes.append(.digestSubscription(org: key.org, user: key.user, record))
            }
            let due = s.outbox.values.filter { $0.state == .pending && $0.nextAttemptAt <= now }
                .sorted { ($0.dueAt, $0.org, $0.user) < ($1.dueAt, $1.org, $1.user) }
            return (due, writes)
        }
    }

    /// Records a send's outcome: sent for good, or failed with the time of the next attempt.
    public func recordDigestAttempt(_ entry: OutboxEntry, error: String?, retryAt: Instant) async throws {
        let now = clock.now()
        try await commit(.digests(dueSince: entry.dueAt)) { s in
            guard var stored = s.outbox[entry.key], stored.state == .pending else { return ((), []) }
            stored.attempts += 1
            if let error {
                stored.lastError = error
                stored.nextAttemptAt = retryAt
            } else {
                stored.state = .sent
                stored.sentAt = now
                stored.lastError = ""
            }
            s.outbox[entry.key] = stored
            return ((), [.outbox(stored)])
        }
    }

    /// Every outbox entry, for tests and operators.
    public func outbox() async throws -> [OutboxEntry] {
        try await read(.digests(dueSince: nil)) { Array($0.outbox.values).sorted { ($0.dueAt, $0.user) < ($1.dueAt, $1.user) } }
    }
}
