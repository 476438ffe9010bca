import Testing
import Wire

/// The checks generated `checkLimits()` methods call, and the messages they give.
@Suite("Field limits")
struct FieldLimitsTests {
    private func problem(_ check: () throws -> Void) -> String? {
        do {
            try check()
            return nil
        } catch let violation as LimitViolation {
            return violation.description
        } catch {
            return "unexpected \(error)"
        }
    }

    @Test func idsHaveAByteLimitCountedInUTF8() {
        #expect(problem { try FieldLimits.check(String(repeating: "a", count: 128), .id, "event_id") } == nil)
        #expect(problem { try FieldLimits.check(String(repeating: "a", count: 129), .id, "event_id") }
            == "event_id is 129 bytes long; the limit for an id is 128 bytes")
        // 43 characters, 129 bytes: the limit is on bytes, not characters.
        #expect(problem { try FieldLimits.check(String(repeating: "€", count: 43), .id, "user_id") }
            == "user_id is 129 bytes long; the limit for an id is 128 bytes")
    }

    @Test func controlCharactersAreRefusedWhereTheKindSays() {
        #expect(problem { try FieldLimits.check("a\u{0}b", .id, "user_id") } == "user_id holds a control character (U+0000) at byte 1")
        #expect(problem { try FieldLimits.check("ab\u{7F}", .name, "display_name") } == "display_name holds a control character (U+007F) at byte 2")
        #expect(problem { try FieldLimits.check("x\u{85}", .id, "role") } == "role holds a control character (U+0085) at byte 1")
        #expect(problem { try FieldLimits.check("line one\nline two\ttabbed\r\n", .text, "text") } == nil)
        #expect(problem { try FieldLimits.check("line\n", .name, "title") } == "title holds a control character (U+000A) at byte 4")
        #expect(problem { try FieldLimits.check("bell\u{7}", .text, "text") } == "text holds a control character (U+0007) at byte 4")
        // Letters outside ASCII are fine, including the bytes C2 A0 (no-break space) beside C1's range.
        #expect(problem { try FieldLimits.check("café\u{A0}Łódź", .name, "display_name") } == nil)
    }

    @Test func listsAndRanges() {
        #expect(problem { try FieldLimits.check(count: 1001, maxItems: 1000, "events") } == "events holds 1001 items; the limit is 1000")
        #expect(problem { try FieldLimits.check(Int32(-1), in: 0...1000, "page_size") } == "page_size is -1, outside the allowed 0...1000")
        #expect(problem { try FieldLimits.check(Int64(9_223_372_036_854_776), in: -62_135_596_800...253_402_300_799, "seconds") }
            == "seconds is 9223372036854776, outside the allowed -62135596800...253402300799")
        #expect(problem { try FieldLimits.check(UInt64.max, in: 0...10, "n") } == "n is 18446744073709551615, outside the allowed 0...10")
        #expect(problem { try FieldLimits.check(Int32(1000), in: 0...1000, "limit") } == nil)
    }

    @Test func pathsNameTheFieldInsideItsMessages() {
        let inner = LimitViolation(field: "event_id", problem: "is too long")
        #expect(inner.inside("events", index: 3).inside("batch").description == "batch.events[3].event_id is too long")
        #expect(problem { try FieldLimits.check("\u{1}", .id, "badge_ids", index: 2) } == "badge_ids[2] holds a control character (U+0001) at byte 0")
    }
}
