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
    let tls: TLSContext?
    let callsInFlight = Atomic<Int>(0)
    let openConnections = Atomic<Int>(0)
    let shuttingDown = Atomic<Bool>(false)

    init(configuration: ServerConfiguration, routes: [UnaryRoute]) {
        self.routes = Dictionary(routes.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        limits = configuration.limits
        tls = configuration.tls
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
