import Glibc
import Synchronization

/// Moves the WAL back into the database file from a thread of its own (PASSIVE checkpoints,
/// which never block the writer), so that the group committer never stalls on a checkpoint
/// and commit latency keeps a short tail.
final class Checkpointer: @unchecked Sendable {
    // Used only by the checkpointer thread after init.
    private let db: SQLiteDatabase
    private let stopping = Atomic<Bool>(false)
    private let stopped = Atomic<Bool>(false)
    private let truncate = Atomic<Bool>(false)
    private let intervalMicroseconds: UInt32

    init(path: String, interval milliseconds: Int = 500) throws {
        db = try SQLiteDatabase(path: path)
        intervalMicroseconds = UInt32(milliseconds * 1000)
        Wakeup.startThread(named: "checkpointer") { self.run() }
    }

    private func run() {
        var waited: UInt32 = 0
        // Short naps, so that stop() returns promptly.
        while !stopping.load(ordering: .acquiring) {
            usleep(10_000)
            waited += 10_000
            if truncate.load(ordering: .acquiring) {
                // After an erasure: the whole WAL into the file and the WAL emptied, so that
                // no old copy of the erased rows stays on disk. Waits for readers; tried again
                // at the next turn if one held on.
                var complete = false
                try? db.prepare("PRAGMA wal_checkpoint(TRUNCATE)").query { complete = $0.int(0) == 0 }
                if complete { truncate.store(false, ordering: .releasing) }
            } else if waited >= intervalMicroseconds {
                waited = 0
                try? db.execute("PRAGMA wal_checkpoint(PASSIVE)")
            }
        }
        stopped.store(true, ordering: .releasing)
    }

    /// Asks for a checkpoint that empties the WAL, as soon as readers allow.
    func requestTruncation() { truncate.store(true, ordering: .releasing) }

    func stop() {
        stopping.store(true, ordering: .releasing)
        while !stopped.load(ordering: .acquiring) { usleep(1000) }
    }
}
