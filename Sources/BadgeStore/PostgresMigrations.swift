import Badges

/// The PostgreSQL schema, one step per version, with the meaning of SQLite's `Migrations`
/// step for step; `schema_migrations` records how far a database has come. Steps are only
/// ever appended. Two differences, both because servers share this database and no memory:
/// events carry a unique key on their id (the duplicate check happens here), and each user's
/// counters and sessions are kept in `user_states` rather than replayed from the log.
enum PostgresMigrations {
    static let steps: [String] = [
        """
        CREATE TABLE organizations (
            org_id TEXT PRIMARY KEY, tier INTEGER NOT NULL, badges_enabled INTEGER NOT NULL);
        CREATE TABLE participants (
            org_id TEXT NOT NULL, user_id TEXT NOT NULL, program_id TEXT NOT NULL, role TEXT NOT NULL,
            display_name TEXT NOT NULL, PRIMARY KEY (org_id, user_id, program_id, role));
        CREATE TABLE events (
            seq BIGSERIAL PRIMARY KEY, org_id TEXT NOT NULL, event_id TEXT NOT NULL, user_id TEXT NOT NULL,
            kind INTEGER NOT NULL, occurred_at BIGINT NOT NULL, recorded_at BIGINT NOT NULL,
            session_id TEXT, role TEXT, program_id TEXT, scheduled_end BIGINT, feature TEXT,
            UNIQUE (org_id, event_id));
        CREATE TABLE awards (
            org_id TEXT NOT NULL, user_id TEXT NOT NULL, badge_id TEXT NOT NULL, awarded_at BIGINT NOT NULL,
            event_id TEXT NOT NULL, catalog_version INTEGER NOT NULL, backfilled INTEGER NOT NULL,
            seen INTEGER NOT NULL, PRIMARY KEY (org_id, user_id, badge_id));
        CREATE TABLE certificates (
            id TEXT PRIMARY KEY, org_id TEXT NOT NULL, user_id TEXT NOT NULL, title TEXT NOT NULL,
            text TEXT NOT NULL, issuer TEXT NOT NULL, issued_at BIGINT NOT NULL, seen INTEGER NOT NULL);
        CREATE INDEX certificates_by_user ON certificates (org_id, user_id);
        CREATE TABLE share_links (
            token TEXT PRIMARY KEY, org_id TEXT NOT NULL, user_id TEXT NOT NULL, badge_id TEXT NOT NULL,
            created_at BIGINT NOT NULL, revoked INTEGER NOT NULL);
        CREATE TABLE catalog_versions (
            version INTEGER PRIMARY KEY, badge_ids TEXT NOT NULL, applied_at BIGINT NOT NULL);
        CREATE TABLE user_states (
            org_id TEXT NOT NULL, user_id TEXT NOT NULL, state BYTEA NOT NULL, next_due BIGINT,
            PRIMARY KEY (org_id, user_id));
        CREATE INDEX user_states_due ON user_states (next_due) WHERE next_due IS NOT NULL;
        """,
        """
        CREATE TABLE digest_subscriptions (
            org_id TEXT NOT NULL, user_id TEXT NOT NULL, enabled INTEGER NOT NULL, weekly INTEGER NOT NULL,
            weekday INTEGER, hour INTEGER NOT NULL, minute INTEGER NOT NULL, time_zone TEXT NOT NULL,
            email TEXT NOT NULL, created_at BIGINT NOT NULL, last_digest_at BIGINT NOT NULL,
            last_period_due BIGINT, PRIMARY KEY (org_id, user_id));
        CREATE TABLE digest_outbox (
            org_id TEXT NOT NULL, user_id TEXT NOT NULL, period TEXT NOT NULL, due_at BIGINT NOT NULL,
            state INTEGER NOT NULL, recipient TEXT NOT NULL, subject TEXT NOT NULL, text_body TEXT NOT NULL,
            html_body TEXT NOT NULL, attempts INTEGER NOT NULL, next_attempt_at BIGINT NOT NULL,
            sent_at BIGINT, last_error TEXT NOT NULL, PRIMARY KEY (org_id, user_id, period));
        """,
        // 3: report counts kept as they change; indexes that reports and export page through;
        // erased users' event ids as keyed hashes. Role counts are counted here; badge counts
        // need the catalog and are counted by `dataStep`.
        """
        CREATE TABLE badge_counts (
            org_id TEXT NOT NULL, badge_id TEXT NOT NULL, earned BIGINT NOT NULL, in_progress BIGINT NOT NULL,
            PRIMARY KEY (org_id, badge_id));
        CREATE TABLE role_counts (
            org_id TEXT NOT NULL, program_id TEXT NOT NULL, role TEXT NOT NULL, users BIGINT NOT NULL,
            PRIMARY KEY (org_id, program_id, role));
        CREATE TABLE erased_event_ids (org_id TEXT NOT NULL, digest BYTEA NOT NULL, PRIMARY KEY (org_id, digest));
        CREATE TABLE store_meta (name TEXT PRIMARY KEY, value BYTEA NOT NULL);
        CREATE TABLE org_backfills (org_id TEXT PRIMARY KEY, after_user TEXT NOT NULL);
        CREATE INDEX awards_by_badge ON awards (org_id, badge_id, user_id);
        CREATE INDEX participants_by_role ON participants (org_id, role, user_id);
        CREATE INDEX participants_by_program ON participants (org_id, program_id, user_id);
        CREATE INDEX events_by_user ON events (org_id, user_id, seq);
        CREATE INDEX share_links_by_user ON share_links (org_id, user_id);
        INSERT INTO role_counts (org_id, program_id, role, users)
            SELECT org_id, p, r, count(DISTINCT user_id) FROM (
                SELECT org_id, user_id, '' AS p, '' AS r FROM participants
                UNION ALL SELECT org_id, user_id, program_id, '' FROM participants
                UNION ALL SELECT org_id, user_id, '', role FROM participants
                UNION ALL SELECT org_id, user_id, program_id, role FROM participants) AS k
            GROUP BY org_id, p, r;
        """,
    ]

