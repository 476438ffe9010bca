import Badges

/// A badge or a certificate, newest first in lists.
public enum Achievement: Sendable, Hashable {
    case award(EarnedBadge)
    case certificate(Certificate)

    public var date: Instant {
        switch self {
        case .award(let a): return a.award.awardedAt
        case .certificate(let c): return c.issuedAt
        }
    }

    var sortKey: (Int64, String) {
        switch self {
        case .award(let a): return (a.award.awardedAt.milliseconds, "a" + a.badge.id)
        case .certificate(let c): return (c.issuedAt.milliseconds, "c" + c.id)
        }
    }

    public var seen: Bool {
        switch self {
        case .award(let a): return a.award.seen
        case .certificate(let c): return c.seen
        }
    }
}

extension BadgeLedger {
    /// A user's state as of now: sessions whose time passed are counted even before the
    /// sweeper has run (on a copy; the sweeper makes it durable).
    func currentState(_ s: LedgerState, _ key: UserKey) -> UserState {
        currentState(s.users[key] ?? UserState(), s.organization(key.org))
    }

    func currentState(_ stored: UserState, _ organization: Organization) -> UserState {
        var user = stored
        var ignored = Changes()
        evaluator.settleDueSessions(&user, organization: organization, now: clock.now(), changes: &ignored)
        return user
    }

    func requireBadges(_ s: LedgerState, _ org: String) throws {
        try requireBadges(s.organization(org))
    }

    func requireBadges(_ organization: Organization) throws {
        if let reason = organization.unavailableReason { throw LedgerError.badgesUnavailable(reason) }
    }

    /// The achievements page: lifetime numbers, recent badges and certificates, every path.
    public func achievementsPage(org: String, user: String, recentLimit: Int = 5) async throws -> (Achievements, recent: [Achievement]) {
        let key = UserKey(org: org, user: user)
        return try await read(.user(key)) { s in
            try self.requireBadges(s, org)
            let current = self.currentState(s, key)
            let page = self.catalog.achievements(of: current, roles: s.roles(of: key), recentLimit: recentLimit)
            return (page, Array(self.achievementList(s, key, current).prefix(max(recentLimit, 0))))
        }
    }

    /// Badges and certificates, newest first.
    public func achievements(org: String, user: String, unseenOnly: Bool = false) async throws -> [Achievement] {
        let key = UserKey(org: org, user: user)
        return try await read(.user(key)) { s in
            try self.requireBadges(s, org)
            let list = self.achievementList(s, key, self.currentState(s, key))
            return unseenOnly ? list.filter { !$0.seen } : list
        }
    }

    /// A user's awards (from `user`, their current state) and certificates, newest first.
    func achievementList(_ s: LedgerState, _ key: UserKey, _ user: UserState) -> [Achievement] {
        var list: [Achievement] = user.awards.values.compactMap { catalog.earned($0).map(Achievement.award) }
        list += (s.certificatesByUser[key] ?? []).compactMap { s.certificates[BytewiseKey($0)].map(Achievement.certificate) }
        return list.sorted { $0.sortKey > $1.sortKey }
    }

    /// Marks achievements seen (all of them with `all`); returns how many changed.
    public func markSeen(org: String, user: String, badgeIDs: [String], certificateIDs: [String], all: Bool) async throws -> Int {
        let key = UserKey(org: org, user: user)
        return try await commit(.user(key)) { s in
            try self.requireBadges(s, org)
            var writes: [LedgerWrite] = []
            // A user with nothing stored has nothing to mark, and gets no state from asking.
            if var state = s.users[key] {
                // Named badges are found in the catalog first, byte for byte; unknown ones are skipped.
                let named = all ? Array(state.awards.keys) : badgeIDs.compactMap { self.catalog.badge($0)?.id }
                for badgeID in named {
                    guard var award = state.awards[badgeID], !award.seen else { continue }
                    award.seen = true
                    state.awards[badgeID] = award
                    writes.append(.awardSeen(org: org, user: user, badgeID: badgeID))
                }
                if !writes.isEmpty { s.users[key] = state }
            }
            for id in all ? (s.certificatesByUser[key] ?? []) : certificateIDs {
                guard var certificate = s.certificates[BytewiseKey(id)], certificate.belongs(to: key), !certificate.seen else { continue }
                certificate.seen = true
                s.certificates[BytewiseKey(id)] = certificate
                writes.append(.certificateSeen(id: id))
            }
            return (writes.count, writes)
        }
    }
}

extension BadgeLedger {
    /// Users' current states in one organization, for tests that compare them with a
    /// recomputation from the event log.
    func currentStates(org: String, users: [String]) async throws -> [UserState] {
        try await read(.organization(org)) { s in users.map { self.currentState(s, UserKey(org: org, user: $0)) } }
    }
}
