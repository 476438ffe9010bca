import Badges
@testable import BadgeStore
import Foundation
import Testing

/// A child process records events as fast as it can and is killed with SIGKILL at a random
/// moment; after reopening, every event it had acknowledged is there, no badge is awarded
/// twice, and the counters agree with the event log. Several rounds on one store, of each kind.
@Suite("Crash safety")
struct CrashTests {
    static let child = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".build/debug/ledger-crash-child")

    @Test(arguments: StoreKind.allCases) func killedWriterLosesNothingItAcknowledged(store: StoreKind) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = try store.freshLocation(in: directory)
        defer {
            try? FileManager.default.removeItem(at: directory)
            store.remove(path)
        }
        try #require(FileManager.default.isExecutableFile(atPath: Self.child.path), "build ledger-crash-child first (swift build)")

        var totalAcked = 0
        for round in 1...5 {
            let acked = try runAndKill(path: path, prefix: "r\(round)", after: Double.random(in: 0.3...1.2))
            totalAcked += acked.count
            #expect(acked.count > 0, "round \(round) acknowledged nothing before the kill")

            let log = try store.storedEvents(at: path)
            let stored = Set(log.map(\.event.eventID))
            let missing = acked.subtracting(stored)
            #expect(missing.isEmpty, "round \(round): \(missing.count) acknowledged events are missing, e.g. \(missing.prefix(3))")
            #expect(stored.count == log.count, "round \(round): an event is stored twice")
            let awards = try store.awardCounts(at: path)
            #expect(awards.total == awards.distinct, "a badge was awarded twice")

            // Counters and awards on disk match a replay of the log (each transaction was whole).
            let catalog = try CatalogLoader.bundled()
            let ledger = try BadgeLedger(location: path, catalog: catalog)
            let evaluator = Evaluator(catalog: catalog)
            let org = Organization(id: "acme", tier: .enterprise, badgesEnabled: true)
            var replay: [String: UserState] = [:]
            for (event, at) in log {
                _ = evaluator.apply(event, to: &replay[event.userID, default: UserState()], organization: org, now: at)
            }
            let users = Array(replay.keys)
            for (user, actual) in zip(users, try await ledger.currentStates(org: "acme", users: users)) {
                let expected = replay[user]!
                #expect(actual.counters == expected.counters, "round \(round): counters of \(user)")
                #expect(Set(actual.awards.keys) == Set(expected.awards.keys), "round \(round): awards of \(user)")
            }
            ledger.close()
        }
        #expect(totalAcked > 100)
    }

    /// Starts the child, collects the ids it acknowledges, kills it with SIGKILL after `seconds`.
    private func runAndKill(path: String, prefix: String, after seconds: Double) throws -> Set<String> {
        let process = Process()
        process.executableURL = Self.child
        process.arguments = [path, prefix]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let reader = pipe.fileHandleForReading
        var output = Data()
        // Wait for "ready", then let it run.
        while !String(decoding: output, as: UTF8.self).contains("ready\n") {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            output += chunk
        }
        Thread.sleep(forTimeInterval: seconds)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        output += reader.readDataToEndOfFile()
        // Only whole lines count: a line cut by the kill was never fully acknowledged.
        let text = String(decoding: output, as: UTF8.self)
        let lines = text.hasSuffix("\n") ? text.split(separator: "\n") : text.split(separator: "\n").dropLast()
        return Set(lines.filter { $0.hasPrefix("ack ") }.map { String($0.dropFirst(4)) })
    }
}
