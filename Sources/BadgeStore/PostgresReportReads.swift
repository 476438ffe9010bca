import Badges

/// `ReportReads` on a PostgreSQL connection, inside a read-only repeatable-read transaction.
struct PostgresReportReads: ReportReads {
    let db: PostgresConnection

    func organization(_ id: String) throws -> Organization {
        let rows = try db.query("SELECT tier, badges_enabled FROM organizations WHERE org_id = $1", [id])
        guard rows.count > 0 else { return Organization(id: id) }
        return Organization(id: id, tier: Tier(rawValue: Int(rows.int(0, 0))) ?? .unspecified, badgesEnabled: rows.int(0, 1) != 0)
    }

    func badgeCounts(org: String) throws -> [String: (earned: Int, inProgress: Int)] {
        let rows = try db.query("SELECT badge_id, earned, in_progress FROM badge_counts WHERE org_id = $1", [org])
        var result: [String: (earned: Int, inProgress: Int)] = [:]
        for r in 0..<rows.count { result[rows.text(r, 0)] = (Int(rows.int(r, 1)), Int(rows.int(r, 2))) }
        return result
    }

    func registeredCount(org: String, program: String, role: String) throws -> Int {
        let rows = try db.query("SELECT users FROM role_counts WHERE org_id = $1 AND program_id = $2 AND role = $3", [org, program, role])
        return rows.count > 0 ? Int(rows.int(0, 0)) : 0
    }

    func registered(org: String, program: String, role: String, after: String, limit: Int) throws -> [String] {
        let rows = try db.query("""
            SELECT DISTINCT user_id FROM participants
            WHERE org_id = $1 AND ($2 = '' OR program_id = $2) AND ($3 = '' OR role = $3) AND user_id > $4
            ORDER BY user_id LIMIT $5
            """, [org, program, role, after, String(limit)])
        return (0..<rows.count).map { rows.text($0, 0) }
    }

    func earners(org: String, badgeID: String, after: String, limit: Int) throws -> [String] {
        let rows = try db.query("""
            SELECT user_id FROM awards WHERE org_id = $1 AND badge_id = $2 AND user_id > $3 ORDER BY user_id LIMIT $4
            """, [org, badgeID, after, String(limit)])
        return (0..<rows.count).map { rows.text($0, 0) }
    }

    func states(_ keys: [UserKey]) throws -> [UserKey: UserState] {
        guard !keys.isEmpty else { return [:] }
        var plan = ScopePlan([])
        plan.users = Set(keys)
        return try PostgresLoader(db: db, lock: false).load(plan).users.states
    }

    func registrations(_ key: UserKey) throws -> [Participant] {
        let rows = try db.query("""
            SELECT program_id, role, display_name FROM participants WHERE org_id = $1 AND user_id = $2 ORDER BY program_id, role
            """, [key.org, key.user])
        return (0..<rows.count).map {
            Participant(organizationID: key.org, userID: key.user, programID: rows.text($0, 0), role: rows.text($0, 1), displayName: rows.text($0, 2))
        }
    }

    func user(_ key: UserKey) throws -> LedgerState {
        try PostgresLoader(db: db, lock: false).load(ScopePlan([.user(key)]))
    }

    func events(of key: UserKey) throws -> [(event: ActivityEvent, recordedAt: Instant)] {
        PostgresLoader.events(try db.query("""
            SELECT \(SQLiteLoader.eventColumns) FROM events WHERE org_id = $1 AND user_id = $2 ORDER BY seq
            """, [key.org, key.user]))
    }

    func shareLinks(of key: UserKey) throws -> [ShareLink] {
        let rows = try db.query("""
            SELECT token, badge_id, created_at, revoked FROM share_links WHERE org_id = $1 AND user_id = $2 ORDER BY created_at, token
            """, [key.org, key.user])
        return (0..<rows.count).map {
            ShareLink(token: rows.text($0, 0), organizationID: key.org, userID: key.user, badgeID: rows.text($0, 1),
                      createdAt: Instant(milliseconds: rows.int($0, 2)), revoked: rows.int($0, 3) != 0)
        }
    }

    func outbox(of key: UserKey) throws -> [OutboxEntry] {
        let rows = try db.query("""
            SELECT \(PostgresLoader.outboxColumns) FROM digest_outbox WHERE org_id = $1 AND user_id = $2 ORDER BY due_at
            """, [key.org, key.user])
        return (0..<rows.count).map { PostgresLoader.outboxEntry(rows, $0) }
    }

    func pendingBackfills() throws -> [(org: String, after: String)] {
        let rows = try db.query("SELECT org_id, after_user FROM org_backfills ORDER BY org_id")
        return (0..<rows.count).map { (rows.text($0, 0), rows.text($0, 1)) }
    }
}
