import BadgeAPI
import Badges
import BadgeStore
import RPCCore

/// ProgressService: what users see of their achievements.
struct ProgressServiceProvider: ProgressServiceHandler {
    let ledger: BadgeLedger
    let auth: Authorizer

    func getAchievements(_ request: GetAchievementsRequest, context: ServerContext) async throws -> GetAchievementsResponse {
        try auth.require(organization: request.organizationID, in: context)
        if request.userID.isEmpty { throw RPCError(code: .invalidArgument, message: "user_id is required") }
        do {
            let (page, recent) = try await ledger.achievementsPage(
                org: request.organizationID, user: request.userID, recentLimit: request.recentLimit == 0 ? 5 : Int(request.recentLimit))
            var response = GetAchievementsResponse()
            response.lifetimeBadgeCount = Int32(page.lifetimeBadgeCount)
            response.lifetimeStats = page.lifetimeStats.map { stat in
                var m = MetricCount()
                m.metric = stat.key.metric.rawValue
                m.count = stat.value
                return m
            }
            response.recent = recent.map { Convert.achievement($0, user: request.userID) }
            response.paths = page.tracks.map { track in
                var p = PathProgress()
                p.path = track.track.path
                p.role = track.track.role
                p.earned = track.earned.map { Convert.award($0, user: request.userID) }
                p.next = track.next.map(Convert.progress)
                return p
            }
            return response
        } catch {
            throw Convert.error(error)
        }
    }

    func getRecent(_ request: GetRecentRequest, context: ServerContext) async throws -> GetRecentResponse {
        try auth.require(organization: request.organizationID, in: context)
        if request.userID.isEmpty { throw RPCError(code: .invalidArgument, message: "user_id is required") }
        do {
            let all = try await ledger.achievements(org: request.organizationID, user: request.userID, unseenOnly: request.unseenOnly)
            let unseen = request.unseenOnly ? all.count : all.filter { !$0.seen }.count
            var response = GetRecentResponse()
            response.achievements = all.prefix(request.limit == 0 ? 10 : Int(request.limit)).map { Convert.achievement($0, user: request.userID) }
            response.unseenCount = Int32(unseen)
            return response
        } catch {
            throw Convert.error(error)
        }
    }

    func markSeen(_ request: MarkSeenRequest, context: ServerContext) async throws -> MarkSeenResponse {
        try auth.require(organization: request.organizationID, in: context)
        if request.userID.isEmpty { throw RPCError(code: .invalidArgument, message: "user_id is required") }
        do {
            var response = MarkSeenResponse()
            response.marked = Int32(try await ledger.markSeen(
                org: request.organizationID, user: request.userID, badgeIDs: request.badgeIDs,
                certificateIDs: request.certificateIDs, all: request.all))
            return response
        } catch {
            throw Convert.error(error)
        }
    }

    func getDigestSubscription(_ request: GetDigestSubscriptionRequest, context: ServerContext) async throws -> BadgeAPI.DigestSubscription {
        try auth.require(organization: request.organizationID, in: context)
        if request.userID.isEmpty { throw RPCError(code: .invalidArgument, message: "user_id is required") }
        guard let record = try await ledger.digestSubscription(org: request.organizationID, user: request.userID) else {
            return BadgeAPI.DigestSubscription()  // not subscribed: everything off
        }
        return Convert.subscription(record.subscription)
    }

    func updateDigestSubscription(_ request: UpdateDigestSubscriptionRequest, context: ServerContext) async throws -> BadgeAPI.DigestSubscription {
        try auth.require(organization: request.organizationID, in: context)
        if request.userID.isEmpty { throw RPCError(code: .invalidArgument, message: "user_id is required") }
        guard let wire = request.subscription else { throw RPCError(code: .invalidArgument, message: "subscription is required") }
        let frequency: Badges.DigestFrequency?
        switch wire.frequency {
        case .daily: frequency = .daily
        case .weekly: frequency = .weekly
        default: frequency = nil
        }
        let weekday: Int?
        switch wire.weekday {
        case .unspecified: weekday = nil
        case .unrecognized(let n): throw RPCError(code: .invalidArgument, message: "subscription.weekday \(n) is not a weekday")
        default: weekday = Int(wire.weekday.rawValue)
        }
        let subscription: Badges.DigestSubscription
        do {
            subscription = try Badges.DigestSubscription.validated(
                enabled: wire.enabled, frequency: frequency, weekday: weekday, localTime: wire.localTime, timeZone: wire.timeZone, email: wire.email)
        } catch {
            throw RPCError(code: .invalidArgument, message: "\(error)")
        }
        do {
            let record = try await ledger.updateDigestSubscription(org: request.organizationID, user: request.userID, subscription)
            return Convert.subscription(record.subscription)
        } catch {
            throw Convert.error(error)
        }
    }
}

