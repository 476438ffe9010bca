import CNghttp2

/// Header fields to hand to nghttp2, which copies them during the submit call. Names and
/// values go into one byte buffer as they are added, so a call's headers cost a couple of
/// allocations rather than two per field.
struct HeaderList {
    private var bytes: [UInt8] = []
    private var fields: [(name: Range<Int>, value: Range<Int>)] = []

    init(_ pairs: [(String, String)] = []) {
        // Room for a call's headers with a bearer token, so that adding them never regrows.
        bytes.reserveCapacity(512)
        fields.reserveCapacity(max(pairs.count + 4, 16))
        for (name, value) in pairs { add(name, value) }
    }

    /// Adds `other`'s fields, copied as bytes.
    mutating func add(_ other: HeaderList) {
        let offset = bytes.count
        bytes.append(contentsOf: other.bytes)
        for field in other.fields {
            fields.append((field.name.lowerBound + offset..<field.name.upperBound + offset,
                           field.value.lowerBound + offset..<field.value.upperBound + offset))
        }
    }

    mutating func add(_ name: String, _ value: String) {
        let nameStart = bytes.count
        bytes.append(contentsOf: name.utf8)
        let valueStart = bytes.count
        bytes.append(contentsOf: value.utf8)
        fields.append((nameStart..<valueStart, valueStart..<bytes.count))
    }

    mutating func add(_ name: String, bytes value: [UInt8]) {
        let nameStart = bytes.count
        bytes.append(contentsOf: name.utf8)
        let valueStart = bytes.count
        bytes.append(contentsOf: value)
        fields.append((nameStart..<valueStart, valueStart..<bytes.count))
    }

    /// Calls `body` with an `nghttp2_nv` array that is valid only during the call.
    func withNV<T>(_ body: (UnsafePointer<nghttp2_nv>, Int) -> T) -> T {
        bytes.withUnsafeBufferPointer { buffer in
            // nghttp2 only reads (and copies) what the pointers show; it never writes through them.
            let base = UnsafeMutablePointer(mutating: buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!)
            // On the stack for a call's handful of fields, not one more allocation per call.
            return withUnsafeTemporaryAllocation(of: nghttp2_nv.self, capacity: max(fields.count, 1)) { nvs in
                for (index, field) in fields.enumerated() {
                    nvs.initializeElement(at: index, to: nghttp2_nv(
                        name: base + field.name.lowerBound, value: base + field.value.lowerBound,
                        namelen: field.name.count, valuelen: field.value.count,
                        flags: UInt8(NGHTTP2_NV_FLAG_NONE.rawValue)))
                }
                return body(UnsafePointer(nvs.baseAddress!), fields.count)
            }
        }
    }
}
