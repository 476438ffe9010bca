import Badges

/// Users' states in a `LedgerState`, remembering, once tracking starts, each user's state
/// before its first change: a store then saves exactly the users a batch touched, without
/// copying every state to compare them all afterwards.
struct TrackedUsers: Sendable, Sequence {
    private(set) var states: [UserKey: UserState] = [:]
    /// Per user changed since `startTracking`, their state before (nil: they had none).
    private(set) var originals: [UserKey: UserState?] = [:]
    private var tracking = false

    /// From now on, the first change of each user keeps what it changed from.
    mutating func startTracking() {
        tracking = true
        originals = [:]
    }

    subscript(key: UserKey) -> UserState? {
        get { states[key] }
        _modify {
            note(key)
            yield &states[key]
        }
    }

    subscript(key: UserKey, default value: @autoclosure () -> UserState) -> UserState {
        get { states[key] ?? value() }
        _modify {
            note(key)
            yield &states[key, default: value()]
        }
    }

    var keys: Dictionary<UserKey, UserState>.Keys { states.keys }
    var count: Int { states.count }

    func makeIterator() -> Dictionary<UserKey, UserState>.Iterator { states.makeIterator() }

    private mutating func note(_ key: UserKey) {
        if tracking && originals.index(forKey: key) == nil { originals[key] = .some(states[key]) }
    }
}
