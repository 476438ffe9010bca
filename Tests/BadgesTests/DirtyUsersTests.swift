import Badges
@testable import BadgeStore
import Testing

/// The write-behind set: who is written when, and where a replay would have to start.
@Suite("Dirty users")
struct DirtyUsersTests {
    private func key(_ user: String) -> UserKey { UserKey(org: "acme", user: user) }

    private func state(_ feedback: Int64) -> UserState {
        var s = UserState()
        s.counters[CounterKey(metric: .feedbackReceived)] = feedback
        return s
    }

    @Test func usersAreWrittenOldestFirstOnceOldEnoughAndTheReplayPointFollows() {
        let dirty = DirtyUsers(limits: DirtyUsers.Limits(age: 1000, bytes: 1 << 30, events: 1000, perBatch: 10))
        // ana's events 1 and 2 at t=0, bo's 3 at t=500.
        dirty.apply(dirty.stage(changed: [(key("ana"), state(2))], eventSeqs: [key("ana"): [1, 2]], erased: [], lastSeq: 2, now: 0))
        var staged = dirty.stage(changed: [(key("bo"), state(1))], eventSeqs: [key("bo"): [3]], erased: [], lastSeq: 3, now: 500)
        #expect(staged.written.isEmpty && staged.replayFrom == 0)
        dirty.apply(staged)
        // At t=1200 ana is old enough: written with both events; the replay point moves past them.
        staged = dirty.stage(changed: [], eventSeqs: [:], erased: [], lastSeq: 3, now: 1200)
        #expect(staged.written.map(\.0) == [key("ana")])
        #expect(staged.written.first?.1.eventSeqs == [1, 2] && staged.written.first?.1.lastSeq == 2)
        #expect(staged.replayFrom == 2)
        dirty.apply(staged)
        #expect(dirty.count == 1)
        // A change to bo before he is written joins his entry, which keeps its place and age.
        staged = dirty.stage(changed: [(key("bo"), state(2))], eventSeqs: [key("bo"): [4]], erased: [], lastSeq: 4, now: 1300)
        #expect(staged.written.isEmpty && staged.replayFrom == 2)
        dirty.apply(staged)
        staged = dirty.stage(changed: [], eventSeqs: [:], erased: [], lastSeq: 4, now: 1600)
        #expect(staged.written.map(\.0) == [key("bo")] && staged.written.first?.1.eventSeqs == [3, 4])
        #expect(staged.written.first?.1.state == state(2) && staged.replayFrom == 4)
    }

    @Test func tooManyEventsWaitingWritesRegardlessOfAge() {
        let dirty = DirtyUsers(limits: DirtyUsers.Limits(age: 60_000, bytes: 1 << 30, events: 10, perBatch: 10))
        dirty.apply(dirty.stage(changed: [(key("ana"), state(1))], eventSeqs: [key("ana"): [1]], erased: [], lastSeq: 1, now: 0))
        let staged = dirty.stage(changed: [(key("bo"), state(1))], eventSeqs: [key("bo"): [20]], erased: [], lastSeq: 20, now: 1)
        #expect(staged.written.map(\.0) == [key("ana")])
        #expect(staged.replayFrom == 19)  // before bo's first event
    }

    @Test func anErasedUserIsDroppedAndOneRecreatedStartsAfresh() {
        let dirty = DirtyUsers(limits: DirtyUsers.Limits(age: 1000, bytes: 1 << 30, events: 1000, perBatch: 10))
        dirty.apply(dirty.stage(changed: [(key("ana"), state(3))], eventSeqs: [key("ana"): [1, 2, 3]], erased: [], lastSeq: 3, now: 0))
        // Erased, and a new event for her in the same batch.
        let staged = dirty.stage(changed: [(key("ana"), state(1))], eventSeqs: [key("ana"): [4]], erased: [key("ana")], lastSeq: 4, now: 5000)
        #expect(staged.written.isEmpty, "the erased entry is not written")
        #expect(staged.changed.first?.1.eventSeqs == [4] && staged.replayFrom == 3)
        dirty.apply(staged)
        #expect(dirty.entries[key("ana")]?.eventSeqs == [4])
        // Everything written on a stop.
        let last = dirty.stage(changed: [], eventSeqs: [:], erased: [], lastSeq: 4, now: 5001, flushAll: true)
        #expect(last.written.map(\.0) == [key("ana")] && last.replayFrom == 4)
    }
}
