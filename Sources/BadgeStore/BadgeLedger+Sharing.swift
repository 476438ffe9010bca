import Badges
import Crypto

extension BadgeLedger {
    public func issueCertificate(org: String, user: String, title: String, text: String, issuer: String) async throws -> Certificate {
        if org.isEmpty { throw LedgerError.invalidArgument("organization_id is required") }
        if user.isEmpty { throw LedgerError.invalidArgument("user_id is required") }
        if title.isEmpty { throw LedgerError.invalidArgument("title is required") }
        let certificate = Certificate(id: "cert-" + Token.random(bytes: 12), organizationID: org, userID: user, title: title,
                                      text: text, issuer: issuer, issuedAt: clock.now())
        let key = UserKey(org: org, user: user)
        try await commit(.user(key)) { s in
            s.certificates[BytewiseKey(certificate.id)] = certificate
            s.certificatesByUser[key, default: []].append(certificate.id)
            return ((), [.certificate(certificate)])
        }
        return certificate
    }

    /// A public, unguessable link to one of the user's awards.
    public func createShareLink(org: String, user: String, badgeID: String) async throws -> ShareLink {
        // The catalog's own id, found byte for byte, is what the link keeps.
        guard let badge = catalog.badge(badgeID) else { throw LedgerError.notFound("no badge '\(badgeID)' in the catalog") }
        let link = ShareLink(token: Token.random(bytes: 24), organizationID: org, userID: user, badgeID: badge.id, createdAt: clock.now())
        try await commit(.user(UserKey(org: org, user: user))) { s in
            try self.requireBadges(s, org)
            guard self.currentState(s, UserKey(org: org, user: user)).hasEarned(badge.id) else {
                throw LedgerError.notFound("user '\(user)' has no award of badge '\(badgeID)'")
            }
            s.shareLinks[BytewiseKey(link.token)] = link
            return ((), [.shareLink(link)])
        }
        return link
    }

    public func revokeShareLink(org: String, user: String, token: String) async throws {
        try await commit(.shareLink(token)) { s in
            guard var link = s.shareLinks[BytewiseKey(token)], link.organizationID.bytewiseEquals(org), link.userID.bytewiseEquals(user) else {
                throw LedgerError.notFound("no share link '\(token)' for user '\(user)'")
            }
            link.revoked = true
            s.shareLinks[BytewiseKey(token)] = link
            return ((), [.shareLink(link)])
        }
    }

    /// What a share link reveals: badge name and description, display name, date. Nothing else.
    public func resolveShareLink(token: String) async throws -> SharedAward {
        try await read(.shareLink(token)) { s in
            guard let link = s.shareLinks[BytewiseKey(token)], !link.revoked,
                  let award = s.users[UserKey(org: link.organizationID, user: link.userID)]?.awards[link.badgeID],
                  let badge = self.catalog.badge(link.badgeID) else {
                throw LedgerError.notFound("no such share link, or it was revoked")
            }
            return SharedAward(badgeName: badge.name, badgeDescription: badge.description,
                               displayName: s.displayName(of: UserKey(org: link.organizationID, user: link.userID)), awardedAt: award.awardedAt)
        }
    }
}

/// Unguessable tokens, URL-safe: random bytes from OpenSSL, base64url.
enum Token {
    static func random(bytes count: Int) -> String {
        Base64URL.encode(HMACSHA256.randomBytes(count))
    }
}
