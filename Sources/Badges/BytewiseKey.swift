import Glibc

/// A string used as a key, equal, hashed and ordered by its UTF-8 bytes. Swift's `String`
/// compares by Unicode canonical equivalence: "café" with a precomposed é equals "cafe" plus a
/// combining accent, and the Kelvin sign equals K. Ids that look alike are still two ids (two
/// users, two organizations), so every dictionary keyed by an id uses this.
public struct BytewiseKey: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let string: String

    public init(_ string: String) { self.string = string }
    public init(stringLiteral string: String) { self.string = string }

    public static func == (a: BytewiseKey, b: BytewiseKey) -> Bool { a.string.bytewiseEquals(b.string) }
    public static func < (a: BytewiseKey, b: BytewiseKey) -> Bool { a.string.bytewiseLess(than: b.string) }
    public func hash(into hasher: inout Hasher) { string.hashBytes(into: &hasher) }
    public var description: String { string }
}

extension String {
    /// Whether both strings are the same bytes (not merely canonically equivalent).
    @inlinable
    public func bytewiseEquals(_ other: String) -> Bool {
        compareBytes(other) == 0
    }

    /// Byte order (as SQLite's BINARY collation and PostgreSQL's "C" sort), shorter first on a
    /// common prefix.
    @inlinable
    public func bytewiseLess(than other: String) -> Bool {
        compareBytes(other) < 0
    }

    /// memcmp's sign over the UTF-8 bytes, then the lengths.
    @inlinable
    func compareBytes(_ other: String) -> Int {
        let fast = utf8.withContiguousStorageIfAvailable { a in
            other.utf8.withContiguousStorageIfAvailable { b -> Int in
                let common = min(a.count, b.count)
                let order = common == 0 ? 0 : Int(memcmp(a.baseAddress!, b.baseAddress!, common))
                return order != 0 ? order : a.count - b.count
            }
        }
        if let fast, let order = fast { return order }
        for (x, y) in zip(utf8, other.utf8) where x != y { return Int(x) - Int(y) }
        return utf8.count - other.utf8.count
    }

    /// Feeds the UTF-8 bytes and their count to `hasher`, as `bytewiseEquals` compares them.
    @inlinable
    public func hashBytes(into hasher: inout Hasher) {
        let done: Void? = utf8.withContiguousStorageIfAvailable { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        if done == nil { for byte in utf8 { hasher.combine(byte) } }
        hasher.combine(utf8.count)
    }
}
