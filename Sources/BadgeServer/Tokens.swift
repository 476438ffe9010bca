import Crypto
import RPC
import RPCCore
import Synchronization
import Wire

/// What a bearer token grants.
public enum Scope: String, Sendable, CaseIterable {
    case eventsWrite = "events:write"
    case progressRead = "progress:read"
    /// Marking achievements seen, digest settings and share links: a user's own writes.
    case progressWrite = "progress:write"
    case reportsRead = "reports:read"
    /// Everything, including configuring the organization and issuing certificates.
    case admin
}

/// A verified token: an organization and its scopes.
public struct Grant: Sendable, Equatable {
    public var organizationID: String
    public var scopes: Set<Scope>
    public var expiresAt: Int64
}

/// Signs and verifies bearer tokens: `v1.<payload>.<signature>`, both base64url; the payload
/// is JSON `{"org": ..., "scopes": [...], "exp": unix-seconds}`, the signature HMAC-SHA256 of
/// `v1.<payload>` under the server's key.
public struct TokenAuthority: Sendable {
    private let key: [UInt8]
    /// The longest a token may still be valid for (seconds): one minted for longer is
    /// refused, so that a leaked token does not work for years.
    public let maxLifetime: Int64

    public static let defaultMaxLifetime: Int64 = 30 * 86_400

    public init(key: [UInt8], maxLifetime: Int64 = TokenAuthority.defaultMaxLifetime) {
        precondition(!key.isEmpty, "a token key is required")
        self.key = key
        self.maxLifetime = maxLifetime
    }

    public func mint(organizationID: String, scopes: [Scope], expiresAt: Int64) -> String {
        let payload = JSONValue.object([
            ("org", .string(organizationID)),
            ("scopes", .array(scopes.map { .string($0.rawValue) })),
            ("exp", .number(String(expiresAt))),
        ]).serialized()
        let body = "v1." + Base64URL.encode(Array(payload.utf8))
        return body + "." + Base64URL.encode(HMACSHA256.mac(key: key, message: Array(body.utf8)))
    }

    /// The grant of a valid token, or UNAUTHENTICATED saying what is wrong with it.
    public func verify(_ token: String, now: Int64) throws(RPCError) -> Grant {
        let parts = token.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].elementsEqual("v1".utf8),
              let payload = Base64URL.decode(parts[1]), let signature = Base64URL.decode(parts[2]) else {
            throw RPCError(code: .unauthenticated, message: "malformed bearer token (expected v1.<payload>.<signature>, base64url without padding)")
        }
        let expected = HMACSHA256.mac(key: key, message: Array("v1.".utf8) + parts[1])
        guard HMACSHA256.equal(signature, expected) else {
            throw RPCError(code: .unauthenticated, message: "bearer token signature is invalid")
        }
        guard let json = try? JSONValue.parse(String(decoding: payload, as: UTF8.self)),
              case .string(let org)? = json["org"], !org.isEmpty,
              case .array(let scopeValues)? = json["scopes"],
              case .number(let expText)? = json["exp"], let exp = Int64(expText) else {
            throw RPCError(code: .unauthenticated, message: "bearer token payload is malformed")
        }
        guard exp > now else { throw RPCError(code: .unauthenticated, message: "bearer token expired") }
        guard exp - now <= maxLifetime else {
            throw RPCError(code: .unauthenticated,
                message: "bearer token is valid for \(exp - now) more seconds, beyond this server's maximum of \(maxLifetime); mint a shorter-lived one")
        }
        var scopes: Set<Scope> = []
        for case .string(let name) in scopeValues {
            if let scope = Scope(rawValue: name) { scopes.insert(scope) }
        }
        return Grant(organizationID: org, scopes: scopes, expiresAt: exp)
    }
}

/// Checks a call's credentials: a valid token, the scope the method needs, and the organization
/// the request names.
public final class Authorizer: Sendable {
    let authority: TokenAuthority
    let now: @Sendable () -> Int64
    /// Tokens already verified, keyed by the header as it arrived: a client sends the same
    /// token on every call, and checking its signature and payload each time cost more than
    /// recording the event. Expiry is still checked per call; the cache is bounded and simply
    /// emptied when full.
    private let verified = Mutex<[HashableBytes: VerifiedToken]>([:])
    private static let cacheLimit = 10_000
    private static let bearer = Array("Bearer ".utf8)

