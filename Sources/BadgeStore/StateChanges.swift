import Badges

/// What a batch did to users, found by comparing each user it touched with their state
/// before: the states to save and the report counts that moved. Both
/// stores save exactly this besides the rows the operations returned.
struct StateChanges {
    /// Users whose state changed, in key order (the order rows are locked and written in).
    var users: [(UserKey, UserState)] = []
    var countWrites: [LedgerWrite] = []

    /// `s`'s users tracked since the batch's state was loaded (see `TrackedUsers`).
    /// `sorted`: users in key order (PostgreSQL locks rows in that order; SQLite needs none).
    init(after s: LedgerState, catalog: Catalog, catalogVersionBefore: Int, sorted: Bool = true) {
        // A new catalog (thresholds, badges) changes what every count means: counted again
        // from every user, all of whom a backfill loads.
        let recount = s.catalogVersion > catalogVersionBefore && catalogVersionBefore > 0
        if recount {
            countWrites.append(.resetBadgeCounts)
            for (key, state) in s.users { countWrites += ReportCounts.badgeDeltas(org: key.org, catalog: catalog, before: nil, after: state) }
        }
        for (key, original) in s.users.originals {
            let state = s.users[key]
            guard state != original else { continue }
            if let state { users.append((key, state)) }
            if !recount { countWrites += ReportCounts.badgeDeltas(org: key.org, catalog: catalog, before: original, after: state) }
        }
        if sorted { users.sort { $0.0 < $1.0 } }
        countWrites = Self.summed(countWrites)
    }

    /// Badge-count deltas added up per organization and badge, in key order: one row write
    /// each, taken in the same order by every batch (PostgreSQL servers lock them).
    static func summed(_ writes: [LedgerWrite]) -> [LedgerWrite] {
        var sums: [BadgeCountKey: (earned: Int, inProgress: Int)] = [:]
        var others: [LedgerWrite] = []
        for write in writes {
            if case .badgeCount(let org, let badgeID, let earned, let inProgress) = write {
                let key = BadgeCountKey(org: BytewiseKey(org), badge: BytewiseKey(badgeID))
                let sum = sums[key] ?? (0, 0)
                sums[key] = (sum.earned + earned, sum.inProgress + inProgress)
            } else {
                others.append(write)
            }
        }
        return others + sums.filter { $0.value != (0, 0) }.sorted { $0.key < $1.key }.map {
            .badgeCount(org: $0.key.org.string, badgeID: $0.key.badge.string, earned: $0.value.earned, inProgress: $0.value.inProgress)
        }
    }
}

private struct BadgeCountKey: Hashable, Comparable {
    let org: BytewiseKey
    let badge: BytewiseKey

    static func < (a: BadgeCountKey, b: BadgeCountKey) -> Bool { a.org == b.org ? a.badge < b.badge : a.org < b.org }
}
