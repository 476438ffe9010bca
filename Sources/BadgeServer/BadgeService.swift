import BadgeAPI
import Badges
import BadgeStore
import RPCCore

/// The badges service's routes: the three services and Health, over one ledger and one key.
public enum BadgeService {
    /// Every route checks its caller's token and scope (`AccessPolicy`) when the call's
    /// headers arrive, before its body is read.
    public static func routes(ledger: BadgeLedger, authority: TokenAuthority, now: @escaping @Sendable () -> Int64) -> [UnaryRoute] {
        let auth = Authorizer(authority: authority, now: now)
        let award = AwardServiceProvider(ledger: ledger, auth: auth)
        let awardRoutes = award.routes.map { $0.path == AwardServicePaths.recordActivity ? award.recordActivityRoute : $0 }
        let routes = awardRoutes
            + ProgressServiceProvider(ledger: ledger, auth: auth).routes
            + ReportServiceProvider(ledger: ledger, auth: auth).routes
            + HealthProvider(ledger: ledger).routes
        return routes.map { route in
            switch AccessPolicy.access(route.path) {
            case .open: return route
            case .scope(let scope): return route.admitting { auth.admit($0, scope: scope) }
            }
        }
    }
}
