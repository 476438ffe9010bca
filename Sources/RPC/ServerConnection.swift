import CNghttp2
import Glibc
import RPCCore

/// One client connection: an nghttp2 server session over the connection's bytes, and the
/// calls in progress. Lives on one event loop and is only touched there.
final class ServerConnection: EventHandler, FlushTarget, DeadlineOwner {
    let loop: EventLoop
    let core: ServerCore
    let io: ConnectionIO
    let peer: PeerAddress
    private unowned let owner: LoopServer

    var streams: [Int32: ServerStream] = [:]
    /// Response bytes handed to nghttp2 but not yet sent, which a client that never opens
    /// its flow-control window would otherwise let grow without bound.
    var unsentResponseBytes = 0
    /// HTTP/2 frames received so far; the preface's SETTINGS is the first.
    var framesReceived = 0
    /// The path of the last call, whose String the next call naming the same method reuses.
    var lastPath = ""
    /// Whether a stream was ever opened, and when the last one closed (for the idle timeouts).
    var openedAStream = false
    var lastStreamClosedAt = Clock.now()
    private var handshakeDone = false
    private var closed = false
    private var shuttingDown = false
    private let openedAt = Clock.now()
    /// One timer per connection does the housekeeping (handshake, idle and slow-request
    /// timeouts), so that a call costs no timer of its own unless it has a deadline.
    private var housekeepingTimer: TimerHeap.ID?
    let deadlines: DeadlineAlarm

    var session: OpaquePointer? { io.session }

    init(loop: EventLoop, core: ServerCore, stream: ByteStream, peer: PeerAddress, owner: LoopServer) {
        self.loop = loop
        deadlines = DeadlineAlarm(loop: loop)
        self.core = core
        self.peer = peer
        self.owner = owner
        io = ConnectionIO(loop: loop, stream: stream, maxOutbound: core.limits.maxOutboundBuffer)
    }

    func start() {
        loop.register(io.stream.fd, self)
        scheduleHousekeeping()
        progressHandshake()
    }

    // MARK: - Events

    func handleEvent(readable: Bool, writable: Bool, hangup: Bool) {
        guard !closed else { return }
        guard handshakeDone else { return progressHandshake() }
        if writable { flush() }
        if readable && !closed { read() }
        if hangup && !readable { close() }
    }

    private func progressHandshake() {
        switch io.handshake() {
        case .done:
            handshakeDone = true
            // gRPC needs HTTP/2; the ALPN callback already refused clients without h2.
            if io.stream.isEncrypted && io.stream.negotiatedProtocol != "h2" { return close() }
            startSession()
            read()
        case .wantRead, .wantWrite:
            break
        case .failed:
            close()
        }
    }

    private func read() {
        if io.readAvailable() == .failed { return close() }
        if io.stoppedAtBudget { loop.resumeSoon(self) }
        loop.needsFlush(self)
    }

    /// Sends what nghttp2 has queued; closes when the session is over.
    func flush() {
        guard !closed, io.session != nil else { return }
        switch io.flush() {
        case .failed, .finished:
            close()
        case .open:
            if io.stoppedAtBudget { loop.resumeSoon(self) }
            if shuttingDown && streams.isEmpty && io.pendingOutput == 0 { close() }
        }
    }

    // MARK: - Lifetime

    private func scheduleHousekeeping() {
        let limits = core.limits
        let period = min(limits.handshakeTimeout, limits.idleTimeout, limits.firstRequestTimeout, limits.requestReadTimeout, .seconds(1))
        // Strong capture: close() cancels the timer, so it never outlives the connection.
        housekeepingTimer = loop.schedule(after: period) { [self] in
            housekeepingTimer = nil
            housekeeping(now: Clock.now())
            if !closed { scheduleHousekeeping() }
        }
    }

    private func housekeeping(now: UInt64) {
        let limits = core.limits
        if framesReceived == 0 {
            // TLS and the HTTP/2 preface must be done within the handshake timeout.
            if now &- openedAt >= Clock.nanoseconds(limits.handshakeTimeout) { close() }
            return
        }
        // Idle is measured from the last call, not the last byte: PINGs do not keep a
        // connection that makes no calls.
        let idle = !openedAStream ? now &- openedAt >= Clock.nanoseconds(limits.firstRequestTimeout)
                                      : now &- lastStreamClosedAt >= Clock.nanoseconds(limits.idleTimeout)
        if streams.isEmpty && idle {
            goAway()
            flush()
            close()
            return
        }
        // A request must arrive whole within the read timeout (slow-loris defence).
        let readTimeout = Clock.nanoseconds(limits.requestReadTimeout)
        for s in streams.values where !s.answered && !s.dispatched && now &- s.openedAt >= readTimeout {
            reset(s, NGHTTP2_CANCEL)
        }
    }

    /// Answers DEADLINE_EXCEEDED to the calls whose deadline has passed; returns the earliest
    /// deadline left.
    func expireDeadlines(now: UInt64) -> UInt64? {
        var next: UInt64?
        for s in streams.values where !s.answered {
            guard let due = s.deadline else { continue }
            if due <= now {
                cancelCall(s)
                respondError(s, .deadlineExceeded, "deadline of \(s.timeout ?? .zero) exceeded")
            } else {
                next = min(next ?? due, due)
            }
        }
        return next
    }

    /// Graceful shutdown: GOAWAY naming the last stream we will serve; the connection closes
    /// once those calls are answered.
    func beginShutdown() {
        guard !closed else { return }
        shuttingDown = true
        guard io.session != nil else { return close() }
        goAway()
        loop.needsFlush(self)
    }

    private func goAway() {
        guard let session = io.session else { return }
        let last = nghttp2_session_get_last_proc_stream_id(session)
        nghttp2_submit_goaway(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), last, NGHTTP2_NO_ERROR.rawValue, nil, 0)
    }

    func close() {
        guard !closed else { return }
        closed = true
        if let housekeepingTimer { loop.cancel(housekeepingTimer) }
        deadlines.stop()
        for s in streams.values {
            cancelCall(s)
            releaseHeldBytes(s)
        }
        streams.removeAll()
        io.close()
        owner.connectionClosed(self)
    }

    func cancelCall(_ s: ServerStream) {
        s.task?.cancel()
        s.task = nil
        s.deadline = nil
        if s.dispatched {
            s.dispatched = false
            core.callsInFlight.subtract(1, ordering: .relaxed)
        }
    }

    var isShuttingDown: Bool { shuttingDown || core.shuttingDown.load(ordering: .relaxed) }
}
