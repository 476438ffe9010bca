import Badges

/// A user's counters, sessions and features as bytes, for a store that keeps them per user
/// rather than replaying the event log (PostgreSQL: servers share no memory to replay into).
/// Awards are stored in their own table and are not part of it.
///
/// Layout: a version byte, then counters, sessions and features, each a count and its items;
/// strings as a length and UTF-8, integers as 8 bytes little-endian.
enum UserSnapshot {
    static let version: UInt8 = 1

    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    static func encode(_ state: UserState) -> [UInt8] {
        var out: [UInt8] = [version]
        func integer(_ value: Int64) { withUnsafeBytes(of: value.littleEndian) { out += $0 } }
        func text(_ value: String) { integer(Int64(value.utf8.count)); out += value.utf8 }
        integer(Int64(state.counters.count))
        for (key, value) in state.counters.sorted(by: { $0.key < $1.key }) {
            text(key.metric.rawValue); text(key.role); integer(value)
        }
        integer(Int64(state.sessions.count))
        for session in state.sessions.values.sorted(by: { $0.sessionID.bytewiseLess(than: $1.sessionID) }) {
            text(session.sessionID); integer(Int64(session.state.rawValue)); text(session.role); text(session.programID)
            integer(session.scheduledEnd?.milliseconds ?? Int64.min); text(session.scheduledEventID)
        }
        integer(Int64(state.features.count))
        for feature in state.features.sorted() { text(feature.string) }
        return out
    }

    static func decode(_ bytes: [UInt8]) throws -> UserState {
        var offset = 0
        func integer() throws -> Int64 {
            guard offset + 8 <= bytes.count else { throw Malformed(description: "user snapshot ends at byte \(offset), inside an integer") }
            var value: Int64 = 0
            for i in 0..<8 { value |= Int64(bytes[offset + i]) << (8 * i) }
            offset += 8
            return value
        }
        func count() throws -> Int {
            let n = try integer()
            guard n >= 0, n <= bytes.count - offset else { throw Malformed(description: "user snapshot has a bad length \(n) at byte \(offset - 8)") }
            return Int(n)
        }
        func text() throws -> String {
            let n = try count()
            defer { offset += n }
            return String(decoding: bytes[offset..<offset + n], as: UTF8.self)
        }
        guard bytes.first == version else { throw Malformed(description: "user snapshot version \(bytes.first.map(String.init) ?? "missing"), expected \(version)") }
        offset = 1
        var state = UserState()
        for _ in 0..<(try count()) {
            let metricName = try text()
            guard let metric = Metric(rawValue: metricName) else { throw Malformed(description: "user snapshot names an unknown metric '\(metricName)'") }
            let key = CounterKey(metric: metric, role: try text())
            state.counters[key] = try integer()
        }
        for _ in 0..<(try count()) {
            let id = try text()
            guard let sessionState = SessionState(rawValue: Int(try integer())) else { throw Malformed(description: "user snapshot has a bad session state") }
            let role = try text(), program = try text()
            let end = try integer()
            let event = try text()
            state.sessions[BytewiseKey(id)] = SessionRecord(sessionID: id, state: sessionState, role: role, programID: program,
                                               scheduledEnd: end == Int64.min ? nil : Instant(milliseconds: end), scheduledEventID: event)
        }
        for _ in 0..<(try count()) { state.features.insert(BytewiseKey(try text())) }
        state.refreshScheduledEnd()
        return state
    }
}
