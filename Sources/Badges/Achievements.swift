/// A badge as one user may see it. A hidden badge the user has not earned is masked: no name,
/// no description, no threshold; the user only learns that the path holds more.
public struct BadgeView: Sendable, Hashable {
    public var id: String
    public var path: String
    public var level: Int
    public var name: String
    public var description: String
    public var visibility: Visibility
    public var metric: Metric
    public var threshold: Int64
    public var role: String
    public var masked: Bool

    public init(_ badge: Badge, earned: Bool) {
        id = badge.id
        path = badge.path
        level = badge.level
        visibility = badge.visibility
        metric = badge.criterion.metric
        role = badge.criterion.role ?? ""
        masked = badge.visibility == .hidden && !earned
        name = masked ? "" : badge.name
        description = masked ? "" : badge.description
        threshold = masked ? 0 : badge.criterion.threshold
    }
}

public struct EarnedBadge: Sendable, Hashable {
    public var badge: BadgeView
    public var award: AwardRecord

    public init(badge: BadgeView, award: AwardRecord) {
        self.badge = badge
        self.award = award
    }
}

/// Progress toward a badge not yet earned; `threshold` is 0 when the badge is masked.
public struct BadgeProgress: Sendable, Hashable {
    public var badge: BadgeView
    public var current: Int64
    public var threshold: Int64
}

public struct TrackProgress: Sendable, Hashable {
    public var track: Track
    public var earned: [EarnedBadge]
    public var next: [BadgeProgress]
}

/// The achievements page: lifetime numbers, recent badges, and every path.
public struct Achievements: Sendable, Hashable {
    public var lifetimeBadgeCount: Int
    public var lifetimeStats: [(key: CounterKey, value: Int64)]
    public var recent: [EarnedBadge]
    public var tracks: [TrackProgress]

    public static func == (a: Achievements, b: Achievements) -> Bool {
        a.lifetimeBadgeCount == b.lifetimeBadgeCount && a.recent == b.recent && a.tracks == b.tracks
            && a.lifetimeStats.map(\.key) == b.lifetimeStats.map(\.key) && a.lifetimeStats.map(\.value) == b.lifetimeStats.map(\.value)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(lifetimeBadgeCount)
        hasher.combine(tracks)
    }
}

extension Catalog {
    /// An award with its badge, as the user sees it; nil for a badge the catalog dropped.
    public func earned(_ award: AwardRecord) -> EarnedBadge? {
        badge(award.badgeID).map { EarnedBadge(badge: BadgeView($0, earned: true), award: award) }
    }

    /// A user's achievements. Role tracks (Mentoring as mentor, as mentee) show when the user
    /// is registered in that role or has activity or awards in it.
    public func achievements(of state: UserState, roles: Set<BytewiseKey>, recentLimit: Int) -> Achievements {
        let earned = state.awards.values
            .compactMap(earned)
            .sorted { ($0.award.awardedAt, $0.badge.id) > ($1.award.awardedAt, $1.badge.id) }
        let stats = state.counters.filter { $0.key.role.isEmpty }.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) }
        var tracks: [TrackProgress] = []
        for track in self.tracks {
            if !track.role.isEmpty {
                let active = roles.contains(BytewiseKey(track.role)) || state.count(CounterKey(metric: .sessionsCompleted, role: track.role)) > 0
                    || badges(in: track).contains { state.hasEarned($0.id) }
                if !active { continue }
            }
            tracks.append(progress(of: state, in: track))
        }
        return Achievements(lifetimeBadgeCount: state.awards.count, lifetimeStats: stats,
                            recent: Array(earned.prefix(max(recentLimit, 0))), tracks: tracks)
    }

    public func progress(of state: UserState, in track: Track) -> TrackProgress {
        var earned: [EarnedBadge] = []
        var next: [BadgeProgress] = []
        for badge in badges(in: track) {
            if let award = state.awards[badge.id] {
                earned.append(EarnedBadge(badge: BadgeView(badge, earned: true), award: award))
            } else if next.isEmpty {
                next.append(progress(toward: badge, state: state))
            }
        }
        return TrackProgress(track: track, earned: earned, next: next)
    }

    public func progress(toward badge: Badge, state: UserState) -> BadgeProgress {
        let view = BadgeView(badge, earned: state.hasEarned(badge.id))
        return BadgeProgress(badge: view, current: state.count(badge.counterKey), threshold: view.threshold)
    }

    /// The next unearned badge on each counter an evaluation moved: "the progress it moved".
    public func progressMoved(by changes: Changes, state: UserState) -> [BadgeProgress] {
        // Runs once per recorded event on the store's single writer thread: indices rather than
        // copies of each Badge (five strings), one counter read per key, and most events move
        // one counter, which needs no sorted copy.
        var progress: [BadgeProgress] = []
        for key in changes.moved.count > 1 ? changes.moved.sorted() : changes.moved {
            let ladder = badges(reading: key)
            guard let next = ladder.indices.first(where: { !state.hasEarned(ladder[$0].id) }) else { continue }
            let view = BadgeView(ladder[next], earned: false)
            progress.append(BadgeProgress(badge: view, current: state.count(key), threshold: view.threshold))
        }
        return progress
    }
}
