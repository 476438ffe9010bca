import Foundation
@testable import RPC
import Testing

@Suite("Event loops")
struct EventLoopTests {
    /// The names of this process's threads, as `top -H` and `perf` show them. A thread of
    /// another test may end between the listing and the read: its name is left out.
    private func threadNames() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").compactMap { task in
            (try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    @Test func aLoopsThreadCarriesItsName() async throws {
        let loop = EventLoop(name: "named-loop-7")
        loop.start()
        defer { loop.stop() }
        // The thread names itself first thing; a job that has run proves it has started.
        await withCheckedContinuation { ran in loop.execute { ran.resume() } }
        #expect(try threadNames().contains("named-loop-7"))
    }
}
