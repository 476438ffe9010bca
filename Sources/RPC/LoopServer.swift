import Glibc

/// One event loop's part of a server: its listener and the connections it accepted.
final class LoopServer: EventHandler {
    let loop: EventLoop
    let core: ServerCore
    private var listener: Int32
    private var connections: [ObjectIdentifier: ServerConnection] = [:]
    private var shuttingDown = false
    /// Accepting stopped for want of descriptors; a timer or a closing connection resumes it.
    private var acceptPaused = false
    private var resumeTimer: TimerHeap.ID?
    /// Connections refused at a cap since the last log line about it, and when that was.
    private var refusedSinceLog = 0
    private var lastRefusalLog: UInt64 = 0

    init(loop: EventLoop, core: ServerCore, listener: Int32) {
        self.loop = loop
        self.core = core
        self.listener = listener
    }

    func start() {
        loop.register(listener, self)
    }

    func handleEvent(readable: Bool, writable: Bool, hangup: Bool) {
        // A few per turn: the listener is level-triggered, so the rest wait for the next
        // iteration, and a connection storm does not hold up the calls of open connections.
        for _ in 0..<8 {
            switch Socket.accept(listener) {
            case .none:
                return
            case .exhausted(let code):
                return pauseAccepting(code)
            case .connection(let fd, let peer):
                accepted(fd, from: peer)
            }
        }
    }

    private func accepted(_ fd: Int32, from peer: PeerAddress) {
        guard !shuttingDown else {
            close(fd)
            return
        }
        if let refusal = core.admitConnection(from: peer) {
            close(fd)
            return noteRefusal(refusal)
        }
        let stream: ByteStream
        if let tls = core.tls {
            guard let tlsStream = try? TLSStream(fd: fd, context: tls) else {
                close(fd)
                return core.connectionEnded(from: peer)
            }
            stream = tlsStream
        } else {
            stream = PlainStream(fd: fd)
        }
        let connection = ServerConnection(loop: loop, core: core, stream: stream, peer: peer, owner: self)
        connections[ObjectIdentifier(connection)] = connection
        connection.start()
    }

    /// Out of descriptors: a level-triggered listener would report the waiting connection
    /// again at once, forever. Stop listening until a connection closes here, or a while has
    /// passed (another loop's connection may have closed).
    private func pauseAccepting(_ code: Int32) {
        guard !acceptPaused, !shuttingDown else { return }
        acceptPaused = true
        loop.unregister(listener)
        core.log.write("accepting paused", ["reason": Socket.errorText(code), "connections": "\(core.openConnections.load(ordering: .relaxed))"])
        resumeTimer = loop.schedule(after: .milliseconds(250)) { [self] in
            resumeTimer = nil
            resumeAccepting()
        }
    }

    private func resumeAccepting() {
        guard acceptPaused, !shuttingDown else { return }
        acceptPaused = false
        if let resumeTimer { loop.cancel(resumeTimer) }
        resumeTimer = nil
        core.log.write("accepting resumed", ["connections": "\(core.openConnections.load(ordering: .relaxed))"])
        loop.register(listener, self)
    }

    /// Logs refusals at most every ten seconds per loop, with how many there were.
    private func noteRefusal(_ reason: String) {
        refusedSinceLog += 1
        let now = Clock.now()
        guard now &- lastRefusalLog >= 10_000_000_000 else { return }
        core.log.write("connections refused", ["reason": reason, "count": "\(refusedSinceLog)"])
        refusedSinceLog = 0
        lastRefusalLog = now
    }

    func connectionClosed(_ connection: ServerConnection) {
        if connections.removeValue(forKey: ObjectIdentifier(connection)) != nil {
            core.connectionEnded(from: connection.peer)
            if acceptPaused { resumeAccepting() }
        }
    }

    func beginShutdown() {
        guard !shuttingDown else { return }
        shuttingDown = true
        if let resumeTimer { loop.cancel(resumeTimer) }
        if !acceptPaused { loop.unregister(listener) }
        close(listener)
        listener = -1
        for connection in connections.values { connection.beginShutdown() }
    }

    func closeAll() {
        for connection in Array(connections.values) { connection.close() }
    }
}
