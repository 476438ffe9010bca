import CNghttp2

/// Header fields to hand to nghttp2, which copies them during the submit call.
struct HeaderList {
    private(set) var fields: [(name: [UInt8], value: [UInt8])] = []

    init(_ pairs: [(String, String)] = []) {
        for (name, value) in pairs { add(name, value) }
    }

    mutating func add(_ name: String, _ value: String) {
        fields.append((Array(name.utf8), Array(value.utf8)))
    }

    mutating func add(_ name: String, bytes: [UInt8]) {
        fields.append((Array(name.utf8), bytes))
    }

    /// Calls `body` with an `nghttp2_nv` array that is valid only during the call.
    func withNV<T>(_ body: (UnsafePointer<nghttp2_nv>, Int) -> T) -> T {
        // One buffer for every name and value, so that all pointers stay valid together.
        var storage: [UInt8] = []
        var offsets: [(Int, Int, Int, Int)] = []
        for field in fields {
            let nameStart = storage.count
            storage += field.name
            let valueStart = storage.count
            storage += field.value
            offsets.append((nameStart, field.name.count, valueStart, field.value.count))
        }
        storage.append(0)
        return storage.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            let nvs = offsets.map { o in
                nghttp2_nv(
                    name: base + o.0, value: base + o.2, namelen: o.1, valuelen: o.3,
                    flags: UInt8(NGHTTP2_NV_FLAG_NONE.rawValue))
            }
            return nvs.withUnsafeBufferPointer { body($0.baseAddress!, $0.count) }
        }
    }
}
