import Badges

/// Users' states (with awards) as last committed, kept by the committer so that a user's next
/// event reads no row. Bounded by an estimate of their bytes: two generations, each at most
/// half the budget; a hit moves a user to the young one, and when that is full the old one
/// is dropped whole and the young takes its place. Costs O(1) per call, with no list to keep,
/// and keeps the users of the last two half-budgets' worth of calls.
///
/// Holds only what is durable: the committer puts states in after their commit, never before.
/// Used by the committer's thread alone.
final class UserCache {
    private var young: [UserKey: UserState] = [:]
    private var old: [UserKey: UserState] = [:]
    private var youngBytes = 0
    private let generationBytes: Int

    init(budgetBytes: Int) {
        generationBytes = max(budgetBytes / 2, 1)
    }

    func state(_ key: UserKey) -> UserState? {
        if let state = young[key] { return state }
        if let state = old.removeValue(forKey: key) {
            insert(key, state)
            return state
        }
        return nil
    }

    /// Keeps `state` as the user's committed state.
    func put(_ key: UserKey, _ state: UserState) {
        // Counted again when replaced: an over-estimate, which only rotates sooner.
        old.removeValue(forKey: key)
        young[key] = state
        add(key, state)
    }

    /// Forgets a user (erased).
    func remove(_ key: UserKey) {
        young.removeValue(forKey: key)
        old.removeValue(forKey: key)
    }

    var count: Int { young.count + old.count }

    private func insert(_ key: UserKey, _ state: UserState) {
        young[key] = state
        add(key, state)
    }

    private func add(_ key: UserKey, _ state: UserState) {
        youngBytes += Self.estimatedBytes(key, state)
        if youngBytes > generationBytes {
            old = young
            young = [:]
            youngBytes = 0
        }
    }

    /// A rough size of a cached state: the dictionaries' entries with their strings, and a
    /// fixed part for the key and the tables themselves.
    static func estimatedBytes(_ key: UserKey, _ state: UserState) -> Int {
        var bytes = 256 + key.org.utf8.count + key.user.utf8.count
        bytes += state.counters.count * 64
        for session in state.sessions.values {
            bytes += 160 + session.sessionID.utf8.count + session.role.utf8.count + session.programID.utf8.count + session.scheduledEventID.utf8.count
        }
        bytes += state.features.count * 64
        for award in state.awards.values { bytes += 128 + award.badgeID.utf8.count + award.eventID.utf8.count }
        return bytes
    }
}
