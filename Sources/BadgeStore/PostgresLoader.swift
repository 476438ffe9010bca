import Badges

/// Reads the part of the state a plan names into a `LedgerState`; when `lock` is set, within
/// the caller's transaction, taking the row locks that make read-evaluate-write safe across
/// servers. Locks are taken in one order, organizations before users, each sorted, so that
/// two servers' batches wait for each other rather than deadlock (PostgreSQL detects what
/// slips through, and the batch is run again).
struct PostgresLoader {
    let db: PostgresConnection
    let lock: Bool
    /// For the check of erased users' event ids (nil: none checked, as in reads).
    var digester: EventIDDigester? = nil

    /// A new user's row, so that there is a row to lock before their first event is stored.
    static let emptyUser = PostgresText.bytea(UserSnapshot.encode(UserState()))

    func load(_ originalPlan: ScopePlan) throws -> LedgerState {
        var plan = originalPlan
        var s = LedgerState()
        if let version = plan.catalogVersion {
            // Servers starting together apply a new catalog once: the second waits, then sees it.
            if lock { try db.execute("LOCK TABLE catalog_versions IN EXCLUSIVE MODE") }
            s.catalogVersion = Int(try db.query("SELECT coalesce(max(version), 0) FROM catalog_versions").int(0, 0))
            if version > s.catalogVersion && s.catalogVersion > 0 {
                let all = try db.query("SELECT org_id FROM organizations UNION SELECT DISTINCT org_id FROM user_states")
                for row in 0..<all.count { plan.wholeOrganizations.insert(BytewiseKey(all.text(row, 0))) }
            }
        }
        try loadShareLinks(&plan, &s)
        if plan.digests { try loadDigests(&plan, &s) }
        if let dueBy = plan.dueBy {
            let due = try db.query("SELECT org_id, user_id FROM user_states WHERE next_due <= $1 ORDER BY next_due LIMIT 10000", [String(dueBy.milliseconds)])
            for row in 0..<due.count { plan.users.insert(UserKey(org: due.text(row, 0), user: due.text(row, 1))) }
        }
        for (org, page) in plan.pages {
            let rows = try db.query("SELECT user_id FROM user_states WHERE org_id = $1 AND user_id > $2 ORDER BY user_id LIMIT $3",
                                    [org.string, page.after, String(page.limit)])
            let users = (0..<rows.count).map { UserKey(org: org.string, user: rows.text($0, 0)) }
            s.pages[org] = UserPage(after: page.after, users: users, more: users.count == page.limit)
            plan.users.formUnion(users)
        }
        plan.users.formUnion(plan.detailedUsers)
        plan.organizations.formUnion(plan.users.map { BytewiseKey($0.org) })
        plan.organizations.formUnion(plan.wholeOrganizations)
        try loadOrganizations(plan, &s)
        try loadUsers(plan, &s)
        try loadDetails(plan, &s)
        if !plan.events.isEmpty {
            // Stored ids, and ids of erased users kept as digests: one round trip.
            let digests = plan.events.map { "\\x" + PostgresText.hex(digester?.digest($0.eventID) ?? []) }
            let found = try db.query("""
                SELECT org_id, event_id FROM events WHERE (org_id, event_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))
                UNION ALL
                SELECT k.o, k.i FROM unnest($1::text[], $2::text[], $3::bytea[]) AS k(o, i, d)
                WHERE EXISTS (SELECT 1 FROM erased_event_ids x WHERE x.org_id = k.o AND x.digest = k.d)
                """, [PostgresText.array(plan.events.map(\.org)), PostgresText.array(plan.events.map(\.eventID)), PostgresText.array(digests)])
            for row in 0..<found.count { _ = s.eventIDs.insert(EventKey(org: found.text(row, 0), eventID: found.text(row, 1))) }
        }
        for (key, user) in s.users {
            if let end = user.earliestScheduledEnd { s.dueSessions.push(end, key) }
        }
        return s
    }

    private var forUpdate: String { lock ? " FOR UPDATE" : "" }

