import Badges

/// Schema version 5's move: the event log of versions 1-4 replayed once into per-user states,
/// awards and events a row each, and report counts; then the old tables dropped. Runs in
/// the migration's transaction, with memory in proportion to the store, once.
enum StateMigration {
    static func run(_ db: SQLiteDatabase, evaluator: Evaluator) throws {
        let events = try LedgerLoader.events(db)
        let s = try LedgerLoader.load(db, evaluator: evaluator, events: events)
        var seen = EventKeySet()
        var writes: [LedgerWrite] = events.compactMap { e in
            seen.insert(EventKey(org: e.event.organizationID, eventID: e.event.eventID)) ? .event(e.event, recordedAt: e.recordedAt) : nil
        }
        var users: [(UserKey, UserState)] = []
        for key in s.users.keys.sorted() {
            var state = s.users[key]!
            state.refreshScheduledEnd()
            writes += state.awards.values.sorted { $0.badgeID < $1.badgeID }.map { .award(org: key.org, user: key.user, $0) }
            writes += ReportCounts.badgeDeltas(org: key.org, catalog: evaluator.catalog, before: nil, after: state)
            users.append((key, state))
        }
        for (org, byUser) in s.participants {
            for registrations in byUser.values { writes += ReportCounts.roleDeltas(org: org.string, before: [], after: registrations) }
        }
        do {
            let writer = try SQLiteWriter(db)
            try writer.apply(writes)
            let last = writer.eventSequence
            try writer.writeStates(users.map { key, state in
                (key, DirtyUsers.Entry(state: state, firstSeq: 0, lastSeq: last, eventSeqs: writer.eventSeqs[key] ?? [],
                                       since: 0, position: 0, bytes: 0))
            }, replayFrom: last)
            try writer.listIDs(writer.newEvents.map(\.key), through: last)
        }
        try db.execute("DROP TABLE events; DROP TABLE event_batches; DROP TABLE award_log; DROP TABLE awards_seen")
    }
}
