/// Where a session stands for one participant.
public enum SessionState: Int, Sendable, Hashable {
    /// Booked; counts when completed or when its end passes.
    case scheduled = 0
    /// Counted once, for good.
    case counted = 1
    /// Cancelled before it counted: it never will.
    case cancelled = 2
    /// A completion arrived before the booking; it counts when the booking arrives.
    case completedEarly = 3
    /// A cancellation arrived before the booking.
    case cancelledEarly = 4
}

public struct SessionRecord: Sendable, Hashable {
    public var sessionID: String
    public var state: SessionState
    public var role: String
    public var programID: String
    public var scheduledEnd: Instant?
    /// The SESSION_SCHEDULED event, which an award earned by the clock is credited to.
    public var scheduledEventID: String

    public init(sessionID: String, state: SessionState, role: String = "", programID: String = "", scheduledEnd: Instant? = nil, scheduledEventID: String = "") {
        self.sessionID = sessionID
        self.state = state
        self.role = role
        self.programID = programID
        self.scheduledEnd = scheduledEnd
        self.scheduledEventID = scheduledEventID
    }
}

/// A badge given to a user: once, forever.
public struct AwardRecord: Sendable, Hashable {
    public var badgeID: String
    public var awardedAt: Instant
    /// The event whose recording (or, for sessions, whose time passing) earned it.
    public var eventID: String
    public var catalogVersion: Int
    /// Given by a new catalog version to a user who already qualified.
    public var backfilled: Bool
    public var seen: Bool

    public init(badgeID: String, awardedAt: Instant, eventID: String, catalogVersion: Int, backfilled: Bool = false, seen: Bool = false) {
        self.badgeID = badgeID
        self.awardedAt = awardedAt
        self.eventID = eventID
        self.catalogVersion = catalogVersion
        self.backfilled = backfilled
        self.seen = seen
    }
}

/// Everything evaluation needs about one user of one organization.
public struct UserState: Sendable, Hashable {
    public var counters: [CounterKey: Int64] = [:]
    /// By session id, compared byte for byte (see `BytewiseKey`).
    public var sessions: [BytewiseKey: SessionRecord] = [:]
    public var features: Set<BytewiseKey> = []
    public var awards: [String: AwardRecord] = [:]
    /// No scheduled session ends before this, so settling can skip the scan until then (nil:
    /// none is scheduled). A hint derived from `sessions`, left out of equality.
    var nextDue: Instant?

    public init() {}

    public func count(_ key: CounterKey) -> Int64 { counters[key] ?? 0 }

    /// Whether the badge is awarded; unlike `awards[id] != nil`, copies no record to find out.
    public func hasEarned(_ badgeID: String) -> Bool { awards.index(forKey: badgeID) != nil }

    public static func == (a: UserState, b: UserState) -> Bool {
        a.counters == b.counters && a.sessions == b.sessions && a.features == b.features && a.awards == b.awards
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(counters)
        hasher.combine(sessions)
        hasher.combine(features)
        hasher.combine(awards)
    }
}

extension UserState {
    /// The earliest end among scheduled sessions, for a store that indexes users by it.
    public var earliestScheduledEnd: Instant? { nextDue }

    /// Recomputes the settling hint, for a state rebuilt from storage rather than from events.
    public mutating func refreshScheduledEnd() {
        nextDue = sessions.values.lazy.filter { $0.state == .scheduled }.compactMap(\.scheduledEnd).min()
    }
}
