import RPCCore

/// A client connection's request header blocks, by path, deadline and metadata. A client
/// repeats a few (a method with the same credentials), and building the fields and having
/// nghttp2 copy them was a tenth of the load generator's time per call; a block is laid out
/// once and handed over by reference. Blocks live as long as the connection (nghttp2 may hold
/// them until the frame goes out); past `capacity` kinds a call gets its fields built afresh,
/// so that metadata that changes on every call cannot grow the cache without bound.
struct RequestHeaderCache {
    struct Key: Hashable {
        let path: String
        let timeout: Duration?
        let metadata: Metadata

        // Values hashed as whole byte runs: Metadata's own hashing feeds them in byte by byte,
        // which for a bearer token cost more than building the headers.
        func hash(into hasher: inout Hasher) {
            hasher.combine(path)
            hasher.combine(timeout)
            for entry in metadata {
                hasher.combine(entry.name)
                entry.value.withUnsafeBytes { hasher.combine(bytes: $0) }
            }
        }
    }

    private var blocks: [Key: HeaderBlock] = [:]
    static let capacity = 64

    /// The block for `key`, laid out from `fields()` the first time; nil once full.
    mutating func block(for key: Key, fields: () -> HeaderList) -> HeaderBlock? {
        if let block = blocks[key] { return block }
        guard blocks.count < Self.capacity else { return nil }
        let block = HeaderBlock(fields())
        blocks[key] = block
        return block
    }
}
