/// How a server listens and what it tolerates from clients.
public struct ServerConfiguration: Sendable {
    public var host: String
    /// 0 picks a free port; `GRPCServer.port` tells which.
    public var port: Int
    /// TLS with ALPN h2 when set; cleartext HTTP/2 (h2c) otherwise. `GRPCServer.reloadTLS`
    /// replaces it for new connections.
    public var tls: TLSContext?
    /// Event loops (threads); one per core by default.
    public var eventLoops: Int
    public var limits: ServerLimits
    /// Where the transport reports what an operator should hear about (accepting paused for
    /// want of file descriptors, connections refused at a cap). Nothing by default.
    public var log: ServerLog

    public init(host: String = "127.0.0.1", port: Int = 0, tls: TLSContext? = nil, eventLoops: Int = System.coreCount,
                limits: ServerLimits = ServerLimits(), log: ServerLog = ServerLog()) {
        self.host = host
        self.port = port
        self.tls = tls
        self.eventLoops = max(eventLoops, 1)
        self.limits = limits
        self.log = log
    }
}

/// A sink for the transport's log lines: a message and its fields. Called from event loops,
/// so it must not block for long.
public struct ServerLog: Sendable {
    public var write: @Sendable (_ message: String, _ fields: [String: String]) -> Void

    public init(_ write: @escaping @Sendable (_ message: String, _ fields: [String: String]) -> Void = { _, _ in }) {
        self.write = write
    }
}

/// Bounds that keep one client from hurting the server or other clients. The memory a
/// server holds for its clients is at most `serverReceiveBudget` for request bytes plus, per
/// connection, `maxOutboundBuffer` twice (responses handed to HTTP/2 and its frames not yet
/// written) and a few KiB of fixed state.
public struct ServerLimits: Sendable {
    /// Largest request message accepted; larger ones get RESOURCE_EXHAUSTED.
    public var maxReceiveMessageSize = 4 << 20
    /// SETTINGS_MAX_CONCURRENT_STREAMS per connection.
    public var maxConcurrentStreams = 256
    /// Total size of a request's header fields (name + value + 32 each, as HTTP/2 counts).
    public var maxHeaderListSize = 16 << 10
    /// Calls in progress across the server before new ones get RESOURCE_EXHAUSTED.
    public var maxCallsInFlight = 20_000
    /// Request bytes one connection may have sent that no call has taken yet: its HTTP/2
    /// receive window, refilled only as calls take their messages (at least one whole message).
    public var connectionReceiveBudget = (4 << 20) + (64 << 10)
    /// Request bytes the whole server holds (headers and bodies), from their arrival until
    /// their call ends. Past nine tenths of it, requests over `smallRequestSize` are refused
    /// (RESOURCE_EXHAUSTED); past all of it, every request is, until calls in progress end.
    public var serverReceiveBudget = 512 << 20
    /// Requests up to this size keep the last tenth of `serverReceiveBudget` to themselves,
    /// so that clients sending large messages cannot starve the small calls of others.
    public var smallRequestSize = 64 << 10
    /// Connections open at once; more are accepted and closed at once.
    public var maxConnections = 2048
    /// Connections open at once from one peer address.
    public var maxConnectionsPerPeer = 64
    /// A connection with no open stream for this long is closed (GOAWAY first).
    public var idleTimeout: Duration = .seconds(120)
    /// A connection that has opened no stream this long after it started is closed.
    public var firstRequestTimeout: Duration = .seconds(10)
    /// Time allowed for the TLS handshake and the HTTP/2 preface.
    public var handshakeTimeout: Duration = .seconds(10)
    /// Time allowed between a request's first header and its last byte.
    public var requestReadTimeout: Duration = .seconds(30)
    /// Response bytes queued for a client that does not read, before the server stops
    /// reading from it and refuses its further calls.
    public var maxOutboundBuffer = 1 << 20
    /// RST_STREAM rate limit (CVE-2023-44487, rapid reset): a burst, then a rate per second.
    public var streamResetBurst: UInt64 = 1000
    public var streamResetRate: UInt64 = 33
    /// CONTINUATION frames allowed per header block (CVE-2024-28182).
    public var maxContinuations = 8
    /// Bytes of `grpc-message` text sent back; longer messages (which may echo a client's
    /// input) are cut there, so that an error's headers always fit in their frame.
    public var maxStatusMessageBytes = 1024

    public init() {}
}

public enum System {
    /// Online processors, as the scheduler sees them.
    public static var coreCount: Int {
        Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    }
}

import Glibc
