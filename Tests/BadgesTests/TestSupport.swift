import Badges
@testable import BadgeStore
import Foundation
import Testing

/// The stores the domain's tests run against, each test once per store.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres

    var testDescription: String { rawValue }

    /// The PostgreSQL server the tests use (`scripts/test` starts one and sets this).
    static var postgresURL: String {
        get throws {
            guard let url = ProcessInfo.processInfo.environment["BADGES_TEST_POSTGRES"], !url.isEmpty else {
                throw LedgerError.unavailable("BADGES_TEST_POSTGRES is not set: run scripts/test, or start one with scripts/postgres start and export its URL")
            }
            return url
        }
    }

    /// A new, empty store: a SQLite file in `directory`, or a new PostgreSQL database.
    func freshLocation(in directory: URL) throws -> String {
        switch self {
        case .sqlite: return directory.appendingPathComponent("badges.sqlite").path
        case .postgres: return try PostgresTestDatabase.create()
        }
    }

    func remove(_ location: String) {
        if self == .postgres { PostgresTestDatabase.drop(location) }
    }

    /// The event log as stored at `location`, in order.
    func storedEvents(at location: String) throws -> [(event: ActivityEvent, recordedAt: Instant)] {
        switch self {
        case .sqlite: return try SQLiteLoader.storedEvents(SQLiteDatabase(path: location))
        case .postgres: return try PostgresLoader.events(PostgresConnection(url: location))
        }
    }

    /// Awards stored, and distinct (organization, user, badge) among them.
    func awardCounts(at location: String) throws -> (total: Int, distinct: Int) {
        let table = self == .sqlite ? "user_awards" : "awards"
        let sql = "SELECT count(*), count(DISTINCT org_id || '/' || user_id || '/' || badge_id) FROM \(table)"
        switch self {
        case .sqlite:
            var counts = (0, 0)
            try SQLiteDatabase(path: location).prepare(sql).query { counts = (Int($0.int(0)), Int($0.int(1))) }
            return counts
        case .postgres:
            let rows = try PostgresConnection(url: location).query(sql)
            return (Int(rows.int(0, 0)), Int(rows.int(0, 1)))
        }
    }
}

/// A ledger on a fresh store (a SQLite file in a temporary folder, or a new PostgreSQL
/// database), with a clock the test moves.
final class LedgerFixture {
    let store: StoreKind
    let directory: URL
    let clock = ManualClock()
    var catalog: Catalog
    private(set) var ledger: BadgeLedger
    /// The SQLite file, or the PostgreSQL database's URL.
    let location: String
    private var eventNumber = 0

    let options: LedgerOptions

    init(store: StoreKind, catalog: Catalog? = nil, options: LedgerOptions = LedgerOptions()) throws {
        self.store = store
        self.options = options
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.catalog = try catalog ?? CatalogLoader.bundled()
        location = try store.freshLocation(in: directory)
        ledger = try BadgeLedger(location: location, catalog: self.catalog, clock: clock, options: options)
    }

    deinit {
        ledger.close()
        try? FileManager.default.removeItem(at: directory)
        store.remove(location)
    }

    /// Closes and opens the store again, as a restart would (optionally with another catalog).
    func reopen(catalog: Catalog? = nil) throws {
        ledger.close()
        if let catalog { self.catalog = catalog }
        ledger = try BadgeLedger(location: location, catalog: self.catalog, clock: clock, options: options)
    }

    /// The event log as stored, in order.
    func storedEvents() throws -> [(event: ActivityEvent, recordedAt: Instant)] {
        try store.storedEvents(at: location)
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

/// A database of its own for each test on the shared test server.
enum PostgresTestDatabase {
    static func create() throws -> String {
        let server = try StoreKind.postgresURL
        let name = "badges_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try PostgresConnection(url: server).execute("CREATE DATABASE \(name)")
        return database(name, on: server)
    }

    static func drop(_ url: String) {
        guard let server = try? StoreKind.postgresURL, let name = url.split(separator: "/").last else { return }
        try? PostgresConnection(url: server).execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }

    /// `server` with its database name replaced.
    static func database(_ name: String, on server: String) -> String {
        var base = server
        if let slash = base.range(of: "/", options: .backwards), base[..<slash.lowerBound].hasSuffix("/") == false { base = String(base[..<slash.lowerBound]) }
        return base + "/" + name
    }
}
