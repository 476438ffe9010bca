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
        entries.append(Entry(name: name.lowercased(), value: Array(value.utf8)))
    }

    public mutating func add(_ name: String, bytes: [UInt8]) {
        entries.append(Entry(name: name.lowercased(), value: bytes))
    }

    /// The first value for `name` as text, if present.
    public subscript(_ name: String) -> String? {
        entries.first { $0.name == name }.map { String(decoding: $0.value, as: UTF8.self) }
    }

    public func makeIterator() -> IndexingIterator<[Entry]> { entries.makeIterator() }
}