    /// Steps that also move data with Swift code, run after their SQL in the same transaction.
    static func dataStep(_ version: Int, _ db: PostgresConnection, _ evaluator: Evaluator) throws {
        guard version == 3 else { return }
        let orgs = try db.query("SELECT DISTINCT org_id FROM user_states")
        for r in 0..<orgs.count {
            var plan = ScopePlan([])
            plan.wholeOrganizations.insert(BytewiseKey(orgs.text(r, 0)))
            let s = try PostgresLoader(db: db, lock: false).load(plan)
            var writes: [LedgerWrite] = []
            for (key, state) in s.users {
                writes += ReportCounts.badgeDeltas(org: key.org, catalog: evaluator.catalog, before: nil, after: state)
            }
            try PostgresWriter(db: db).write(StateChanges.summed(writes), users: [])
        }
    }

    /// Brings the database up to date. An advisory lock makes servers starting together take
    /// turns, so each step runs once.
    static func migrate(_ db: PostgresConnection, evaluator: Evaluator) throws {
        try db.execute("BEGIN")
        do {
            try db.execute("SELECT pg_advisory_xact_lock(4242001)")
            try db.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER NOT NULL)")
            let current = try db.query("SELECT coalesce(max(version), 0) FROM schema_migrations").int(0, 0)
            guard current <= Int64(steps.count) else {
                throw PostgresError(sqlState: "", message: "the database is at schema version \(current), newer than this build knows (\(steps.count))")
            }
            for (index, step) in steps.enumerated() where Int64(index + 1) > current {
                try db.execute(step)
                try dataStep(index + 1, db, evaluator)
                try db.query("INSERT INTO schema_migrations (version) VALUES ($1)", [String(index + 1)])
            }
            try db.execute("COMMIT")
        } catch {
            try? db.execute("ROLLBACK")
            throw error
        }
    }
}
