import Foundation
import BadgeServer
import BadgeStore
import Crypto
import RPC

/// badged's settings: flags first, then environment variables, then defaults that run the
/// service on the embedded SQLite store with no setup.
struct Configuration {
    var host = "127.0.0.1"
    var port = 50051
    var store = "badges.sqlite"
    var catalog: String?
    var tokenKeyFile: String?
    var tokenKey: String?
    var tlsCertificate: String?
    var tlsKey: String?
    /// One per core, less the one the group committer's thread keeps busy (it evaluates and
    /// commits: over half of a durable write's CPU). On 2 cores shared with the load
    /// generator, one loop answered 2 to 4% more than two.
    var eventLoops = max(1, System.coreCount - 1)
    var grace = 10.0
    var sweepIntervalMilliseconds = 1000
    var smtpRelay: String?
    var smtpFrom = "badges@localhost"
    var digestIntervalMilliseconds = 1000
    var storeConnections = 4
    var smtpRequireTLS = false
    var smtpCA: String?
    var maxConnections = ServerLimits().maxConnections
    var maxConnectionsPerPeer = ServerLimits().maxConnectionsPerPeer
    var maxTokenLifetime = TokenAuthority.defaultMaxLifetime
    var cacheMegabytes = LedgerOptions().cacheBytes >> 20

    static let help = """
    badged: the badges service (gRPC over HTTP/2).

    usage: badged [options]
      --listen HOST:PORT       where to listen (BADGES_LISTEN; default 127.0.0.1:50051)
      --store PATH|URL         SQLite file, created if missing, or postgres://USER@HOST:PORT/DB
                               shared by several servers (BADGES_STORE; default badges.sqlite)
      --cache-mb N             SQLite: memory for cached state, in MiB (BADGES_CACHE_MB; default 256);
                               the rest stays on disk
      --store-connections N    PostgreSQL connections in the pool (BADGES_STORE_CONNECTIONS; default 4)
      --catalog PATH           catalog JSON (BADGES_CATALOG; default: the bundled catalog)
      --token-key-file PATH    HMAC key for bearer tokens, hex (BADGES_TOKEN_KEY_FILE;
                               default STORE.key, created with a random key if missing;
                               with PostgreSQL one of the two is required: servers share it)
      --token-key HEX          the key itself (BADGES_TOKEN_KEY)
      --tls-cert PATH          PEM certificate chain; with --tls-key serves TLS (ALPN h2),
                               TLS 1.3 and TLS 1.2 with ECDHE and AEAD suites; SIGHUP reloads both
      --tls-key PATH           PEM private key (BADGES_TLS_CERT / BADGES_TLS_KEY)
      --max-connections N      connections open at once (BADGES_MAX_CONNECTIONS; default 2048)
      --max-connections-per-peer N
                               connections open at once from one address (default 64)
      --max-token-lifetime SECONDS
                               refuse tokens valid for longer than this (default 2592000, 30 days)
      --event-loops N          I/O threads (BADGES_EVENT_LOOPS; default: cores - 1, at least 1)
      --grace SECONDS          shutdown grace period for calls in flight (default 10)
      --sweep-interval-ms N    how often sessions whose time passed are counted (default 1000)
      --smtp-relay URL         where e-mail digests go: smtp://host:port or smtps://host:port
                               (BADGES_SMTP_RELAY; without it digests are not sent)
      --smtp-from ADDRESS      the digests' sender (BADGES_SMTP_FROM; default badges@localhost)
      --smtp-require-tls BOOL  with smtp://, refuse to send unless the relay takes STARTTLS
                               (BADGES_SMTP_REQUIRE_TLS; default false: STARTTLS when offered)
      --smtp-ca PATH           CA certificates to verify the relay with (default: the system's)
      --digest-interval-ms N   how often due digests are looked for (default 1000)
    """

    struct Invalid: Error, CustomStringConvertible {
        var description: String
    }

