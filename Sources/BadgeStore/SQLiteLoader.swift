import Badges

/// Reads the part of the state a plan names from SQLite into a `LedgerState`, users from a
/// cache when it holds them. The SQLite counterpart of `PostgresLoader`; the one connection
/// it reads through is used by one thread at a time (the committer's, or a reader's).
final class SQLiteLoader {
    private let db: SQLiteDatabase
    private let catalogVersion: SQLiteStatement
    private let allOrganizationIDs: SQLiteStatement
    private let organization: SQLiteStatement
    private let userState: SQLiteStatement
    private let userAwards: SQLiteStatement
    private let organizationStates: SQLiteStatement
    private let appliedSeq: SQLiteStatement
    private let pageUsers: SQLiteStatement
    private let organizationAwards: SQLiteStatement
    private let dueUsers: SQLiteStatement
    private let eventExists: SQLiteStatement
    private let registrations: SQLiteStatement
    private let organizationRegistrations: SQLiteStatement
    private let certificates: SQLiteStatement
    private let subscription: SQLiteStatement
    private let allSubscriptions: SQLiteStatement
    private let outbox: SQLiteStatement
    private let shareLink: SQLiteStatement

    static let awardColumns = "badge_id, awarded_at, event_id, catalog_version, backfilled, seen"
    static let subscriptionColumns = "enabled, weekly, weekday, hour, minute, time_zone, email, created_at, last_digest_at, last_period_due"

    init(_ db: SQLiteDatabase) throws {
        self.db = db
        catalogVersion = try db.prepare("SELECT coalesce(max(version), 0) FROM catalog_versions")
        allOrganizationIDs = try db.prepare("SELECT org_id FROM organizations UNION SELECT DISTINCT org_id FROM user_states")
        organization = try db.prepare("SELECT tier, badges_enabled FROM organizations WHERE org_id = ?")
        userState = try db.prepare("SELECT state FROM user_states WHERE org_id = ? AND user_id = ?")
        userAwards = try db.prepare("SELECT \(Self.awardColumns) FROM user_awards WHERE org_id = ? AND user_id = ?")
        organizationStates = try db.prepare("SELECT user_id, state FROM user_states WHERE org_id = ?")
        pageUsers = try db.prepare("SELECT user_id FROM user_states WHERE org_id = ? AND user_id > ? ORDER BY user_id LIMIT ?")
        appliedSeq = try db.prepare("SELECT applied_seq FROM user_states WHERE org_id = ? AND user_id = ?")
        organizationAwards = try db.prepare("SELECT \(Self.awardColumns), user_id FROM user_awards WHERE org_id = ?")
        dueUsers = try db.prepare("SELECT org_id, user_id FROM user_states WHERE next_due <= ? ORDER BY next_due LIMIT 10000")
        eventExists = try db.prepare("SELECT 1 FROM activity_ids WHERE org_id = ? AND event_id = ?")
        registrations = try db.prepare("""
            SELECT program_id, role, display_name FROM participants WHERE org_id = ? AND user_id = ? ORDER BY program_id, role
            """)
        organizationRegistrations = try db.prepare("""
            SELECT user_id, program_id, role, display_name FROM participants WHERE org_id = ? ORDER BY user_id, program_id, role
            """)
        certificates = try db.prepare("""
            SELECT id, title, text, issuer, issued_at, seen FROM certificates WHERE org_id = ? AND user_id = ? ORDER BY issued_at, id
            """)
        subscription = try db.prepare("SELECT \(Self.subscriptionColumns) FROM digest_subscriptions WHERE org_id = ? AND user_id = ?")
        allSubscriptions = try db.prepare("SELECT \(Self.subscriptionColumns), org_id, user_id FROM digest_subscriptions")
        outbox = try db.prepare("SELECT \(Self.outboxColumns) FROM digest_outbox WHERE state = 0 OR ? IS NULL OR due_at >= ?")
        shareLink = try db.prepare("SELECT org_id, user_id, badge_id, created_at, revoked FROM share_links WHERE token = ?")
    }

