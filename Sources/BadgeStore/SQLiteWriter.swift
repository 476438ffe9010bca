import Badges

/// Writes ledger changes through prepared statements on the writer connection.
final class SQLiteWriter {
    // Kept for the statements below, which hold their connection unowned.
    private let db: SQLiteDatabase
    // Prepared once: each commit parsed these anew through sqlite3_exec.
    let begin: SQLiteStatement
    let commit: SQLiteStatement
    let rollback: SQLiteStatement
    private let insertEvent: SQLiteStatement
    /// The `seq` of the last event stored: events keep the order they were recorded in.
    private(set) var eventSequence: Int64
    /// The numbers the last `apply` gave each user's events, and each event.
    private(set) var eventSeqs: [UserKey: [Int64]] = [:]
    private(set) var newEvents: [(seq: Int64, key: EventKey)] = []
    /// Ids of the events the last `apply` erased.
    private(set) var erasedEvents: [EventKey] = []
    /// Events of a user not yet listed in `activity_by_user` (the committer's dirty users).
    var unlistedEvents: (UserKey) -> [Int64] = { _ in [] }
    private let listEvent: SQLiteStatement
    private let saveReplayPoint: SQLiteStatement
    private let insertAward: SQLiteStatement
    private let markAwardSeen: SQLiteStatement
    private let saveUser: SQLiteStatement
    private let addBadgeCount: SQLiteStatement
    private let addRoleCount: SQLiteStatement
    private let resetBadgeCounts: SQLiteStatement
    private let upsertOrganization: SQLiteStatement
    private let upsertParticipant: SQLiteStatement
    private let insertCertificate: SQLiteStatement
    private let markCertificateSeen: SQLiteStatement
    private let upsertShareLink: SQLiteStatement
    private let insertCatalogVersion: SQLiteStatement
    private let upsertDigest: SQLiteStatement
    private let upsertOutbox: SQLiteStatement
    private let probe: SQLiteStatement
    /// The store's key for erased users' event ids.
    let digester: EventIDDigester
    private let userEventSeqs: SQLiteStatement
    private let eventIDOfSeq: SQLiteStatement
    private let deleteEventSeq: SQLiteStatement
    private let deleteListedID: SQLiteStatement
    private let listID: SQLiteStatement
    private let saveBackfill: SQLiteStatement
    private let endBackfill: SQLiteStatement
    private let saveIDsThrough: SQLiteStatement
    private let insertErasedEventID: SQLiteStatement
    private let eraseStatements: [SQLiteStatement]

