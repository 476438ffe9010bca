import Badges

extension BadgeLedger {
    /// Applies a catalog newer than the store has seen: every user whose stored activity
    /// already meets a badge of it receives that badge, marked backfilled so that no flood of
    /// notifications follows. Awards are never taken away, whatever the new thresholds.
    static func applyCatalog(_ catalog: Catalog, evaluator: Evaluator, state: inout LedgerState, now: Instant) -> [LedgerWrite] {
        let latest = state.catalogVersion
        guard catalog.version > latest else { return [] }
        var writes: [LedgerWrite] = []
        // A fresh store has no users; its first catalog needs no backfill, only recording.
        if latest > 0 {
            for key in state.users.keys.sorted() {
                let changes = evaluator.awardAllEarned(&state.users[key]!, organization: state.organization(key.org), now: now, backfilled: true)
                writes += LedgerWrite.changes(changes, org: key.org, user: key.user)
            }
        }
        state.catalogVersion = catalog.version
        writes.append(.catalogVersion(version: catalog.version, badgeIDs: catalog.badges.map(\.id), appliedAt: now))
        return writes
    }
}
