/// The protobuf wire types a field tag can carry (the low three bits of the tag).
public enum WireType: UInt8, Sendable {
    case varint = 0
    case fixed64 = 1
    case lengthDelimited = 2
    case startGroup = 3
    case endGroup = 4
    case fixed32 = 5
}

/// Field tags as they appear on the wire: `fieldNumber << 3 | wireType`.
public enum FieldTag {
    /// The largest field number protobuf allows (2^29 - 1).
    public static let maxFieldNumber = 536_870_911

    @inlinable
    public static func make(_ fieldNumber: Int, _ wireType: WireType) -> UInt32 {
        UInt32(truncatingIfNeeded: fieldNumber) << 3 | UInt32(wireType.rawValue)
    }

    @inlinable
    public static func fieldNumber(_ tag: UInt32) -> Int { Int(tag >> 3) }

    @inlinable
    public static func wireTypeBits(_ tag: UInt32) -> UInt8 { UInt8(tag & 7) }
}
