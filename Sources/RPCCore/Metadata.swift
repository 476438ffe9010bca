/// Call metadata: ordered header name/value pairs. Names are lower-case; values of names
/// ending in `-bin` are binary (the transport base64-encodes them on the wire).
public struct Metadata: Sendable, Hashable, Sequence {
    public struct Entry: Sendable, Hashable {
        public var name: String
        public var value: [UInt8]
    }

    public private(set) var entries: [Entry] = []

    public init() {}

    public mutating func add(_ name: String, _ value: String) {
        entries.append(Entry(name: Self.lowercase(name), value: Array(value.utf8)))
    }

    public mutating func add(_ name: String, bytes: [UInt8]) {
        entries.append(Entry(name: Self.lowercase(name), value: bytes))
    }

    /// HTTP/2 header names are lower-case already; only convert the ones that are not.
    private static func lowercase(_ name: String) -> String {
        name.utf8.contains(where: { $0 >= 65 && $0 <= 90 }) ? name.lowercased() : name
    }

    /// The first value for `name` as text, if present.
    public subscript(_ name: String) -> String? {
        entries.first { $0.name == name }.map { String(decoding: $0.value, as: UTF8.self) }
    }

    /// The first value for `name` as it arrived, if present.
    public func bytes(_ name: String) -> [UInt8]? {
        entries.first { $0.name == name }?.value
    }

    public func makeIterator() -> IndexingIterator<[Entry]> { entries.makeIterator() }
}
