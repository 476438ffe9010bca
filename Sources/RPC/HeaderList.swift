import CNghttp2

/// Header fields for nghttp2: handed over for one submit call (nghttp2 copies them), or laid
/// out once into a `HeaderBlock`. Names and values go into one byte buffer as they are added,
/// so a list costs a couple of allocations rather than two per field.
struct HeaderList {
    private var bytes: [UInt8] = []
    private var fields: [(name: Range<Int>, value: Range<Int>)] = []

    init(_ pairs: [(String, String)] = []) {
        // Room for a call's headers with a bearer token, so that adding them never regrows.
        bytes.reserveCapacity(512)
        fields.reserveCapacity(max(pairs.count + 4, 16))
        for (name, value) in pairs { add(name, value) }
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

    var fieldCount: Int { fields.count }
    var byteCount: Int { bytes.count }

    /// Calls `body` with an `nghttp2_nv` array that is valid only during the call.
    func withNV<T>(_ body: (UnsafePointer<nghttp2_nv>, Int) -> T) -> T {
        bytes.withUnsafeBufferPointer { buffer in
            // nghttp2 only reads (and copies) what the pointers show; it never writes through them.
            let base = UnsafeMutablePointer(mutating: buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!)
            // On the stack for a call's handful of fields, not one more allocation per call.
            return withUnsafeTemporaryAllocation(of: nghttp2_nv.self, capacity: max(fields.count, 1)) { nvs in
                describe(into: nvs.baseAddress!, base: base, flags: UInt8(NGHTTP2_NV_FLAG_NONE.rawValue))
                return body(UnsafePointer(nvs.baseAddress!), fields.count)
            }
        }
    }

    /// Copies the bytes to `bytes` (room for `byteCount`) and describes the fields in `nvs`
    /// (room for `fieldCount`), pointing into that copy.
    func copy(into bytes: UnsafeMutablePointer<UInt8>, nvs: UnsafeMutablePointer<nghttp2_nv>, flags: UInt8) {
        self.bytes.withUnsafeBufferPointer { source in
            if let start = source.baseAddress { bytes.initialize(from: start, count: source.count) }
        }
        describe(into: nvs, base: bytes, flags: flags)
    }

    private func describe(into nvs: UnsafeMutablePointer<nghttp2_nv>, base: UnsafeMutablePointer<UInt8>, flags: UInt8) {
        for (index, field) in fields.enumerated() {
            (nvs + index).initialize(to: nghttp2_nv(
                name: base + field.name.lowerBound, value: base + field.value.lowerBound,
                namelen: field.name.count, valuelen: field.value.count, flags: flags))
        }
    }
}