    /// The state a plan names. `known` answers whether an event id is known other than by its
    /// row in `activity_ids` (not yet listed, or erased with its user and kept as a keyed
    /// hash); `held` gives states newer than their rows, or already read.
    func load(_ originalPlan: ScopePlan, held: (any UserStateSource)? = nil,
              known: (EventKey) throws -> Bool = { _ in false }) throws -> LedgerState {
        var plan = originalPlan
        var s = LedgerState()
        if let version = plan.catalogVersion {
            try catalogVersion.query { s.catalogVersion = Int($0.int(0)) }
            // A newer catalog backfills: every organization, whole.
            if version > s.catalogVersion && s.catalogVersion > 0 {
                try allOrganizationIDs.query { plan.wholeOrganizations.insert(BytewiseKey($0.text(0))) }
            }
        }
        for token in plan.shareTokens {
            try shareLink.query(.text(token)) { row in
                let link = ShareLink(token: token, organizationID: row.text(0), userID: row.text(1), badgeID: row.text(2),
                                     createdAt: Instant(milliseconds: row.int(3)), revoked: row.int(4) != 0)
                s.shareLinks[BytewiseKey(token)] = link
                plan.detailedUsers.insert(UserKey(org: link.organizationID, user: link.userID))
            }
        }
        if plan.digests { try loadDigests(&plan, &s) }
        if let dueBy = plan.dueBy {
            try dueUsers.query(.integer(dueBy.milliseconds)) { plan.users.insert(UserKey(org: $0.text(0), user: $0.text(1))) }
            plan.users.formUnion(held?.due(by: dueBy) ?? [])
        }
        for (org, page) in plan.pages {
            var ids: [String] = []
            try pageUsers.query(.text(org.string), .text(page.after), .integer(Int64(page.limit))) { ids.append($0.text(0)) }
            let more = ids.count == page.limit
            // Users whose state is held but has no row yet belong to the page too.
            let bound = more ? ids.last : nil
            for key in (held?.states(in: org) ?? [:]).keys
            where page.after.bytewiseLess(than: key.user) && bound.map({ !$0.bytewiseLess(than: key.user) }) ?? true {
                ids.append(key.user)
            }
            let users = Set(ids.map { BytewiseKey($0) }).sorted().map { UserKey(org: org.string, user: $0.string) }
            s.pages[org] = UserPage(after: page.after, users: users, more: more)
            plan.users.formUnion(users)
        }
        plan.users.formUnion(plan.detailedUsers)
        plan.organizations.formUnion(plan.users.map { BytewiseKey($0.org) })
        plan.organizations.formUnion(plan.wholeOrganizations)
        for id in plan.organizations {
            try organization.query(.text(id.string)) { row in
                s.organizations[id] = Organization(id: id.string, tier: Tier(rawValue: Int(row.int(0))) ?? .unspecified, badgesEnabled: row.int(1) != 0)
            }
        }
        for org in plan.wholeOrganizations {
            try loadOrganizationUsers(org.string, &s)
            for (key, state) in held?.states(in: org) ?? [:] { s.users[key] = state }
        }
        for key in plan.users where s.users[key] == nil && !plan.wholeOrganizations.contains(BytewiseKey(key.org)) {
            if let cached = held?.state(key) {
                s.users[key] = cached
            } else if let state = try loadUser(key) {
                s.users[key] = state
            }
        }
        for key in plan.detailedUsers where !plan.wholeOrganizations.contains(BytewiseKey(key.org)) {
            try loadRegistrations(key, &s)
        }
        for key in plan.detailedUsers { try loadDetails(key, &s) }
        for key in plan.events {
            var found = try known(key)
            if !found { try eventExists.query(.text(key.org), .text(key.eventID)) { _ in found = true } }
            if found { _ = s.eventIDs.insert(key) }
        }
        for (key, user) in s.users {
            if let end = user.earliestScheduledEnd { s.dueSessions.push(end, key) }
        }
        return s
    }

    /// A user's stored state with awards; nil when nothing is stored.
    func loadUser(_ key: UserKey) throws -> UserState? {
        var state: UserState?
        try userState.query(.text(key.org), .text(key.user)) { state = try UserSnapshot.decode($0.blob(0)) }
        try userAwards.query(.text(key.org), .text(key.user)) { row in
            let award = Self.award(row, from: 0)
            state = state ?? UserState()
            state!.awards[award.badgeID] = award
        }
        return state
    }

    /// The last event a user's stored state reflects (0: no row).
    func appliedSequence(_ key: UserKey) throws -> Int64 {
        var seq: Int64 = 0
        try appliedSeq.query(.text(key.org), .text(key.user)) { seq = $0.int(0) }
        return seq
    }

    private func loadOrganizationUsers(_ org: String, _ s: inout LedgerState) throws {
        try organizationStates.query(.text(org)) { row in
            s.users[UserKey(org: org, user: row.text(0))] = try UserSnapshot.decode(row.blob(1))
        }
        try organizationAwards.query(.text(org)) { row in
            let award = Self.award(row, from: 0)
            s.users[UserKey(org: org, user: row.text(6)), default: UserState()].awards[award.badgeID] = award
        }
        try organizationRegistrations.query(.text(org)) { row in
            let p = Participant(organizationID: org, userID: row.text(0), programID: row.text(1), role: row.text(2), displayName: row.text(3))
            s.participants[BytewiseKey(org), default: [:]][BytewiseKey(p.userID), default: []].append(p)
        }
    }

    private func loadRegistrations(_ key: UserKey, _ s: inout LedgerState) throws {
        try registrations.query(.text(key.org), .text(key.user)) { row in
            let p = Participant(organizationID: key.org, userID: key.user, programID: row.text(0), role: row.text(1), displayName: row.text(2))
            s.participants[BytewiseKey(key.org), default: [:]][BytewiseKey(key.user), default: []].append(p)
        }
    }

