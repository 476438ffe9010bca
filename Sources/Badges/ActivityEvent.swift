/// One thing a user did, as the domain sees it (the wire type is converted at the edge).
public struct ActivityEvent: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case sessionScheduled(sessionID: String, role: String, programID: String, scheduledEnd: Instant)
        case sessionCompleted(sessionID: String)
        case sessionCancelled(sessionID: String)
        case feedbackReceived
        case coachingItemSaved
        case qaReviewCompleted
        case qaReviewReceived
        case profileCompleted
        case featureUsed(name: String)
    }

    public var organizationID: String
    /// Unique per organization: the idempotency key.
    public var eventID: String
    public var userID: String
    public var occurredAt: Instant
    public var kind: Kind

    public init(organizationID: String, eventID: String, userID: String, occurredAt: Instant, kind: Kind) {
        self.organizationID = organizationID
        self.eventID = eventID
        self.userID = userID
        self.occurredAt = occurredAt
        self.kind = kind
    }

    /// The metric an event moves directly; sessions move theirs when they are counted.
    var directMetric: Metric? {
        switch kind {
        case .feedbackReceived: return .feedbackReceived
        case .coachingItemSaved: return .coachingItemsSaved
        case .qaReviewCompleted: return .qaReviewsCompleted
        case .qaReviewReceived: return .qaReviewsReceived
        case .sessionScheduled, .sessionCompleted, .sessionCancelled, .profileCompleted, .featureUsed: return nil
        }
    }
}

/// An organization's tier and its switch.
public enum Tier: Int, Sendable, Codable, CaseIterable {
    case unspecified = 0, free = 1, standard = 2, professional = 3, enterprise = 4
}

public struct Organization: Sendable, Hashable {
    public var id: String
    public var tier: Tier
    public var badgesEnabled: Bool

    public init(id: String, tier: Tier = .unspecified, badgesEnabled: Bool = true) {
        self.id = id
        self.tier = tier
        self.badgesEnabled = badgesEnabled
    }

    /// Badges exist only on PROFESSIONAL and ENTERPRISE, and only while switched on.
    public var badgesAvailable: Bool {
        badgesEnabled && (tier == .professional || tier == .enterprise)
    }

    /// Why achievement queries are refused, or nil when badges are available.
    public var unavailableReason: String? {
        if tier != .professional && tier != .enterprise {
            return "badges are only available on the PROFESSIONAL and ENTERPRISE tiers; organization '\(id)' is on \(tier == .unspecified ? "no tier" : "the \(String(describing: tier).uppercased()) tier")"
        }
        if !badgesEnabled { return "badges are disabled for organization '\(id)'" }
        return nil
    }
}
