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

        #expect(try SQLiteLoader.storedEvents(SQLiteDatabase(path: path)).map(\.event.eventID) == ["old-1", "old-2", "new-1"])
        ledger = try BadgeLedger(location: path, catalog: CatalogLoader.bundled(), clock: ManualClock())
        defer { ledger.close() }
        // The counter replayed from both tables: two old events and the new one.
        let (page, _) = try await ledger.achievementsPage(org: "acme", user: "ana")
        #expect(page.lifetimeStats.first { $0.key == CounterKey(metric: .feedbackReceived) }?.value == 3)
        #expect(try await ledger.record(new).duplicate)
    }

    @Test func aDamagedEventBatchStopsTheMigrationAndIsNamed() async throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try store(atVersion: 4, in: directory, rows: "INSERT INTO event_batches (events) VALUES (x'01ff')")
        let error = #expect(throws: SQLiteError.self) {
            try BadgeLedger(location: path, catalog: CatalogLoader.bundled(), clock: ManualClock())
        }
        #expect(error?.message.hasPrefix("event_batches row 1: event batch") == true)
        // Nothing of the failed migration was kept: the store is still at version 4.
        var version: Int64 = 0
        try SQLiteDatabase(path: path).prepare("PRAGMA user_version").query { version = $0.int(0) }
        #expect(version == 4)
    }

    /// A store at schema 4 as the previous release wrote it (events in batches, awards and
    /// seen marks appended, a session booked and one due): everything answers the same after
    /// the move to per-user rows, counts included, and the old tables are gone.
    @Test func aVersionFourStoreMovesToStateOnDiskWithNothingLost() async throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let ms = { (seconds: Int64) in Instant(milliseconds: seconds * 1000) }
        var batch = EventBatchCodec.Batch()
        let events: [ActivityEvent] = [
            ActivityEvent(organizationID: "acme", eventID: "f1", userID: "ana", occurredAt: ms(10), kind: .feedbackReceived),
            ActivityEvent(organizationID: "acme", eventID: "s1", userID: "ana", occurredAt: ms(20),
                          kind: .sessionScheduled(sessionID: "x", role: "mentor", programID: "p1", scheduledEnd: ms(30))),
            ActivityEvent(organizationID: "acme", eventID: "s2", userID: "bo", occurredAt: ms(40),
                          kind: .sessionScheduled(sessionID: "y", role: "mentor", programID: "p1", scheduledEnd: ms(10_000))),
            ActivityEvent(organizationID: "acme", eventID: "q1", userID: "bo", occurredAt: ms(50), kind: .featureUsed(name: "performance_page")),
        ]
        for e in events { batch.append(e, recordedAt: e.occurredAt) }
        let path = try store(atVersion: 4, in: directory, rows: """
            INSERT INTO participants VALUES ('acme', 'ana', 'p1', 'mentor', 'Ana'), ('acme', 'bo', 'p1', 'mentor', 'Bo'),
                ('acme', 'cy', 'p1', 'mentee', 'Cy');
            INSERT INTO award_log (org_id, user_id, badge_id, awarded_at, event_id, catalog_version, backfilled)
                VALUES ('acme', 'ana', 'feedback-1', 10000, 'f1', 1, 0);
            INSERT INTO awards_seen (org_id, user_id, badge_id) VALUES ('acme', 'ana', 'feedback-1');
            INSERT INTO certificates VALUES ('c1', 'acme', 'cy', 'Helper', 'For helping', 'Admin', 60000, 0);
            INSERT INTO catalog_versions VALUES (\(try CatalogLoader.bundled().version), '', 1);
            """)
        let db = try SQLiteDatabase(path: path)
        try db.prepare("INSERT INTO event_batches (events) VALUES (?)").run(.blob(batch.bytes))

        let clock = ManualClock(ms(100))
        let ledger = try BadgeLedger(location: path, catalog: CatalogLoader.bundled(), clock: clock)
        defer { ledger.close() }
        // Every old event id is still a duplicate; the counters replayed once are kept.
        for e in events { #expect(try await ledger.record(e).duplicate, "\(e.eventID) after the migration") }
        let ana = try await awards(ledger, "ana")
        #expect(ana["feedback-1"]?.seen == true && ana["feedback-1"]?.awardedAt == ms(10))
        // Ana's session ended before the move: reads count it already, the sweeper stores it.
        #expect(ana["mentoring-mentor-1"]?.eventID == "s1")
        #expect(try await ledger.sweep() == 1)
        #expect(try await awards(ledger, "ana")["mentoring-mentor-1"]?.eventID == "s1")
        let (bo, _) = try await ledger.achievementsPage(org: "acme", user: "bo")
        #expect(bo.lifetimeStats.first { $0.key == CounterKey(metric: .sessionsCompleted, role: "mentor") }?.value ?? 0 == 0)
        #expect(try await ledger.achievements(org: "acme", user: "cy").count == 1)
        // Counts: two mentors eligible, ana earned the first-session badge by the sweep.
        let mentor1 = try #require(try await ledger.listBadges(org: "acme").first { $0.badge.id == "mentoring-mentor-1" })
        #expect((mentor1.eligible, mentor1.earned) == (2, 1))
        let feedback = try #require(try await ledger.listBadges(org: "acme").first { $0.badge.id == "feedback-1" })
        #expect((feedback.eligible, feedback.earned) == (3, 1))
        for table in ["events", "event_batches", "award_log", "awards_seen"] {
            #expect(throws: SQLiteError.self) { try SQLiteDatabase(path: path).prepare("SELECT * FROM \(table)") }
        }
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
