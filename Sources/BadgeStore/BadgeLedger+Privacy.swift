import Badges

/// Everything stored about one user, for ExportUser.
public struct UserExport: Sendable {
    public var organizationID: String
    public var userID: String
    public var registrations: [Participant]
    /// Counters, sessions, features and awards; nil when nothing was recorded.
    public var state: UserState?
    public var certificates: [Certificate]
    public var shareLinks: [ShareLink]
    public var digest: DigestRecord?
    public var outbox: [OutboxEntry]
    public var events: [(event: ActivityEvent, recordedAt: Instant)]

    public var isEmpty: Bool {
        registrations.isEmpty && state == nil && certificates.isEmpty && shareLinks.isEmpty && digest == nil && outbox.isEmpty && events.isEmpty
    }
}

extension BadgeLedger {
    /// Erases everything that identifies a user: registrations (with display names), events,
    /// state, awards, certificates, share links, digest subscription and outbox. Their event
    /// ids stay duplicates, kept as keyed hashes; report counts drop what the user added.
    /// Returns whether anything was stored.
    public func deleteUser(org: String, user: String) async throws -> Bool {
        try Self.requireIDs(org: org, user: user)
        let key = UserKey(org: org, user: user)
        return try await commit(.user(key)) { s in
            let registrations = s.registrations(of: key)
            let found = s.users[key] != nil || !registrations.isEmpty || s.certificatesByUser[key] != nil || s.digests[key] != nil
            s.users[key] = nil
            s.participants[BytewiseKey(org)]?[BytewiseKey(user)] = nil
            return (found, ReportCounts.roleDeltas(org: org, before: registrations, after: []) + [.eraseUser(org: org, user: user)])
        }
    }

    /// Everything stored about a user, read in one snapshot.
    public func exportUser(org: String, user: String) async throws -> UserExport {
        try Self.requireIDs(org: org, user: user)
        let key = UserKey(org: org, user: user)
        return try await store.reports { r in
            let s = try r.user(key)
            let certificates = (s.certificatesByUser[key] ?? []).compactMap { s.certificates[BytewiseKey($0)] }
            // PostgreSQL keeps an empty row for a user whose only events were duplicates (to lock it): nothing stored.
            let state = s.users[key].flatMap { $0 == UserState() ? nil : $0 }
            return UserExport(organizationID: org, userID: user, registrations: s.registrations(of: key), state: state,
                              certificates: certificates, shareLinks: try r.shareLinks(of: key), digest: s.digests[key],
                              outbox: try r.outbox(of: key), events: try r.events(of: key))
        }
    }

    private static func requireIDs(org: String, user: String) throws {
        if org.isEmpty { throw LedgerError.invalidArgument("organization_id is required") }
        if user.isEmpty { throw LedgerError.invalidArgument("user_id is required") }
    }
}
