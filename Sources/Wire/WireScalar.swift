/// How one protobuf scalar type goes on the wire. Generated code names these types
/// (`WireInt32.self`, `WireString.self`, ...) so that one generic path serves every field kind.
public protocol WireScalar {
    associatedtype Value: Hashable & Sendable
    static var wireType: WireType { get }
    /// Element size for packed fixed-width encodings, nil for varints.
    static var fixedSize: Int? { get }
    static var defaultValue: Value { get }
    /// True when an implicit-presence field holding `value` is left off the wire.
    static func isDefault(_ value: Value) -> Bool
    static func put(_ value: Value, into writer: inout WireWriter)
    static func read(from reader: inout WireReader) throws -> Value
}

/// Scalars allowed as map keys; entries are written in key order, as protobuf's
/// deterministic serialization does, so that equal maps encode to equal bytes.
public protocol WireMapKey: WireScalar {
    static func precedes(_ a: Value, _ b: Value) -> Bool
}

extension WireScalar where Value: BinaryInteger {
    @inlinable public static var defaultValue: Value { 0 }
    @inlinable public static func isDefault(_ value: Value) -> Bool { value == 0 }
}

extension WireMapKey where Value: Comparable {
    @inlinable public static func precedes(_ a: Value, _ b: Value) -> Bool { a < b }
}

public enum WireInt32: WireMapKey {
    public typealias Value = Int32
    public static let wireType = WireType.varint
    public static let fixedSize: Int? = nil
    @inlinable public static func put(_ value: Int32, into writer: inout WireWriter) {
        writer.putVarint(UInt64(bitPattern: Int64(value)))
    }
    @inlinable public static func read(from reader: inout WireReader) throws -> Int32 {
        Int32(truncatingIfNeeded: try reader.readVarint())
    }
}

public enum WireInt64: WireMapKey {
    public typealias Value = Int64
    public static let wireType = WireType.varint
    public static let fixedSize: Int? = nil
    @inlinable public static func put(_ value: Int64, into writer: inout WireWriter) {
        writer.putVarint(UInt64(bitPattern: value))
    }
    @inlinable public static func read(from reader: inout WireReader) throws -> Int64 {
        Int64(bitPattern: try reader.readVarint())
    }
}

public enum WireUInt32: WireMapKey {
    public typealias Value = UInt32
    public static let wireType = WireType.varint
    public static let fixedSize: Int? = nil
    @inlinable public static func put(_ value: UInt32, into writer: inout WireWriter) {
        writer.putVarint(UInt64(value))
    }
    @inlinable public static func read(from reader: inout WireReader) throws -> UInt32 {
        UInt32(truncatingIfNeeded: try reader.readVarint())
    }
}

public enum WireUInt64: WireMapKey {
    public typealias Value = UInt64
    public static let wireType = WireType.varint
    public static let fixedSize: Int? = nil
    @inlinable public static func put(_ value: UInt64, into writer: inout WireWriter) {
        writer.putVarint(value)
    }
    @inlinable public static func read(from reader: inout WireReader) throws -> UInt64 {
        try reader.readVarint()
    }
}

public enum WireSInt32: WireMapKey {
    public typealias Value = Int32
    public static let wireType = WireType.varint
    public static let fixedSize: Int? = nil
    @inlinable public static func put(_ value: Int32, into writer: inout WireWriter) {
        writer.putVarint(UInt64(ZigZag.encode(value)))
    }
    @inlinable public static func read(from reader: inout WireReader) throws -> Int32 {
        ZigZag.decode(UInt32(truncatingIfNeeded: try reader.readVarint()))
    }
}

public enum WireSInt64: WireMapKey {
    public typealias Value = Int64
    public static let wireType = WireType.varint
    public static let fixedSize: Int? = nil
    @inlinable public static func put(_ value: Int64, into writer: inout WireWriter) {
        writer.putVarint(ZigZag.encode(value))
    }
    @inlinable public static func read(from reader: inout WireReader) throws -> Int64 {
        ZigZag.decode(try reader.readVarint())
    }
}

public enum WireFixed32: WireMapKey {
    public typealias Value = UInt32
    public static let wireType = WireType.fixed32
    public static let fixedSize: Int? = 4
    @inlinable public static func put(_ value: UInt32, into writer: inout WireWriter) {
        writer.putFixed32(value)
    }
    @inlinable public static func read(from reader: inout WireReader) throws -> UInt32 {
        try reader.readFixed32()
    }
}

public enum WireFixed64: WireMapKey {
    public typealias Value = UInt64
    public static let wireType = WireType.fixed64
    public static let fixedSize: Int? = 8
    @inlinable public static func put(_ value: UInt64, into writer: inout WireWriter) {
        writer.putFixed64(value)
    }
    @inlinable public static func read(from reader: inout WireReader) throws -> UInt64 {
        try reader.readFixed64()
    }
}

public enum WireSFixed32: WireMapKey {
    public typealias Value = Int32
    public static let wireType = WireType.fixed32
    public static let fixedSize: Int? = 4
    @inlinable public static func put(_ value: Int32, into writer: inout WireWriter) {
        writer.putFixed32(UInt32(bitPattern: value))
    }
    @inlinable public static func read(from reader: inout WireReader) throws -> Int32 {
        Int32(bitPattern: try reader.readFixed32())
    }
}

