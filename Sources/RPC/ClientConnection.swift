import CNghttp2
import Glibc
import RPCCore

/// One HTTP/2 connection from a client: connects, runs the nghttp2 client session, and
/// multiplexes calls as streams. Lives on one event loop and is only touched there.
final class ClientConnection: EventHandler, FlushTarget, DeadlineOwner {
    enum State {
        case connecting
        case handshaking
        case ready
        /// GOAWAY received or shutting down: no new calls, the open ones finish.
        case draining
        case closed
    }

    let loop: EventLoop
    let io: ConnectionIO
    private(set) var state = State.connecting
    private var waiting: [ClientCall] = []
    var calls: [Int32: ClientCall] = [:]
    let maxReceiveMessageSize: Int
    private let authority: String
    private let scheme: String
    private var requestHeaders = RequestHeaderCache()
    private var onClose: ((ClientConnection) -> Void)?
    private var connectTimer: TimerHeap.ID?
    private let deadlines: DeadlineAlarm

    init(loop: EventLoop, stream: ByteStream, authority: String, tls: Bool, maxReceiveMessageSize: Int, onClose: @escaping (ClientConnection) -> Void) {
        self.loop = loop
        deadlines = DeadlineAlarm(loop: loop)
        self.authority = authority
        scheme = tls ? "https" : "http"
        self.maxReceiveMessageSize = maxReceiveMessageSize
        self.onClose = onClose
        io = ConnectionIO(loop: loop, stream: stream, maxOutbound: 64 << 20)
    }

    func start(connectTimeout: Duration) {
        loop.register(io.stream.fd, self, writable: true)
        // Strong capture: the timer is cancelled once connected or closed.
        connectTimer = loop.schedule(after: connectTimeout) { [self] in
            connectTimer = nil
            guard state == .connecting || state == .handshaking else { return }
            fail(RPCError(code: .unavailable, message: "could not connect to \(authority) within \(connectTimeout)"))
        }
    }

    var acceptsCalls: Bool { state == .connecting || state == .handshaking || state == .ready }

    // MARK: - Events

    func handleEvent(readable: Bool, writable: Bool, hangup: Bool) {
        switch state {
        case .connecting:
            guard writable || hangup else { return }
            let error = Socket.pendingError(io.stream.fd)
            guard error == 0 else {
                return fail(RPCError(code: .unavailable, message: "cannot connect to \(authority): \(Socket.errorText(error))"))
            }
            state = .handshaking
            progressHandshake()
        case .handshaking:
            progressHandshake()
        case .ready, .draining:
            if writable { flush() }
            if readable { read() }
            if hangup && !readable { fail(RPCError(code: .unavailable, message: "the connection to \(authority) was closed")) }
        case .closed:
            break
        }
    }

    private func progressHandshake() {
        switch io.handshake() {
        case .done:
            if scheme == "https" && io.stream.negotiatedProtocol != "h2" {
                return fail(RPCError(code: .unavailable, message: "\(authority) did not agree to HTTP/2 (ALPN h2)"))
            }
            startSession()
            state = .ready
            if let connectTimer { loop.cancel(connectTimer) }
            connectTimer = nil
            let queued = waiting
            waiting.removeAll()
            for call in queued { submit(call) }
            loop.needsFlush(self)
        case .wantRead, .wantWrite:
            break
        case .failed(let reason):
            fail(RPCError(code: .unavailable, message: "TLS with \(authority) failed: \(reason)"))
        }
    }

    private func read() {
        if io.readAvailable() == .failed {
            return fail(RPCError(code: .unavailable, message: "the connection to \(authority) was lost"))
        }
        if io.stoppedAtBudget { loop.resumeSoon(self) }
        loop.needsFlush(self)
    }

    func flush() {
        guard state == .ready || state == .draining else { return }
        switch io.flush() {
        case .failed: fail(RPCError(code: .unavailable, message: "the connection to \(authority) was lost"))
        case .finished: fail(RPCError(code: .unavailable, message: "the connection to \(authority) ended"))
        case .open: if io.stoppedAtBudget { loop.resumeSoon(self) }
        }
    }

    // MARK: - Calls

    func start(_ call: ClientCall) {
        call.connection = self
        switch state {
        case .connecting, .handshaking: waiting.append(call)
        case .ready: submit(call)
        case .draining, .closed: call.finish(.failure(RPCError(code: .unavailable, message: "the connection to \(authority) is closing; retry")))
        }
    }

