import Badges
import Foundation
import Testing

@Suite("Catalog")
struct CatalogTests {
    private func error(_ json: String) -> String? {
        do {
            _ = try CatalogLoader.load(data: Data(json.utf8))
            return nil
        } catch {
            return "\(error)"
        }
    }

    private func badge(_ id: String, level: Int = 1, threshold: Int = 1, metric: String = "feedback_received", path: String = "Feedback", visibility: String = "HIDDEN", role: String? = nil) -> String {
        let roleField = role.map { #", "role": "\#($0)""# } ?? ""
        return #"{"id": "\#(id)", "path": "\#(path)", "level": \#(level), "name": "N", "description": "D", "metric": "\#(metric)", "threshold": \#(threshold), "visibility": "\#(visibility)"\#(roleField)}"#
    }

    @Test func bundledCatalogCoversEveryPath() throws {
        let catalog = try CatalogLoader.bundled()
        #expect(catalog.version == 1)
        #expect(Set(catalog.badges.map(\.path)) == ["Mentoring", "Feedback", "Coaching", "Personal", "QA Reviewers", "QA Reviewees"])
        let mentor = catalog.badges.filter { $0.criterion.role == "mentor" }.map(\.criterion.threshold)
        let mentee = catalog.badges.filter { $0.criterion.role == "mentee" }.map(\.criterion.threshold)
        #expect(mentor == [1, 5, 10, 25, 50])
        #expect(mentee == [1, 5, 10, 25, 50])
        // The onboarding badges are revealed; the rest are hidden.
        #expect(Set(catalog.badges.filter { $0.visibility == .revealed }.map(\.id)) == ["feedback-1", "coaching-1", "personal-profile"])
    }

    @Test func unknownMetric() {
        #expect(error(#"{"version": 1, "badges": [\#(badge("a", metric: "hugs_given"))]}"#)?.hasPrefix("badge 'a': unknown metric 'hugs_given' (known: sessions_completed,") == true)
    }

    @Test func duplicateID() {
        #expect(error(#"{"version": 1, "badges": [\#(badge("a")), \#(badge("a", level: 2, threshold: 2))]}"#) == "duplicate badge id 'a'")
    }

    @Test func nonIncreasingThresholds() {
        #expect(error(#"{"version": 1, "badges": [\#(badge("a", level: 1, threshold: 5)), \#(badge("b", level: 2, threshold: 5))]}"#)
            == "path 'Feedback': thresholds must increase with the level, but 'b' (level 2) needs 5, not more than 'a' (level 1) with 5")
    }

    @Test func sharedLevel() {
        #expect(error(#"{"version": 1, "badges": [\#(badge("a", level: 1, threshold: 1)), \#(badge("b", level: 1, threshold: 2))]}"#)
            == "path 'Feedback': badges 'a' and 'b' share level 1")
    }

    @Test func roleTracksAreSeparate() throws {
        // The same thresholds in two roles of one path are fine: each role is its own track.
        let json = #"{"version": 1, "badges": [\#(badge("a", metric: "sessions_completed", path: "Mentoring", role: "mentor")), \#(badge("b", metric: "sessions_completed", path: "Mentoring", role: "mentee"))]}"#
        #expect(error(json) == nil)
    }

    @Test func unknownVisibilityAndBadThreshold() {
        #expect(error(#"{"version": 1, "badges": [\#(badge("a", visibility: "SECRET"))]}"#) == "badge 'a': unknown visibility 'SECRET' (REVEALED or HIDDEN)")
        #expect(error(#"{"version": 1, "badges": [\#(badge("a", threshold: 0))]}"#) == "badge 'a': threshold must be at least 1, got 0")
        #expect(error(#"{"version": 0, "badges": []}"#) == "catalog version must be 1 or more, got 0")
        #expect(error("not json")?.hasPrefix("catalog is not valid JSON") == true)
    }
}
