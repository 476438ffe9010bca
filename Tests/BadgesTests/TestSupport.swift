import Badges
import BadgeStore
import Foundation

/// A ledger on a fresh SQLite file in a temporary folder, with a clock the test moves.
final class LedgerFixture {
    let directory: URL
    let clock = ManualClock()
    var catalog: Catalog
    private(set) var ledger: BadgeLedger
    private var eventNumber = 0

    init(catalog: Catalog? = nil) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.catalog = try catalog ?? CatalogLoader.bundled()
        ledger = try BadgeLedger(path: directory.appendingPathComponent("badges.sqlite").path, catalog: self.catalog, clock: clock)
    }

    deinit {
        ledger.close()
        try? FileManager.default.removeItem(at: directory)
    }

    var path: String { directory.appendingPathComponent("badges.sqlite").path }

    /// Closes and opens the store again, as a restart would (optionally with another catalog).
    func reopen(catalog: Catalog? = nil) throws {
        ledger.close()
        if let catalog { self.catalog = catalog }
        ledger = try BadgeLedger(path: path, catalog: self.catalog, clock: clock)
    }

    func enable(_ org: String = "acme", tier: Tier = .enterprise) async throws {
        _ = try await ledger.configureOrganization(id: org, tier: tier, badgesEnabled: true)
    }

    @discardableResult
    func record(_ kind: ActivityEvent.Kind, user: String = "ana", org: String = "acme", id: String? = nil) async throws -> RecordOutcome {
        eventNumber += 1
        let event = ActivityEvent(organizationID: org, eventID: id ?? "evt-\(eventNumber)", userID: user, occurredAt: clock.now(), kind: kind)
        return try await ledger.record(event)
    }

    /// A session booked and completed as `role`.
    func completeSession(_ id: String, role: String = "mentor", user: String = "ana") async throws -> RecordOutcome {
        try await record(.sessionScheduled(sessionID: id, role: role, programID: "p1", scheduledEnd: clock.now().adding(seconds: 3600)), user: user)
        return try await record(.sessionCompleted(sessionID: id), user: user)
    }

    func awardIDs(_ user: String = "ana", org: String = "acme") async throws -> Set<String> {
        Set(try await ledger.achievements(org: org, user: user).compactMap { if case .award(let a) = $0 { return a.badge.id } else { return nil } })
    }
}

extension Catalog {
    /// The bundled catalog as JSON data with changes, for catalog-version tests.
    static func bundledJSON(version: Int, extraBadges: [[String: Any]] = []) throws -> Data {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/Badges/Catalog/catalog.json")
        var object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        object["version"] = version
        object["badges"] = (object["badges"] as! [[String: Any]]) + extraBadges
        return try JSONSerialization.data(withJSONObject: object)
    }
}