/// ReportService: the catalog with counts, and one badge's report.
struct ReportServiceProvider: ReportServiceHandler {
    let ledger: BadgeLedger
    let auth: Authorizer

    func listBadges(_ request: ListBadgesRequest, context: ServerContext) async throws -> ListBadgesResponse {
        try auth.require(organization: request.organizationID, in: context)
        do {
            let summaries = try await ledger.listBadges(org: request.organizationID, program: request.programID.isEmpty ? nil : request.programID)
            var response = ListBadgesResponse()
            response.catalogVersion = Int32(ledger.catalog.version)
            response.badges = summaries.map { s in
                var w = BadgeSummary()
                // Admins see the whole catalog, hidden badges included.
                w.badge = Convert.badge(BadgeView(s.badge, earned: true))
                w.eligibleUsers = Int32(s.eligible)
                w.earnedUsers = Int32(s.earned)
                w.inProgressUsers = Int32(s.inProgress)
                return w
            }
            return response
        } catch {
            throw Convert.error(error)
        }
    }

    func getBadgeReport(_ request: GetBadgeReportRequest, context: ServerContext) async throws -> GetBadgeReportResponse {
        try auth.require(organization: request.organizationID, in: context)
        if request.badgeID.isEmpty { throw RPCError(code: .invalidArgument, message: "badge_id is required") }
        do {
            let filter: ReportFilter
            switch request.status {
            case .earned: filter = .earned
            case .inProgress: filter = .inProgress
            case .eligible: filter = .eligible
            case .unspecified: filter = .all
            case .unrecognized(let n): throw RPCError(code: .invalidArgument, message: "status \(n) is not a report status")
            }
            let page = try await ledger.badgeReport(org: request.organizationID, badgeID: request.badgeID,
                                                    program: request.programID.isEmpty ? nil : request.programID, filter: filter,
                                                    from: try ReportPaging.cursor(request.pageToken), limit: Paging.size(request.pageSize))
            var response = GetBadgeReportResponse()
            response.rows = page.rows.map { row in
                var w = BadgeAPI.BadgeReportRow()
                w.userID = row.userID
                w.displayName = row.displayName
                w.current = row.current
                w.threshold = row.threshold
                switch row.status {
                case .earned(let at):
                    w.status = .earned
                    w.awardedAt = Convert.timestamp(at)
                case .inProgress: w.status = .inProgress
                case .eligible: w.status = .eligible
                }
                return w
            }
            response.nextPageToken = page.next.map(ReportPaging.token) ?? ""
            return response
        } catch {
            throw Convert.error(error)
        }
    }
}

/// Health/Check: SERVING for the server and each of its services, NOT_SERVING while the
/// store cannot commit (a full disk, PostgreSQL out of reach), so that a load balancer sends
/// writes elsewhere until it can.
struct HealthProvider: HealthHandler {
    let ledger: BadgeLedger
    static let services: Set<String> = [AwardServicePaths.service, ProgressServicePaths.service, ReportServicePaths.service]

    func check(_ request: HealthCheckRequest, context: ServerContext) async throws -> HealthCheckResponse {
        guard request.service.isEmpty || Self.services.contains(request.service) else {
            throw RPCError(code: .notFound, message: "unknown service '\(request.service)'")
        }
        var response = HealthCheckResponse()
        response.status = ledger.commitFailure == nil ? .serving : .notServing
        return response
    }
}