    /// Certificates and the digest subscription.
    private func loadDetails(_ key: UserKey, _ s: inout LedgerState) throws {
        guard s.certificatesByUser[key] == nil else { return }
        try certificates.query(.text(key.org), .text(key.user)) { row in
            let c = Certificate(id: row.text(0), organizationID: key.org, userID: key.user, title: row.text(1), text: row.text(2),
                                issuer: row.text(3), issuedAt: Instant(milliseconds: row.int(4)), seen: row.int(5) != 0)
            s.certificates[BytewiseKey(c.id)] = c
            s.certificatesByUser[key, default: []].append(c.id)
        }
        if s.digests[key] == nil {
            try subscription.query(.text(key.org), .text(key.user)) { s.digests[key] = Self.digestRecord($0, from: 0) }
        }
    }

    private func loadDigests(_ plan: inout ScopePlan, _ s: inout LedgerState) throws {
        try allSubscriptions.query { row in
            let key = UserKey(org: row.text(10), user: row.text(11))
            s.digests[key] = Self.digestRecord(row, from: 0)
            plan.detailedUsers.insert(key)
        }
        let since: SQLiteValue = plan.wholeOutbox ? .null : plan.outboxSince.map { .integer($0.milliseconds) } ?? .null
        try outbox.query(since, since) { row in
            let e = Self.outboxEntry(row)
            s.outbox[e.key] = e
        }
    }

    static let outboxColumns = """
        org_id, user_id, period, due_at, state, recipient, subject, text_body, html_body, attempts, next_attempt_at, sent_at, last_error
        """

    static func outboxEntry(_ row: SQLiteRow) -> OutboxEntry {
        OutboxEntry(org: row.text(0), user: row.text(1), period: row.text(2), dueAt: Instant(milliseconds: row.int(3)),
                    state: OutboxState(rawValue: Int(row.int(4))) ?? .pending, recipient: row.text(5), subject: row.text(6),
                    text: row.text(7), html: row.text(8), attempts: Int(row.int(9)), nextAttemptAt: Instant(milliseconds: row.int(10)),
                    sentAt: row.isNull(11) ? nil : Instant(milliseconds: row.int(11)), lastError: row.text(12))
    }

    static func award(_ row: SQLiteRow, from c: Int32) -> AwardRecord {
        AwardRecord(badgeID: row.text(c), awardedAt: Instant(milliseconds: row.int(c + 1)), eventID: row.text(c + 2),
                    catalogVersion: Int(row.int(c + 3)), backfilled: row.int(c + 4) != 0, seen: row.int(c + 5) != 0)
    }

    static func digestRecord(_ row: SQLiteRow, from c: Int32) -> DigestRecord {
        let subscription = DigestSubscription(enabled: row.int(c) != 0, frequency: row.int(c + 1) != 0 ? .weekly : .daily,
                                              weekday: row.isNull(c + 2) ? nil : Int(row.int(c + 2)), hour: Int(row.int(c + 3)),
                                              minute: Int(row.int(c + 4)), timeZone: row.text(c + 5), email: row.text(c + 6))
        return DigestRecord(subscription: subscription, createdAt: Instant(milliseconds: row.int(c + 7)),
                            lastDigestAt: Instant(milliseconds: row.int(c + 8)), lastPeriodDue: row.isNull(c + 9) ? nil : Instant(milliseconds: row.int(c + 9)))
    }
}

extension SQLiteLoader {
    static let eventColumns = "org_id, event_id, user_id, kind, occurred_at, recorded_at, session_id, role, program_id, scheduled_end, feature"

    /// The event a row of `eventColumns` holds, with when it was recorded; nil for a kind
    /// this build does not know.
    static func event(_ row: SQLiteRow, from c: Int32 = 0) -> (event: ActivityEvent, recordedAt: Instant)? {
        guard let kind = ActivityEvent.Kind(code: row.int(c + 3), session: row.text(c + 6), role: row.text(c + 7), program: row.text(c + 8),
                                            scheduledEnd: row.int(c + 9), feature: row.text(c + 10)) else { return nil }
        let event = ActivityEvent(organizationID: row.text(c), eventID: row.text(c + 1), userID: row.text(c + 2),
                                  occurredAt: Instant(milliseconds: row.int(c + 4)), kind: kind)
        return (event, Instant(milliseconds: row.int(c + 5)))
    }

    /// Every stored event in the order it was recorded (for tests and tools: reads them all).
    static func storedEvents(_ db: SQLiteDatabase) throws -> [(event: ActivityEvent, recordedAt: Instant)] {
        var events: [(event: ActivityEvent, recordedAt: Instant)] = []
        try db.prepare("SELECT \(eventColumns) FROM activity ORDER BY seq").query { row in
            if let e = event(row) { events.append(e) }
        }
        return events
    }
}
