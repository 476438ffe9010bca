import Glibc

/// One event loop's part of a server: its listener and the connections it accepted.
final class LoopServer: EventHandler {
    let loop: EventLoop
    let core: ServerCore
    private var listener: Int32
    private var connections: [ObjectIdentifier: ServerConnection] = [:]
    private var shuttingDown = false

    init(loop: EventLoop, core: ServerCore, listener: Int32) {
        self.loop = loop
        self.core = core
        self.listener = listener
    }

    func start() {
        loop.register(listener, self)
    }

    func handleEvent(readable: Bool, writable: Bool, hangup: Bool) {
        // Accept everything pending; the listener is level-triggered, so a cap keeps one
        // iteration short under a connection storm without losing any.
        for _ in 0..<64 {
            guard let fd = Socket.accept(listener) else { return }
            guard !shuttingDown else {
                close(fd)
                continue
            }
            let stream: ByteStream
            if let tls = core.tls {
                guard let tlsStream = try? TLSStream(fd: fd, context: tls) else {
                    close(fd)
                    continue
                }
                stream = tlsStream
            } else {
                stream = PlainStream(fd: fd)
            }
            let connection = ServerConnection(loop: loop, core: core, stream: stream, owner: self)
            connections[ObjectIdentifier(connection)] = connection
            core.openConnections.add(1, ordering: .relaxed)
            connection.start()
        }
    }

    func connectionClosed(_ connection: ServerConnection) {
        if connections.removeValue(forKey: ObjectIdentifier(connection)) != nil {
            core.openConnections.subtract(1, ordering: .releasing)
        }
    }

    func beginShutdown() {
        guard !shuttingDown else { return }
        shuttingDown = true
        loop.unregister(listener)
        close(listener)
        listener = -1
        for connection in connections.values { connection.beginShutdown() }
    }

    func closeAll() {
        for connection in Array(connections.values) { connection.close() }
    }
}
