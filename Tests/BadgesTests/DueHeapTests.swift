import Badges
@testable import BadgeStore
import Testing

@Suite("Due sessions heap")
struct DueHeapTests {
    @Test("each sweep pops exactly the users with an end since the last one, across shards")
    func popsExactlyWhatBecameDue() {
        var heap = DueHeap()
        #expect(heap.popDue(Instant(milliseconds: 0)).isEmpty)
        var random = SplitMix64(seed: 7)
        var ends: [(key: UserKey, end: Int64)] = []
        for n in 0..<5_000 {
            let entry = (key: UserKey(org: "org-\(n % 3)", user: "user-\(n % 700)"), end: Int64.random(in: 0..<10_000, using: &random))
            heap.push(Instant(milliseconds: entry.end), entry.key)
            ends.append(entry)
        }
        var previous: Int64 = -1
        for now in stride(from: Int64(0), through: 10_000, by: 1_000) {
            let expected = Set(ends.filter { $0.end > previous && $0.end <= now }.map(\.key))
            #expect(heap.popDue(Instant(milliseconds: now)) == expected, "sweep at \(now)")
            previous = now
        }
        #expect(heap.popDue(Instant(milliseconds: 20_000)).isEmpty)
    }
}
