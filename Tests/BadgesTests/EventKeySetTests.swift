@testable import BadgeStore
import Testing

@Suite("Event id set")
struct EventKeySetTests {
    @Test("each key is new once, across organizations and shards, and the count adds up")
    func eachKeyIsNewOnce() {
        var set = EventKeySet()
        #expect(set.count == 0)
        let keys = (0..<20_000).map { EventKey(org: "org-\($0 % 7)", eventID: "event-\($0)") }
        let firstTime = keys.map { set.insert($0) }
        #expect(firstTime.allSatisfy { $0 })
        #expect(set.count == keys.count)
        // The same ids again, made afresh: every one is a repeat.
        let again = keys.map { set.insert(EventKey(org: $0.org, eventID: $0.eventID)) }
        #expect(again.allSatisfy { !$0 })
        // One event id in another organization is another event.
        let elsewhere = set.insert(EventKey(org: "org-other", eventID: "event-1"))
        #expect(elsewhere)
        #expect(set.count == keys.count + 1)
    }
}
