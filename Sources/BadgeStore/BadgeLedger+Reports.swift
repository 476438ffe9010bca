import Badges

/// Per badge, for admins: how many users are eligible, have earned it, have it in progress.
public struct BadgeSummary: Sendable, Hashable {
    public var badge: Badge
    public var eligible: Int
    public var earned: Int
    public var inProgress: Int
}

public enum ReportStatus: Sendable, Hashable {
    case earned(Instant)
    case inProgress(current: Int64)
    case eligible
}

public struct BadgeReportRow: Sendable, Hashable {
    public var userID: String
    public var displayName: String
    public var status: ReportStatus
    public var current: Int64
    public var threshold: Int64
}

extension BadgeLedger {
    /// Users a badge's report covers: participants of the organization (in one program when
    /// given) in the badge's role for role-specific badges; and, across programs, anyone who
    /// earned it or has it in progress even if never registered.
    private func eligibleUsers(_ s: LedgerState, org: String, badge: Badge, program: String?) -> [String] {
        var users = Set((s.participants[BytewiseKey(org)] ?? [:]).compactMap { user, registrations in
            registrations.contains {
                (program.map($0.programID.bytewiseEquals) ?? true) && (badge.criterion.role.map($0.role.bytewiseEquals) ?? true)
            } ? user : nil
        })
        if program == nil {
            for (key, state) in s.users where key.org.bytewiseEquals(org) && (state.hasEarned(badge.id) || state.count(badge.counterKey) > 0) {
                users.insert(BytewiseKey(key.user))
            }
        }
        return users.sorted().map(\.string)
    }

    public func listBadges(org: String, program: String? = nil) async throws -> [BadgeSummary] {
        try await read(.organization(org)) { s in
            try self.requireBadges(s, org)
            // Each user's current state once, not once per badge.
            var states: [BytewiseKey: UserState] = [:]
            return self.catalog.badges.map { badge in
                var summary = BadgeSummary(badge: badge, eligible: 0, earned: 0, inProgress: 0)
                for user in self.eligibleUsers(s, org: org, badge: badge, program: program) {
                    summary.eligible += 1
                    let state = states[BytewiseKey(user)] ?? self.currentState(s, UserKey(org: org, user: user))
                    states[BytewiseKey(user)] = state
                    if state.hasEarned(badge.id) {
                        summary.earned += 1
                    } else if state.count(badge.counterKey) > 0 {
                        summary.inProgress += 1
                    }
                }
                return summary
            }
        }
    }

    /// Rows for one badge: who earned it (when), who has it in progress (how far), who is
    /// eligible; ordered by status then user.
    public func badgeReport(org: String, badgeID: String, program: String? = nil) async throws -> [BadgeReportRow] {
        try await read(.organization(org)) { s in
            try self.requireBadges(s, org)
            guard let badge = self.catalog.badge(badgeID) else { throw LedgerError.notFound("no badge '\(badgeID)' in the catalog") }
            let rows = self.eligibleUsers(s, org: org, badge: badge, program: program).map { user -> BadgeReportRow in
                let key = UserKey(org: org, user: user)
                let state = self.currentState(s, key)
                let current = state.count(badge.counterKey)
                let status: ReportStatus
                if let award = state.awards[badge.id] {
                    status = .earned(award.awardedAt)
                } else if current > 0 {
                    status = .inProgress(current: current)
                } else {
                    status = .eligible
                }
                return BadgeReportRow(userID: user, displayName: s.displayName(of: key), status: status,
                                      current: current, threshold: badge.criterion.threshold)
            }
            func rank(_ r: BadgeReportRow) -> Int {
                switch r.status { case .earned: return 0; case .inProgress: return 1; case .eligible: return 2 }
            }
            return rows.sorted { rank($0) != rank($1) ? rank($0) < rank($1) : $0.userID.bytewiseLess(than: $1.userID) }
        }
    }
}