    private func submit(_ call: ClientCall) {
        var provider = nghttp2_data_provider()
        provider.read_callback = { _, id, buffer, length, flags, _, user in
            return ClientConnection.with(user) { connection in
                connection.withCall(id) { call in
                    let framedSize = GRPCFraming.prefixSize + call.request.count
                    let n = min(length, framedSize - call.requestOffset)
                    if n > 0 {
                        GRPCFraming.copyFrame(of: call.request, messageStart: 0, from: call.requestOffset, count: n, into: buffer!)
                        call.requestOffset += n
                    }
                    if call.requestOffset == framedSize { flags!.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue }
                    return n
                } ?? Int(NGHTTP2_ERR_CALLBACK_FAILURE.rawValue)
            }
        }
        // `calls` owns the call; nghttp2 keeps a plain pointer for the per-frame lookups.
        let callPointer = Unmanaged.passUnretained(call).toOpaque()
        let key = RequestHeaderCache.Key(path: call.path, timeout: call.options.timeout, metadata: call.options.metadata)
        let id = if let block = requestHeaders.block(for: key, fields: { headerFields(of: call) }) {
            nghttp2_submit_request(io.session, nil, block.fields, block.count, &provider, callPointer)
        } else {
            headerFields(of: call).withNV { nghttp2_submit_request(io.session, nil, $0, $1, &provider, callPointer) }
        }
        guard id > 0 else {
            return call.finish(.failure(RPCError(code: .unavailable, message: "cannot open a stream to \(authority) (nghttp2 error \(id))")))
        }
        call.streamID = id
        calls[id] = call
        if let timeout = call.options.timeout {
            let due = Clock.now() &+ Clock.nanoseconds(timeout)
            call.deadline = due
            deadlines.watch(due, for: self)
        }
        loop.needsFlush(self)
    }

    private func headerFields(of call: ClientCall) -> HeaderList {
        // Pseudo-headers first, as HTTP/2 requires.
        var headers = HeaderList([(":method", "POST"), (":scheme", scheme), (":authority", authority), (":path", call.path),
                                  ("content-type", "application/grpc"), ("te", "trailers"), ("user-agent", "badges-swift-grpc/1")])
        if let timeout = call.options.timeout { headers.add("grpc-timeout", GRPCTimeout.format(timeout)) }
        ServerConnection.addMetadata(call.options.metadata, to: &headers)
        return headers
    }

    /// Ends a call from our side: RST_STREAM(CANCEL) to the server, the error to the caller.
    func cancel(_ call: ClientCall, _ error: RPCError) {
        call.finish(.failure(error))
        if let index = waiting.firstIndex(where: { $0 === call }) { waiting.remove(at: index) }
        guard call.streamID > 0, calls[call.streamID] != nil, let session = io.session else { return }
        nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), call.streamID, NGHTTP2_CANCEL.rawValue)
        loop.needsFlush(self)
    }

    /// Ends the calls whose deadline has passed; returns the earliest deadline left.
    func expireDeadlines(now: UInt64) -> UInt64? {
        var next: UInt64?
        for call in calls.values where call.isPending {
            guard let due = call.deadline else { continue }
            if due <= now {
                cancel(call, RPCError(code: .deadlineExceeded, message: "deadline of \(call.options.timeout ?? .zero) exceeded"))
            } else {
                next = min(next ?? due, due)
            }
        }
        return next
    }

    func streamClosed(_ id: Int32, errorCode: UInt32) {
        guard let call = calls.removeValue(forKey: id) else { return }
        call.finish(call.outcome(resetCode: errorCode))
        if state == .draining && calls.isEmpty { close() }
    }

    func goAwayReceived() {
        if state == .ready { state = .draining }
        if calls.isEmpty { close() }
    }

    // MARK: - Closing

    func fail(_ error: RPCError) {
        guard state != .closed else { return }
        // Closed before anyone hears: a completion may start its next call at once, which
        // must find this connection gone and open another, not join a list being emptied.
        let (unsent, inFlight) = (waiting, calls)
        waiting.removeAll()
        calls.removeAll()
        close()
        for call in unsent { call.finish(.failure(error)) }
        for call in inFlight.values { call.finish(.failure(error)) }
    }

    func close() {
        guard state != .closed else { return }
        if !calls.isEmpty || !waiting.isEmpty {
            return fail(RPCError(code: .unavailable, message: "the connection to \(authority) was closed"))
        }
        state = .closed
        deadlines.stop()
        if let connectTimer { loop.cancel(connectTimer) }
        connectTimer = nil
        io.close()
        onClose?(self)
        onClose = nil
    }

    /// Runs `body` on the call of stream `id`, found without hashing and unretained (`calls`
    /// holds it); nil if there is none. A closed connection has let go of its calls, which
    /// nghttp2 may still point to.
    func withCall<R>(_ id: Int32, _ body: (ClientCall) -> R) -> R? {
        guard state != .closed, let session = io.session, let raw = nghttp2_session_get_stream_user_data(session, id) else { return nil }
        return Unmanaged<ClientCall>.fromOpaque(raw)._withUnsafeGuaranteedRef(body)
    }

    /// Runs `body` with the connection behind an nghttp2 callback's user data, unretained:
    /// the connection owns its session, so it outlives every callback, and a retain and
    /// release around each of a call's dozen callbacks was measurable.
    static func with<R>(_ user: UnsafeMutableRawPointer?, _ body: (ClientConnection) -> R) -> R {
        Unmanaged<ClientConnection>.fromOpaque(user!)._withUnsafeGuaranteedRef(body)
    }
}
