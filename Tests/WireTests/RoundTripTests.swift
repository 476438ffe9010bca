import Testing
import Wire
import WireFixtures

@Suite("Encoding and decoding")
struct RoundTripTests {
    @Test func defaultMessageEncodesToNothing() {
        #expect(Everything().serializedBytes() == [])
    }

    @Test func knownEncodings() {
        var point = Point()
        point.x = -1
        point.y = 150
        point.label = "hi"
        // sint32 -1 zigzags to 1; 150 zigzags to 300 = 0xAC 0x02.
        #expect(point.serializedBytes() == [0x08, 0x01, 0x10, 0xAC, 0x02, 0x1A, 0x02, 0x68, 0x69])

        var message = Everything()
        message.fInt32 = -2
        #expect(message.serializedBytes() == [0x18, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])
    }

    @Test func explicitPresenceWritesDefaults() {
        var message = Everything()
        message.oInt32 = 0
        message.oString = ""
        #expect(message.serializedBytes() == [0xB8, 0x01, 0x00, 0x92, 0x02, 0x00])
    }

    @Test func negativeZeroFloatIsWritten() throws {
        var message = Everything()
        message.fDouble = -0.0
        let bytes = message.serializedBytes()
        #expect(bytes == [0x09, 0, 0, 0, 0, 0, 0, 0, 0x80])
        #expect(try Everything(serializedBytes: bytes).fDouble.sign == .minus)
    }

    @Test func repeatedScalarsArePackedAndBothFormsDecode() throws {
        var message = Everything()
        message.rInt32 = [1, 2, 300]
        let packed = message.serializedBytes()
        #expect(packed == [0xDA, 0x02, 0x04, 0x01, 0x02, 0xAC, 0x02])
        let unpacked: [UInt8] = [0xD8, 0x02, 0x01, 0xD8, 0x02, 0x02, 0xD8, 0x02, 0xAC, 0x02]
        #expect(try Everything(serializedBytes: unpacked).rInt32 == [1, 2, 300])
        // A mix of both forms appends in order.
        #expect(try Everything(serializedBytes: packed + unpacked).rInt32 == [1, 2, 300, 1, 2, 300])
    }

    @Test func unknownEnumValuesAreKept() throws {
        // f_colour = 42, a number the schema does not name.
        let bytes: [UInt8] = [0x80, 0x01, 0x2A]
        let message = try Everything(serializedBytes: bytes)
        #expect(message.fColour == .unrecognized(42))
        #expect(message.fColour.rawValue == 42)
        #expect(message.serializedBytes() == bytes)
        #expect(Colour(rawValue: -1) == .ultraviolet)
    }

    @Test func unknownFieldsAreReemitted() throws {
        // Field 3 varint, then unknown fields 1000 (varint), 1001 (fixed32), 1002 (bytes), 1003 (fixed64).
        let unknown: [UInt8] = [0xC0, 0x3E, 0x05, 0xCD, 0x3E, 1, 2, 3, 4, 0xD2, 0x3E, 0x01, 0x7A,
                                0xD9, 0x3E, 1, 2, 3, 4, 5, 6, 7, 8]
        let bytes: [UInt8] = [0x18, 0x07] + unknown
        let message = try Everything(serializedBytes: bytes)
        #expect(message.fInt32 == 7)
        #expect(message.unknownFields.bytes == unknown)
        #expect(message.serializedBytes() == bytes)
    }

    @Test func wrongWireTypeForKnownFieldIsKeptAsUnknown() throws {
        // f_int32 (field 3) sent as fixed32: protobuf parsers keep it as an unknown field.
        let bytes: [UInt8] = [0x1D, 1, 0, 0, 0]
        let message = try Everything(serializedBytes: bytes)
        #expect(message.fInt32 == 0)
        #expect(message.serializedBytes() == bytes)
    }

    @Test func singularMessageOccurrencesMerge() throws {
        // f_point twice: {x: 1} then {y: 2} merges to {x: 1, y: 2}.
        let bytes: [UInt8] = [0x8A, 0x01, 0x02, 0x08, 0x02, 0x8A, 0x01, 0x02, 0x10, 0x04]
        let message = try Everything(serializedBytes: bytes)
        #expect(message.fPoint?.x == 1)
        #expect(message.fPoint?.y == 2)
    }

    @Test func lastOneofMemberWins() throws {
        var first = Everything()
        first.choice = .cString("a")
        var second = Everything()
        second.choice = .cInt64(5)
        let message = try Everything(serializedBytes: first.serializedBytes() + second.serializedBytes())
        #expect(message.choice == .cInt64(5))
    }

    @Test func mapsEncodeInKeyOrderAndRoundTrip() throws {
        var message = Everything()
        message.mInt32String = [3: "c", -1: "minus", 1: "a"]
        message.mStringInt64 = ["b": 2, "a": 1, "é": 3, "Z": 0]
        message.mBoolColour = [true: .red, false: .blue]
        let bytes = message.serializedBytes()
        let decoded = try Everything(serializedBytes: bytes)
        #expect(decoded == message)
        // Entry keys in ascending order: -1, 1, 3 (int32 -1 is a ten-byte varint).
        var justInts = Everything()
        justInts.mInt32String = [3: "c", 1: "a"]
        #expect(justInts.serializedBytes() == [0xF2, 0x03, 0x05, 0x08, 0x01, 0x12, 0x01, 0x61,
                                               0xF2, 0x03, 0x05, 0x08, 0x03, 0x12, 0x01, 0x63])
    }

    @Test func mapEntryWithMissingFieldsTakesDefaults() throws {
        // m_int32_string entry with no key and no value: {0: ""}.
        let message = try Everything(serializedBytes: [0xF2, 0x03, 0x00])
        #expect(message.mInt32String == [0: ""])
    }

    @Test func recursiveAndNestedMessages() throws {
        var inner = Everything.Inner()
        inner.depth = 1
        var child = Everything.Inner()
        child.depth = 2
        child.colours = [.green, .unrecognized(99)]
        inner.child = child
        var message = Everything()
        message.nested = inner
        var leaf = Everything()
        leaf.default = "keyword"
        message.recursive = leaf
        let decoded = try Everything(serializedBytes: message.serializedBytes())
        #expect(decoded == message)
        #expect(decoded.nested?.child?.colours == [.green, .unrecognized(99)])
        #expect(decoded.recursive?.default == "keyword")
    }

    @Test func boxedFieldsHaveValueSemantics() {
        var a = Everything()
        a.recursive = Everything()
        var b = a
        b.recursive?.fInt32 = 5
        #expect(a.recursive?.fInt32 == 0)
        #expect(b.recursive?.fInt32 == 5)
    }

    @Test func largeMessagesGrowTheWriter() throws {
        var message = Everything()
        message.rString = (0..<2000).map { "item \($0)" }
        message.fBytes = Array(repeating: 0xAB, count: 100_000)
        let decoded = try Everything(serializedBytes: message.serializedBytes())
        #expect(decoded == message)
    }
}
