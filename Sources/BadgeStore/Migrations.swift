import Badges

/// The store's schema, one step per version; `PRAGMA user_version` records how far a database
/// has come. Steps are only ever appended.
enum Migrations {
    static let steps: [String] = [
        // 1: organizations, participants, the event log, awards, and the rest.
        // Counters, sessions and features are not stored: they are a function of the event log
        // (replayed at start), which keeps a write to one append per event plus its awards.
        """
        CREATE TABLE organizations (
            org_id TEXT PRIMARY KEY, tier INTEGER NOT NULL, badges_enabled INTEGER NOT NULL);
        CREATE TABLE participants (
            org_id TEXT NOT NULL, user_id TEXT NOT NULL, program_id TEXT NOT NULL, role TEXT NOT NULL,
            display_name TEXT NOT NULL, PRIMARY KEY (org_id, user_id, program_id, role)) WITHOUT ROWID;
        CREATE TABLE events (
            seq INTEGER PRIMARY KEY, org_id TEXT NOT NULL, event_id TEXT NOT NULL, user_id TEXT NOT NULL,
            kind INTEGER NOT NULL, occurred_at INTEGER NOT NULL, recorded_at INTEGER NOT NULL,
            session_id TEXT, role TEXT, program_id TEXT, scheduled_end INTEGER, feature TEXT);
        CREATE TABLE awards (
            org_id TEXT NOT NULL, user_id TEXT NOT NULL, badge_id TEXT NOT NULL, awarded_at INTEGER NOT NULL,
            event_id TEXT NOT NULL, catalog_version INTEGER NOT NULL, backfilled INTEGER NOT NULL,
            seen INTEGER NOT NULL, PRIMARY KEY (org_id, user_id, badge_id)) WITHOUT ROWID;
        CREATE TABLE certificates (
            id TEXT PRIMARY KEY, org_id TEXT NOT NULL, user_id TEXT NOT NULL, title TEXT NOT NULL,
            text TEXT NOT NULL, issuer TEXT NOT NULL, issued_at INTEGER NOT NULL, seen INTEGER NOT NULL);
        CREATE TABLE share_links (
            token TEXT PRIMARY KEY, org_id TEXT NOT NULL, user_id TEXT NOT NULL, badge_id TEXT NOT NULL,
            created_at INTEGER NOT NULL, revoked INTEGER NOT NULL);
        CREATE TABLE catalog_versions (
            version INTEGER PRIMARY KEY, badge_ids TEXT NOT NULL, applied_at INTEGER NOT NULL);
        """,
        // 2: e-mail digests: subscriptions, and an outbox holding each period's digest once.
        """
        CREATE TABLE digest_subscriptions (
            org_id TEXT NOT NULL, user_id TEXT NOT NULL, enabled INTEGER NOT NULL, weekly INTEGER NOT NULL,
            weekday INTEGER, hour INTEGER NOT NULL, minute INTEGER NOT NULL, time_zone TEXT NOT NULL,
            email TEXT NOT NULL, created_at INTEGER NOT NULL, last_digest_at INTEGER NOT NULL,
            last_period_due INTEGER, PRIMARY KEY (org_id, user_id)) WITHOUT ROWID;
        CREATE TABLE digest_outbox (
            org_id TEXT NOT NULL, user_id TEXT NOT NULL, period TEXT NOT NULL, due_at INTEGER NOT NULL,
            state INTEGER NOT NULL, recipient TEXT NOT NULL, subject TEXT NOT NULL, text_body TEXT NOT NULL,
            html_body TEXT NOT NULL, attempts INTEGER NOT NULL, next_attempt_at INTEGER NOT NULL,
            sent_at INTEGER, last_error TEXT NOT NULL, PRIMARY KEY (org_id, user_id, period)) WITHOUT ROWID;
        """,
        // 3: awards become append-only, like events: an award and its "seen" mark are each one
        // row at the end of a table. Keyed by (org, user, badge), every award dirtied a random
        // page of a growing b-tree, most of what a commit wrote. The ledger, the only writer,
        // awards a badge to a user once; loading keeps the first award should a second appear.
        """
        CREATE TABLE award_log (
            seq INTEGER PRIMARY KEY, org_id TEXT NOT NULL, user_id TEXT NOT NULL, badge_id TEXT NOT NULL,
            awarded_at INTEGER NOT NULL, event_id TEXT NOT NULL, catalog_version INTEGER NOT NULL, backfilled INTEGER NOT NULL);
        CREATE TABLE awards_seen (seq INTEGER PRIMARY KEY, org_id TEXT NOT NULL, user_id TEXT NOT NULL, badge_id TEXT NOT NULL);
        INSERT INTO award_log (org_id, user_id, badge_id, awarded_at, event_id, catalog_version, backfilled)
            SELECT org_id, user_id, badge_id, awarded_at, event_id, catalog_version, backfilled FROM awards ORDER BY awarded_at;
        INSERT INTO awards_seen (org_id, user_id, badge_id) SELECT org_id, user_id, badge_id FROM awards WHERE seen = 1;
        DROP TABLE awards;
        """,
        // 4: events are appended one row per commit (EventBatchCodec), not one row per event;
        // the `events` table keeps what was recorded before and is read first at start.
        """
        CREATE TABLE event_batches (seq INTEGER PRIMARY KEY, events BLOB NOT NULL);
        """,
        // 5: state on disk, read per call through a cache, instead of all of it in memory and
        // the log replayed at start. Events are appended to `activity`, their ids listed in
        // `activity_ids` in chunks (`RecentEventIDs`, for the duplicate check); each user's counters, sessions and features are a snapshot
        // in `user_states`, written behind the events (see `DirtyUsers`) with the last event
        // it reflects, and `activity_by_user` lists a user's events once their state is
        // written; awards are a row each; report counts are kept as they change.
        // `StateMigration` moves what versions 1-4 stored into these tables, then the old ones
        // are dropped.
        """
        CREATE TABLE user_states (
            org_id TEXT NOT NULL, user_id TEXT NOT NULL, state BLOB NOT NULL, next_due INTEGER, applied_seq INTEGER NOT NULL,
            PRIMARY KEY (org_id, user_id)) WITHOUT ROWID;
        CREATE INDEX user_states_due ON user_states (next_due) WHERE next_due IS NOT NULL;
        CREATE TABLE user_awards (
            org_id TEXT NOT NULL, user_id TEXT NOT NULL, badge_id TEXT NOT NULL, awarded_at INTEGER NOT NULL,
            event_id TEXT NOT NULL, catalog_version INTEGER NOT NULL, backfilled INTEGER NOT NULL, seen INTEGER NOT NULL,
            PRIMARY KEY (org_id, user_id, badge_id)) WITHOUT ROWID;
        CREATE INDEX user_awards_by_badge ON user_awards (org_id, badge_id, user_id);
        CREATE TABLE activity (
            seq INTEGER PRIMARY KEY, org_id TEXT NOT NULL, event_id TEXT NOT NULL, user_id TEXT NOT NULL, kind INTEGER NOT NULL,
            occurred_at INTEGER NOT NULL, recorded_at INTEGER NOT NULL, session_id TEXT, role TEXT, program_id TEXT,
            scheduled_end INTEGER, feature TEXT);
        CREATE TABLE activity_ids (
            org_id TEXT NOT NULL, event_id TEXT NOT NULL, PRIMARY KEY (org_id, event_id)) WITHOUT ROWID;
        CREATE TABLE activity_by_user (
            org_id TEXT NOT NULL, user_id TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (org_id, user_id, seq)) WITHOUT ROWID;
        CREATE TABLE erased_event_ids (org_id TEXT NOT NULL, digest BLOB NOT NULL, PRIMARY KEY (org_id, digest)) WITHOUT ROWID;
        CREATE TABLE badge_counts (
            org_id TEXT NOT NULL, badge_id TEXT NOT NULL, earned INTEGER NOT NULL, in_progress INTEGER NOT NULL,
            PRIMARY KEY (org_id, badge_id)) WITHOUT ROWID;
        CREATE TABLE role_counts (
            org_id TEXT NOT NULL, program_id TEXT NOT NULL, role TEXT NOT NULL, users INTEGER NOT NULL,
            PRIMARY KEY (org_id, program_id, role)) WITHOUT ROWID;
        CREATE TABLE store_meta (name TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
        CREATE TABLE org_backfills (org_id TEXT PRIMARY KEY, after_user TEXT NOT NULL) WITHOUT ROWID;
        CREATE INDEX participants_by_role ON participants (org_id, role, user_id);
        CREATE INDEX participants_by_program ON participants (org_id, program_id, user_id);
        CREATE INDEX certificates_by_user ON certificates (org_id, user_id);
        CREATE INDEX share_links_by_user ON share_links (org_id, user_id);
        """,
    ]

    /// Steps that also move data with Swift code, run after their SQL in the same transaction.
    static func dataStep(_ version: Int, _ db: SQLiteDatabase, _ evaluator: Evaluator) throws {
        if version == 5 { try StateMigration.run(db, evaluator: evaluator) }
    }

    static func migrate(_ db: SQLiteDatabase, evaluator: Evaluator) throws {
        var current: Int64 = 0
        try db.prepare("PRAGMA user_version").query { current = $0.int(0) }
        guard current <= Int64(steps.count) else {
            throw SQLiteError(code: 0, message: "the database is at schema version \(current), newer than this build knows (\(steps.count))")
        }
        for (index, step) in steps.enumerated() where Int64(index + 1) > current {
            try db.execute("BEGIN IMMEDIATE")
            do {
                try db.execute(step)
                try dataStep(index + 1, db, evaluator)
                try db.execute("PRAGMA user_version = \(index + 1)")
                try db.execute("COMMIT")
            } catch {
                try? db.execute("ROLLBACK")
                throw error
            }
        }
    }
}
