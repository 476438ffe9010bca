import Badges

/// Writes ledger changes through prepared statements on the writer connection.
final class SQLiteWriter {
    // Kept for the statements below, which hold their connection unowned.
    private let db: SQLiteDatabase
    // Prepared once: each commit parsed these anew through sqlite3_exec.
    let begin: SQLiteStatement
    let commit: SQLiteStatement
    let rollback: SQLiteStatement
    private let insertEventBatch: SQLiteStatement
    private var eventBatch = EventBatchCodec.Batch()
    private let insertAward: SQLiteStatement
    private let markAwardSeen: SQLiteStatement
    private let upsertOrganization: SQLiteStatement
    private let upsertParticipant: SQLiteStatement
    private let insertCertificate: SQLiteStatement
    private let markCertificateSeen: SQLiteStatement
    private let upsertShareLink: SQLiteStatement
    private let insertCatalogVersion: SQLiteStatement
    private let upsertDigest: SQLiteStatement
    private let upsertOutbox: SQLiteStatement
    private let probe: SQLiteStatement

    init(_ db: SQLiteDatabase) throws {
        self.db = db
        begin = try db.prepare("BEGIN IMMEDIATE")
        commit = try db.prepare("COMMIT")
        rollback = try db.prepare("ROLLBACK")
        insertEventBatch = try db.prepare("INSERT INTO event_batches (events) VALUES (?)")
        // Appends (see migration 3); an award stored already seen gets its mark with it.
        insertAward = try db.prepare("""
            INSERT INTO award_log (org_id, user_id, badge_id, awarded_at, event_id, catalog_version, backfilled)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """)
        markAwardSeen = try db.prepare("INSERT INTO awards_seen (org_id, user_id, badge_id) VALUES (?, ?, ?)")
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

    /// Writes one transaction's rows: its events as one `event_batches` row, the rest a row each.
    func apply(_ writes: [LedgerWrite]) throws {
        eventBatch.reset()
        for write in writes { try apply(write) }
        if eventBatch.count > 0 { try insertEventBatch.run(.blob(eventBatch.bytes)) }
    }

    private func apply(_ write: LedgerWrite) throws {
        switch write {
        case .event(let e, let recordedAt):
            eventBatch.append(e, recordedAt: recordedAt)
        case .award(let org, let user, let a):
            try insertAward.run(.text(org), .text(user), .text(a.badgeID), .integer(a.awardedAt.milliseconds), .text(a.eventID),
                                .integer(Int64(a.catalogVersion)), .integer(a.backfilled ? 1 : 0))
            if a.seen { try markAwardSeen.run(.text(org), .text(user), .text(a.badgeID)) }
        case .awardSeen(let org, let user, let badgeID):
            try markAwardSeen.run(.text(org), .text(user), .text(badgeID))
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
        case .probe:
            try probe.run()
        }
    }
}
