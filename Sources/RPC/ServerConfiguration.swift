/// How a server listens and what it tolerates from clients.
public struct ServerConfiguration: Sendable {
    public var host: String
    /// 0 picks a free port; `GRPCServer.port` tells which.
    public var port: Int
    /// TLS with ALPN h2 when set; cleartext HTTP/2 (h2c) otherwise.
    public var tls: TLSContext?
    /// Event loops (threads); one per core by default.
    public var eventLoops: Int
    public var limits: ServerLimits

    public init(host: String = "127.0.0.1", port: Int = 0, tls: TLSContext? = nil, eventLoops: Int = System.coreCount, limits: ServerLimits = ServerLimits()) {
        self.host = host
        self.port = port
        self.tls = tls
        self.eventLoops = max(eventLoops, 1)
        self.limits = limits
    }
}

/// Bounds that keep one client from hurting the server or other clients.
public struct ServerLimits: Sendable {
    /// Largest request message accepted; larger ones get RESOURCE_EXHAUSTED.
    public var maxReceiveMessageSize = 4 << 20
    /// SETTINGS_MAX_CONCURRENT_STREAMS per connection.
    public var maxConcurrentStreams = 256
    /// Total size of a request's header fields (name + value + 32 each, as HTTP/2 counts).
    public var maxHeaderListSize = 16 << 10
    /// Calls in progress across the server before new ones get RESOURCE_EXHAUSTED.
    public var maxCallsInFlight = 20_000
    /// A connection with no open stream and no bytes for this long is closed (GOAWAY first).
    public var idleTimeout: Duration = .seconds(300)
    /// Time allowed for the TLS handshake and the HTTP/2 preface.
    public var handshakeTimeout: Duration = .seconds(10)
    /// Time allowed between a request's first header and its last byte.
    public var requestReadTimeout: Duration = .seconds(30)
    /// Bytes queued for a client that does not read before the server stops reading from it.
    public var maxOutboundBuffer = 8 << 20
    /// RST_STREAM rate limit (CVE-2023-44487, rapid reset): a burst, then a rate per second.
    public var streamResetBurst: UInt64 = 1000
    public var streamResetRate: UInt64 = 33
    /// CONTINUATION frames allowed per header block (CVE-2024-28182).
    public var maxContinuations = 8

    public init() {}
}

public enum System {
    /// Online processors, as the scheduler sees them.
    public static var coreCount: Int {
        Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    }
}

import Glibc
