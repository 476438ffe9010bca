import Histogram
import RPCCore
import Synchronization
import Wire

/// What a run measured: latency in microseconds (HdrHistogram), outcomes by status code. Kept
/// in shards, one per event-loop thread of the generator, so that its threads never wait for
/// each other's lock; the progress line and the summary merge them.
final class LoadStats: Sendable {
    private struct State {
        var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
        /// Counts by status code (0...16; anything else in the last slot, counted as UNKNOWN).
        var statusCounts = [Int](repeating: 0, count: 17)
        var completed = 0
        var duplicatesSent = 0
        var duplicatesAnswered = 0

        mutating func add(_ other: State) {
            histogram.add(other.histogram)
            for (code, count) in other.statusCounts.enumerated() { statusCounts[code] += count }
            completed += other.completed
            duplicatesSent += other.duplicatesSent
            duplicatesAnswered += other.duplicatesAnswered
        }
    }

    private final class Shard: Sendable {
        let state = Mutex(State())
    }

    private let shards: [Shard]

    /// `shards`: how many threads record (each passes its own `shard` index).
    init(shards: Int) {
        self.shards = (0..<max(shards, 1)).map { _ in Shard() }
    }

    func record(shard: Int, microseconds: UInt64, status: StatusCode, duplicateSent: Bool, duplicateAnswered: Bool) {
        shards[shard % shards.count].state.withLock { s in
            s.histogram.record(max(microseconds, 1))
            s.statusCounts[(0...16).contains(status.rawValue) ? status.rawValue : StatusCode.unknown.rawValue] += 1
            s.completed += 1
            if duplicateSent { s.duplicatesSent += 1 }
            if duplicateAnswered { s.duplicatesAnswered += 1 }
        }
    }

    private func merged() -> State {
        var total = State()
        for shard in shards { total.add(shard.state.withLock { $0 }) }
        return total
    }

    var completed: Int { shards.reduce(0) { $0 + $1.state.withLock { $0.completed } } }

    /// A snapshot for the progress line: completed calls, errors, p99 in ms.
    func progress() -> (completed: Int, errors: Int, p99: Double) {
        let s = merged()
        return (s.completed, s.completed - s.statusCounts[0], Double(s.histogram.valueAtPercentile(99)) / 1000)
    }

    struct Summary {
        var requests: Int
        var seconds: Double
        var ok: Int
        var statuses: [String: Int]
        var percentiles: [(String, Double)]
        var curve: [(percentile: Double, milliseconds: Double)]
        var duplicatesSent: Int
        var duplicatesAnswered: Int

        var throughput: Double { Double(ok) / seconds }
    }

    func summary(seconds: Double) -> Summary {
        let s = merged()
        let points: [(String, Double)] = [("p50", 50), ("p90", 90), ("p99", 99), ("p99.9", 99.9)]
        let percentiles = points.map { ($0.0, Double(s.histogram.valueAtPercentile($0.1)) / 1000) }
        var curve: [(Double, Double)] = []
        for p in [0.0, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 100] {
            curve.append((p, Double(s.histogram.valueAtPercentile(p)) / 1000))
        }
        var statuses: [String: Int] = [:]
        for (code, count) in s.statusCounts.enumerated() where count > 0 { statuses[StatusCode(rawValue: code).description] = count }
        return Summary(requests: s.completed, seconds: seconds, ok: s.statusCounts[0], statuses: statuses,
                       percentiles: percentiles, curve: curve, duplicatesSent: s.duplicatesSent, duplicatesAnswered: s.duplicatesAnswered)
    }
}

extension LoadStats.Summary {
    func text(mode: String) -> String {
        var lines = [
            "RecordActivity load: \(mode)",
            "requests: \(requests) in \(String(format: "%.2f", seconds)) s; OK \(ok) = \(String(format: "%.0f", throughput)) req/s",
            "latency (ms): " + percentiles.map { "\($0.0) \(String(format: "%.2f", $0.1))" }.joined(separator: ", "),
            "statuses: " + statuses.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "),
            "duplicates: \(duplicatesSent) sent, \(duplicatesAnswered) answered as duplicates",
        ]
        if requests != statuses.values.reduce(0, +) { lines.append("warning: statuses do not add up to the requests") }
        return lines.joined(separator: "\n")
    }

    func json(mode: String) -> JSONValue {
        .object([
            ("mode", .string(mode)),
            ("requests", .number(String(requests))),
            ("seconds", .number(String(format: "%.3f", seconds))),
            ("ok", .number(String(ok))),
            ("throughput", .number(String(format: "%.1f", throughput))),
            ("latency_ms", .object(percentiles.map { ($0.0, .number(String(format: "%.3f", $0.1))) })),
            ("statuses", .object(statuses.sorted { $0.key < $1.key }.map { ($0.key, .number(String($0.value))) })),
            ("duplicates_sent", .number(String(duplicatesSent))),
            ("duplicates_answered", .number(String(duplicatesAnswered))),
            ("latency_curve", .array(curve.map { .array([.number(String($0.percentile)), .number(String(format: "%.3f", $0.milliseconds))]) })),
        ])
    }
}

import Foundation