    private func loadShareLinks(_ plan: inout ScopePlan, _ s: inout LedgerState) throws {
        guard !plan.shareTokens.isEmpty else { return }
        let rows = try db.query("""
            SELECT token, org_id, user_id, badge_id, created_at, revoked FROM share_links WHERE token = ANY($1::text[]) ORDER BY token\(forUpdate)
            """, [PostgresText.array(plan.shareTokens)])
        for r in 0..<rows.count {
            let link = ShareLink(token: rows.text(r, 0), organizationID: rows.text(r, 1), userID: rows.text(r, 2), badgeID: rows.text(r, 3),
                                 createdAt: Instant(milliseconds: rows.int(r, 4)), revoked: rows.int(r, 5) != 0)
            s.shareLinks[BytewiseKey(link.token)] = link
            plan.detailedUsers.insert(UserKey(org: link.organizationID, user: link.userID))
        }
    }

    private func loadDigests(_ plan: inout ScopePlan, _ s: inout LedgerState) throws {
        let subscriptions = try db.query("""
            SELECT org_id, user_id, enabled, weekly, weekday, hour, minute, time_zone, email, created_at, last_digest_at, last_period_due
            FROM digest_subscriptions ORDER BY org_id, user_id\(forUpdate)
            """)
        for r in 0..<subscriptions.count {
            let key = UserKey(org: subscriptions.text(r, 0), user: subscriptions.text(r, 1))
            s.digests[key] = Self.digestRecord(subscriptions, r, from: 2)
            plan.detailedUsers.insert(key)
        }
        let outbox = try db.query("""
            SELECT org_id, user_id, period, due_at, state, recipient, subject, text_body, html_body, attempts, next_attempt_at, sent_at, last_error
            FROM digest_outbox WHERE state = 0 OR $1::bigint IS NULL OR due_at >= $1::bigint
            """, [plan.wholeOutbox ? nil : plan.outboxSince.map { String($0.milliseconds) }])
        for r in 0..<outbox.count {
            let e = Self.outboxEntry(outbox, r)
            s.outbox[e.key] = e
        }
    }

    static let outboxColumns = SQLiteLoader.outboxColumns

    static func outboxEntry(_ rows: PostgresRows, _ r: Int) -> OutboxEntry {
        OutboxEntry(org: rows.text(r, 0), user: rows.text(r, 1), period: rows.text(r, 2), dueAt: Instant(milliseconds: rows.int(r, 3)),
                    state: OutboxState(rawValue: Int(rows.int(r, 4))) ?? .pending, recipient: rows.text(r, 5), subject: rows.text(r, 6),
                    text: rows.text(r, 7), html: rows.text(r, 8), attempts: Int(rows.int(r, 9)),
                    nextAttemptAt: Instant(milliseconds: rows.int(r, 10)), sentAt: rows.optionalInt(r, 11).map(Instant.init(milliseconds:)),
                    lastError: rows.text(r, 12))
    }

    static func digestRecord(_ rows: PostgresRows, _ r: Int, from c: Int) -> DigestRecord {
        let subscription = DigestSubscription(enabled: rows.int(r, c) != 0, frequency: rows.int(r, c + 1) != 0 ? .weekly : .daily,
                                              weekday: rows.optionalInt(r, c + 2).map(Int.init), hour: Int(rows.int(r, c + 3)),
                                              minute: Int(rows.int(r, c + 4)), timeZone: rows.text(r, c + 5), email: rows.text(r, c + 6))
        return DigestRecord(subscription: subscription, createdAt: Instant(milliseconds: rows.int(r, c + 7)),
                            lastDigestAt: Instant(milliseconds: rows.int(r, c + 8)), lastPeriodDue: rows.optionalInt(r, c + 9).map(Instant.init(milliseconds:)))
    }

