import Badges

/// Writes a batch's changes inside the caller's transaction: events, awards and user states
/// as one statement each (arrays unnested server-side), the rest row by row in order.
struct PostgresWriter {
    let db: PostgresConnection
    /// Erased users' event ids are kept as these digests.
    var digester: EventIDDigester?

    func write(_ writes: [LedgerWrite], users: [(UserKey, UserState)]) throws {
        var events: [(ActivityEvent, Instant)] = []
        var awards: [(String, String, AwardRecord)] = []
        var counts: [(org: String, badge: String, earned: Int, inProgress: Int)] = []
        var others: [LedgerWrite] = []
        for write in writes {
            switch write {
            case .event(let e, let at): events.append((e, at))
            case .award(let org, let user, let a): awards.append((org, user, a))
            case .badgeCount(let org, let badge, let earned, let inProgress): counts.append((org, badge, earned, inProgress))
            default: others.append(write)
            }
        }
        try insertEvents(events)
        try insertAwards(awards)
        try saveUsers(users)
        // In order: a reset of the counts (a new catalog) comes before the counts that follow it.
        for write in others { try apply(write) }
        try addBadgeCounts(counts)
    }

    /// Count deltas as one statement (summed and in key order already, see `StateChanges`).
    private func addBadgeCounts(_ counts: [(org: String, badge: String, earned: Int, inProgress: Int)]) throws {
        guard !counts.isEmpty else { return }
        try db.query("""
            INSERT INTO badge_counts (org_id, badge_id, earned, in_progress)
            SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[])
            ON CONFLICT (org_id, badge_id) DO UPDATE SET earned = badge_counts.earned + excluded.earned,
                in_progress = badge_counts.in_progress + excluded.in_progress
            """, [PostgresText.array(counts.map(\.org)), PostgresText.array(counts.map(\.badge)),
                  PostgresText.array(counts.map { Int64($0.earned) }), PostgresText.array(counts.map { Int64($0.inProgress) })])
    }

    /// Deletes the empty rows `PostgresLoader` made for these users, if still empty.
    func removePlaceholders(_ users: [UserKey]) throws {
        guard !users.isEmpty else { return }
        try db.query("""
            DELETE FROM user_states WHERE (org_id, user_id) IN (SELECT * FROM unnest($1::text[], $2::text[])) AND state = $3::bytea
            """, [PostgresText.array(users.map(\.org)), PostgresText.array(users.map(\.user)), PostgresLoader.emptyUser])
    }

    private func insertEvents(_ events: [(ActivityEvent, Instant)]) throws {
        guard !events.isEmpty else { return }
        var columns = Array(repeating: [String?](), count: 11)
        for (e, recordedAt) in events {
            let c = EventColumns(e.kind)
            let row: [String?] = [e.organizationID, e.eventID, e.userID, String(c.code.rawValue), String(e.occurredAt.milliseconds),
                                  String(recordedAt.milliseconds), c.session, c.role, c.program, c.scheduledEnd.map(String.init), c.feature]
            for (index, value) in row.enumerated() { columns[index].append(value) }
        }
        // A plain INSERT: the unique key turns an event another server stored meanwhile into
        // an error, and the batch runs again (seeing it as the duplicate it is).
        try db.query("""
            INSERT INTO events (org_id, event_id, user_id, kind, occurred_at, recorded_at, session_id, role, program_id, scheduled_end, feature)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::bigint[], $6::bigint[], $7::text[], $8::text[],
                                 $9::text[], $10::bigint[], $11::text[])
            """, columns.map(PostgresText.array))
    }

    private func insertAwards(_ awards: [(String, String, AwardRecord)]) throws {
        guard !awards.isEmpty else { return }
        // A plain INSERT: the primary key makes a second award of a badge to a user impossible.
        try db.query("""
            INSERT INTO awards (org_id, user_id, badge_id, awarded_at, event_id, catalog_version, backfilled, seen)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::int[], $7::int[], $8::int[])
            """, [
                PostgresText.array(awards.map(\.0)), PostgresText.array(awards.map(\.1)), PostgresText.array(awards.map(\.2.badgeID)),
                PostgresText.array(awards.map { $0.2.awardedAt.milliseconds }), PostgresText.array(awards.map(\.2.eventID)),
                PostgresText.array(awards.map { Int64($0.2.catalogVersion) }), PostgresText.array(awards.map { Int64($0.2.backfilled ? 1 : 0) }),
                PostgresText.array(awards.map { Int64($0.2.seen ? 1 : 0) }),
            ])
    }

    private func saveUsers(_ users: [(UserKey, UserState)]) throws {
        guard !users.isEmpty else { return }
        try db.query("""
            INSERT INTO user_states (org_id, user_id, state, next_due)
            SELECT o, u, decode(s, 'hex'), d FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) AS k(o, u, s, d)
            ON CONFLICT (org_id, user_id) DO UPDATE SET state = excluded.state, next_due = excluded.next_due
            """, [
                PostgresText.array(users.map(\.0.org)), PostgresText.array(users.map(\.0.user)),
                PostgresText.array(users.map { PostgresText.hex(UserSnapshot.encode($0.1)) }),
                PostgresText.array(users.map { $0.1.earliestScheduledEnd?.milliseconds }),
            ])
    }

