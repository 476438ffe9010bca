/// Timers of one event loop: a binary min-heap on the due time. Cancelled timers stay in the
/// heap until they come up and are skipped, which keeps cancel cheap, unless they come to
/// outnumber the live ones: then the heap is rebuilt from the live. Timers that are nearly all
/// cancelled (a connection's deadline alarm re-armed, timeouts that rarely fire) would
/// otherwise pile up dead entries, each sifted down through cache-missing levels when it came due.
struct TimerHeap {
    typealias ID = UInt64

    private struct Entry {
        var due: UInt64
        var id: ID
    }

    private var heap: [Entry] = []
    private var callbacks: [ID: () -> Void] = [:]
    private var nextID: ID = 1

    mutating func schedule(at due: UInt64, _ body: @escaping () -> Void) -> ID {
        let id = nextID
        nextID += 1
        callbacks[id] = body
        heap.append(Entry(due: due, id: id))
        siftUp(heap.count - 1)
        return id
    }

    mutating func cancel(_ id: ID) {
        guard callbacks.removeValue(forKey: id) != nil else { return }
        // Amortised O(1): a rebuild costs O(live) and comes at most once per `live + 64` cancels.
        if heap.count > 2 * callbacks.count + 64 { compact() }
    }

    /// Timers scheduled and not yet run or cancelled.
    var count: Int { callbacks.count }

    /// Entries the heap holds, dead ones included (for tests of the compaction).
    var storedEntries: Int { heap.count }

    private mutating func compact() {
        heap.removeAll { callbacks[$0.id] == nil }
        for index in stride(from: heap.count / 2 - 1, through: 0, by: -1) { siftDown(index) }
    }

    /// How long epoll may sleep: -1 with no timers, else milliseconds until the next, rounded up.
    mutating func millisecondsUntilNext(now: UInt64) -> Int32 {
        while let first = heap.first, callbacks[first.id] == nil { popFirst() }
        guard let first = heap.first else { return -1 }
        if first.due <= now { return 0 }
        return Int32(min((first.due - now + 999_999) / 1_000_000, 60_000))
    }

    /// Removes and returns the callbacks that are due; the caller runs them, since they may
    /// schedule new timers.
    mutating func popDue(now: UInt64) -> [() -> Void] {
        var due: [() -> Void] = []
        while let first = heap.first, first.due <= now {
            popFirst()
            if let body = callbacks.removeValue(forKey: first.id) { due.append(body) }
        }
        return due
    }

    private mutating func popFirst() {
        heap.swapAt(0, heap.count - 1)
        heap.removeLast()
        if !heap.isEmpty { siftDown(0) }
    }

    private mutating func siftUp(_ index: Int) {
        var i = index
        while i > 0 {
            let parent = (i - 1) / 2
            guard heap[i].due < heap[parent].due else { return }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    private mutating func siftDown(_ index: Int) {
        var i = index
        while true {
            let left = 2 * i + 1
            let right = left + 1
            var smallest = i
            if left < heap.count && heap[left].due < heap[smallest].due { smallest = left }
            if right < heap.count && heap[right].due < heap[smallest].due { smallest = right }
            if smallest == i { return }
            heap.swapAt(i, smallest)
            i = smallest
        }
    }
}
