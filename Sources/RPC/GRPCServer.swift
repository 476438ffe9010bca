import Glibc
import RPCCore
import Synchronization

/// A gRPC server over HTTP/2 (nghttp2), in the clear or with TLS: one event loop per core,
/// each with its own listener on the shared port. Handlers run on Swift's concurrency pool;
/// the loops never wait for them.
public final class GRPCServer: Sendable {
    public let port: Int
    let core: ServerCore
    private let loops: [EventLoop]
    private let loopServers: [LoopBound<LoopServer>]

    public init(configuration: ServerConfiguration, routes: [UnaryRoute]) throws {
        BrokenPipes.ignore()
        Socket.raiseDescriptorLimit()
        core = ServerCore(configuration: configuration, routes: routes)
        var listeners: [Int32] = []
        var port = configuration.port
        do {
            for _ in 0..<configuration.eventLoops {
                let fd = try Socket.listen(host: configuration.host, port: port)
                if port == 0 { port = Socket.localPort(fd) }
                listeners.append(fd)
            }
        } catch {
            listeners.forEach { close($0) }
            throw error
        }
        self.port = port
        var loops: [EventLoop] = []
        var loopServers: [LoopBound<LoopServer>] = []
        for (index, listener) in listeners.enumerated() {
            let loop = EventLoop(name: "grpc-\(index)")
            let server = LoopServer(loop: loop, core: core, listener: listener)
            loops.append(loop)
            loopServers.append(LoopBound(server, loop: loop))
        }
        self.loops = loops
        self.loopServers = loopServers
        for (loop, server) in zip(loops, loopServers) {
            loop.start()
            loop.execute { server.value.start() }
        }
    }

    /// Calls being handled now.
    public var callsInFlight: Int { core.callsInFlight.load(ordering: .relaxed) }

    /// Serves new connections with `tls` (a renewed certificate); open ones keep theirs.
    /// - Throws: when the server was started without TLS, which cannot be added later.
    public func reloadTLS(_ tls: TLSContext) throws(TLSError) {
        try core.replaceTLS(tls)
    }

    /// Stops accepting connections, sends GOAWAY, lets calls in flight finish for up to
    /// `grace` (new calls get UNAVAILABLE), then closes every connection and stops the loops.
    public func shutdown(grace: Duration = .seconds(10)) async {
        core.shuttingDown.store(true, ordering: .releasing)
        for server in loopServers {
            server.loop.execute { server.value.beginShutdown() }
        }
        let deadline = ContinuousClock.now + grace
        while core.openConnections.load(ordering: .acquiring) > 0 && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        for server in loopServers {
            server.loop.execute { server.value.closeAll() }
        }
        while core.openConnections.load(ordering: .acquiring) > 0 {
            try? await Task.sleep(for: .milliseconds(5))
        }
        loops.forEach { $0.stop() }
    }
}

/// What every loop of one server shares.
final class ServerCore: Sendable {
    let routes: [String: UnaryRoute]
    let limits: ServerLimits
    let log: ServerLog
    private let tlsContext: Mutex<TLSContext?>
    let callsInFlight = Atomic<Int>(0)
    let openConnections = Atomic<Int>(0)
    /// Request bytes from arrival until their call ends, across connections.
    let heldRequestBytes = Atomic<Int>(0)
    let shuttingDown = Atomic<Bool>(false)
    /// Open connections per peer address, for `ServerLimits.maxConnectionsPerPeer`.
    private let connectionsByPeer = Mutex<[PeerAddress: Int]>([:])

    init(configuration: ServerConfiguration, routes: [UnaryRoute]) {
        self.routes = Dictionary(routes.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        limits = configuration.limits
        log = configuration.log
        tlsContext = Mutex(configuration.tls)
    }

    /// The TLS context new connections use; nil for h2c.
    var tls: TLSContext? { tlsContext.withLock { $0 } }

    func replaceTLS(_ tls: TLSContext) throws(TLSError) {
        try tlsContext.withLock { (current: inout TLSContext?) throws(TLSError) in
            guard current != nil else { throw TLSError("the server was started without TLS; restart it with a certificate") }
            current = tls
        }
    }

    /// Counts a new connection from `peer`, or says which cap it would break.
    func admitConnection(from peer: PeerAddress) -> String? {
        if openConnections.load(ordering: .relaxed) >= limits.maxConnections {
            return "the server has \(limits.maxConnections) connections open (its limit)"
        }
        let refusal: String? = connectionsByPeer.withLock { counts in
            let open = counts[peer, default: 0]
            if open >= limits.maxConnectionsPerPeer {
                return "\(peer) has \(open) connections open (the limit per peer address)"
            }
            counts[peer] = open + 1
            return nil
        }
        if refusal == nil { openConnections.add(1, ordering: .relaxed) }
        return refusal
    }

    func connectionEnded(from peer: PeerAddress) {
        connectionsByPeer.withLock { counts in
            let left = counts[peer, default: 1] - 1
            counts[peer] = left > 0 ? left : nil
        }
        openConnections.subtract(1, ordering: .releasing)
    }
}

/// A value that belongs to one event loop's thread, passed around other threads only to be
/// used back on that loop.
struct LoopBound<Value: AnyObject>: @unchecked Sendable {
    private let _value: Value
    let loop: EventLoop

    init(_ value: Value, loop: EventLoop) {
        _value = value
        self.loop = loop
    }

    var value: Value {
        precondition(loop.inLoop, "loop-bound value used off its loop")
        return _value
    }
}