public enum WireSFixed64: WireMapKey {
    public typealias Value = Int64
    public static let wireType = WireType.fixed64
    public static let fixedSize: Int? = 8
    @inlinable public static func put(_ value: Int64, into writer: inout WireWriter) {
        writer.putFixed64(UInt64(bitPattern: value))
    }
    @inlinable public static func read(from reader: inout WireReader) throws -> Int64 {
        Int64(bitPattern: try reader.readFixed64())
    }
}

public enum WireBool: WireMapKey {
    public typealias Value = Bool
    public static let wireType = WireType.varint
    public static let fixedSize: Int? = nil
    public static let defaultValue = false
    @inlinable public static func isDefault(_ value: Bool) -> Bool { !value }
    @inlinable public static func precedes(_ a: Bool, _ b: Bool) -> Bool { !a && b }
    @inlinable public static func put(_ value: Bool, into writer: inout WireWriter) {
        writer.putVarint(value ? 1 : 0)
    }
    @inlinable public static func read(from reader: inout WireReader) throws -> Bool {
        try reader.readVarint() != 0
    }
}

public enum WireFloat: WireScalar {
    public typealias Value = Float
    public static let wireType = WireType.fixed32
    public static let fixedSize: Int? = 4
    public static let defaultValue: Float = 0
    // Protobuf compares the bit pattern, so -0.0 is written.
    @inlinable public static func isDefault(_ value: Float) -> Bool { value.bitPattern == 0 }
    @inlinable public static func put(_ value: Float, into writer: inout WireWriter) {
        writer.putFixed32(value.bitPattern)
    }
    @inlinable public static func read(from reader: inout WireReader) throws -> Float {
        Float(bitPattern: try reader.readFixed32())
    }
}

public enum WireDouble: WireScalar {
    public typealias Value = Double
    public static let wireType = WireType.fixed64
    public static let fixedSize: Int? = 8
    public static let defaultValue: Double = 0
    @inlinable public static func isDefault(_ value: Double) -> Bool { value.bitPattern == 0 }
    @inlinable public static func put(_ value: Double, into writer: inout WireWriter) {
        writer.putFixed64(value.bitPattern)
    }
    @inlinable public static func read(from reader: inout WireReader) throws -> Double {
        Double(bitPattern: try reader.readFixed64())
    }
}

public enum WireString: WireMapKey {
    public typealias Value = String
    public static let wireType = WireType.lengthDelimited
    public static let fixedSize: Int? = nil
    public static let defaultValue = ""
    @inlinable public static func isDefault(_ value: String) -> Bool { value.isEmpty }
    // Byte order, as protobuf sorts map keys; String's own `<` follows Unicode collation.
    @inlinable public static func precedes(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }
    @inlinable public static func put(_ value: String, into writer: inout WireWriter) {
        let before = writer.count
        if value.utf8.withContiguousStorageIfAvailable({ writer.putRaw(UnsafeRawBufferPointer($0)) }) == nil {
            Array(value.utf8).withUnsafeBytes { writer.putRaw($0) }
        }
        writer.putVarint(UInt64(writer.count - before))
    }
    @inlinable public static func read(from reader: inout WireReader) throws -> String {
        let field = reader.currentField
        let offset = reader.position
        return try reader.withLengthDelimited { bytes in
            guard let s = UTF8Text.decode(bytes) else {
                throw WireDecodingError.invalidUTF8(field: field, offset: offset)
            }
            return s
        }
    }
}

public enum WireBytes: WireScalar {
    public typealias Value = [UInt8]
    public static let wireType = WireType.lengthDelimited
    public static let fixedSize: Int? = nil
    public static let defaultValue: [UInt8] = []
    @inlinable public static func isDefault(_ value: [UInt8]) -> Bool { value.isEmpty }
    @inlinable public static func put(_ value: [UInt8], into writer: inout WireWriter) {
        value.withUnsafeBytes { writer.putRaw($0) }
        writer.putVarint(UInt64(value.count))
    }
    @inlinable public static func read(from reader: inout WireReader) throws -> [UInt8] {
        try reader.withLengthDelimited { [UInt8]($0) }
    }
}

/// The wire form of a schema enum: an `int32` varint, unknown numbers kept.
public enum WireEnumValue<E: WireEnum>: WireScalar {
    public typealias Value = E
    public static var wireType: WireType { .varint }
    public static var fixedSize: Int? { nil }
    @inlinable public static var defaultValue: E { E(rawValue: 0) }
    @inlinable public static func isDefault(_ value: E) -> Bool { value.rawValue == 0 }
    @inlinable public static func put(_ value: E, into writer: inout WireWriter) {
        writer.putVarint(UInt64(bitPattern: Int64(value.rawValue)))
    }
    @inlinable public static func read(from reader: inout WireReader) throws -> E {
        E(rawValue: Int32(truncatingIfNeeded: try reader.readVarint()))
    }
}
