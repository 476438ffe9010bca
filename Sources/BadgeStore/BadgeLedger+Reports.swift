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

/// One page of a badge report, and where the next one starts (nil after the last).
public struct BadgeReportPage: Sendable, Hashable {
    public var rows: [BadgeReportRow]
    public var next: BadgeReportCursor?
}

extension BadgeReportPage {
    func ended() -> BadgeReportPage { BadgeReportPage(rows: rows, next: nil) }
}

/// Where a badge report continues: earners first, in user-id order, then the other eligible
/// users in user-id order; each part continues after the last user it gave.
public enum BadgeReportCursor: Sendable, Hashable {
    case earners(after: String)
    case others(after: String)

    public static let start = BadgeReportCursor.earners(after: "")
}

/// Which rows a report asks for.
public enum ReportFilter: Sendable, Hashable {
    case all, earned, inProgress, eligible
}

/// Reports read kept counts and page through indexes: their cost follows what they return,
/// not how many users the server holds.
///
/// A badge's eligible users are those registered in its role (any role for a badge without
/// one), in the program when one is given. Earned and in-progress counts cover every user
/// who earned the badge or has progress towards it; restricted to a program, the program's
/// registered users.
extension BadgeLedger {
    public func listBadges(org: String, program: String? = nil) async throws -> [BadgeSummary] {
        let catalog = self.catalog
        return try await store.reports { r in
            let organization = try r.organization(org)
            try self.requireBadges(organization)
            if let program {
                return try self.programSummaries(r, organization, program: program)
            }
            let counts = try r.badgeCounts(org: org)
            return try catalog.badges.map { badge in
                let count = counts[badge.id] ?? (0, 0)
                return BadgeSummary(badge: badge, eligible: try r.registeredCount(org: org, program: "", role: badge.criterion.role ?? ""),
                                    earned: count.earned, inProgress: count.inProgress)
            }
        }
    }

    /// Counts among one program's registered users: read through them once, a page at a time.
    private func programSummaries(_ r: any ReportReads, _ organization: Organization, program: String) throws -> [BadgeSummary] {
        let org = organization.id
        var summaries = catalog.badges.map { BadgeSummary(badge: $0, eligible: 0, earned: 0, inProgress: 0) }
        var after = ""
        while true {
            let users = try r.registered(org: org, program: program, role: "", after: after, limit: 500)
            guard let last = users.last else { return summaries }
            after = last
            let keys = users.map { UserKey(org: org, user: $0) }
            let states = try r.states(keys)
            for key in keys {
                let roles = Set(try r.registrations(key).filter { $0.programID.bytewiseEquals(program) }.map { BytewiseKey($0.role) })
                let state = currentState(states[key] ?? UserState(), organization)
                for (index, badge) in catalog.badges.enumerated() {
                    if let role = badge.criterion.role, !roles.contains(BytewiseKey(role)) { continue }
                    summaries[index].eligible += 1
                    switch ReportCounts.standing(state, badge) {
                    case .earned: summaries[index].earned += 1
                    case .inProgress: summaries[index].inProgress += 1
                    case .none: break
                    }
                }
            }
        }
    }

    /// One page of a badge's report: who earned it (when), then the other eligible users with
    /// how far they are.
    public func badgeReport(org: String, badgeID: String, program: String? = nil, filter: ReportFilter = .all,
                            from cursor: BadgeReportCursor = .start, limit: Int = 1000) async throws -> BadgeReportPage {
        guard let badge = catalog.badge(badgeID) else { throw LedgerError.notFound("no badge '\(badgeID)' in the catalog") }
        return try await store.reports { r in
            let organization = try r.organization(org)
            try self.requireBadges(organization)
            var page = BadgeReportPage(rows: [], next: nil)
            var cursor = cursor
            if case .earners = cursor, filter == .inProgress || filter == .eligible { cursor = .others(after: "") }
            while page.rows.count < limit {
                let want = limit - page.rows.count
                switch cursor {
                case .earners(let after):
                    let users = try r.earners(org: org, badgeID: badge.id, after: after, limit: want)
                    let keys = users.map { UserKey(org: org, user: $0) }
                    let states = try r.states(keys)
                    for key in keys {
                        let registrations = try r.registrations(key)
                        if let program, !registrations.contains(where: { $0.programID.bytewiseEquals(program) }) { continue }
                        guard let award = states[key]?.awards[badge.id] else { continue }
                        page.rows.append(self.row(key, badge, states[key]!, registrations, status: .earned(award.awardedAt), organization))
                    }
                    if users.count < want {
                        if filter == .earned { return page.ended() }
                        cursor = .others(after: "")
                    } else {
                        cursor = .earners(after: users.last!)
                    }
                case .others(let after):
                    let users = try r.registered(org: org, program: program ?? "", role: badge.criterion.role ?? "", after: after, limit: want)
                    let keys = users.map { UserKey(org: org, user: $0) }
                    let states = try r.states(keys)
                    for key in keys {
                        let state = self.currentState(states[key] ?? UserState(), organization)
                        let current = state.count(badge.counterKey)
                        let status: ReportStatus
                        switch ReportCounts.standing(state, badge) {
                        case .earned: continue  // listed with the earners
                        case .inProgress: status = .inProgress(current: current)
                        case .none: status = .eligible
                        }
                        if filter == .inProgress && status == .eligible { continue }
                        if filter == .eligible && status != .eligible { continue }
                        page.rows.append(self.row(key, badge, state, try r.registrations(key), status: status, organization))
                    }
                    if users.count < want { return page.ended() }
                    cursor = .others(after: users.last!)
                }
                page.next = cursor
            }
            return page
        }
    }

    private func row(_ key: UserKey, _ badge: Badge, _ state: UserState, _ registrations: [Participant], status: ReportStatus,
                     _ organization: Organization) -> BadgeReportRow {
        let name = registrations.first { !$0.displayName.isEmpty }?.displayName ?? key.user
        return BadgeReportRow(userID: key.user, displayName: name, status: status, current: state.count(badge.counterKey),
                              threshold: badge.criterion.threshold)
    }
}
