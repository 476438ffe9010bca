import Testing
import Wire
import WireFixtures

/// Each malformed input throws a typed error naming what is wrong and where.
@Suite("Malformed input")
struct MalformedInputTests {
    private func decodeError(_ bytes: [UInt8], options: DecodingOptions = .defaults) -> WireDecodingError? {
        do {
            _ = try Everything(serializedBytes: bytes, options: options)
            return nil
        } catch let error as WireDecodingError {
            return error
        } catch {
            Issue.record("unexpected error type \(error)")
            return nil
        }
    }

    @Test func truncatedVarintValue() {
        // f_int32 (field 3, varint) whose value byte says "more follows" and then stops.
        #expect(decodeError([0x18, 0x96]) == .truncated(offset: 1))
    }

    @Test func truncatedTag() {
        #expect(decodeError([0x80]) == .truncated(offset: 0))
    }

    @Test func truncatedFixed64() {
        // f_double (field 1, fixed64) with three of eight bytes.
        #expect(decodeError([0x09, 1, 2, 3]) == .truncated(offset: 1))
    }

    @Test func truncatedFixed32() {
        #expect(decodeError([0x15, 1, 2]) == .truncated(offset: 1))
    }

    @Test func overlongVarint() {
        let bytes: [UInt8] = [0x18] + Array(repeating: 0xFF, count: 10) + [0x01]
        #expect(decodeError(bytes) == .overlongVarint(offset: 1))
    }

    @Test func tenByteVarintIsAccepted() throws {
        // -1 as int32 is ten bytes on the wire, as protobuf writes it.
        let bytes: [UInt8] = [0x18, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]
        #expect(try Everything(serializedBytes: bytes).fInt32 == -1)
    }

    @Test func invalidWireTypes() {
        #expect(decodeError([0x0E]) == .invalidWireType(6, field: 1, offset: 0))
        #expect(decodeError([0x0F]) == .invalidWireType(7, field: 1, offset: 0))
    }

    @Test func groupWireTypes() {
        #expect(decodeError([0x0B]) == .groupNotSupported(field: 1, offset: 0))
        #expect(decodeError([0x0C]) == .groupNotSupported(field: 1, offset: 0))
    }

    @Test func fieldNumberZero() {
        #expect(decodeError([0x00, 0x01]) == .fieldNumberZero(offset: 0))
    }

    @Test func lengthBeyondInput() {
        // f_string (field 14) claims 5 bytes, 2 follow.
        #expect(decodeError([0x72, 0x05, 0x61, 0x62]) == .lengthOutOfBounds(field: 14, length: 5, remaining: 2, offset: 1))
    }

    @Test func hugeLengthDoesNotAllocate() {
        // A length prefix of 2^62 must be refused before anything is reserved.
        let bytes: [UInt8] = [0x7A, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40]
        #expect(decodeError(bytes) == .lengthOutOfBounds(field: 15, length: 1 << 62, remaining: 0, offset: 1))
    }

    @Test func lengthBeyondEnclosingMessage() {
        // f_point (field 17) of length 2 holds a string claiming 3 bytes: it may not read past
        // the point's end even though the outer input has more bytes.
        let bytes: [UInt8] = [0x8A, 0x01, 0x02, 0x1A, 0x03, 0x61, 0x62, 0x63]
        #expect(decodeError(bytes) == .lengthOutOfBounds(field: 3, length: 3, remaining: 0, offset: 4))
    }

    @Test func invalidUTF8InString() {
        #expect(decodeError([0x72, 0x02, 0xC3, 0x28]) == .invalidUTF8(field: 14, offset: 1))
    }

    @Test func invalidUTF8InUnknownFieldIsKept() throws {
        // Field 999 is unknown: its bytes are opaque and kept, not validated.
        let bytes: [UInt8] = [0xBA, 0x3E, 0x02, 0xC3, 0x28]
        let message = try Everything(serializedBytes: bytes)
        #expect(message.unknownFields.bytes == bytes)
    }

    @Test func packedFixedLengthNotAMultiple() {
        // r_fixed32 (field 49) packed with 5 bytes.
        #expect(decodeError([0x8A, 0x03, 0x05, 1, 2, 3, 4, 5]) == .packedLengthMismatch(field: 49, length: 5, elementSize: 4, offset: 0))
    }

    @Test func packedVarintTruncatedInsidePayload() {
        // r_int32 (field 43) packed, length 2, whose last varint runs off the payload's end.
        #expect(decodeError([0xDA, 0x02, 0x02, 0x01, 0x80, 0x01]) == .truncated(offset: 4))
    }

    @Test func depthLimit() {
        // `recursive` (field 92) nested 5 deep against a limit of 3.
        var bytes: [UInt8] = []
        for _ in 0..<5 { bytes = [0xE2, 0x05, UInt8(bytes.count)] + bytes }
        #expect(decodeError(bytes, options: DecodingOptions(maxDepth: 3)) == .depthLimitExceeded(limit: 3, offset: 9))
        #expect(decodeError(bytes, options: DecodingOptions(maxDepth: 5)) == nil)
    }

    @Test func messageSizeLimit() {
        let bytes = Array(repeating: UInt8(0), count: 100)
        #expect(decodeError(bytes, options: DecodingOptions(maxMessageSize: 99)) == .messageTooLarge(size: 100, limit: 99))
    }

    @Test func errorsDescribeThemselves() {
        let error = WireDecodingError.invalidUTF8(field: 14, offset: 1)
        #expect("\(error)" == "string field 14 at byte 1 is not valid UTF-8")
    }
}

/// Strings must be valid UTF-8 as Unicode defines it, like protobuf's own parsers require.
@Suite("UTF-8 in string fields")
struct UTF8Tests {
    private func decodeString(_ payload: [UInt8]) -> String? {
        try? Everything(serializedBytes: [0x72, UInt8(payload.count)] + payload).fString
    }

    @Test func validTextOfEveryLength() {
        #expect(decodeString(Array("plain ascii text, longer than eight".utf8)) == "plain ascii text, longer than eight")
        #expect(decodeString(Array("é中😀".utf8)) == "é中😀")
        #expect(decodeString(Array("ascii then ünïcödé at the end".utf8)) == "ascii then ünïcödé at the end")
        #expect(decodeString([]) == "")
        #expect(decodeString([0x00]) == "\u{0}")
    }

    @Test(arguments: [
        [0xC0, 0x80],              // overlong encoding of NUL
        [0xE0, 0x80, 0xAF],        // overlong three-byte form
        [0xED, 0xA0, 0x80],        // a UTF-16 surrogate
        [0xF4, 0x90, 0x80, 0x80],  // beyond U+10FFFF
        [0x80],                    // a lone continuation byte
        [0x61, 0x62, 0xE4, 0xB8],  // a sequence cut short at the end
        [0xFF],                    // never valid
    ] as [[UInt8]])
    func invalidSequencesAreRejected(_ payload: [UInt8]) {
        #expect(decodeString(payload) == nil)
    }
}
