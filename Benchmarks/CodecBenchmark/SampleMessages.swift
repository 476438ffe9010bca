import BadgeAPI

/// The service's real messages, filled the way production traffic fills them.
enum SampleMessages {
    static func timestamp(_ seconds: Int64) -> Timestamp {
        var t = Timestamp()
        t.seconds = seconds
        t.nanos = 123_000_000
        return t
    }

    /// The hot path's request: one SESSION_SCHEDULED event.
    static func recordActivityRequest() -> RecordActivityRequest {
        var scheduled = SessionScheduled()
        scheduled.sessionID = "sess-7f3a9c21-5b8e-4d0f-a6c2-19e4b7d83f55"
        scheduled.role = "mentor"
        scheduled.programID = "prog-leadership-2026"
        scheduled.scheduledEnd = timestamp(1_795_000_000)
        var event = ActivityEvent()
        event.organizationID = "org-4821"
        event.eventID = "evt-01JD8K7Q2M4X9T6V3B5N8R1C0F"
        event.userID = "user-000193847"
        event.occurredAt = timestamp(1_794_990_000)
        event.payload = .sessionScheduled(scheduled)
        var request = RecordActivityRequest()
        request.event = event
        return request
    }

    static func badge(_ i: Int) -> Badge {
        var b = Badge()
        b.id = "mentoring-mentor-\(i)"
        b.path = "Mentoring"
        b.level = Int32(i)
        b.name = "Guide \(i)"
        b.description = "Completed \(i * 5) sessions as a mentor"
        b.visibility = i == 1 ? .revealed : .hidden
        b.metric = "sessions_completed"
        b.threshold = Int64(i * 5)
        b.role = "mentor"
        return b
    }

    static func award(_ i: Int) -> Award {
        var a = Award()
        a.badge = badge(i)
        a.userID = "user-000193847"
        a.awardedAt = timestamp(1_794_990_000 + Int64(i))
        a.eventID = "evt-01JD8K7Q2M4X9T6V3B5N8R1C\(i)"
        a.catalogVersion = 3
        a.seen = i % 2 == 0
        return a
    }

    static func progress(_ i: Int) -> BadgeProgress {
        var p = BadgeProgress()
        p.badge = badge(i)
        p.current = Int64(i * 3)
        p.threshold = Int64(i * 5)
        return p
    }

    /// The hot path's response: one new award, two badges' progress moved.
    static func recordActivityResponse() -> RecordActivityResponse {
        var r = RecordActivityResponse()
        r.awarded = [award(2)]
        r.progress = [progress(3), progress(4)]
        return r
    }

    /// The largest read: a user's whole achievements page.
    static func getAchievementsResponse() -> GetAchievementsResponse {
        var r = GetAchievementsResponse()
        r.lifetimeBadgeCount = 14
        r.lifetimeStats = ["sessions_completed", "feedback_received", "coaching_items_saved", "qa_reviews_completed", "features_used"]
            .enumerated().map { i, name in
                var m = MetricCount()
                m.metric = name
                m.count = Int64(10 * (i + 1))
                return m
            }
        r.recent = (1...5).map { i in
            var a = Achievement()
            a.kind = .award(award(i))
            return a
        }
        r.paths = ["Mentoring", "Feedback", "Coaching", "Personal", "QA Reviewers", "QA Reviewees"].map { name in
            var p = PathProgress()
            p.path = name
            p.role = name == "Mentoring" ? "mentor" : ""
            p.earned = (1...3).map(award)
            p.next = (4...5).map(progress)
            return p
        }
        return r
    }
}
