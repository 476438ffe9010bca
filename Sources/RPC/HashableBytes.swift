import Glibc

/// Bytes as a dictionary key, hashed and compared in one pass each: `[UInt8]`'s own hashing
/// feeds the hasher one byte at a time, and its equality compares element by element, which
/// both showed in profiles for keys as long as a bearer token.
public struct HashableBytes: Hashable, Sendable {
    public let bytes: [UInt8]

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    public static func == (a: HashableBytes, b: HashableBytes) -> Bool {
        guard a.bytes.count == b.bytes.count else { return false }
        guard !a.bytes.isEmpty else { return true }
        return a.bytes.withUnsafeBytes { x in b.bytes.withUnsafeBytes { y in memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 } }
    }
}
