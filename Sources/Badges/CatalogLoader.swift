import Foundation

/// Why a catalog file was refused; says which badge and what is wrong.
public struct CatalogError: Error, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Reads and validates the catalog data file (JSON).
public enum CatalogLoader {
    private struct File: Decodable {
        var version: Int
        var badges: [Entry]
    }

    private struct Entry: Decodable {
        var id: String
        var path: String
        var level: Int
        var name: String
        var description: String
        var metric: String
        var threshold: Int64
        var role: String?
        var visibility: String
    }

    public static func load(path: String) throws -> Catalog {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CatalogError("cannot read catalog file '\(path)'")
        }
        return try load(data: data)
    }

    /// The catalog shipped with the service.
    public static func bundled() throws -> Catalog {
        guard let url = Bundle.module.url(forResource: "catalog", withExtension: "json", subdirectory: "Catalog") else {
            throw CatalogError("the bundled catalog is missing")
        }
        return try load(path: url.path)
    }

    public static func load(data: Data) throws -> Catalog {
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch {
            throw CatalogError("catalog is not valid JSON of the expected shape: \(error)")
        }
        guard file.version >= 1 else { throw CatalogError("catalog version must be 1 or more, got \(file.version)") }
        var badges: [Badge] = []
        var ids: Set<String> = []
        for entry in file.badges {
            let where_ = "badge '\(entry.id)'"
            guard !entry.id.isEmpty else { throw CatalogError("a badge has an empty id") }
            // Printable ASCII: requests name badges by id, and ids are written in headers and logs.
            guard entry.id.utf8.count <= 128, entry.id.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                throw CatalogError("badge id '\(entry.id)' must be printable ASCII without spaces, at most 128 bytes")
            }
            guard ids.insert(entry.id).inserted else { throw CatalogError("duplicate badge id '\(entry.id)'") }
            guard let metric = Metric(rawValue: entry.metric) else {
                throw CatalogError("\(where_): unknown metric '\(entry.metric)' (known: \(Metric.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            guard let visibility = Visibility(rawValue: entry.visibility) else {
                throw CatalogError("\(where_): unknown visibility '\(entry.visibility)' (REVEALED or HIDDEN)")
            }
            guard entry.threshold >= 1 else { throw CatalogError("\(where_): threshold must be at least 1, got \(entry.threshold)") }
            guard !entry.name.isEmpty, !entry.path.isEmpty else { throw CatalogError("\(where_): name and path must not be empty") }
            if let role = entry.role, role.isEmpty { throw CatalogError("\(where_): role is empty; leave it out for any role") }
            badges.append(Badge(
                id: entry.id, path: entry.path, level: entry.level, name: entry.name, description: entry.description,
                criterion: Criterion(metric: metric, threshold: entry.threshold, role: entry.role), visibility: visibility))
        }
        try checkTracks(badges)
        return Catalog(version: file.version, badges: badges)
    }

    /// Within a path (and role), levels are distinct and thresholds rise with them.
    private static func checkTracks(_ badges: [Badge]) throws {
        let tracks = Dictionary(grouping: badges) { Track(path: $0.path, role: $0.criterion.role ?? "") }
        for (track, members) in tracks {
            let ordered = members.sorted { $0.level < $1.level }
            let label = track.role.isEmpty ? "path '\(track.path)'" : "path '\(track.path)' (role \(track.role))"
            for (previous, next) in zip(ordered, ordered.dropFirst()) {
                if previous.level == next.level {
                    throw CatalogError("\(label): badges '\(previous.id)' and '\(next.id)' share level \(next.level)")
                }
                if next.criterion.threshold <= previous.criterion.threshold {
                    throw CatalogError("\(label): thresholds must increase with the level, but '\(next.id)' (level \(next.level)) needs \(next.criterion.threshold), not more than '\(previous.id)' (level \(previous.level)) with \(previous.criterion.threshold)")
                }
            }
        }
    }
}
