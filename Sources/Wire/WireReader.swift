/// Reads a protobuf encoding front to back, within the bounds of the enclosing message.
///
/// A reader only exists inside `WireMessage.init(serializedBytes:)` (or the transport's
/// equivalent), which keeps the bytes alive while it runs; every read checks its bounds and
/// throws `WireDecodingError` instead of reading past them.
public struct WireReader {
    @usableFromInline let origin: UnsafeRawPointer
    @usableFromInline var position: Int
    @usableFromInline var limit: Int
    @usableFromInline var depth: Int
    @usableFromInline let maxDepth: Int
    /// Where the tag of the field being read starts, and its number, for error messages.
    @usableFromInline var tagOffset: Int = 0
    @usableFromInline var currentField: Int = 0

    @usableFromInline
    init(_ bytes: UnsafeRawBufferPointer, options: DecodingOptions) {
        // An empty buffer may have no base address; any valid pointer works for zero bytes.
        origin = UnsafeRawPointer(bytes.baseAddress) ?? UnsafeRawPointer(bitPattern: 0x10)!
        position = 0
        limit = bytes.count
        depth = 0
        maxDepth = options.maxDepth
    }

    @inlinable
    var remaining: Int { limit - position }

    @inlinable
    @inline(__always)
    func byte(at offset: Int) -> UInt8 {
        origin.load(fromByteOffset: offset, as: UInt8.self)
    }

    // MARK: - Primitives

    @inlinable
    public mutating func readVarint() throws -> UInt64 {
        if _fastPath(position < limit) {
            let first = byte(at: position)
            if first < 0x80 {
                position += 1
                return UInt64(first)
            }
        }
        return try readVarintSlow()
    }

    @usableFromInline
    mutating func readVarintSlow() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        let begin = position
        while true {
            guard position < limit else { throw WireDecodingError.truncated(offset: begin) }
            guard position - begin < 10 else { throw WireDecodingError.overlongVarint(offset: begin) }
            let b = byte(at: position)
            position += 1
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return result }
            shift += 7
        }
    }

    @inlinable
    public mutating func readFixed32() throws -> UInt32 {
        guard remaining >= 4 else { throw WireDecodingError.truncated(offset: position) }
        let v = origin.loadUnaligned(fromByteOffset: position, as: UInt32.self)
        position += 4
        return UInt32(littleEndian: v)
    }

    @inlinable
    public mutating func readFixed64() throws -> UInt64 {
        guard remaining >= 8 else { throw WireDecodingError.truncated(offset: position) }
        let v = origin.loadUnaligned(fromByteOffset: position, as: UInt64.self)
        position += 8
        return UInt64(littleEndian: v)
    }

    /// Reads a length prefix and checks that the payload fits in the enclosing message.
    @inlinable
    public mutating func readLength() throws -> Int {
        let at = position
        let length = try readVarint()
        guard length <= UInt64(remaining) else {
            throw WireDecodingError.lengthOutOfBounds(
                field: currentField, length: length, remaining: remaining, offset: at)
        }
        return Int(length)
    }

    /// Reads a length-delimited payload and hands its bytes to `body` without copying.
    @inlinable
    public mutating func withLengthDelimited<T>(_ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        let length = try readLength()
        let bytes = UnsafeRawBufferPointer(start: origin + position, count: length)
        position += length
        return try body(bytes)
    }

    // MARK: - Tags

    /// The next field's tag, or nil at the end of the current message.
    @inlinable
    public mutating func nextTag() throws -> UInt32? {
        guard position < limit else { return nil }
        tagOffset = position
        let raw = try readVarint()
        guard raw <= UInt64(UInt32.max) else { throw WireDecodingError.overlongVarint(offset: tagOffset) }
        let tag = UInt32(raw)
        let field = FieldTag.fieldNumber(tag)
        currentField = field
        guard field != 0 else { throw WireDecodingError.fieldNumberZero(offset: tagOffset) }
        switch tag & 7 {
        case 0, 1, 2, 5: return tag
        case 3, 4: throw WireDecodingError.groupNotSupported(field: field, offset: tagOffset)
        default: throw WireDecodingError.invalidWireType(UInt8(tag & 7), field: field, offset: tagOffset)
        }
    }

    /// Skips the field whose tag was just read, keeping its bytes (tag included) in `unknown`.
    public mutating func skipField(_ tag: UInt32, into unknown: inout UnknownFields) throws {
        let begin = tagOffset
        switch tag & 7 {
        case 0: _ = try readVarint()
        case 1: _ = try readFixed64()
        case 5: _ = try readFixed32()
        default: position += try readLength()
        }
        unknown.append(UnsafeRawBufferPointer(start: origin + begin, count: position - begin))
    }

    // MARK: - Nesting

    /// Runs `body` with the reader narrowed to the next length-delimited payload.
    @inlinable
    public mutating func withNestedMessage(_ body: (inout WireReader) throws -> Void) throws {
        let length = try readLength()
        guard depth < maxDepth else {
            throw WireDecodingError.depthLimitExceeded(limit: maxDepth, offset: tagOffset)
        }
        let outerLimit = limit
        limit = position + length
        depth += 1
        try body(&self)
        depth -= 1
        position = limit
        limit = outerLimit
    }
}
