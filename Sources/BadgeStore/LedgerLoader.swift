import Badges

/// Reads a store of schema versions 1-4, which kept the event log and replayed it, into a
/// `LedgerState`: what `StateMigration` moves into the tables of version 5.
enum LedgerLoader {
    static func load(_ db: SQLiteDatabase, evaluator: Evaluator, events: [(event: ActivityEvent, recordedAt: Instant)]) throws -> LedgerState {
        var s = LedgerState()
        try db.prepare("SELECT org_id, tier, badges_enabled FROM organizations").query { row in
            let id = row.text(0)
            s.organizations[BytewiseKey(id)] = Organization(id: id, tier: Tier(rawValue: Int(row.int(1))) ?? .unspecified, badgesEnabled: row.int(2) != 0)
        }
        try db.prepare("SELECT org_id, user_id, program_id, role, display_name FROM participants").query { row in
            let p = Participant(organizationID: row.text(0), userID: row.text(1), programID: row.text(2), role: row.text(3), displayName: row.text(4))
            s.participants[BytewiseKey(p.organizationID), default: [:]][BytewiseKey(p.userID), default: []].append(p)
        }
        // Counters, sessions and features: the event log replayed, each event at the time it
        // was recorded, exactly as it was evaluated then (awards come from their own table).
        let noAwards = Organization(id: "", tier: .free, badgesEnabled: false)
        for (event, recordedAt) in events {
            _ = s.eventIDs.insert(EventKey(org: event.organizationID, eventID: event.eventID))
            _ = evaluator.apply(event, to: &s.users[UserKey(org: event.organizationID, user: event.userID), default: UserState()],
                                organization: noAwards, now: recordedAt)
        }
        // Sessions whose time passed while the service was down are left to the sweeper, which
        // counts them with the organization's real settings and stores what they award.
        for (key, user) in s.users {
            for session in user.sessions.values where session.state == .scheduled {
                if let end = session.scheduledEnd { s.dueSessions.push(end, key) }
            }
        }
        try db.prepare("SELECT org_id, user_id, badge_id, awarded_at, event_id, catalog_version, backfilled FROM award_log ORDER BY seq").query { row in
            let award = AwardRecord(badgeID: row.text(2), awardedAt: Instant(milliseconds: row.int(3)), eventID: row.text(4),
                                    catalogVersion: Int(row.int(5)), backfilled: row.int(6) != 0, seen: false)
            let key = UserKey(org: row.text(0), user: row.text(1))
            if s.users[key]?.hasEarned(award.badgeID) != true {
                s.users[key, default: UserState()].awards[award.badgeID] = award
            }
        }
        try db.prepare("SELECT org_id, user_id, badge_id FROM awards_seen").query { row in
            s.users[UserKey(org: row.text(0), user: row.text(1))]?.awards[row.text(2)]?.seen = true
        }
        try db.prepare("SELECT id, org_id, user_id, title, text, issuer, issued_at, seen FROM certificates ORDER BY issued_at").query { row in
            let c = Certificate(id: row.text(0), organizationID: row.text(1), userID: row.text(2), title: row.text(3), text: row.text(4),
                                issuer: row.text(5), issuedAt: Instant(milliseconds: row.int(6)), seen: row.int(7) != 0)
            s.certificates[BytewiseKey(c.id)] = c
            s.certificatesByUser[UserKey(org: c.organizationID, user: c.userID), default: []].append(c.id)
        }
        try db.prepare("SELECT token, org_id, user_id, badge_id, created_at, revoked FROM share_links").query { row in
            let l = ShareLink(token: row.text(0), organizationID: row.text(1), userID: row.text(2), badgeID: row.text(3),
                              createdAt: Instant(milliseconds: row.int(4)), revoked: row.int(5) != 0)
            s.shareLinks[BytewiseKey(l.token)] = l
        }
        try db.prepare("""
            SELECT org_id, user_id, enabled, weekly, weekday, hour, minute, time_zone, email, created_at, last_digest_at, last_period_due
            FROM digest_subscriptions
            """).query { row in
            let sub = DigestSubscription(enabled: row.int(2) != 0, frequency: row.int(3) != 0 ? .weekly : .daily,
                                         weekday: row.isNull(4) ? nil : Int(row.int(4)), hour: Int(row.int(5)), minute: Int(row.int(6)),
                                         timeZone: row.text(7), email: row.text(8))
            s.digests[UserKey(org: row.text(0), user: row.text(1))] = DigestRecord(
                subscription: sub, createdAt: Instant(milliseconds: row.int(9)), lastDigestAt: Instant(milliseconds: row.int(10)),
                lastPeriodDue: row.isNull(11) ? nil : Instant(milliseconds: row.int(11)))
        }
        try db.prepare("""
            SELECT org_id, user_id, period, due_at, state, recipient, subject, text_body, html_body, attempts, next_attempt_at, sent_at, last_error
            FROM digest_outbox
            """).query { row in
            let e = OutboxEntry(org: row.text(0), user: row.text(1), period: row.text(2), dueAt: Instant(milliseconds: row.int(3)),
                                state: OutboxState(rawValue: Int(row.int(4))) ?? .pending, recipient: row.text(5), subject: row.text(6),
                                text: row.text(7), html: row.text(8), attempts: Int(row.int(9)), nextAttemptAt: Instant(milliseconds: row.int(10)),
                                sentAt: row.isNull(11) ? nil : Instant(milliseconds: row.int(11)), lastError: row.text(12))
            s.outbox[e.key] = e
        }
        return s
    }

    /// Every stored event in the order it was recorded, with the time it was recorded: the
    /// `events` table (rows written before schema version 4), then `event_batches`.
    static func events(_ db: SQLiteDatabase) throws -> [(event: ActivityEvent, recordedAt: Instant)] {
        var events: [(ActivityEvent, Instant)] = []
        try db.prepare("""
            SELECT org_id, event_id, user_id, kind, occurred_at, recorded_at, session_id, role, program_id, scheduled_end, feature
            FROM events ORDER BY seq
            """).query { row in
            guard let kind = ActivityEvent.Kind(code: row.int(3), session: row.text(6), role: row.text(7), program: row.text(8),
                                                scheduledEnd: row.int(9), feature: row.text(10)) else { return }
            let event = ActivityEvent(organizationID: row.text(0), eventID: row.text(1), userID: row.text(2),
                                      occurredAt: Instant(milliseconds: row.int(4)), kind: kind)
            events.append((event, Instant(milliseconds: row.int(5))))
        }
        try db.prepare("SELECT seq, events FROM event_batches ORDER BY seq").query { row in
            do {
                events += try EventBatchCodec.decode(row.blob(1))
            } catch {
                throw SQLiteError.corrupt("event_batches row \(row.int(0)): \(error)")
            }
        }
        return events
    }
}
