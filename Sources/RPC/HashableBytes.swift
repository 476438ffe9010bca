/// Bytes as a dictionary key, hashed in one pass: `[UInt8]`'s own hashing feeds the hasher one
/// byte at a time, which showed in profiles for keys as long as a bearer token.
public struct HashableBytes: Hashable, Sendable {
    public let bytes: [UInt8]

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}
