/// A user registered in a program of an organization, in a role.
public struct Participant: Sendable, Hashable {
    public var organizationID: String
    public var userID: String
    public var programID: String
    public var role: String
    public var displayName: String

    public init(organizationID: String, userID: String, programID: String, role: String, displayName: String) {
        self.organizationID = organizationID
        self.userID = userID
        self.programID = programID
        self.role = role
        self.displayName = displayName
    }
}

/// Custom recognition an admin issues, for activity the catalog does not cover.
public struct Certificate: Sendable, Hashable {
    public var id: String
    public var organizationID: String
    public var userID: String
    public var title: String
    public var text: String
    public var issuer: String
    public var issuedAt: Instant
    public var seen: Bool

    public init(id: String, organizationID: String, userID: String, title: String, text: String, issuer: String, issuedAt: Instant, seen: Bool = false) {
        self.id = id
        self.organizationID = organizationID
        self.userID = userID
        self.title = title
        self.text = text
        self.issuer = issuer
        self.issuedAt = issuedAt
        self.seen = seen
    }
}

/// A public link to one award; its token is the only secret.
public struct ShareLink: Sendable, Hashable {
    public var token: String
    public var organizationID: String
    public var userID: String
    public var badgeID: String
    public var createdAt: Instant
    public var revoked: Bool

    public init(token: String, organizationID: String, userID: String, badgeID: String, createdAt: Instant, revoked: Bool = false) {
        self.token = token
        self.organizationID = organizationID
        self.userID = userID
        self.badgeID = badgeID
        self.createdAt = createdAt
        self.revoked = revoked
    }
}

/// What resolving a share link reveals, and nothing more.
public struct SharedAward: Sendable, Hashable {
    public var badgeName: String
    public var badgeDescription: String
    public var displayName: String
    public var awardedAt: Instant

    public init(badgeName: String, badgeDescription: String, displayName: String, awardedAt: Instant) {
        self.badgeName = badgeName
        self.badgeDescription = badgeDescription
        self.displayName = displayName
        self.awardedAt = awardedAt
    }
}
