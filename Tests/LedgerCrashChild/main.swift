import Badges
import BadgeStore
import RPCCore

/// The child of the crash test: records events as fast as it can on the given store and
/// prints `ack ID` for each one the ledger acknowledged, until it is killed.
///
///     ledger-crash-child STORE ID-PREFIX     (STORE: a SQLite path or a postgres:// URL)

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    StandardOutput.line("usage: ledger-crash-child STORE ID-PREFIX")
    exit(2)
}
let ledger = try BadgeLedger(location: arguments[1], catalog: try CatalogLoader.bundled())
_ = try await ledger.configureOrganization(id: "acme", tier: .enterprise, badgesEnabled: true)
StandardOutput.line("ready")
let prefix = arguments[2]

await withTaskGroup(of: Void.self) { group in
    for worker in 0..<32 {
        group.addTask {
            var n = 0
            while true {
                n += 1
                let user = "u\((worker * 7 + n) % 40)"
                let kind: ActivityEvent.Kind
                switch n % 4 {
                case 0: kind = .feedbackReceived
                case 1: kind = .sessionScheduled(sessionID: "\(prefix)-\(worker)-\(n)", role: "mentor", programID: "p", scheduledEnd: Instant(milliseconds: 0))
                case 2: kind = .coachingItemSaved
                default: kind = .qaReviewCompleted
                }
                let id = "\(prefix)-\(worker)-\(n)"
                let event = ActivityEvent(organizationID: "acme", eventID: id, userID: user, occurredAt: Instant(milliseconds: 0), kind: kind)
                do {
                    _ = try await ledger.record(event)
                    StandardOutput.line("ack \(id)")
                } catch {
                    StandardOutput.line("error \(error)")
                    exit(1)
                }
            }
        }
    }
}

import Glibc
