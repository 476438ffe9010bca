import Badges
@testable import BadgeStore
import Testing

/// The event log's batch rows: what goes in comes out, and a damaged row is named, not misread.
@Suite("Event batch rows")
struct EventBatchCodecTests {
    private let events: [ActivityEvent] = {
        let kinds: [ActivityEvent.Kind] = [
            .sessionScheduled(sessionID: "s-1", role: "mentor", programID: "", scheduledEnd: Instant(milliseconds: 1_800_000_000_000)),
            .sessionCompleted(sessionID: "s-1"), .sessionCancelled(sessionID: "séance-2"),
            .feedbackReceived, .coachingItemSaved, .qaReviewCompleted, .qaReviewReceived, .profileCompleted,
            .featureUsed(name: "dark-mode 🌙"),
        ]
        return kinds.enumerated().map { i, kind in
            ActivityEvent(organizationID: "org-ü", eventID: "e\(i)", userID: i == 3 ? "" : "user-\(i)",
                          occurredAt: Instant(milliseconds: i == 4 ? -5 : Int64(i) << 40), kind: kind)
        }
    }()

    private func batch(_ events: [ActivityEvent]) -> [UInt8] {
        var batch = EventBatchCodec.Batch()
        for (i, e) in events.enumerated() { batch.append(e, recordedAt: Instant(milliseconds: 1000 + Int64(i))) }
        return batch.bytes
    }

    @Test func everyKindComesBackAsItWent() throws {
        let decoded = try EventBatchCodec.decode(batch(events))
        #expect(decoded.map(\.event) == events)
        #expect(decoded.map(\.recordedAt.milliseconds) == (0..<Int64(events.count)).map { 1000 + $0 })
    }

    @Test func aBatchIsReusedWithoutLeftovers() throws {
        var batch = EventBatchCodec.Batch()
        batch.append(events[0], recordedAt: Instant(milliseconds: 1))
        batch.reset()
        batch.append(events[8], recordedAt: Instant(milliseconds: 2))
        #expect(batch.count == 1)
        #expect(try EventBatchCodec.decode(batch.bytes).map(\.event) == [events[8]])
    }

    @Test func aRecordOfAKindThisBuildDoesNotKnowIsSkipped() throws {
        var bytes = batch([events[3], events[4]])
        // Format byte, the first record's one-byte length, then its kind code.
        bytes[2] = 99
        #expect(try EventBatchCodec.decode(bytes).map(\.event) == [events[4]])
    }

    @Test func aRowCutShortIsNamedByItsByte() {
        let bytes = batch(events)
        let error = #expect(throws: EventBatchCodec.Malformed.self) { try EventBatchCodec.decode(Array(bytes.dropLast(3))) }
        #expect(error?.description.contains("claims") == true)
        #expect(throws: EventBatchCodec.Malformed.self) { try EventBatchCodec.decode([]) }
        // A length near 2^64 is refused, not added to an offset.
        #expect(throws: EventBatchCodec.Malformed.self) {
            try EventBatchCodec.decode([EventBatchCodec.format] + [UInt8](repeating: 0xff, count: 9) + [0x01])
        }
    }

    @Test func aRowOfAnotherFormatIsRefused() {
        var bytes = batch(events)
        bytes[0] = 2
        let error = #expect(throws: EventBatchCodec.Malformed.self) { try EventBatchCodec.decode(bytes) }
        #expect(error?.description == "event batch is in format 2; this build reads format 1")
    }
}