    private func loadOrganizations(_ plan: ScopePlan, _ s: inout LedgerState) throws {
        guard !plan.organizations.isEmpty else { return }
        var rows = PostgresRows(rows: [])
        if lock {
            // Every organization a write touches gets a row (with the defaults), so that there
            // is something to lock: an event then waits while its organization's switch is
            // being changed, and the change sees every user the event created.
            let whole = plan.wholeOrganizations.sorted().map(\.string)
            if !whole.isEmpty {
                try insertDefaults(whole)
                rows.rows += try selectOrganizations(whole, "FOR UPDATE").rows
            }
            let shared = plan.organizations.subtracting(plan.wholeOrganizations).sorted().map(\.string)
            if !shared.isEmpty {
                // Usually every row exists: one statement; a first event of an organization, two more.
                let found = try selectOrganizations(shared, "FOR SHARE")
                rows.rows += found.rows
                let missing = Set(shared).subtracting(found.rows.map { $0[0] ?? "" }).sorted()
                if !missing.isEmpty {
                    try insertDefaults(missing)
                    rows.rows += try selectOrganizations(missing, "FOR SHARE").rows
                }
            }
        } else {
            rows = try selectOrganizations(plan.organizations.sorted().map(\.string), "")
        }
        for r in 0..<rows.count {
            let id = rows.text(r, 0)
            s.organizations[BytewiseKey(id)] = Organization(id: id, tier: Tier(rawValue: Int(rows.int(r, 1))) ?? .unspecified, badgesEnabled: rows.int(r, 2) != 0)
        }
    }

    private func insertDefaults(_ ids: [String]) throws {
        try db.query("INSERT INTO organizations (org_id, tier, badges_enabled) SELECT unnest($1::text[]), 0, 1 ON CONFLICT DO NOTHING",
                     [PostgresText.array(ids)])
    }

    private func selectOrganizations(_ ids: [String], _ locking: String) throws -> PostgresRows {
        try db.query("SELECT org_id, tier, badges_enabled FROM organizations WHERE org_id = ANY($1::text[]) ORDER BY org_id \(locking)",
                     [PostgresText.array(ids)])
    }

    private func loadUsers(_ plan: ScopePlan, _ s: inout LedgerState) throws {
        let keys = plan.users.sorted()
        let newcomers = plan.eventUsers.sorted()
        if lock && !newcomers.isEmpty {
            try db.query("""
                INSERT INTO user_states (org_id, user_id, state) SELECT o, u, $3::bytea FROM unnest($1::text[], $2::text[]) AS k(o, u)
                ON CONFLICT DO NOTHING
                """, [PostgresText.array(newcomers.map(\.org)), PostgresText.array(newcomers.map(\.user)), Self.emptyUser])
        }
        let states = try rows("SELECT org_id, user_id, state FROM user_states", of: keys, in: plan.wholeOrganizations,
                              then: "ORDER BY org_id, user_id\(forUpdate)")
        for r in 0..<states.count {
            s.users[UserKey(org: states.text(r, 0), user: states.text(r, 1))] = try UserSnapshot.decode(PostgresText.bytes(fromBytea: states.text(r, 2)))
        }
        let awards = try rows("SELECT org_id, user_id, badge_id, awarded_at, event_id, catalog_version, backfilled, seen FROM awards",
                              of: keys, in: plan.wholeOrganizations)
        for r in 0..<awards.count {
            let award = AwardRecord(badgeID: awards.text(r, 2), awardedAt: Instant(milliseconds: awards.int(r, 3)), eventID: awards.text(r, 4),
                                    catalogVersion: Int(awards.int(r, 5)), backfilled: awards.int(r, 6) != 0, seen: awards.int(r, 7) != 0)
            s.users[UserKey(org: awards.text(r, 0), user: awards.text(r, 1)), default: UserState()].awards[award.badgeID] = award
        }
    }

    /// Rows of `select` for the users `keys` and for every user of `whole`: one query for
    /// each that is not empty, each able to use the (org_id, user_id) index (an OR of the two
    /// conditions would scan the table).
    private func rows(_ select: String, of keys: [UserKey], in whole: Set<BytewiseKey>, then suffix: String = "") throws -> PostgresRows {
        var result = PostgresRows(rows: [])
        if !whole.isEmpty {
            result.rows += try db.query("\(select) WHERE org_id = ANY($1::text[]) \(suffix)", [PostgresText.array(whole.sorted().map(\.string))]).rows
        }
        let rest = keys.filter { !whole.contains(BytewiseKey($0.org)) }
        if !rest.isEmpty {
            result.rows += try db.query("\(select) WHERE (org_id, user_id) IN (SELECT * FROM unnest($1::text[], $2::text[])) \(suffix)",
                                        [PostgresText.array(rest.map(\.org)), PostgresText.array(rest.map(\.user))]).rows
        }
        return result
    }

