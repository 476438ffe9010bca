import Badges

/// `ReportReads` on a SQLite read connection, inside the reader's snapshot.
final class SQLiteReportReads: ReportReads {
    private let loader: SQLiteLoader
    private let published: PublishedStates
    private let organizationRow: SQLiteStatement
    private let counts: SQLiteStatement
    private let roleCount: SQLiteStatement
    private let registeredAny: SQLiteStatement
    private let registeredInRole: SQLiteStatement
    private let registeredInProgram: SQLiteStatement
    private let registeredInProgramAndRole: SQLiteStatement
    private let earnersPage: SQLiteStatement
    private let registrationRows: SQLiteStatement
    private let userEvents: SQLiteStatement
    private let userLinks: SQLiteStatement
    private let userOutbox: SQLiteStatement
    private let backfills: SQLiteStatement

    init(_ db: SQLiteDatabase, loader: SQLiteLoader, published: PublishedStates) throws {
        self.loader = loader
        self.published = published
        organizationRow = try db.prepare("SELECT tier, badges_enabled FROM organizations WHERE org_id = ?")
        counts = try db.prepare("SELECT badge_id, earned, in_progress FROM badge_counts WHERE org_id = ?")
        roleCount = try db.prepare("SELECT users FROM role_counts WHERE org_id = ? AND program_id = ? AND role = ?")
        let page = "GROUP BY user_id ORDER BY user_id LIMIT ?"
        registeredAny = try db.prepare("SELECT user_id FROM participants WHERE org_id = ? AND user_id > ? \(page)")
        registeredInRole = try db.prepare("SELECT user_id FROM participants WHERE org_id = ? AND role = ? AND user_id > ? \(page)")
        registeredInProgram = try db.prepare("SELECT user_id FROM participants WHERE org_id = ? AND program_id = ? AND user_id > ? \(page)")
        registeredInProgramAndRole = try db.prepare("""
            SELECT user_id FROM participants WHERE org_id = ? AND program_id = ? AND role = ? AND user_id > ? \(page)
            """)
        earnersPage = try db.prepare("SELECT user_id FROM user_awards WHERE org_id = ? AND badge_id = ? AND user_id > ? ORDER BY user_id LIMIT ?")
        // Listed events, and those after the replay point (perhaps not listed yet): a scan of
        // the few seconds of events that may wait.
        userEvents = try db.prepare("""
            SELECT \(SQLiteLoader.eventColumns) FROM activity WHERE seq IN (
                SELECT seq FROM activity_by_user WHERE org_id = ?1 AND user_id = ?2
                UNION SELECT seq FROM activity WHERE seq > (SELECT coalesce(max(value), 0) FROM store_meta WHERE name = 'replay_from')
                    AND org_id = ?1 AND user_id = ?2)
            ORDER BY seq
            """)
        userLinks = try db.prepare("SELECT token, badge_id, created_at, revoked FROM share_links WHERE org_id = ? AND user_id = ? ORDER BY created_at, token")
        userOutbox = try db.prepare("SELECT \(SQLiteLoader.outboxColumns) FROM digest_outbox WHERE org_id = ? AND user_id = ? ORDER BY due_at")
        backfills = try db.prepare("SELECT org_id, after_user FROM org_backfills ORDER BY org_id")
        registrationRows = try db.prepare("""
            SELECT program_id, role, display_name FROM participants WHERE org_id = ? AND user_id = ? ORDER BY program_id, role
            """)
    }

    func organization(_ id: String) throws -> Organization {
        var found = Organization(id: id)
        try organizationRow.query(.text(id)) { row in
            found = Organization(id: id, tier: Tier(rawValue: Int(row.int(0))) ?? .unspecified, badgesEnabled: row.int(1) != 0)
        }
        return found
    }

    func badgeCounts(org: String) throws -> [String: (earned: Int, inProgress: Int)] {
        var result: [String: (earned: Int, inProgress: Int)] = [:]
        try counts.query(.text(org)) { result[$0.text(0)] = (Int($0.int(1)), Int($0.int(2))) }
        return result
    }

    func registeredCount(org: String, program: String, role: String) throws -> Int {
        var users = 0
        try roleCount.query(.text(org), .text(program), .text(role)) { users = Int($0.int(0)) }
        return users
    }

    func registered(org: String, program: String, role: String, after: String, limit: Int) throws -> [String] {
        var users: [String] = []
        let collect: (SQLiteRow) -> Void = { users.append($0.text(0)) }
        switch (program.isEmpty, role.isEmpty) {
        case (true, true): try registeredAny.query(.text(org), .text(after), .integer(Int64(limit)), row: collect)
        case (true, false): try registeredInRole.query(.text(org), .text(role), .text(after), .integer(Int64(limit)), row: collect)
        case (false, true): try registeredInProgram.query(.text(org), .text(program), .text(after), .integer(Int64(limit)), row: collect)
        case (false, false):
            try registeredInProgramAndRole.query(.text(org), .text(program), .text(role), .text(after), .integer(Int64(limit)), row: collect)
        }
        return users
    }

    func earners(org: String, badgeID: String, after: String, limit: Int) throws -> [String] {
        var users: [String] = []
        try earnersPage.query(.text(org), .text(badgeID), .text(after), .integer(Int64(limit))) { users.append($0.text(0)) }
        return users
    }

    func states(_ keys: [UserKey]) throws -> [UserKey: UserState] {
        var result: [UserKey: UserState] = [:]
        for key in keys { result[key] = try published.state(key) ?? loader.loadUser(key) }
        return result
    }

    func registrations(_ key: UserKey) throws -> [Participant] {
        var list: [Participant] = []
        try registrationRows.query(.text(key.org), .text(key.user)) { row in
            list.append(Participant(organizationID: key.org, userID: key.user, programID: row.text(0), role: row.text(1), displayName: row.text(2)))
        }
        return list
    }

    func user(_ key: UserKey) throws -> LedgerState {
        try loader.load(ScopePlan([.user(key)]), held: published)
    }

    func events(of key: UserKey) throws -> [(event: ActivityEvent, recordedAt: Instant)] {
        var events: [(event: ActivityEvent, recordedAt: Instant)] = []
        try userEvents.query(.text(key.org), .text(key.user)) { if let e = SQLiteLoader.event($0) { events.append(e) } }
        return events
    }

    func shareLinks(of key: UserKey) throws -> [ShareLink] {
        var links: [ShareLink] = []
        try userLinks.query(.text(key.org), .text(key.user)) { row in
            links.append(ShareLink(token: row.text(0), organizationID: key.org, userID: key.user, badgeID: row.text(1),
                                   createdAt: Instant(milliseconds: row.int(2)), revoked: row.int(3) != 0))
        }
        return links
    }

    func outbox(of key: UserKey) throws -> [OutboxEntry] {
        var entries: [OutboxEntry] = []
        try userOutbox.query(.text(key.org), .text(key.user)) { entries.append(SQLiteLoader.outboxEntry($0)) }
        return entries
    }

    func pendingBackfills() throws -> [(org: String, after: String)] {
        var pending: [(org: String, after: String)] = []
        try backfills.query { pending.append(($0.text(0), $0.text(1))) }
        return pending
    }
}
