import BadgeAPI
import Badges
import BadgeStore
import RPCCore

/// Between wire messages (BadgeAPI) and the domain (Badges): each direction in one place.
enum Convert {
    static func timestamp(_ instant: Instant) -> Timestamp {
        var t = Timestamp()
        let ms = instant.milliseconds
        t.seconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000  // floor: nanos stay non-negative
        t.nanos = Int32((instant.milliseconds - t.seconds * 1000) * 1_000_000)
        return t
    }

    /// A request's timestamp as milliseconds. The schema's limits keep seconds within
    /// 0001..9999 and nanos within a second, which `checkLimits` verified; the arithmetic is
    /// checked anyway, as a number from the wire must never be able to trap.
    static func instant(_ t: Timestamp?, field: String) throws(RPCError) -> Instant {
        guard let t else { return Instant(milliseconds: 0) }
        let (ms, overflow) = t.seconds.multipliedReportingOverflow(by: 1000)
        guard !overflow, (0..<1_000_000_000).contains(t.nanos) else {
            throw RPCError(code: .invalidArgument, message: "\(field) is outside the range of a timestamp")
        }
        return Instant(milliseconds: ms + Int64(t.nanos / 1_000_000))
    }

    /// A wire event as a domain event; INVALID_ARGUMENT names the field that is missing.
    static func event(_ e: BadgeAPI.ActivityEvent?, field: String = "event") throws(RPCError) -> Badges.ActivityEvent {
        guard let e else { throw RPCError(code: .invalidArgument, message: "\(field) is required") }
        let kind: Badges.ActivityEvent.Kind
        switch e.payload {
        case .sessionScheduled(let s)?:
            guard let end = s.scheduledEnd else {
                throw RPCError(code: .invalidArgument, message: "\(field).session_scheduled.scheduled_end is required")
            }
            kind = .sessionScheduled(sessionID: s.sessionID, role: s.role, programID: s.programID,
                                     scheduledEnd: try instant(end, field: "\(field).session_scheduled.scheduled_end"))
        case .sessionCompleted(let s)?: kind = .sessionCompleted(sessionID: s.sessionID)
        case .sessionCancelled(let s)?: kind = .sessionCancelled(sessionID: s.sessionID)
        case .feedbackReceived?: kind = .feedbackReceived
        case .coachingItemSaved?: kind = .coachingItemSaved
        case .qaReviewCompleted?: kind = .qaReviewCompleted
        case .qaReviewReceived?: kind = .qaReviewReceived
        case .profileCompleted?: kind = .profileCompleted
        case .featureUsed(let f)?: kind = .featureUsed(name: f.name)
        case nil:
            throw RPCError(code: .invalidArgument, message: "\(field): one of session_scheduled, session_completed, session_cancelled, feedback_received, coaching_item_saved, qa_review_completed, qa_review_received, profile_completed or feature_used is required")
        }
        return Badges.ActivityEvent(organizationID: e.organizationID, eventID: e.eventID, userID: e.userID,
                                    occurredAt: try instant(e.occurredAt, field: "\(field).occurred_at"), kind: kind)
    }

    static func badge(_ view: BadgeView) -> BadgeAPI.Badge {
        var b = BadgeAPI.Badge()
        b.id = view.id
        b.path = view.path
        b.level = Int32(view.level)
        b.name = view.name
        b.description = view.description
        b.visibility = view.visibility == .revealed ? .revealed : .hidden
        b.metric = view.metric.rawValue
        b.threshold = view.threshold
        b.role = view.role
        b.masked = view.masked
        return b
    }

    static func award(_ earned: EarnedBadge, user: String) -> BadgeAPI.Award {
        var a = BadgeAPI.Award()
        a.badge = badge(earned.badge)
        a.userID = user
        a.awardedAt = timestamp(earned.award.awardedAt)
        a.eventID = earned.award.eventID
        a.catalogVersion = Int32(earned.award.catalogVersion)
        a.backfilled = earned.award.backfilled
        a.seen = earned.award.seen
        return a
    }

