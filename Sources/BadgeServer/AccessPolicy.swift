import BadgeAPI

/// What a caller needs for an RPC: nothing (public), or a token with a scope.
enum Access: Sendable, Equatable {
    case open
    case scope(Scope)
}

/// Who may call each RPC, in one table: the transport checks the token and scope against it
/// when a call's headers arrive (before its body is read), and each handler checks the
/// organization its request names against the same rule.
enum AccessPolicy {
    static let rules: [String: Access] = [
        AwardServicePaths.recordActivity: .scope(.eventsWrite),
        AwardServicePaths.recordActivities: .scope(.eventsWrite),
        AwardServicePaths.registerParticipant: .scope(.admin),
        AwardServicePaths.configureOrganization: .scope(.admin),
        AwardServicePaths.issueCertificate: .scope(.admin),
        AwardServicePaths.listAwards: .scope(.progressRead),
        AwardServicePaths.createShareLink: .scope(.progressWrite),
        AwardServicePaths.revokeShareLink: .scope(.progressWrite),
        AwardServicePaths.resolveShareLink: .open,
        AwardServicePaths.deleteUser: .scope(.admin),
        AwardServicePaths.exportUser: .scope(.admin),
        ProgressServicePaths.getAchievements: .scope(.progressRead),
        ProgressServicePaths.getRecent: .scope(.progressRead),
        ProgressServicePaths.markSeen: .scope(.progressWrite),
        ProgressServicePaths.getDigestSubscription: .scope(.progressRead),
        ProgressServicePaths.updateDigestSubscription: .scope(.progressWrite),
        ReportServicePaths.listBadges: .scope(.reportsRead),
        ReportServicePaths.getBadgeReport: .scope(.reportsRead),
        HealthPaths.check: .open,
    ]

    /// The rule for `path`; a route without one is a programming mistake caught at start.
    static func access(_ path: String) -> Access {
        guard let access = rules[path] else { preconditionFailure("no access rule for \(path); add one to AccessPolicy") }
        return access
    }
}
