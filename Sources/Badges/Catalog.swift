/// Whether a badge's name and description are shown before it is earned.
public enum Visibility: String, Sendable, Codable {
    case revealed = "REVEALED"
    case hidden = "HIDDEN"
}

/// What a badge asks for: a metric reaching a threshold, optionally in one role.
public struct Criterion: Sendable, Hashable {
    public var metric: Metric
    public var threshold: Int64
    /// Set for role-specific badges (mentor, mentee, ...): only activity in that role counts,
    /// and only users registered in that role are eligible.
    public var role: String?

    public init(metric: Metric, threshold: Int64, role: String? = nil) {
        self.metric = metric
        self.threshold = threshold
        self.role = role
    }
}

/// One badge of the platform's catalog.
public struct Badge: Sendable, Hashable, Identifiable {
    public var id: String
    public var path: String
    public var level: Int
    public var name: String
    public var description: String
    public var criterion: Criterion
    public var visibility: Visibility

    public init(id: String, path: String, level: Int, name: String, description: String, criterion: Criterion, visibility: Visibility) {
        self.id = id
        self.path = path
        self.level = level
        self.name = name
        self.description = description
        self.criterion = criterion
        self.visibility = visibility
    }

    /// The counter this badge reads: its metric in its role, or across roles.
    public var counterKey: CounterKey { CounterKey(metric: criterion.metric, role: criterion.role ?? "") }
}

/// The badges, owned by the platform and versioned; loaded at start, never changed by tenants.
public struct Catalog: Sendable {
    public let version: Int
    public let badges: [Badge]
    private let byID: [BytewiseKey: Badge]
    private let byCounter: [CounterKey: [Badge]]

    /// Badges as given; `CatalogLoader` validates data files before building one.
    init(version: Int, badges: [Badge]) {
        self.version = version
        self.badges = badges
        byID = Dictionary(badges.map { (BytewiseKey($0.id), $0) }, uniquingKeysWith: { first, _ in first })
        byCounter = Dictionary(grouping: badges, by: \.counterKey).mapValues { $0.sorted { $0.criterion.threshold < $1.criterion.threshold } }
    }

    public func badge(_ id: String) -> Badge? { byID[BytewiseKey(id)] }

    /// Badges reading a counter, lowest threshold first.
    public func badges(reading key: CounterKey) -> [Badge] { byCounter[key] ?? [] }

    /// Paths in catalog order, each with its role track (Mentoring has one per role).
    public var tracks: [Track] {
        var seen: Set<Track> = []
        var result: [Track] = []
        for badge in badges {
            let track = Track(path: badge.path, role: badge.criterion.role ?? "")
            if seen.insert(track).inserted { result.append(track) }
        }
        return result
    }

    public func badges(in track: Track) -> [Badge] {
        badges.filter { $0.path == track.path && ($0.criterion.role ?? "") == track.role }.sorted { $0.level < $1.level }
    }
}

/// A path as a user progresses along it: the path and, for role-specific paths, the role.
public struct Track: Hashable, Sendable {
    public var path: String
    public var role: String

    public init(path: String, role: String) {
        self.path = path
        self.role = role
    }
}
