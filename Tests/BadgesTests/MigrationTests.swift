import Badges
@testable import BadgeStore
import Foundation
import Testing

/// A SQLite store written by an older build opens in this one with nothing lost.
@Suite("Migrations")
struct MigrationTests {
    /// A store as a build at schema `version` left it, with organization acme; `rows` is the
    /// SQL that fills it further.
    private func store(atVersion version: Int, in directory: URL, rows: String) throws -> String {
        let path = directory.appendingPathComponent("badges.sqlite").path
        let db = try SQLiteDatabase(path: path)
        for step in Migrations.steps.prefix(version) { try db.execute(step) }
        try db.execute("PRAGMA user_version = \(version)")
        try db.execute("INSERT INTO organizations VALUES ('acme', 3, 1)")
        try db.execute(rows)
        return path
    }

    /// A store at schema version 2, whose awards were a table keyed by (org, user, badge).
    private func versionTwoStore(in directory: URL) throws -> String {
        try store(atVersion: 2, in: directory, rows: """
            INSERT INTO awards (org_id, user_id, badge_id, awarded_at, event_id, catalog_version, backfilled, seen) VALUES
                ('acme', 'ana', 'personal-profile', 1000, 'e1', 1, 0, 1),
                ('acme', 'ana', 'feedback-1', 2000, 'e2', 1, 0, 0),
                ('acme', 'bo', 'feedback-1', 3000, 'e3', 1, 1, 0)
            """)
    }

    private func scratchDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("migration-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    private func awards(_ ledger: BadgeLedger, _ user: String) async throws -> [String: AwardRecord] {
        var found: [String: AwardRecord] = [:]
        for case .award(let earned) in try await ledger.achievements(org: "acme", user: user) {
            found[earned.badge.id] = earned.award
        }
        return found
    }

    @Test func versionTwoAwardsKeepTheirDatesSourcesAndSeenMarks() async throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try versionTwoStore(in: directory)

        var ledger = try BadgeLedger(location: path, catalog: CatalogLoader.bundled(), clock: ManualClock())
        let ana = try await awards(ledger, "ana")
        #expect(ana["personal-profile"] == AwardRecord(badgeID: "personal-profile", awardedAt: Instant(milliseconds: 1000), eventID: "e1",
                                                       catalogVersion: 1, backfilled: false, seen: true))
        #expect(ana["feedback-1"]?.seen == false)
        #expect(ana["feedback-1"]?.awardedAt == Instant(milliseconds: 2000))
        #expect(try await awards(ledger, "bo")["feedback-1"]?.backfilled == true)

        // A mark made after the migration is stored too, and the old table is gone.
        #expect(try await ledger.markSeen(org: "acme", user: "ana", badgeIDs: ["feedback-1"], certificateIDs: [], all: false) == 1)
        ledger.close()
        ledger = try BadgeLedger(location: path, catalog: CatalogLoader.bundled(), clock: ManualClock())
        defer { ledger.close() }
        #expect(try await awards(ledger, "ana").values.allSatisfy(\.seen))
        #expect(try await awards(ledger, "bo")["feedback-1"]?.seen == false)
        #expect(throws: SQLiteError.self) { try SQLiteDatabase(path: path).prepare("SELECT * FROM awards") }
    }

    @Test func eventsRecordedBeforeVersionFourAreReplayedBeforeTheNewOnes() async throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // Two feedback events (kind 4) by ana, in the one-row-per-event table of versions 1-3.
        let path = try store(atVersion: 3, in: directory, rows: """
            INSERT INTO events (org_id, event_id, user_id, kind, occurred_at, recorded_at) VALUES
                ('acme', 'old-1', 'ana', 4, 1000, 1000), ('acme', 'old-2', 'ana', 4, 2000, 2000)
            """)

        var ledger = try BadgeLedger(location: path, catalog: CatalogLoader.bundled(), clock: ManualClock())
        #expect(try await ledger.record(ActivityEvent(organizationID: "acme", eventID: "old-2", userID: "ana",
                                                      occurredAt: Instant(milliseconds: 2000), kind: .feedbackReceived)).duplicate)
        let new = ActivityEvent(organizationID: "acme", eventID: "new-1", userID: "ana", occurredAt: Instant(milliseconds: 3000), kind: .feedbackReceived)
        #expect(try await ledger.record(new).duplicate == false)
        ledger.close()

        #expect(try LedgerLoader.events(SQLiteDatabase(path: path)).map(\.event.eventID) == ["old-1", "old-2", "new-1"])
        ledger = try BadgeLedger(location: path, catalog: CatalogLoader.bundled(), clock: ManualClock())
        defer { ledger.close() }
        // The counter replayed from both tables: two old events and the new one.
        let (page, _) = try await ledger.achievementsPage(org: "acme", user: "ana")
        #expect(page.lifetimeStats.first { $0.key == CounterKey(metric: .feedbackReceived) }?.value == 3)
        #expect(try await ledger.record(new).duplicate)
    }

    @Test func aDamagedEventBatchStopsTheStartAndIsNamed() async throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("badges.sqlite").path
        let ledger = try BadgeLedger(location: path, catalog: CatalogLoader.bundled(), clock: ManualClock())
        _ = try await ledger.configureOrganization(id: "acme", tier: .enterprise, badgesEnabled: true)
        _ = try await ledger.record(ActivityEvent(organizationID: "acme", eventID: "e1", userID: "ana",
                                                  occurredAt: Instant(milliseconds: 1), kind: .feedbackReceived))
        ledger.close()
        try SQLiteDatabase(path: path).execute("UPDATE event_batches SET events = x'01ff'")
        let error = #expect(throws: SQLiteError.self) {
            try BadgeLedger(location: path, catalog: CatalogLoader.bundled(), clock: ManualClock())
        }
        #expect(error?.message.hasPrefix("event_batches row 1: event batch") == true)
    }

    @Test func aStoreFromANewerBuildIsRefusedByName() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("badges.sqlite").path
        try SQLiteDatabase(path: path).execute("PRAGMA user_version = 99")
        let error = #expect(throws: (any Error).self) {
            try BadgeLedger(location: path, catalog: CatalogLoader.bundled(), clock: ManualClock())
        }
        #expect("\(error.map { "\($0)" } ?? "")".contains("schema version 99, newer than this build knows (\(Migrations.steps.count))"))
    }
}
