import Badges

/// The per-organization counts reports read instead of scanning users: per badge, how many
/// users earned it and how many have it in progress; per program and role, how many distinct
/// users are registered (the badge's eligible users). Kept as deltas: each change of a user's
/// state or registrations adds what it moved. Pure functions of states, no storage.
enum ReportCounts {
    /// How a user stands with a badge, for counting.
    enum Standing: Equatable {
        case none, inProgress, earned
    }

    static func standing(_ state: UserState, _ badge: Badge) -> Standing {
        if state.hasEarned(badge.id) { return .earned }
        return state.count(badge.counterKey) > 0 ? .inProgress : .none
    }

    /// The badge-count deltas a user's state moving from `before` to `after` makes. A
    /// standing changes only where a counter crossed zero or an award came or went: only
    /// those badges are looked at (this runs for every user a batch changed).
    static func badgeDeltas(org: String, catalog: Catalog, before: UserState?, after: UserState?) -> [LedgerWrite] {
        let empty = UserState()
        let (old, new) = (before ?? empty, after ?? empty)
        var candidates: [Badge] = []
        for (key, value) in new.counters where (old.counters[key] ?? 0 > 0) != (value > 0) { candidates += catalog.badges(reading: key) }
        for (key, value) in old.counters where value > 0 && new.counters[key] == nil { candidates += catalog.badges(reading: key) }
        for id in new.awards.keys where !old.hasEarned(id) { if let badge = catalog.badge(id) { candidates.append(badge) } }
        for id in old.awards.keys where !new.hasEarned(id) { if let badge = catalog.badge(id) { candidates.append(badge) } }
        var writes: [LedgerWrite] = []
        var seen: Set<String> = []
        for badge in candidates where seen.insert(badge.id).inserted {
            let (was, now) = (standing(old, badge), standing(new, badge))
            guard was != now else { continue }
            let earned = (now == .earned ? 1 : 0) - (was == .earned ? 1 : 0)
            let inProgress = (now == .inProgress ? 1 : 0) - (was == .inProgress ? 1 : 0)
            writes.append(.badgeCount(org: org, badgeID: badge.id, earned: earned, inProgress: inProgress))
        }
        return writes
    }

    /// The (program, role) pairs a user's registrations count towards: each program and role
    /// alone and together, and "" for any.
    static func roleKeys(_ registrations: [Participant]) -> Set<RoleCountKey> {
        var keys: Set<RoleCountKey> = []
        for p in registrations {
            for program in ["", p.programID] {
                for role in ["", p.role] { keys.insert(RoleCountKey(program: BytewiseKey(program), role: BytewiseKey(role))) }
            }
        }
        return keys
    }

    /// The role-count deltas registrations changing from `before` to `after` make.
    static func roleDeltas(org: String, before: [Participant], after: [Participant]) -> [LedgerWrite] {
        let (was, now) = (roleKeys(before), roleKeys(after))
        let added = now.subtracting(was).sorted().map { LedgerWrite.roleCount(org: org, program: $0.program.string, role: $0.role.string, users: 1) }
        let removed = was.subtracting(now).sorted().map { LedgerWrite.roleCount(org: org, program: $0.program.string, role: $0.role.string, users: -1) }
        return added + removed
    }
}

/// Registered users are counted per program and role; "" stands for any.
struct RoleCountKey: Hashable, Comparable {
    let program: BytewiseKey
    let role: BytewiseKey

    static func < (a: RoleCountKey, b: RoleCountKey) -> Bool { a.program == b.program ? a.role < b.role : a.program < b.program }
}