    init(_ db: SQLiteDatabase) throws {
        self.db = db
        digester = try EventIDDigester.sqlite(db)
        insertErasedEventID = try db.prepare("INSERT OR IGNORE INTO erased_event_ids (org_id, digest) VALUES (?, ?)")
        eraseStatements = try ["activity_by_user", "user_states", "user_awards", "participants", "certificates", "share_links",
                               "digest_subscriptions", "digest_outbox"].map { try db.prepare("DELETE FROM \($0) WHERE org_id = ? AND user_id = ?") }
        begin = try db.prepare("BEGIN IMMEDIATE")
        commit = try db.prepare("COMMIT")
        rollback = try db.prepare("ROLLBACK")
        insertEvent = try db.prepare("""
            INSERT INTO activity (org_id, event_id, seq, user_id, kind, occurred_at, recorded_at, session_id, role, program_id,
                scheduled_end, feature) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        listEvent = try db.prepare("INSERT OR IGNORE INTO activity_by_user (org_id, user_id, seq) VALUES (?, ?, ?)")
        saveReplayPoint = try db.prepare("INSERT OR REPLACE INTO store_meta (name, value) VALUES ('replay_from', ?)")
        userEventSeqs = try db.prepare("SELECT seq FROM activity_by_user WHERE org_id = ? AND user_id = ?")
        eventIDOfSeq = try db.prepare("SELECT event_id FROM activity WHERE seq = ?")
        deleteEventSeq = try db.prepare("DELETE FROM activity WHERE seq = ?")
        deleteListedID = try db.prepare("DELETE FROM activity_ids WHERE org_id = ? AND event_id = ?")
        saveBackfill = try db.prepare("INSERT OR REPLACE INTO org_backfills (org_id, after_user) VALUES (?, ?)")
        endBackfill = try db.prepare("DELETE FROM org_backfills WHERE org_id = ?")
        listID = try db.prepare("INSERT OR IGNORE INTO activity_ids (org_id, event_id) VALUES (?, ?)")
        saveIDsThrough = try db.prepare("INSERT OR REPLACE INTO store_meta (name, value) VALUES ('ids_through', ?)")
        // Numbering resumes after the newest stored event (the rowid's maximum: one lookup).
        var newest: Int64 = 0
        try db.prepare("SELECT coalesce(max(seq), 0) FROM activity").query { newest = $0.int(0) }
        eventSequence = newest
        insertAward = try db.prepare("""
            INSERT INTO user_awards (org_id, user_id, badge_id, awarded_at, event_id, catalog_version, backfilled, seen)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        markAwardSeen = try db.prepare("UPDATE user_awards SET seen = 1 WHERE org_id = ? AND user_id = ? AND badge_id = ?")
        // An upsert rewrites the row in place (INSERT OR REPLACE deletes it first, then inserts).
        saveUser = try db.prepare("""
            INSERT INTO user_states (org_id, user_id, state, next_due, applied_seq) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (org_id, user_id) DO UPDATE SET state = excluded.state, next_due = excluded.next_due, applied_seq = excluded.applied_seq
            """)
        addBadgeCount = try db.prepare("""
            INSERT INTO badge_counts (org_id, badge_id, earned, in_progress) VALUES (?, ?, ?, ?)
            ON CONFLICT (org_id, badge_id) DO UPDATE SET earned = earned + excluded.earned, in_progress = in_progress + excluded.in_progress
            """)
        resetBadgeCounts = try db.prepare("DELETE FROM badge_counts")
        addRoleCount = try db.prepare("""
            INSERT INTO role_counts (org_id, program_id, role, users) VALUES (?, ?, ?, ?)
            ON CONFLICT (org_id, program_id, role) DO UPDATE SET users = users + excluded.users
            """)
        upsertOrganization = try db.prepare("""
            INSERT INTO organizations (org_id, tier, badges_enabled) VALUES (?, ?, ?)
            ON CONFLICT (org_id) DO UPDATE SET tier = excluded.tier, badges_enabled = excluded.badges_enabled
            """)
        upsertParticipant = try db.prepare("""
            INSERT INTO participants (org_id, user_id, program_id, role, display_name) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (org_id, user_id, program_id, role) DO UPDATE SET display_name = excluded.display_name
            """)
        insertCertificate = try db.prepare("""
            INSERT INTO certificates (id, org_id, user_id, title, text, issuer, issued_at, seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        markCertificateSeen = try db.prepare("UPDATE certificates SET seen = 1 WHERE id = ?")
        upsertShareLink = try db.prepare("""
            INSERT INTO share_links (token, org_id, user_id, badge_id, created_at, revoked) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (token) DO UPDATE SET revoked = excluded.revoked
            """)
        insertCatalogVersion = try db.prepare("INSERT OR REPLACE INTO catalog_versions (version, badge_ids, applied_at) VALUES (?, ?, ?)")
        upsertDigest = try db.prepare("""
            INSERT OR REPLACE INTO digest_subscriptions (org_id, user_id, enabled, weekly, weekday, hour, minute, time_zone, email,
                created_at, last_digest_at, last_period_due) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        // Rewrites a row with its own values: nothing changes, but a page is written.
        probe = try db.prepare("UPDATE catalog_versions SET version = version WHERE version = (SELECT max(version) FROM catalog_versions)")
        upsertOutbox = try db.prepare("""
            INSERT OR REPLACE INTO digest_outbox (org_id, user_id, period, due_at, state, recipient, subject, text_body, html_body,
                attempts, next_attempt_at, sent_at, last_error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
    }

    /// Writes one transaction's rows, numbering its events (`eventSeqs`).
    func apply(_ writes: [LedgerWrite]) throws {
        let sequenceBefore = eventSequence
        eventSeqs.removeAll(keepingCapacity: true)
        newEvents.removeAll(keepingCapacity: true)
        erasedEvents.removeAll()
        do {
            for write in writes { try apply(write) }
        } catch {
            eventSequence = sequenceBefore  // the transaction is rolled back
            throw error
        }
    }

    /// Writes users' states with the events they reflect, and where a replay would start.
    func writeStates(_ users: [(UserKey, DirtyUsers.Entry)], replayFrom: Int64) throws {
        for (key, entry) in users {
            try saveUser.run(.text(key.org), .text(key.user), .blob(UserSnapshot.encode(entry.state)),
                             entry.state.earliestScheduledEnd.map { .integer($0.milliseconds) } ?? .null, .integer(entry.lastSeq))
            for seq in entry.eventSeqs { try listEvent.run(.text(key.org), .text(key.user), .integer(seq)) }
        }
        try saveReplayPoint.run(.integer(replayFrom))
    }

    /// Lists event ids in `activity_ids`: every id of an event up to `through` is then there.
    func listIDs(_ ids: [EventKey], through: Int64) throws {
        for key in ids { try listID.run(.text(key.org), .text(key.eventID)) }
        try saveIDsThrough.run(.integer(through))
    }

    private func apply(_ write: LedgerWrite) throws {
        switch write {
        case .event(let e, let recordedAt):
            eventSequence += 1
            eventSeqs[UserKey(org: e.organizationID, user: e.userID), default: []].append(eventSequence)
            newEvents.append((eventSequence, EventKey(org: e.organizationID, eventID: e.eventID)))
            let c = EventColumns(e.kind)
            try insertEvent.run(.text(e.organizationID), .text(e.eventID), .integer(eventSequence), .text(e.userID), .integer(c.code.rawValue),
                                .integer(e.occurredAt.milliseconds), .integer(recordedAt.milliseconds), optional(c.session), optional(c.role),
                                optional(c.program), c.scheduledEnd.map { .integer($0) } ?? .null, optional(c.feature))
        case .award(let org, let user, let a):
            try insertAward.run(.text(org), .text(user), .text(a.badgeID), .integer(a.awardedAt.milliseconds), .text(a.eventID),
                                .integer(Int64(a.catalogVersion)), .integer(a.backfilled ? 1 : 0), .integer(a.seen ? 1 : 0))
        case .awardSeen(let org, let user, let badgeID):
            try markAwardSeen.run(.text(org), .text(user), .text(badgeID))
        case .badgeCount(let org, let badgeID, let earned, let inProgress):
            try addBadgeCount.run(.text(org), .text(badgeID), .integer(Int64(earned)), .integer(Int64(inProgress)))
        case .resetBadgeCounts:
            try resetBadgeCounts.run()
        case .roleCount(let org, let program, let role, let users):
            try addRoleCount.run(.text(org), .text(program), .text(role), .integer(Int64(users)))
        case .organization(let o):
            try upsertOrganization.run(.text(o.id), .integer(Int64(o.tier.rawValue)), .integer(o.badgesEnabled ? 1 : 0))
        case .participant(let p):
            try upsertParticipant.run(.text(p.organizationID), .text(p.userID), .text(p.programID), .text(p.role), .text(p.displayName))
        case .certificate(let c):
            try insertCertificate.run(.text(c.id), .text(c.organizationID), .text(c.userID), .text(c.title), .text(c.text),
                                      .text(c.issuer), .integer(c.issuedAt.milliseconds), .integer(c.seen ? 1 : 0))
        case .certificateSeen(let id):
            try markCertificateSeen.run(.text(id))
        case .shareLink(let l):
            try upsertShareLink.run(.text(l.token), .text(l.organizationID), .text(l.userID), .text(l.badgeID),
                                    .integer(l.createdAt.milliseconds), .integer(l.revoked ? 1 : 0))
        case .digestSubscription(let org, let user, let r):
            let sub = r.subscription
            try upsertDigest.run(.text(org), .text(user), .integer(sub.enabled ? 1 : 0), .integer(sub.frequency == .weekly ? 1 : 0),
                                 sub.weekday.map { .integer(Int64($0)) } ?? .null, .integer(Int64(sub.hour)), .integer(Int64(sub.minute)),
                                 .text(sub.timeZone), .text(sub.email), .integer(r.createdAt.milliseconds), .integer(r.lastDigestAt.milliseconds),
                                 r.lastPeriodDue.map { .integer($0.milliseconds) } ?? .null)
        case .outbox(let e):
            try upsertOutbox.run(.text(e.org), .text(e.user), .text(e.period), .integer(e.dueAt.milliseconds), .integer(Int64(e.state.rawValue)),
                                 .text(e.recipient), .text(e.subject), .text(e.text), .text(e.html), .integer(Int64(e.attempts)),
                                 .integer(e.nextAttemptAt.milliseconds), e.sentAt.map { .integer($0.milliseconds) } ?? .null, .text(e.lastError))
        case .catalogVersion(let version, let ids, let appliedAt):
            try insertCatalogVersion.run(.integer(Int64(version)), .text(ids.joined(separator: ",")), .integer(appliedAt.milliseconds))
        case .backfill(let org, let after):
            if let after { try saveBackfill.run(.text(org), .text(after)) } else { try endBackfill.run(.text(org)) }
        case .eraseUser(let org, let user):
            let key = UserKey(org: org, user: user)
            var seqs = unlistedEvents(key) + (eventSeqs[key] ?? [])
            try userEventSeqs.query(.text(org), .text(user)) { seqs.append($0.int(0)) }
            for seq in seqs {
                try eventIDOfSeq.query(.integer(seq)) { row in
                    let id = row.text(0)
                    try insertErasedEventID.run(.text(org), .blob(digester.digest(id)))
                    try deleteListedID.run(.text(org), .text(id))
                    erasedEvents.append(EventKey(org: org, eventID: id))
                }
                try deleteEventSeq.run(.integer(seq))
            }
            for statement in eraseStatements { try statement.run(.text(org), .text(user)) }
            eventSeqs[key] = nil
        case .probe:
            try probe.run()
        }
    }

    private func optional(_ text: String?) -> SQLiteValue { text.map { .text($0) } ?? .null }
}
