import Badges
import BadgeStore
import Foundation
import Synchronization

/// Events evaluated and committed per second, durable (WAL, synchronous=FULL), in one process:
/// many concurrent callers share group commits.
///
///     LedgerBenchmark [--seconds S] [--concurrency N] [--users N]

var seconds = 5.0
var concurrency = 512
var users = 20_000
var arguments = CommandLine.arguments.dropFirst()
while let name = arguments.popFirst(), let value = arguments.popFirst() {
    switch name {
    case "--seconds": seconds = Double(value) ?? seconds
    case "--concurrency": concurrency = Int(value) ?? concurrency
    case "--users": users = Int(value) ?? users
    default: break
    }
}

let userCount = users
let workers = concurrency
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-bench-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: directory) }
let ledger = try BadgeLedger(path: directory.appendingPathComponent("badges.sqlite").path, catalog: try CatalogLoader.bundled())
_ = try await ledger.configureOrganization(id: "acme", tier: .enterprise, badgesEnabled: true)

let recorded = Atomic<Int>(0)
let latencies = Mutex<[Double]>([])
let deadline = ContinuousClock.now + .seconds(seconds)
let started = ContinuousClock.now

await withTaskGroup(of: [Double].self) { group in
    for worker in 0..<workers {
        group.addTask {
            var samples: [Double] = []
            var n = 0
            while ContinuousClock.now < deadline {
                n += 1
                let user = "u\((worker &* 7919 &+ n &* 104_729) % userCount)"
                let kind: ActivityEvent.Kind
                switch n % 6 {
                case 0: kind = .sessionScheduled(sessionID: "w\(worker)-\(n)", role: n % 12 == 0 ? "mentee" : "mentor", programID: "p1",
                                                 scheduledEnd: Instant(milliseconds: 1_900_000_000_000))
                case 1: kind = .sessionCompleted(sessionID: "w\(worker)-\(n - 1)")
                case 2: kind = .feedbackReceived
                case 3: kind = .coachingItemSaved
                case 4: kind = .qaReviewCompleted
                default: kind = .featureUsed(name: "feature-\(n % 9)")
                }
                let event = ActivityEvent(organizationID: "acme", eventID: "w\(worker)-e\(n)", userID: user, occurredAt: Instant(milliseconds: 0), kind: kind)
                let t0 = ContinuousClock.now
                _ = try? await ledger.record(event)
                let elapsed = ContinuousClock.now - t0
                samples.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)
                recorded.add(1, ordering: .relaxed)
            }
            return samples
        }
    }
    for await samples in group { latencies.withLock { $0 += samples } }
}
let elapsed = ContinuousClock.now - started
let total = recorded.load(ordering: .relaxed)
let wall = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
let sorted = latencies.withLock { $0.sorted() }
func p(_ q: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(q / 100 * Double(sorted.count - 1)))] }
ledger.close()
print("ledger benchmark: durable (WAL, synchronous=FULL), \(concurrency) concurrent callers, \(users) users, \(Int(seconds))s")
print(String(format: "events recorded: %d in %.2fs = %.0f events/s", total, wall, Double(total) / wall))
print(String(format: "latency per event: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, p99.9 %.2f ms", p(50), p(90), p(99), p(99.9)))