    private func apply(_ write: LedgerWrite) throws {
        switch write {
        case .event, .award:
            break  // written in bulk above
        case .awardSeen(let org, let user, let badgeID):
            try db.query("UPDATE awards SET seen = 1 WHERE org_id = $1 AND user_id = $2 AND badge_id = $3", [org, user, badgeID])
        case .organization(let o):
            try db.query("""
                INSERT INTO organizations (org_id, tier, badges_enabled) VALUES ($1, $2, $3)
                ON CONFLICT (org_id) DO UPDATE SET tier = excluded.tier, badges_enabled = excluded.badges_enabled
                """, [o.id, String(o.tier.rawValue), o.badgesEnabled ? "1" : "0"])
        case .participant(let p):
            try db.query("""
                INSERT INTO participants (org_id, user_id, program_id, role, display_name) VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT (org_id, user_id, program_id, role) DO UPDATE SET display_name = excluded.display_name
                """, [p.organizationID, p.userID, p.programID, p.role, p.displayName])
        case .certificate(let c):
            try db.query("INSERT INTO certificates (id, org_id, user_id, title, text, issuer, issued_at, seen) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                         [c.id, c.organizationID, c.userID, c.title, c.text, c.issuer, String(c.issuedAt.milliseconds), c.seen ? "1" : "0"])
        case .certificateSeen(let id):
            try db.query("UPDATE certificates SET seen = 1 WHERE id = $1", [id])
        case .shareLink(let l):
            try db.query("""
                INSERT INTO share_links (token, org_id, user_id, badge_id, created_at, revoked) VALUES ($1, $2, $3, $4, $5, $6)
                ON CONFLICT (token) DO UPDATE SET revoked = excluded.revoked
                """, [l.token, l.organizationID, l.userID, l.badgeID, String(l.createdAt.milliseconds), l.revoked ? "1" : "0"])
        case .badgeCount:
            break  // written in bulk above
        case .resetBadgeCounts:
            try db.query("DELETE FROM badge_counts")
        case .roleCount(let org, let program, let role, let users):
            try db.query("""
                INSERT INTO role_counts (org_id, program_id, role, users) VALUES ($1, $2, $3, $4)
                ON CONFLICT (org_id, program_id, role) DO UPDATE SET users = role_counts.users + excluded.users
                """, [org, program, role, String(users)])
        case .backfill(let org, let after):
            if let after {
                try db.query("""
                    INSERT INTO org_backfills (org_id, after_user) VALUES ($1, $2) ON CONFLICT (org_id) DO UPDATE SET after_user = excluded.after_user
                    """, [org, after])
            } else {
                try db.query("DELETE FROM org_backfills WHERE org_id = $1", [org])
            }
        case .eraseUser(let org, let user):
            guard let digester else { throw PostgresError(sqlState: "", message: "erasing a user needs the store's digest key") }
            let ids = try db.query("SELECT event_id FROM events WHERE org_id = $1 AND user_id = $2", [org, user])
            let digests = (0..<ids.count).map { "\\x" + PostgresText.hex(digester.digest(ids.text($0, 0))) }
            if !digests.isEmpty {
                try db.query("INSERT INTO erased_event_ids (org_id, digest) SELECT $1, unnest($2::bytea[]) ON CONFLICT DO NOTHING",
                             [org, PostgresText.array(digests)])
            }
            for table in ["events", "user_states", "awards", "participants", "certificates", "share_links", "digest_subscriptions", "digest_outbox"] {
                try db.query("DELETE FROM \(table) WHERE org_id = $1 AND user_id = $2", [org, user])
            }
        case .probe:
            try db.query("UPDATE catalog_versions SET version = version WHERE version = (SELECT max(version) FROM catalog_versions)")
        case .catalogVersion(let version, let ids, let appliedAt):
            try db.query("""
                INSERT INTO catalog_versions (version, badge_ids, applied_at) VALUES ($1, $2, $3)
                ON CONFLICT (version) DO UPDATE SET badge_ids = excluded.badge_ids, applied_at = excluded.applied_at
                """, [String(version), ids.joined(separator: ","), String(appliedAt.milliseconds)])
        case .digestSubscription(let org, let user, let r):
            let sub = r.subscription
            try db.query("""
                INSERT INTO digest_subscriptions (org_id, user_id, enabled, weekly, weekday, hour, minute, time_zone, email,
                    created_at, last_digest_at, last_period_due) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                ON CONFLICT (org_id, user_id) DO UPDATE SET enabled = excluded.enabled, weekly = excluded.weekly, weekday = excluded.weekday,
                    hour = excluded.hour, minute = excluded.minute, time_zone = excluded.time_zone, email = excluded.email,
                    last_digest_at = excluded.last_digest_at, last_period_due = excluded.last_period_due
                """, [org, user, sub.enabled ? "1" : "0", sub.frequency == .weekly ? "1" : "0", sub.weekday.map(String.init), String(sub.hour),
                      String(sub.minute), sub.timeZone, sub.email, String(r.createdAt.milliseconds), String(r.lastDigestAt.milliseconds),
                      r.lastPeriodDue.map { String($0.milliseconds) }])
        case .outbox(let e):
            try db.query("""
                INSERT INTO digest_outbox (org_id, user_id, period, due_at, state, recipient, subject, text_body, html_body,
                    attempts, next_attempt_at, sent_at, last_error) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
                ON CONFLICT (org_id, user_id, period) DO UPDATE SET state = excluded.state, attempts = excluded.attempts,
                    next_attempt_at = excluded.next_attempt_at, sent_at = excluded.sent_at, last_error = excluded.last_error
                """, [e.org, e.user, e.period, String(e.dueAt.milliseconds), String(e.state.rawValue), e.recipient, e.subject, e.text, e.html,
                      String(e.attempts), String(e.nextAttemptAt.milliseconds), e.sentAt.map { String($0.milliseconds) }, e.lastError])
        }
    }
}
