import Badges
import Glibc

/// Users whose state changed since it was last written: the committer writes a user's state
/// behind their events. A commit appends events (near the end of two B-trees) and awards; a
/// user's state row, and the rows listing their events, are written once the user has been
/// dirty for a while, or when too much waits. Writing each changed user's row in every commit
/// dirtied a random page per user per commit: six times the bytes synced per event.
///
/// Nothing is lost: the events are committed first, and each state row records the last event
/// it reflects (`applied_seq`). At start the events after the oldest unwritten one are applied
/// again (`replayFrom`), which the limits below keep to seconds of traffic.
///
/// Kept in first-dirtied order, which is also the order of their first unwritten events, so
/// that the oldest is written first and the replay point is the front's first event. Changes
/// are staged for a batch and applied only after its commit. Used by the committer alone.
final class DirtyUsers {
    struct Entry {
        var state: UserState
        /// The user's first event not in the stored state (a change without an event: the
        /// next sequence number then); events up to `lastSeq` are in `state`.
        var firstSeq: Int64
        var lastSeq: Int64
        /// Events since the stored state, listed in `activity_by_user` when it is written.
        var eventSeqs: [Int64]
        /// Monotonic milliseconds when the user became dirty.
        var since: Int64
        /// Absolute position in `order`.
        var position: Int
        var bytes: Int
    }

    /// A batch's effect, applied after its commit.
    struct Staged {
        var changed: [(UserKey, Entry)] = []
        /// Users whose state the batch writes, with what it writes.
        var written: [(UserKey, Entry)] = []
        var erased: [UserKey] = []
        /// Every event up to this one is in the stored states.
        var replayFrom: Int64 = 0
    }

    /// How long a user stays dirty, how many bytes may wait, how many events may wait.
    struct Limits {
        var age: Int64 = 5000
        var bytes: Int
        var events: Int64 = 100_000
        /// Most users written by one batch unless a limit is passed.
        var perBatch = 2048
    }

    private(set) var entries: [UserKey: Entry] = [:]
    private var order: [UserKey] = []
    private var base = 0
    private var head = 0
    private(set) var bytes = 0
    /// Dirty users' booked session ends (their rows' `next_due` is not written yet).
    var due = DueHeap()
    let limits: Limits

    init(limits: Limits) { self.limits = limits }

    var count: Int { entries.count }

    static func monotonicMilliseconds() -> Int64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Int64(t.tv_sec) * 1000 + Int64(t.tv_nsec) / 1_000_000
    }

    /// What a batch that changed `changed` (with its users' new event numbers) does: which
    /// users stay dirty and with what, which are written now, and the new replay point.
    /// `lastSeq`: the newest event number once the batch's events are stored.
    func stage(changed: [(UserKey, UserState)], eventSeqs: [UserKey: [Int64]], erased: [UserKey], lastSeq: Int64, now: Int64,
               flushAll: Bool = false) -> Staged {
        var staged = Staged(erased: erased)
        // An erased user's old entry goes (its events were deleted); one recreated in the
        // same batch starts afresh.
        let erasedSet = Set(erased)
        var merged: [UserKey: Entry] = [:]
        var fresh: [(UserKey, Entry)] = []
        for (key, state) in changed {
            let seqs = eventSeqs[key] ?? []
            let size = UserCache.estimatedBytes(key, state)
            if !erasedSet.contains(key), var entry = entries[key] {
                entry.state = state
                entry.eventSeqs += seqs
                entry.lastSeq = max(entry.lastSeq, seqs.last ?? entry.lastSeq)
                entry.bytes = size
                merged[key] = entry
            } else {
                let first = seqs.first ?? lastSeq + 1
                fresh.append((key, Entry(state: state, firstSeq: first, lastSeq: seqs.last ?? lastSeq, eventSeqs: seqs,
                                         since: now, position: -1, bytes: size)))
            }
        }
        fresh.sort { $0.1.firstSeq < $1.1.firstSeq }
        // The oldest first, while a limit says so.
        var written: Set<UserKey> = []
        var index = head
        var pendingBytes = bytes
        while index - base < order.count {
            let key = order[index - base]
            guard let entry = entries[key], entry.position == index else { index += 1; continue }
            let over = flushAll || pendingBytes > limits.bytes || lastSeq - entry.firstSeq > limits.events
            guard over || (now - entry.since >= limits.age && written.count < limits.perBatch) else { break }
            if !erasedSet.contains(key) {
                staged.written.append((key, merged[key] ?? entry))
                written.insert(key)
            }
            pendingBytes -= entry.bytes
            index += 1
        }
        // The replay point: before the first event of the oldest user left dirty.
        var oldest: Int64?
        while index - base < order.count {
            let key = order[index - base]
            if let entry = entries[key], entry.position == index, !erasedSet.contains(key) {
                oldest = entry.firstSeq
                break
            }
            index += 1
        }
        for (key, entry) in merged where !written.contains(key) { staged.changed.append((key, entry)) }
        if flushAll {
            staged.written += fresh
        } else {
            staged.changed += fresh
            oldest = oldest ?? fresh.first?.1.firstSeq
        }
        staged.replayFrom = (oldest ?? lastSeq + 1) - 1
        return staged
    }

    /// Applies a committed batch's `staged` effect.
    func apply(_ staged: Staged) {
        for key in staged.erased { remove(key) }
        for (key, _) in staged.written { remove(key) }
        for (key, var entry) in staged.changed {
            let previousEnd = entries[key]?.state.earliestScheduledEnd
            if let old = entries[key] {
                bytes -= old.bytes
            } else {
                entry.position = base + order.count
                order.append(key)
            }
            bytes += entry.bytes
            // Pushed when it changes only: pushed on every change, the heap grew by every
            // event of a user with a booking (until its end), millions in a long run.
            if let end = entry.state.earliestScheduledEnd, end != previousEnd { due.push(end, key) }
            entries[key] = entry
        }
        // Past what is gone, and the order array compacted now and then.
        while head - base < order.count, entries[order[head - base]]?.position != head { head += 1 }
        if head - base > 4096 && head - base > order.count / 2 {
            order.removeFirst(head - base)
            base = head
        }
    }

    private func remove(_ key: UserKey) {
        if let old = entries.removeValue(forKey: key) { bytes -= old.bytes }
    }
}
