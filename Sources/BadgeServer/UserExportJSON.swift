import Badges
import BadgeStore
import Wire

/// ExportUser's document: every field of every record stored about the user, times in
/// RFC 3339 (UTC), ids and texts as stored.
enum UserExportJSON {
    static func document(_ e: UserExport) -> JSONValue {
        let fields: [(key: String, value: JSONValue)] = [
            ("organization_id", .string(e.organizationID)),
            ("user_id", .string(e.userID)),
            ("registrations", .array(e.registrations.map(registration))),
            ("counters", .array((e.state?.counters ?? [:]).sorted { $0.key < $1.key }.map(counter))),
            ("sessions", .array((e.state?.sessions.values.sorted { $0.sessionID.bytewiseLess(than: $1.sessionID) } ?? []).map(session))),
            ("features", .array((e.state?.features.sorted() ?? []).map { .string($0.string) })),
            ("awards", .array((e.state?.awards.values.sorted { $0.awardedAt < $1.awardedAt } ?? []).map(award))),
            ("certificates", .array(e.certificates.map(certificate))),
            ("share_links", .array(e.shareLinks.map(shareLink))),
            ("digest_subscription", e.digest.map(digest) ?? .null),
            ("digest_outbox", .array(e.outbox.map(outboxEntry))),
            ("events", .array(e.events.map { event($0.event, recordedAt: $0.recordedAt) })),
        ]
        return .object(fields)
    }

    private static func registration(_ p: Participant) -> JSONValue {
        .object([("program_id", .string(p.programID)), ("role", .string(p.role)), ("display_name", .string(p.displayName))])
    }

    private static func counter(_ key: CounterKey, _ value: Int64) -> JSONValue {
        .object([("metric", .string(key.metric.rawValue)), ("role", .string(key.role)), ("value", .number(String(value)))])
    }

    private static func session(_ s: SessionRecord) -> JSONValue {
        let end: JSONValue = s.scheduledEnd.map(time) ?? .null
        return .object([("session_id", .string(s.sessionID)), ("state", .string("\(s.state)")), ("role", .string(s.role)),
                        ("program_id", .string(s.programID)), ("scheduled_end", end), ("scheduled_event_id", .string(s.scheduledEventID))])
    }

    private static func award(_ a: AwardRecord) -> JSONValue {
        .object([("badge_id", .string(a.badgeID)), ("awarded_at", time(a.awardedAt)), ("event_id", .string(a.eventID)),
                 ("catalog_version", .number(String(a.catalogVersion))), ("backfilled", .bool(a.backfilled)), ("seen", .bool(a.seen))])
    }

    private static func certificate(_ c: Certificate) -> JSONValue {
        .object([("id", .string(c.id)), ("title", .string(c.title)), ("text", .string(c.text)), ("issuer", .string(c.issuer)),
                 ("issued_at", time(c.issuedAt)), ("seen", .bool(c.seen))])
    }

    private static func shareLink(_ l: ShareLink) -> JSONValue {
        .object([("token", .string(l.token)), ("badge_id", .string(l.badgeID)), ("created_at", time(l.createdAt)), ("revoked", .bool(l.revoked))])
    }

    private static func digest(_ d: DigestRecord) -> JSONValue {
        let sub = d.subscription
        let weekday: JSONValue = sub.weekday.map { .number(String($0)) } ?? .null
        return .object([("enabled", .bool(sub.enabled)), ("frequency", .string(sub.frequency == .weekly ? "WEEKLY" : "DAILY")),
                        ("weekday", weekday), ("hour", .number(String(sub.hour))), ("minute", .number(String(sub.minute))),
                        ("time_zone", .string(sub.timeZone)), ("email", .string(sub.email)),
                        ("created_at", time(d.createdAt)), ("last_digest_at", time(d.lastDigestAt))])
    }

    private static func outboxEntry(_ o: OutboxEntry) -> JSONValue {
        let sent: JSONValue = o.sentAt.map(time) ?? .null
        return .object([("period", .string(o.period)), ("due_at", time(o.dueAt)), ("state", .string("\(o.state)")),
                        ("recipient", .string(o.recipient)), ("subject", .string(o.subject)), ("text", .string(o.text)),
                        ("attempts", .number(String(o.attempts))), ("sent_at", sent), ("last_error", .string(o.lastError))])
    }

    private static func event(_ event: ActivityEvent, recordedAt: Instant) -> JSONValue {
        let fields: [(key: String, value: JSONValue)] = [
            ("event_id", .string(event.eventID)), ("occurred_at", time(event.occurredAt)), ("recorded_at", time(recordedAt)),
        ]
        return .object(fields + kindFields(event.kind))
    }

    private static func kindFields(_ kind: ActivityEvent.Kind) -> [(key: String, value: JSONValue)] {
        switch kind {
        case .sessionScheduled(let id, let role, let program, let end):
            return [("kind", .string("SESSION_SCHEDULED")), ("session_id", .string(id)), ("role", .string(role)),
                    ("program_id", .string(program)), ("scheduled_end", time(end))]
        case .sessionCompleted(let id): return [("kind", .string("SESSION_COMPLETED")), ("session_id", .string(id))]
        case .sessionCancelled(let id): return [("kind", .string("SESSION_CANCELLED")), ("session_id", .string(id))]
        case .feedbackReceived: return [("kind", .string("FEEDBACK_RECEIVED"))]
        case .coachingItemSaved: return [("kind", .string("COACHING_ITEM_SAVED"))]
        case .qaReviewCompleted: return [("kind", .string("QA_REVIEW_COMPLETED"))]
        case .qaReviewReceived: return [("kind", .string("QA_REVIEW_RECEIVED"))]
        case .profileCompleted: return [("kind", .string("PROFILE_COMPLETED"))]
        case .featureUsed(let name): return [("kind", .string("FEATURE_USED")), ("name", .string(name))]
        }
    }

    static func time(_ instant: Instant) -> JSONValue { .string(RFC3339.string(instant)) }
}

/// UTC times as RFC 3339 text with milliseconds: `2026-01-01T00:00:00.000Z`.
enum RFC3339 {
    static func string(_ instant: Instant) -> String {
        let ms = instant.milliseconds
        let (days, dayMs) = (floorDivide(ms, 86_400_000), ms - floorDivide(ms, 86_400_000) * 86_400_000)
        let (year, month, day) = civil(days)
        func pad(_ n: Int64, _ width: Int) -> String {
            let text = String(n)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(dayMs / 3_600_000, 2)):\(pad(dayMs / 60_000 % 60, 2)):"
            + "\(pad(dayMs / 1000 % 60, 2)).\(pad(dayMs % 1000, 3))Z"
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }

    /// The proleptic Gregorian date of a day count since 1970-01-01 (eras of 400 years).
    static func civil(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = floorDivide(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