    static func load(arguments: [String], environment: [String: String]) throws -> Configuration {
        var c = Configuration()
        var values: [String: String] = [:]
        let names: [String: String] = [
            "listen": "BADGES_LISTEN", "store": "BADGES_STORE", "catalog": "BADGES_CATALOG",
            "token-key-file": "BADGES_TOKEN_KEY_FILE", "token-key": "BADGES_TOKEN_KEY",
            "tls-cert": "BADGES_TLS_CERT", "tls-key": "BADGES_TLS_KEY", "event-loops": "BADGES_EVENT_LOOPS",
            "grace": "BADGES_GRACE", "sweep-interval-ms": "BADGES_SWEEP_INTERVAL_MS",
            "smtp-relay": "BADGES_SMTP_RELAY", "smtp-from": "BADGES_SMTP_FROM", "digest-interval-ms": "BADGES_DIGEST_INTERVAL_MS",
            "store-connections": "BADGES_STORE_CONNECTIONS", "smtp-require-tls": "BADGES_SMTP_REQUIRE_TLS",
            "smtp-ca": "BADGES_SMTP_CA", "max-connections": "BADGES_MAX_CONNECTIONS",
            "max-connections-per-peer": "BADGES_MAX_CONNECTIONS_PER_PEER", "max-token-lifetime": "BADGES_MAX_TOKEN_LIFETIME",
            "cache-mb": "BADGES_CACHE_MB",
        ]
        for (flag, variable) in names { if let v = environment[variable] { values[flag] = v } }
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            guard argument.hasPrefix("--") else { throw Invalid(description: "unexpected argument '\(argument)'") }
            let flag = String(argument.dropFirst(2))
            guard names[flag] != nil else { throw Invalid(description: "unknown option '\(argument)' (see --help)") }
            guard let value = rest.popFirst() else { throw Invalid(description: "option '\(argument)' needs a value") }
            values[flag] = value
        }
        if let listen = values["listen"] {
            guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (0...65535).contains(port) else {
                throw Invalid(description: "--listen must be HOST:PORT, got '\(listen)'")
            }
            c.host = String(listen[..<colon])
            c.port = port
        }
        if let store = values["store"] { c.store = store }
        c.catalog = values["catalog"]
        c.tokenKeyFile = values["token-key-file"]
        c.tokenKey = values["token-key"]
        c.tlsCertificate = values["tls-cert"]
        c.tlsKey = values["tls-key"]
        if (c.tlsCertificate == nil) != (c.tlsKey == nil) { throw Invalid(description: "--tls-cert and --tls-key go together") }
        if let loops = values["event-loops"] {
            guard let n = Int(loops), n >= 1 else { throw Invalid(description: "--event-loops must be a positive number") }
            c.eventLoops = n
        }
        if let grace = values["grace"] {
            guard let g = Double(grace), g >= 0 else { throw Invalid(description: "--grace must be seconds, got '\(grace)'") }
            c.grace = g
        }
        if let sweep = values["sweep-interval-ms"] {
            guard let ms = Int(sweep), ms >= 10 else { throw Invalid(description: "--sweep-interval-ms must be at least 10") }
            c.sweepIntervalMilliseconds = ms
        }
        if let relay = values["smtp-relay"] {
            guard relay.hasPrefix("smtp://") || relay.hasPrefix("smtps://") else {
                throw Invalid(description: "--smtp-relay must be smtp://HOST:PORT or smtps://HOST:PORT, got '\(relay)'")
            }
            c.smtpRelay = relay
        }
        if let from = values["smtp-from"] { c.smtpFrom = from }
        if let digest = values["digest-interval-ms"] {
            guard let ms = Int(digest), ms >= 10 else { throw Invalid(description: "--digest-interval-ms must be at least 10") }
            c.digestIntervalMilliseconds = ms
        }
        if let connections = values["store-connections"] {
            guard let n = Int(connections), (1...256).contains(n) else { throw Invalid(description: "--store-connections must be 1 to 256, got '\(connections)'") }
            c.storeConnections = n
        }
        if let require = values["smtp-require-tls"] {
            guard let flag = Bool(require) else { throw Invalid(description: "--smtp-require-tls must be true or false, got '\(require)'") }
            c.smtpRequireTLS = flag
        }
        c.smtpCA = values["smtp-ca"]
        if let n = values["max-connections"] {
            guard let value = Int(n), (1...1_000_000).contains(value) else { throw Invalid(description: "--max-connections must be 1 to 1000000, got '\(n)'") }
            c.maxConnections = value
        }
        if let n = values["max-connections-per-peer"] {
            guard let value = Int(n), (1...1_000_000).contains(value) else { throw Invalid(description: "--max-connections-per-peer must be 1 to 1000000, got '\(n)'") }
            c.maxConnectionsPerPeer = value
        }
        if let n = values["max-token-lifetime"] {
            guard let value = Int64(n), value >= 60 else { throw Invalid(description: "--max-token-lifetime must be at least 60 seconds, got '\(n)'") }
            c.maxTokenLifetime = value
        }
        if let n = values["cache-mb"] {
            guard let value = Int(n), (16...1_048_576).contains(value) else { throw Invalid(description: "--cache-mb must be 16 to 1048576, got '\(n)'") }
            c.cacheMegabytes = value
        }
        if c.storeIsPostgres && c.tokenKey == nil && c.tokenKeyFile == nil {
            throw Invalid(description: "with a PostgreSQL store, give --token-key-file or --token-key: every server sharing the store must check tokens with the same key")
        }
        return c
    }

    var storeIsPostgres: Bool { BadgeLedger.isPostgresURL(store) }

    /// The store for logs: a URL without its password.
    var storeForDisplay: String {
        guard storeIsPostgres, let at = store.firstIndex(of: "@"), let scheme = store.range(of: "://"),
              let colon = store[scheme.upperBound..<at].firstIndex(of: ":") else { return store }
        return String(store[..<colon]) + ":***" + String(store[at...])
    }

    var keyFilePath: String { tokenKeyFile ?? store + ".key" }

    /// The token key: given, read from the key file, or made and saved there (mode 0600)
    /// when no file is there. An existing file is never replaced: one that cannot be read
    /// stops the start, as a new key would end every token in use.
    func resolveTokenKey() throws -> [UInt8] {
        if let hex = tokenKey {
            guard let key = Hex.decode(hex), key.count >= 16 else { throw Invalid(description: "--token-key must be at least 16 bytes of hex") }
            return key
        }
        let path = keyFilePath
        if FileManager.default.fileExists(atPath: path) || tokenKeyFile != nil {
            let text: String
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw Invalid(description: "cannot read token key file '\(path)': \(Self.reason(error)); fix its permissions or path (it is never replaced, as a new key would end every token in use)")
            }
            guard let key = Hex.decode(text.trimmingCharacters(in: .whitespacesAndNewlines)), key.count >= 16 else {
                throw Invalid(description: "token key file '\(path)' must hold at least 16 bytes of hex")
            }
            return key
        }
        let key = HMACSHA256.randomBytes(32)
        try KeyFile.create(path, contents: Hex.encode(key) + "\n")
        return key
    }

    private static func reason(_ error: any Error) -> String {
        (error as NSError).userInfo[NSUnderlyingErrorKey].map { "\($0)" } ?? error.localizedDescription
    }
}
