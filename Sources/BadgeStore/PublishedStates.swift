import Badges

/// Where readers find the states the committer has committed but not yet written as rows
/// (see `DirtyUsers`): updated after each commit, under a lock held only for that update and
/// for a reader's lookups, never across a batch.
///
/// A state just written as a row stays here for two more rotations (at least `keepMilliseconds`,
/// unless more than `maxRecentBytes` were written meanwhile), so that a read transaction
/// that began before that write, and looks here after it, still finds it.
final class PublishedStates: Sendable {
    private struct Views {
        var dirty: [UserKey: UserState] = [:]
        var recent: [UserKey: UserState] = [:]
        var older: [UserKey: UserState] = [:]
        var rotatedAt: Int64 = 0
        var recentBytes = 0
    }

    private let views = PlainMutex(Views())
    private let keepMilliseconds: Int64
    private let maxRecentBytes: Int

    init(keepMilliseconds: Int64 = 2000, maxRecentBytes: Int) {
        self.keepMilliseconds = keepMilliseconds
        self.maxRecentBytes = maxRecentBytes
    }

    func state(_ key: UserKey) -> UserState? {
        views.withLock { $0.dirty[key] ?? $0.recent[key] ?? $0.older[key] }
    }

    /// Published states of one organization's users (for a whole-organization read).
    func states(in org: BytewiseKey) -> [UserKey: UserState] {
        views.withLock { v in
            var found: [UserKey: UserState] = [:]
            for view in [v.older, v.recent, v.dirty] {
                for (key, state) in view where BytewiseKey(key.org) == org { found[key] = state }
            }
            return found
        }
    }

    /// After a commit: `changed` states are the newest, `written` ones are rows now, `erased` are gone.
    func publish(_ staged: DirtyUsers.Staged, now: Int64) {
        // The generation dropped is freed after the lock is let go.
        let dropped = views.withLock { v -> [UserKey: UserState] in
            for key in staged.erased {
                v.dirty[key] = nil
                v.recent[key] = nil
                v.older[key] = nil
            }
            for (key, entry) in staged.changed { v.dirty[key] = entry.state }
            for (key, entry) in staged.written {
                v.dirty[key] = nil
                v.recent[key] = entry.state
                v.recentBytes += entry.bytes
            }
            guard now - v.rotatedAt >= keepMilliseconds || v.recentBytes > maxRecentBytes else { return [:] }
            let old = v.older
            v.older = v.recent
            v.recent = [:]
            v.recentBytes = 0
            v.rotatedAt = now
            return old
        }
        _ = dropped
    }
}

/// Where a loader finds users' states before reading their rows.
protocol UserStateSource {
    func state(_ key: UserKey) -> UserState?
    /// Such states of one organization's users (over what its rows hold).
    func states(in org: BytewiseKey) -> [UserKey: UserState]
    /// Users whose held state has a session due by `instant` (their rows may not say so yet).
    func due(by instant: Instant) -> Set<UserKey>
}

extension PublishedStates: UserStateSource {
    func due(by instant: Instant) -> Set<UserKey> { [] }
}
