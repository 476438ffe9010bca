/// The activities badges count. Each event type moves one metric.
public enum Metric: String, Sendable, Codable, CaseIterable {
    /// Sessions counted for the participant (completed, or their time passed uncancelled).
    case sessionsCompleted = "sessions_completed"
    case feedbackReceived = "feedback_received"
    case coachingItemsSaved = "coaching_items_saved"
    case qaReviewsCompleted = "qa_reviews_completed"
    case qaReviewsReceived = "qa_reviews_received"
    case profileCompleted = "profile_completed"
    /// Distinct features used.
    case featuresUsed = "features_used"
}

/// A user's counter: a metric, in one role or ("") across all roles.
public struct CounterKey: Hashable, Sendable, Comparable {
    public var metric: Metric
    public var role: String

    public init(metric: Metric, role: String = "") {
        self.metric = metric
        self.role = role
    }

    public static func < (a: CounterKey, b: CounterKey) -> Bool {
        a.metric != b.metric ? a.metric.rawValue < b.metric.rawValue : a.role.bytewiseLess(than: b.role)
    }

    // Roles are ids: compared byte for byte (see `BytewiseKey`).
    public static func == (a: CounterKey, b: CounterKey) -> Bool { a.metric == b.metric && a.role.bytewiseEquals(b.role) }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(metric)
        role.hashBytes(into: &hasher)
    }
}