    static func certificate(_ c: Badges.Certificate) -> BadgeAPI.Certificate {
        var w = BadgeAPI.Certificate()
        w.id = c.id
        w.userID = c.userID
        w.title = c.title
        w.text = c.text
        w.issuer = c.issuer
        w.issuedAt = timestamp(c.issuedAt)
        w.seen = c.seen
        return w
    }

    static func achievement(_ a: BadgeStore.Achievement, user: String) -> BadgeAPI.Achievement {
        var w = BadgeAPI.Achievement()
        switch a {
        case .award(let earned): w.kind = .award(award(earned, user: user))
        case .certificate(let c): w.kind = .certificate(certificate(c))
        }
        return w
    }

    static func progress(_ p: Badges.BadgeProgress) -> BadgeAPI.BadgeProgress {
        var w = BadgeAPI.BadgeProgress()
        w.badge = badge(p.badge)
        w.current = p.current
        w.threshold = p.threshold
        return w
    }

    static func tier(_ t: BadgeAPI.Tier) -> Badges.Tier? {
        switch t {
        case .unspecified: return nil
        case .free: return .free
        case .standard: return .standard
        case .professional: return .professional
        case .enterprise: return .enterprise
        case .unrecognized(let n): return Badges.Tier(rawValue: Int(n))
        }
    }

    static func tier(_ t: Badges.Tier) -> BadgeAPI.Tier { BadgeAPI.Tier(rawValue: Int32(t.rawValue)) }

    static func subscription(_ s: Badges.DigestSubscription) -> BadgeAPI.DigestSubscription {
        var w = BadgeAPI.DigestSubscription()
        w.enabled = s.enabled
        w.frequency = s.frequency == .daily ? .daily : .weekly
        w.weekday = s.weekday.map { BadgeAPI.Weekday(rawValue: Int32($0)) } ?? .unspecified
        w.localTime = s.localTime
        w.timeZone = s.timeZone
        w.email = s.email
        return w
    }

    /// Domain refusals as gRPC statuses; a store failure never shows its internals.
    static func error(_ e: any Error) -> any Error {
        guard let ledger = e as? LedgerError else { return e }
        switch ledger {
        case .badgesUnavailable(let m): return RPCError(code: .failedPrecondition, message: m)
        case .notFound(let m): return RPCError(code: .notFound, message: m)
        case .invalidArgument(let m): return RPCError(code: .invalidArgument, message: m)
        case .permissionDenied(let m): return RPCError(code: .permissionDenied, message: m)
        case .unavailable(let m): return RPCError(code: .unavailable, message: m)
        case .storeFailed(let m): return RPCError(code: .internal, message: "internal error: \(m)")
        }
    }
}

/// Page tokens: opaque to clients, an offset to us.
enum Paging {
    static func offset(_ token: String) throws(RPCError) -> Int {
        if token.isEmpty { return 0 }
        guard token.hasPrefix("o"), let n = Int(token.dropFirst()), n >= 0 else {
            throw RPCError(code: .invalidArgument, message: "page_token '\(token)' is not one this server issued")
        }
        return n
    }

    /// The schema bounds page_size to 0...1000 (checked as the request is decoded); 0 asks
    /// for the default.
    static func size(_ requested: Int32, default fallback: Int = 50) -> Int {
        requested == 0 ? fallback : Int(requested)
    }

    /// One page of `items` and the token for the next, empty on the last page.
    static func page<T>(_ items: [T], token: String, size: Int32) throws(RPCError) -> ([T], next: String) {
        let start = min(try offset(token), items.count)
        let end = min(start + self.size(size), items.count)
        return (Array(items[start..<end]), end < items.count ? "o\(end)" : "")
    }
}

/// A badge report's page token: which part it continues ("e" earners, "r" the rest) and
/// the last user id it gave.
enum ReportPaging {
    static func cursor(_ token: String) throws(RPCError) -> BadgeReportCursor {
        if token.isEmpty { return .start }
        let after = String(token.dropFirst())
        switch token.first {
        case "e": return .earners(after: after)
        case "r": return .others(after: after)
        default: throw RPCError(code: .invalidArgument, message: "page_token is not one this server issued")
        }
    }

    static func token(_ cursor: BadgeReportCursor) -> String {
        switch cursor {
        case .earners(let after): return "e" + after
        case .others(let after): return "r" + after
        }
    }
}
