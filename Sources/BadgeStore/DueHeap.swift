import Badges

/// Scheduled session ends and their users, earliest first, for the sweeper: a min-heap per
/// shard of users, chosen by hash. One heap in one array grew by copying every entry at once
/// (tens of megabytes and their page faults at a million booked sessions) while the committer,
/// and with it every call, waited; small heaps grow in small steps.
struct DueHeap: Sendable {
    private typealias Entry = (end: Instant, key: UserKey)
    private static let shardBits = 6
    /// Made on the first push (see `EventKeySet`).
    private var shards: [[Entry]] = []

    mutating func push(_ end: Instant, _ key: UserKey) {
        if shards.isEmpty { shards = Array(repeating: [], count: 1 << Self.shardBits) }
        Self.push((end, key), onto: &shards[shard(ofHash: key.hash, bits: Self.shardBits)])
    }

    /// Removes and returns the users with a session ending at or before `now`.
    mutating func popDue(_ now: Instant) -> Set<UserKey> {
        var due: Set<UserKey> = []
        for index in shards.indices { Self.popDue(now, from: &shards[index], into: &due) }
        return due
    }

    private static func push(_ entry: Entry, onto heap: inout [Entry]) {
        heap.append(entry)
        var i = heap.count - 1
        while i > 0, heap[(i - 1) / 2].end > heap[i].end {
            heap.swapAt(i, (i - 1) / 2)
            i = (i - 1) / 2
        }
    }

    private static func popDue(_ now: Instant, from heap: inout [Entry], into due: inout Set<UserKey>) {
        while let first = heap.first, first.end <= now {
            due.insert(first.key)
            heap.swapAt(0, heap.count - 1)
            heap.removeLast()
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < heap.count && heap[l].end < heap[m].end { m = l }
                if r < heap.count && heap[r].end < heap[m].end { m = r }
                if m == i { break }
                heap.swapAt(i, m)
                i = m
            }
        }
    }
}