    public init(authority: TokenAuthority, now: @escaping @Sendable () -> Int64) {
        self.authority = authority
        self.now = now
    }

    private func grant(for header: [UInt8]) throws(RPCError) -> VerifiedToken {
        let now = now()
        let key = HashableBytes(header)
        if let cached = verified.withLock({ $0[key] }), cached.grant.expiresAt > now { return cached }
        let token = String(decoding: header[Self.bearer.count...], as: UTF8.self)
        let fresh = VerifiedToken(try authority.verify(token, now: now))
        verified.withLock { cache in
            if cache.count >= Self.cacheLimit { cache.removeAll(keepingCapacity: true) }
            cache[key] = fresh
        }
        return fresh
    }

    /// The check at a call's headers: a valid token with `scope` (or admin), which the
    /// handler then finds in `ServerContext.admitted`, or the error that refuses the call
    /// before its body is read.
    public func admit(_ metadata: Metadata, scope: Scope) -> Result<(any AnyObject & Sendable)?, RPCError> {
        do {
            return .success(try verifiedToken(in: metadata, scope: scope))
        } catch {
            return .failure(error)
        }
    }

    private func verifiedToken(in metadata: Metadata, scope: Scope) throws(RPCError) -> VerifiedToken {
        guard let header = metadata.bytes("authorization") else {
            throw RPCError(code: .unauthenticated, message: "missing 'authorization: Bearer <token>' metadata")
        }
        guard header.starts(with: Self.bearer) else {
            throw RPCError(code: .unauthenticated, message: "authorization metadata must be 'Bearer <token>'")
        }
        let token = try grant(for: header)
        guard token.grant.scopes.contains(scope) || token.grant.scopes.contains(.admin) else {
            throw RPCError(code: .permissionDenied, message: "the token lacks the '\(scope.rawValue)' scope")
        }
        return token
    }

    /// The check in a handler, once the request names its organization: the token the
    /// transport admitted for this RPC's scope (`AccessPolicy`), or the token and scope
    /// checked here when nothing was admitted, and the organization, byte for byte (two ids
    /// that look alike in Unicode are two organizations).
    /// - Throws: UNAUTHENTICATED without a valid token; PERMISSION_DENIED for a missing scope
    ///   or another organization's data; INVALID_ARGUMENT when no organization is named.
    @discardableResult
    public func require(organization: String, in context: ServerContext) throws(RPCError) -> Grant {
        guard case .scope(let scope) = AccessPolicy.access(context.path) else {
            preconditionFailure("\(context.path) is open to all; it has no organization to check")
        }
        let grant: Grant
        if let admitted = context.admitted as? VerifiedToken {
            grant = admitted.grant
        } else {
            grant = try verifiedToken(in: context.metadata, scope: scope).grant
        }
        if organization.isEmpty {
            throw RPCError(code: .invalidArgument, message: "organization_id is required")
        }
        guard grant.organizationID.utf8.elementsEqual(organization.utf8) else {
            throw RPCError(code: .permissionDenied, message: "the token is for organization '\(grant.organizationID)', not '\(organization)'")
        }
        return grant
    }
}

/// A token whose signature and payload were checked: kept in the cache and handed from the
/// transport's admission check to the handler by reference, with nothing copied.
final class VerifiedToken: Sendable {
    let grant: Grant

    init(_ grant: Grant) { self.grant = grant }
}

/// Keys as hex text, the form badged writes its key file in.
public enum Hex {
    public static func encode(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0xF)]] })
    }

    public static func decode(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 2)
        for i in stride(from: 0, to: chars.count, by: 2) {
            guard let byte = UInt8(String(decoding: chars[i..<i + 2], as: UTF8.self), radix: 16) else { return nil }
            out.append(byte)
        }
        return out
    }
}
