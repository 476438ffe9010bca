import BadgeAPI
import BadgeServer
import Badges
import BadgeStore
import Foundation
import RPCCore
import Wire

/// libFuzzer entry point for whole requests: the first byte picks a route of the badges
/// service and the caller's credentials, the rest is the request message. Each input runs as
/// the server would run it (the admission check at the headers, then decoding, limits,
/// authorization, conversion, the ledger and its evaluation, the response's encoding) against
/// one long-lived ledger on an in-memory SQLite store.
///
/// Any input may be refused, but none may crash, hang or grow memory without bound, and every
/// refusal must be a status with a message: INTERNAL only for an undecodable message or with
/// the service's own "internal error" wording, never a leaked internal.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequests(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    RequestHarness.shared.run(selector: data[0], request: Array(UnsafeBufferPointer(start: data + 1, count: size - 1)))
    return 0
}

/// With FUZZ_WRITE_SEEDS=DIR, writes a valid request for every route to DIR and exits.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    guard let directory = ProcessInfo.processInfo.environment["FUZZ_WRITE_SEEDS"] else { return 0 }
    for (selector, request) in RequestHarness.seeds() {
        let url = URL(fileURLWithPath: directory).appendingPathComponent("seed-\(selector)")
        try! Data([selector] + request).write(to: url)
    }
    exit(0)
}

final class RequestHarness: @unchecked Sendable {
    static let shared = RequestHarness()
    static let organization = "a"
    static let key = [UInt8](repeating: 7, count: 32)

    let routes: [UnaryRoute]
    /// Credentials a call may carry: an admin token, an events:write token, none.
    let credentials: [Metadata]

