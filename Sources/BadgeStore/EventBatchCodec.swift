import Badges

/// The binary form of one row of `event_batches`: the events one commit recorded, in order.
/// A row per commit rather than per event: inserting each event as a row of eleven columns was
/// a fifth of the group committer's time, and every write waits for that thread.
///
/// Layout: a format byte (1), then per event a varint byte count and the event: its kind code,
/// occurred_at and recorded_at (milliseconds, zigzag varints), organization, event id and user
/// (varint length, UTF-8), then what its kind carries (session, role, program, scheduled end;
/// or a feature name). A record of a kind this build does not know is skipped, as the `events`
/// table's loader skips such rows.
enum EventBatchCodec {
    static let format: UInt8 = 1

    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    /// One batch being written: the row's bytes, and a record's, reused from batch to batch.
    struct Batch {
        private(set) var bytes: [UInt8] = []
        private var record: [UInt8] = []
        private(set) var count = 0

        /// Empties the batch, keeping its buffers.
        mutating func reset() {
            bytes.removeAll(keepingCapacity: true)
            count = 0
        }

        mutating func append(_ event: ActivityEvent, recordedAt: Instant) {
            if bytes.isEmpty { bytes.append(format) }
            record.removeAll(keepingCapacity: true)
            record.append(UInt8(EventColumns(event.kind).code.rawValue))
            putSigned(event.occurredAt.milliseconds, &record)
            putSigned(recordedAt.milliseconds, &record)
            putString(event.organizationID, &record)
            putString(event.eventID, &record)
            putString(event.userID, &record)
            switch event.kind {
            case .sessionScheduled(let session, let role, let program, let end):
                putString(session, &record)
                putString(role, &record)
                putString(program, &record)
                putSigned(end.milliseconds, &record)
            case .sessionCompleted(let session), .sessionCancelled(let session):
                putString(session, &record)
            case .featureUsed(let name):
                putString(name, &record)
            case .feedbackReceived, .coachingItemSaved, .qaReviewCompleted, .qaReviewReceived, .profileCompleted:
                break
            }
            putUnsigned(UInt64(record.count), &bytes)
            bytes += record
            count += 1
        }
    }

    /// The events of one batch with the time each was recorded. Throws, naming the byte, when
    /// the row is cut short or not of this format.
    static func decode(_ bytes: [UInt8]) throws(Malformed) -> [(event: ActivityEvent, recordedAt: Instant)] {
        var reader = Reader(bytes: bytes)
        let version = try reader.byte()
        guard version == format else {
            throw Malformed(description: "event batch is in format \(version); this build reads format \(format)")
        }
        var events: [(ActivityEvent, Instant)] = []
        while !reader.atEnd {
            let length = Int(clamping: try reader.unsigned())
            guard length > 0, length <= bytes.count - reader.offset else {
                throw Malformed(description: "event batch record at byte \(reader.offset) claims \(length) bytes; \(bytes.count - reader.offset) remain")
            }
            let end = reader.offset + length
            var record = Reader(bytes: bytes, offset: reader.offset, end: end)
            reader.offset = end
            guard let code = EventKindCode(rawValue: Int64(try record.byte())) else { continue }
            let occurred = Instant(milliseconds: try record.signed())
            let recorded = Instant(milliseconds: try record.signed())
            let org = try record.string(), eventID = try record.string(), user = try record.string()
            let kind: ActivityEvent.Kind
            switch code {
            case .sessionScheduled:
                kind = .sessionScheduled(sessionID: try record.string(), role: try record.string(), programID: try record.string(),
                                         scheduledEnd: Instant(milliseconds: try record.signed()))
            case .sessionCompleted: kind = .sessionCompleted(sessionID: try record.string())
            case .sessionCancelled: kind = .sessionCancelled(sessionID: try record.string())
            case .featureUsed: kind = .featureUsed(name: try record.string())
            case .feedbackReceived: kind = .feedbackReceived
            case .coachingItemSaved: kind = .coachingItemSaved
            case .qaReviewCompleted: kind = .qaReviewCompleted
            case .qaReviewReceived: kind = .qaReviewReceived
            case .profileCompleted: kind = .profileCompleted
            }
            guard record.atEnd else {
                throw Malformed(description: "event batch record ending at byte \(end) has \(end - record.offset) bytes left over")
            }
            events.append((ActivityEvent(organizationID: org, eventID: eventID, userID: user, occurredAt: occurred, kind: kind), recorded))
        }
        return events
    }

    // MARK: - Fields

    private static func putUnsigned(_ value: UInt64, _ out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    private static func putSigned(_ value: Int64, _ out: inout [UInt8]) {
        putUnsigned(UInt64(bitPattern: (value << 1) ^ (value >> 63)), &out)
    }

    private static func putString(_ value: String, _ out: inout [UInt8]) {
        putUnsigned(UInt64(value.utf8.count), &out)
        out += value.utf8
    }

    /// Reads fields from `bytes[offset..<end]`, throwing where they run past the end.
    private struct Reader {
        let bytes: [UInt8]
        var offset = 0
        var end: Int

        init(bytes: [UInt8], offset: Int = 0, end: Int? = nil) {
            self.bytes = bytes
            self.offset = offset
            self.end = end ?? bytes.count
        }

        var atEnd: Bool { offset >= end }

        mutating func byte() throws(Malformed) -> UInt8 {
            guard offset < end else { throw Malformed(description: "event batch cut short at byte \(offset)") }
            defer { offset += 1 }
            return bytes[offset]
        }

        mutating func unsigned() throws(Malformed) -> UInt64 {
            var value: UInt64 = 0
            for shift in stride(from: 0, to: 64, by: 7) {
                let b = try byte()
                value |= UInt64(b & 0x7f) << UInt64(shift)
                if b < 0x80 { return value }
            }
            throw Malformed(description: "event batch has a varint longer than 10 bytes before byte \(offset)")
        }

        mutating func signed() throws(Malformed) -> Int64 {
            let v = try unsigned()
            return Int64(bitPattern: v >> 1) ^ -Int64(bitPattern: v & 1)
        }

        mutating func string() throws(Malformed) -> String {
            let start = offset
            let count = Int(clamping: try unsigned())
            guard count <= end - offset else {
                throw Malformed(description: "event batch string at byte \(start) claims \(count) bytes; \(end - offset) remain")
            }
            defer { offset += count }
            return String(decoding: bytes[offset..<offset + count], as: UTF8.self)
        }
    }
}