    /// Registrations (for whole organizations too), certificates and subscriptions.
    private func loadDetails(_ plan: ScopePlan, _ s: inout LedgerState) throws {
        let keys = plan.detailedUsers.sorted()
        guard !keys.isEmpty || !plan.wholeOrganizations.isEmpty else { return }
        let orgs = PostgresText.array(keys.map(\.org)), users = PostgresText.array(keys.map(\.user))
        let participants = try rows("SELECT org_id, user_id, program_id, role, display_name FROM participants",
                                    of: keys, in: plan.wholeOrganizations, then: "ORDER BY org_id, user_id, program_id, role")
        for r in 0..<participants.count {
            let p = Participant(organizationID: participants.text(r, 0), userID: participants.text(r, 1), programID: participants.text(r, 2),
                                role: participants.text(r, 3), displayName: participants.text(r, 4))
            s.participants[BytewiseKey(p.organizationID), default: [:]][BytewiseKey(p.userID), default: []].append(p)
        }
        guard !keys.isEmpty else { return }
        let certificates = try db.query("""
            SELECT id, org_id, user_id, title, text, issuer, issued_at, seen FROM certificates
            WHERE (org_id, user_id) IN (SELECT * FROM unnest($1::text[], $2::text[])) ORDER BY issued_at, id
            """, [orgs, users])
        for r in 0..<certificates.count {
            let c = Certificate(id: certificates.text(r, 0), organizationID: certificates.text(r, 1), userID: certificates.text(r, 2),
                                title: certificates.text(r, 3), text: certificates.text(r, 4), issuer: certificates.text(r, 5),
                                issuedAt: Instant(milliseconds: certificates.int(r, 6)), seen: certificates.int(r, 7) != 0)
            s.certificates[BytewiseKey(c.id)] = c
            s.certificatesByUser[UserKey(org: c.organizationID, user: c.userID), default: []].append(c.id)
        }
        let subscriptions = try db.query("""
            SELECT org_id, user_id, enabled, weekly, weekday, hour, minute, time_zone, email, created_at, last_digest_at, last_period_due
            FROM digest_subscriptions WHERE (org_id, user_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))
            ORDER BY org_id, user_id\(forUpdate)
            """, [orgs, users])
        for r in 0..<subscriptions.count {
            s.digests[UserKey(org: subscriptions.text(r, 0), user: subscriptions.text(r, 1))] = Self.digestRecord(subscriptions, r, from: 2)
        }
    }
}

extension PostgresLoader {
    /// Every stored event in the order it was stored, with the time it was recorded.
    static func events(_ db: PostgresConnection) throws -> [(event: ActivityEvent, recordedAt: Instant)] {
        try events(db.query("SELECT \(SQLiteLoader.eventColumns) FROM events ORDER BY seq"))
    }

    /// Events from rows of `SQLiteLoader.eventColumns` (kinds this build does not know left out).
    static func events(_ rows: PostgresRows) -> [(event: ActivityEvent, recordedAt: Instant)] {
        (0..<rows.count).compactMap { r in
            guard let kind = ActivityEvent.Kind(code: rows.int(r, 3), session: rows.text(r, 6), role: rows.text(r, 7), program: rows.text(r, 8),
                                                scheduledEnd: rows.int(r, 9), feature: rows.text(r, 10)) else { return nil }
            return (ActivityEvent(organizationID: rows.text(r, 0), eventID: rows.text(r, 1), userID: rows.text(r, 2),
                                  occurredAt: Instant(milliseconds: rows.int(r, 4)), kind: kind), Instant(milliseconds: rows.int(r, 5)))
        }
    }
}