    private init() {
        let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        let catalog = try! CatalogLoader.load(path: here.appendingPathComponent("../../Sources/Badges/Catalog/catalog.json").path)
        // A file of its own: the store's readers and checkpointer open it too.
        let store = FileManager.default.temporaryDirectory.appendingPathComponent("request-fuzz-\(getpid()).sqlite").path
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: store + suffix) }
        let ledger = try! BadgeLedger(path: store, catalog: catalog, clock: ManualClock())
        let authority = TokenAuthority(key: Self.key)
        routes = BadgeService.routes(ledger: ledger, authority: authority) { 1_767_225_600 }
        let expires: Int64 = 1_767_225_600 + 3600
        credentials = [[Scope.admin], [Scope.eventsWrite], []].map { scopes in
            var metadata = Metadata()
            if !scopes.isEmpty {
                metadata.add("authorization", "Bearer " + authority.mint(organizationID: Self.organization, scopes: scopes, expiresAt: expires))
            }
            return metadata
        }
        // Badges on for the organization, so that evaluation runs and awards are made.
        var enable = ConfigureOrganizationRequest()
        enable.organizationID = Self.organization
        enable.tier = .enterprise
        enable.badgesEnabled = true
        _ = call(route(AwardServicePaths.configureOrganization), enable.serializedBytes(), credentials[0])
    }

    private func route(_ path: String) -> UnaryRoute { routes.first { $0.path == path }! }

    func run(selector: UInt8, request: [UInt8]) {
        let route = routes[Int(selector) % routes.count]
        let metadata = credentials[Int(selector) / routes.count % credentials.count]
        // Refused at the headers, as the transport refuses it: the handler never runs.
        var admitted: (any AnyObject & Sendable)?
        if let admit = route.admit {
            switch admit(metadata) {
            case .success(let token): admitted = token
            case .failure(let refusal):
                precondition(!refusal.message.isEmpty, "a refusal without a message")
                return
            }
        }
        switch call(route, request, metadata, admitted: admitted) {
        case .success(let response):
            precondition(response.count >= UnaryRoute.responseHeadroom, "a response without its headroom")
        case .failure(let error):
            guard let status = error as? RPCError else { preconditionFailure("\(route.path) failed with \(type(of: error)): \(error)") }
            precondition(!status.message.isEmpty, "\(route.path): \(status.code) without a message")
            if status.code == .internal {
                precondition(status.message.hasPrefix("could not decode") || status.message.hasPrefix("internal error"),
                             "\(route.path): INTERNAL that leaks: \(status.message)")
            }
        }
    }

    /// Runs the route's handler as the server does and waits for its answer.
    private func call(_ route: UnaryRoute, _ request: [UInt8], _ metadata: Metadata,
                      admitted: (any AnyObject & Sendable)? = nil) -> Result<[UInt8], any Error> {
        let done = DispatchSemaphore(value: 0)
        let result = ResultBox()
        var context = ServerContext(path: route.path, metadata: metadata)
        context.admitted = admitted
        Task.detached { [context] in
            do {
                result.value = .success(try await route.handle(request, context))
            } catch {
                result.value = .failure(error)
            }
            done.signal()
        }
        done.wait()
        return result.value!
    }

    /// A valid request for every route, each under the selector that gives it admin credentials.
    static func seeds() -> [(UInt8, [UInt8])] {
        var event = BadgeAPI.ActivityEvent()
        event.organizationID = organization
        event.eventID = "e1"
        event.userID = "u1"
        var occurred = Timestamp()
        occurred.seconds = 1_767_225_000
        event.occurredAt = occurred
        var scheduled = SessionScheduled()
        scheduled.sessionID = "s1"
        scheduled.role = "mentor"
        scheduled.programID = "p1"
        var end = Timestamp()
        end.seconds = 1_767_229_000
        scheduled.scheduledEnd = end
        event.payload = .sessionScheduled(scheduled)
        var record = RecordActivityRequest()
        record.event = event
        var batch = RecordActivitiesRequest()
        var completed = event
        completed.eventID = "e2"
        var completion = SessionCompleted()
        completion.sessionID = "s1"
        completed.payload = .sessionCompleted(completion)
        batch.events = [event, completed]
        var register = RegisterParticipantRequest()
        (register.organizationID, register.userID, register.programID, register.role, register.displayName) = (organization, "u1", "p1", "mentor", "Ana")
        var configure = ConfigureOrganizationRequest()
        (configure.organizationID, configure.tier, configure.badgesEnabled) = (organization, .professional, true)
        var certificate = IssueCertificateRequest()
        (certificate.organizationID, certificate.userID, certificate.title, certificate.text, certificate.issuer) = (organization, "u1", "Hero", "Q3", "Dana")
        var list = ListAwardsRequest()
        (list.organizationID, list.userID, list.pageSize) = (organization, "u1", 10)
        var share = CreateShareLinkRequest()
        (share.organizationID, share.userID, share.badgeID) = (organization, "u1", "mentoring-mentor-1")
        var revoke = RevokeShareLinkRequest()
        (revoke.organizationID, revoke.userID, revoke.token) = (organization, "u1", "t")
        var resolve = ResolveShareLinkRequest()
        resolve.token = "t"
        var achievements = GetAchievementsRequest()
        (achievements.organizationID, achievements.userID) = (organization, "u1")
        var recent = GetRecentRequest()
        (recent.organizationID, recent.userID, recent.unseenOnly) = (organization, "u1", true)
        var seen = MarkSeenRequest()
        (seen.organizationID, seen.userID, seen.badgeIDs) = (organization, "u1", ["mentoring-mentor-1"])
        var getDigest = GetDigestSubscriptionRequest()
        (getDigest.organizationID, getDigest.userID) = (organization, "u1")
        var subscription = BadgeAPI.DigestSubscription()
        (subscription.enabled, subscription.frequency, subscription.weekday, subscription.localTime, subscription.timeZone, subscription.email) =
            (true, .weekly, .friday, "17:30", "Europe/Berlin", "ana@example.com")
        var updateDigest = UpdateDigestSubscriptionRequest()
        (updateDigest.organizationID, updateDigest.userID, updateDigest.subscription) = (organization, "u1", subscription)
        var badges = ListBadgesRequest()
        badges.organizationID = organization
        var report = GetBadgeReportRequest()
        (report.organizationID, report.badgeID, report.pageSize) = (organization, "mentoring-mentor-1", 5)
        var delete = DeleteUserRequest()
        (delete.organizationID, delete.userID) = (organization, "u2")
        var export = ExportUserRequest()
        (export.organizationID, export.userID) = (organization, "u1")
        let requests: [String: [UInt8]] = [
            AwardServicePaths.recordActivity: record.serializedBytes(),
            AwardServicePaths.deleteUser: delete.serializedBytes(),
            AwardServicePaths.exportUser: export.serializedBytes(),
            AwardServicePaths.recordActivities: batch.serializedBytes(),
            AwardServicePaths.registerParticipant: register.serializedBytes(),
            AwardServicePaths.configureOrganization: configure.serializedBytes(),
            AwardServicePaths.issueCertificate: certificate.serializedBytes(),
            AwardServicePaths.listAwards: list.serializedBytes(),
            AwardServicePaths.createShareLink: share.serializedBytes(),
            AwardServicePaths.revokeShareLink: revoke.serializedBytes(),
            AwardServicePaths.resolveShareLink: resolve.serializedBytes(),
            ProgressServicePaths.getAchievements: achievements.serializedBytes(),
            ProgressServicePaths.getRecent: recent.serializedBytes(),
            ProgressServicePaths.markSeen: seen.serializedBytes(),
            ProgressServicePaths.getDigestSubscription: getDigest.serializedBytes(),
            ProgressServicePaths.updateDigestSubscription: updateDigest.serializedBytes(),
            ReportServicePaths.listBadges: badges.serializedBytes(),
            ReportServicePaths.getBadgeReport: report.serializedBytes(),
            HealthPaths.check: HealthCheckRequest().serializedBytes(),
        ]
        return shared.routes.enumerated().map { index, route in
            guard let request = requests[route.path] else { preconditionFailure("no seed for \(route.path)") }
            return (UInt8(index), request)
        }
    }
}

private final class ResultBox: @unchecked Sendable {
    var value: Result<[UInt8], any Error>?
}
