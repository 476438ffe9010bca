import BadgeAPI
import Badges
import BadgeStore
import RPCCore

/// The badges service's routes: the three services and Health, over one ledger and one key.
public enum BadgeService {
    public static func routes(ledger: BadgeLedger, authority: TokenAuthority, now: @escaping @Sendable () -> Int64) -> [UnaryRoute] {
        let auth = Authorizer(authority: authority, now: now)
        let award = AwardServiceProvider(ledger: ledger, auth: auth)
        let awardRoutes = award.routes.map { $0.path == AwardServicePaths.recordActivity ? award.recordActivityRoute : $0 }
        return awardRoutes
            + ProgressServiceProvider(ledger: ledger, auth: auth).routes
            + ReportServiceProvider(ledger: ledger, auth: auth).routes
            + HealthProvider().routes
    }
}
