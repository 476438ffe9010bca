import CNghttp2
import Glibc
import RPCCore

/// One client connection: bytes in and out of its socket (or TLS), an nghttp2 server session
/// in between, and the calls in progress. Lives on one event loop and is only touched there.
final class ServerConnection: EventHandler, FlushTarget {
    let loop: EventLoop
    let core: ServerCore
    let stream: ByteStream
    private unowned let owner: LoopServer

    var session: OpaquePointer?
    var streams: [Int32: ServerStream] = [:]
    private var handshakeDone = false
    private var closed = false
    private var shuttingDown = false
    private var readingPaused = false
    private var wantWrite = false
    /// Bytes nghttp2 produced that the socket has not taken yet.
    var output: [UInt8] = []
    private var outputOffset = 0
    private var lastActivity = Clock.now()
    private var idleTimer: TimerHeap.ID?
    private var readBuffer = [UInt8](repeating: 0, count: 32 << 10)

    init(loop: EventLoop, core: ServerCore, stream: ByteStream, owner: LoopServer) {
        self.loop = loop
        self.core = core
        self.stream = stream
        self.owner = owner
    }

    deinit {
        if let session { nghttp2_session_del(session) }
    }

    func start() {
        loop.register(stream.fd, self)
        // A client gets this long to finish TLS and the HTTP/2 preface.
        loop.schedule(after: core.limits.handshakeTimeout) { [weak self] in
            guard let self, !self.closed, self.framesReceived == 0 else { return }
            self.close()
        }
        scheduleIdleCheck()
        progressHandshake()
    }

    /// HTTP/2 frames received so far; the preface's SETTINGS is the first.
    var framesReceived = 0

    // MARK: - Events

    func handleEvent(readable: Bool, writable: Bool, hangup: Bool) {
        guard !closed else { return }
        if !handshakeDone {
            progressHandshake()
            return
        }
        if writable { flush() }
        if readable && !readingPaused { readAvailable() }
        if hangup && !readable { close() }
    }

    private func progressHandshake() {
        switch stream.handshake() {
        case .done:
            handshakeDone = true
            if core.tls != nil && stream.negotiatedProtocol != "h2" {
                close()  // gRPC needs HTTP/2; the ALPN callback already refused anything else
                return
            }
            loop.setWritableInterest(stream.fd, false)
            startSession()
            readAvailable()
        case .wantRead:
            loop.setWritableInterest(stream.fd, false)
        case .wantWrite:
            loop.setWritableInterest(stream.fd, true)
        case .failed:
            close()
        }
    }

    private func readAvailable() {
        while !closed && !readingPaused {
            let result = readBuffer.withUnsafeMutableBytes { stream.read(into: $0) }
            switch result {
            case .bytes(let n):
                lastActivity = Clock.now()
                let consumed = readBuffer.withUnsafeBytes { raw in
                    nghttp2_session_mem_recv(session, raw.baseAddress!.assumingMemoryBound(to: UInt8.self), n)
                }
                if consumed < 0 {
                    // A protocol error: nghttp2 has queued GOAWAY; send it, then hang up.
                    _ = nghttp2_session_send(session)
                    writeOutput()
                    close()
                    return
                }
                loop.needsFlush(self)
            case .wouldBlock:
                return
            case .closed:
                close()
                return
            }
        }
    }

    // MARK: - Output

    /// Lets nghttp2 produce frames, writes them, and closes when the session is finished.
    func flush() {
        guard !closed, let session else { return }
        if nghttp2_session_send(session) != 0 {
            close()
            return
        }
        writeOutput()
        if closed { return }
        let pending = output.count - outputOffset
        if readingPaused && pending < core.limits.maxOutboundBuffer / 2 {
            readingPaused = false
            readAvailable()
        } else if !readingPaused && pending >= core.limits.maxOutboundBuffer {
            // The client is not reading: stop reading its requests until it catches up.
            readingPaused = true
        }
        if nghttp2_session_want_read(session) == 0 && nghttp2_session_want_write(session) == 0 && pending == 0 {
            close()
        } else if shuttingDown && streams.isEmpty && pending == 0 {
            close()
        }
    }

    private func writeOutput() {
        while outputOffset < output.count {
            let result = output.withUnsafeBytes { raw in
                stream.write(UnsafeRawBufferPointer(rebasing: raw[outputOffset...]))
            }
            switch result {
            case .bytes(let n):
                outputOffset += n
            case .wouldBlock:
                if !wantWrite {
                    wantWrite = true
                    loop.setWritableInterest(stream.fd, true)
                }
                return
            case .closed:
                close()
                return
            }
        }
        output.removeAll(keepingCapacity: output.count <= 1 << 20)
        outputOffset = 0
        if wantWrite {
            wantWrite = false
            loop.setWritableInterest(stream.fd, false)
        }
    }

    // MARK: - Lifetime

    private func scheduleIdleCheck() {
        idleTimer = loop.schedule(after: core.limits.idleTimeout) { [weak self] in
            guard let self, !self.closed else { return }
            let idleFor = Clock.now() - self.lastActivity
            if self.streams.isEmpty && idleFor >= Clock.nanoseconds(self.core.limits.idleTimeout) {
                self.goAway()
                self.flush()
                self.close()
            } else {
                self.scheduleIdleCheck()
            }
        }
    }

    /// Graceful shutdown: GOAWAY naming the last stream we will serve; the connection closes
    /// once those calls are answered.
    func beginShutdown() {
        guard !closed else { return }
        shuttingDown = true
        guard session != nil else {
            close()
            return
        }
        goAway()
        loop.needsFlush(self)
    }

    private func goAway() {
        guard let session else { return }
        let last = nghttp2_session_get_last_proc_stream_id(session)
        nghttp2_submit_goaway(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), last, NGHTTP2_NO_ERROR.rawValue, nil, 0)
    }

    func close() {
        guard !closed else { return }
        closed = true
        if let idleTimer { loop.cancel(idleTimer) }
        for s in streams.values { cancelCall(s) }
        streams.removeAll()
        loop.unregister(stream.fd)
        stream.close()
        owner.connectionClosed(self)
    }

    func cancelCall(_ s: ServerStream) {
        s.task?.cancel()
        s.task = nil
        for timer in s.timers { loop.cancel(timer) }
        s.timers.removeAll()
        if s.dispatched {
            s.dispatched = false
            core.callsInFlight.subtract(1, ordering: .relaxed)
        }
    }

    var isShuttingDown: Bool { shuttingDown || core.shuttingDown.load(ordering: .relaxed) }
}
