/// Field-level reads used by generated `decode(from:)` methods, after `nextTag()`.
extension WireReader {
    @inlinable
    public mutating func read<S: WireScalar>(as _: S.Type) throws -> S.Value {
        try S.read(from: &self)
    }

    /// One element of a repeated scalar: accepts the packed form (wire type 2) for numeric
    /// types as well as one element per field, as protobuf's parsers must.
    @inlinable
    public mutating func readRepeated<S: WireScalar>(_ tag: UInt32, into values: inout [S.Value], as _: S.Type) throws {
        guard tag & 7 == UInt32(WireType.lengthDelimited.rawValue), S.wireType != .lengthDelimited else {
            values.append(try S.read(from: &self))
            return
        }
        let at = tagOffset
        let length = try readLength()
        let end = position + length
        if let size = S.fixedSize {
            guard length % size == 0 else {
                throw WireDecodingError.packedLengthMismatch(
                    field: currentField, length: length, elementSize: size, offset: at)
            }
            values.reserveCapacity(values.count + length / size)
        }
        let outerLimit = limit
        limit = end
        defer { limit = outerLimit }
        while position < end {
            values.append(try S.read(from: &self))
        }
    }

    @inlinable
    public mutating func readMessage<M: WireMessage>(into message: inout M) throws {
        try withNestedMessage { try message.decode(from: &$0) }
    }

    /// A singular message field: repeated occurrences merge, as protobuf specifies.
    @inlinable
    public mutating func readMessage<M: WireMessage>(into message: inout M?) throws {
        var value = message ?? M()
        try readMessage(into: &value)
        message = value
    }

    @inlinable
    public mutating func readMessage<M: WireMessage>(appendingTo messages: inout [M]) throws {
        var value = M()
        try readMessage(into: &value)
        messages.append(value)
    }

    /// One map entry; a missing key or value takes its default, and a later key wins.
    @inlinable
    public mutating func readMapEntry<K: WireMapKey, V: WireScalar>(
        into map: inout [K.Value: V.Value], key _: K.Type, value _: V.Type
    ) throws {
        var key = K.defaultValue
        var value = V.defaultValue
        try withNestedMessage { reader in
            var ignored = UnknownFields()
            while let tag = try reader.nextTag() {
                switch tag {
                case FieldTag.make(1, K.wireType): key = try K.read(from: &reader)
                case FieldTag.make(2, V.wireType): value = try V.read(from: &reader)
                default: try reader.skipField(tag, into: &ignored)
                }
            }
        }
        map[key] = value
    }

    @inlinable
    public mutating func readMapEntry<K: WireMapKey, M: WireMessage>(
        into map: inout [K.Value: M], key _: K.Type
    ) throws {
        var key = K.defaultValue
        var value = M()
        try withNestedMessage { reader in
            var ignored = UnknownFields()
            while let tag = try reader.nextTag() {
                switch tag {
                case FieldTag.make(1, K.wireType): key = try K.read(from: &reader)
                case FieldTag.make(2, .lengthDelimited): try reader.readMessage(into: &value)
                default: try reader.skipField(tag, into: &ignored)
                }
            }
        }
        map[key] = value
    }
}
