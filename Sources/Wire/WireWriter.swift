/// Builds a protobuf encoding from the back to the front.
///
/// Fields are written last-first, and a nested message's bytes are written before its length
/// prefix, so every length is known when it is written and no size pass over the message tree
/// is needed (the same idea as upb's encoder). The finished bytes are in canonical order.
public struct WireWriter: ~Copyable {
    @usableFromInline var base: UnsafeMutableRawPointer
    @usableFromInline var capacity: Int
    /// The written bytes occupy `base[start..<capacity]`.
    @usableFromInline var start: Int

    public init(initialCapacity: Int = 256) {
        capacity = Swift.max(initialCapacity, 16)
        base = .allocate(byteCount: capacity, alignment: 16)
        start = capacity
    }

    deinit { base.deallocate() }

    /// Bytes written so far.
    @inlinable
    public var count: Int { capacity - start }

    /// Makes room for at least `n` more bytes in front of what is written.
    @inlinable
    mutating func reserve(_ n: Int) {
        if _slowPath(start < n) { grow(n) }
    }

    @usableFromInline
    mutating func grow(_ n: Int) {
        let used = count
        let newCapacity = Swift.max(capacity * 2, used + n + 64)
        let newBase = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
        newBase.advanced(by: newCapacity - used).copyMemory(from: base.advanced(by: start), byteCount: used)
        base.deallocate()
        base = newBase
        capacity = newCapacity
        start = newCapacity - used
    }

    /// The encoded bytes, optionally after `headroom` bytes of zeros that a caller fills in
    /// (the gRPC transport puts its five-byte message prefix there).
    public consuming func finish(headroom: Int = 0) -> [UInt8] {
        let used = count
        let source = base.advanced(by: start)
        return [UInt8](unsafeUninitializedCapacity: used + headroom) { buffer, initialized in
            let target = UnsafeMutableRawPointer(buffer.baseAddress!)
            if headroom > 0 { target.initializeMemory(as: UInt8.self, repeating: 0, count: headroom) }
            target.advanced(by: headroom).copyMemory(from: source, byteCount: used)
            initialized = used + headroom
        }
    }

    // MARK: - Primitives (each one goes in front of what is already written)

    @inlinable
    static func varintSize(_ v: UInt64) -> Int {
        (70 - (v | 1).leadingZeroBitCount) / 7
    }

    @inlinable
    public mutating func putVarint(_ value: UInt64) {
        let n = Self.varintSize(value)
        reserve(n)
        start -= n
        var p = base.advanced(by: start)
        var v = value
        while v >= 0x80 {
            p.storeBytes(of: UInt8(truncatingIfNeeded: v) | 0x80, as: UInt8.self)
            p += 1
            v >>= 7
        }
        p.storeBytes(of: UInt8(truncatingIfNeeded: v), as: UInt8.self)
    }

    @inlinable
    public mutating func putFixed32(_ value: UInt32) {
        reserve(4)
        start -= 4
        base.advanced(by: start).storeBytes(of: value.littleEndian, as: UInt32.self)
    }

    @inlinable
    public mutating func putFixed64(_ value: UInt64) {
        reserve(8)
        start -= 8
        base.advanced(by: start).storeBytes(of: value.littleEndian, as: UInt64.self)
    }

    @inlinable
    public mutating func putRaw(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        reserve(bytes.count)
        start -= bytes.count
        base.advanced(by: start).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
    }

    @inlinable
    public mutating func putTag(_ field: Int, _ wireType: WireType) {
        putVarint(UInt64(FieldTag.make(field, wireType)))
    }
}
