/// What applying an event (or the clock) changed for one user that outlives the state itself:
/// the awards a store must write (counters and sessions follow from the event log), and the
/// counters moved, for the progress the caller is told.
public struct Changes: Sendable, Hashable {
    public var awards: [AwardRecord] = []
    /// Counters this change moved, for progress reporting (an array: it holds one or two).
    public var moved: [CounterKey] = []
    /// The end of the session this event booked, when it now waits for that end.
    public var booked: Instant?

    public init() {}
}

/// Applies events to a user's state: counts activity and awards what it earns. Pure: given the
/// same state, event, organization and time, it gives the same result.
public struct Evaluator: Sendable {
    public let catalog: Catalog

    public init(catalog: Catalog) { self.catalog = catalog }

    /// Records `event` in `state`. Sessions whose end has passed by `now` are counted first,
    /// so that the answer never depends on whether the background sweeper has run.
    public func apply(_ event: ActivityEvent, to state: inout UserState, organization: Organization, now: Instant) -> Changes {
        var changes = Changes()
        settleDueSessions(&state, organization: organization, now: now, changes: &changes)
        switch event.kind {
        case .sessionScheduled(let sessionID, let role, let programID, let end):
            let key = BytewiseKey(sessionID)
            let existing = state.sessions.index(forKey: key).map { state.sessions.values[$0].state }
            var record = SessionRecord(sessionID: sessionID, state: .scheduled, role: role, programID: programID,
                                       scheduledEnd: end, scheduledEventID: event.eventID)
            switch existing {
            case nil:
                if end <= now {
                    record.state = .counted
                    count(role: role, in: &state, changes: &changes)
                } else {
                    state.nextDue = min(state.nextDue ?? end, end)
                    changes.booked = end
                }
            case .completedEarly:
                record.state = .counted
                count(role: role, in: &state, changes: &changes)
            case .cancelledEarly:
                record.state = .cancelled
            case .scheduled, .counted, .cancelled:
                return finish(changes, state: &state, organization: organization, now: now, eventID: event.eventID)  // booked already
            }
            state.sessions[key] = record
        case .sessionCompleted(let sessionID):
            // Changed in place: one lookup, no copy of the record.
            if let index = state.sessions.index(forKey: BytewiseKey(sessionID)) {
                if state.sessions.values[index].state == .scheduled {
                    state.sessions.values[index].state = .counted
                    count(role: state.sessions.values[index].role, in: &state, changes: &changes)
                }
            } else {
                state.sessions[BytewiseKey(sessionID)] = SessionRecord(sessionID: sessionID, state: .completedEarly)
            }
        case .sessionCancelled(let sessionID):
            if let index = state.sessions.index(forKey: BytewiseKey(sessionID)) {
                // A session already counted stays counted: its badge is never taken back.
                if state.sessions.values[index].state == .scheduled {
                    state.sessions.values[index].state = .cancelled
                }
            } else {
                state.sessions[BytewiseKey(sessionID)] = SessionRecord(sessionID: sessionID, state: .cancelledEarly)
            }
        case .profileCompleted:
            let key = CounterKey(metric: .profileCompleted)
            if state.count(key) == 0 { increment(key, in: &state, changes: &changes) }
        case .featureUsed(let name):
            if state.features.insert(BytewiseKey(name)).inserted {
                increment(CounterKey(metric: .featuresUsed), in: &state, changes: &changes)
            }
        case .feedbackReceived, .coachingItemSaved, .qaReviewCompleted, .qaReviewReceived:
            increment(CounterKey(metric: event.directMetric!), in: &state, changes: &changes)
        }
        return finish(changes, state: &state, organization: organization, now: now, eventID: event.eventID)
    }

    /// Counts every scheduled session whose end is at or before `now` (the sweeper's work,
    /// also done before each event and query), awarding what that earns.
    public func settleDueSessions(_ state: inout UserState, organization: Organization, now: Instant, changes: inout Changes) {
        // Most calls find nothing due: skip the scan until the earliest booked end.
        guard let next = state.nextDue, next <= now else { return }
        defer {
            state.nextDue = state.sessions.values.lazy.filter { $0.state == .scheduled }.compactMap(\.scheduledEnd).min()
        }
        let due = state.sessions.values
            .filter { $0.state == .scheduled && ($0.scheduledEnd.map { $0 <= now } ?? false) }
            .sorted { $0.scheduledEnd! != $1.scheduledEnd! ? $0.scheduledEnd! < $1.scheduledEnd! : $0.sessionID.bytewiseLess(than: $1.sessionID) }
        for var record in due {
            record.state = .counted
            count(role: record.role, in: &state, changes: &changes)
            state.sessions[BytewiseKey(record.sessionID)] = record
            // Credit each session's award to its own booking.
            award(in: &state, organization: organization, now: now, eventID: record.scheduledEventID, keys: changes.moved, changes: &changes)
        }
    }

    /// Awards every badge the counters already meet (badges switched back on, a new catalog
    /// version). Backfilled awards are marked so that no flood of notifications follows.
    public func awardAllEarned(_ state: inout UserState, organization: Organization, now: Instant, backfilled: Bool) -> Changes {
        var changes = Changes()
        guard organization.badgesAvailable else { return changes }
        for badge in catalog.badges where !state.hasEarned(badge.id) && state.count(badge.counterKey) >= badge.criterion.threshold {
            // No single event earned it: the activity was already there.
            let record = AwardRecord(badgeID: badge.id, awardedAt: now, eventID: "",
                                     catalogVersion: catalog.version, backfilled: backfilled)
            state.awards[badge.id] = record
            changes.awards.append(record)
        }
        return changes
    }

    // MARK: - Steps

    private func finish(_ changes: Changes, state: inout UserState, organization: Organization, now: Instant, eventID: String) -> Changes {
        var changes = changes
        award(in: &state, organization: organization, now: now, eventID: eventID, keys: changes.moved, changes: &changes)
        return changes
    }

    /// Counts a session held in `role`.
    private func count(role: String, in state: inout UserState, changes: inout Changes) {
        increment(CounterKey(metric: .sessionsCompleted, role: role), in: &state, changes: &changes)
        if !role.isEmpty {
            increment(CounterKey(metric: .sessionsCompleted), in: &state, changes: &changes)
        }
    }

    private func increment(_ key: CounterKey, in state: inout UserState, changes: inout Changes) {
        state.counters[key, default: 0] += 1  // one lookup, where reading and then storing took two
        if !changes.moved.contains(key) { changes.moved.append(key) }
    }

    private func award(in state: inout UserState, organization: Organization, now: Instant, eventID: String, keys: [CounterKey], changes: inout Changes) {
        guard organization.badgesAvailable else { return }
        // Sorted so that awards come in the same order however the counters moved; most
        // events move one counter, which needs no sorted copy.
        for key in keys.count > 1 ? keys.sorted() : keys {
            let value = state.count(key)
            let ladder = catalog.badges(reading: key)
            // By index: copying each Badge out (five strings) cost more than the checks.
            for index in ladder.indices {
                guard ladder[index].criterion.threshold <= value else { break }
                let badgeID = ladder[index].id
                guard !state.hasEarned(badgeID) else { continue }
                let record = AwardRecord(badgeID: badgeID, awardedAt: now, eventID: eventID, catalogVersion: catalog.version)
                state.awards[badgeID] = record
                changes.awards.append(record)
            }
        }
    }
}
