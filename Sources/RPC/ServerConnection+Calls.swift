import CNghttp2
import RPCCore
import Wire

/// A call's life on the server: headers checked, body collected, handler run off the loop,
/// and the response or a status sent back.
extension ServerConnection {
    func beginRequest(_ id: Int32) {
        let s = ServerStream(id: id)
        streams[id] = s
        openedAStream = true
        // `streams` owns it; nghttp2 keeps a plain pointer for the per-frame lookups.
        nghttp2_session_set_stream_user_data(session, id, Unmanaged.passUnretained(s).toOpaque())
    }

    /// Runs `body` on the stream of a call in progress, found without hashing (see
    /// `beginRequest`) and unretained (`streams` holds it); nil if there is none.
    @discardableResult
    func withStream<R>(_ id: Int32, _ body: (ServerStream) -> R) -> R? {
        guard let raw = nghttp2_session_get_stream_user_data(session, id) else { return nil }
        return Unmanaged<ServerStream>.fromOpaque(raw)._withUnsafeGuaranteedRef(body)
    }

    func receiveHeader(_ id: Int32, name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) {
        withStream(id) { receiveHeader($0, name: name, value: value) }
    }

    private func receiveHeader(_ s: ServerStream, name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) {
        s.headerListSize += name.count + value.count + 32
        // Past the limit, fields are no longer kept; the call is refused when the block ends.
        guard s.headerListSize <= core.limits.maxHeaderListSize else { return }
        if name.first == UInt8(ascii: ":") {
            if name.equals(":path") {
                if !value.equals(utf8Of: lastPath) { lastPath = String(decoding: value, as: UTF8.self) }
                s.path = lastPath
            } else if name.equals(":method") {
                s.isPOST = value.equals("POST")
            }
        } else if name.equals("content-type") {
            s.isGRPCContentType = value.hasPrefix("application/grpc")
        } else if name.equals("grpc-timeout") {
            s.timeout = GRPCTimeout.parse(value) ?? .zero
        } else if name.equals("grpc-encoding") {
            s.messageEncoding = String(decoding: value, as: UTF8.self)
        } else if name.equals("te") || name.equals("user-agent") || name.equals("grpc-accept-encoding") {
            // Transport headers gRPC reserves; not metadata.
        } else {
            let key = String(decoding: name, as: UTF8.self)
            if key.hasSuffix("-bin") {
                s.metadata.add(key, bytes: Base64.decode(String(decoding: value, as: UTF8.self)) ?? [])
            } else {
                s.metadata.add(key, bytes: Array(value))
            }
        }
    }

    func requestHeadersComplete(_ id: Int32) {
        withStream(id) { requestHeadersComplete($0) }
    }

    private func requestHeadersComplete(_ s: ServerStream) {
        guard !s.answered else { return }
        if s.headerListSize > core.limits.maxHeaderListSize {
            return refuse(s, .resourceExhausted,
                "request headers of \(s.headerListSize) bytes exceed the limit of \(core.limits.maxHeaderListSize) bytes")
        }
        guard s.isPOST else { return respondHTTP(s, status: 405) }
        guard s.isGRPCContentType else { return respondHTTP(s, status: 415) }
        if isShuttingDown {
            return refuse(s, .unavailable, "the server is shutting down; retry on another connection")
        }
        guard let route = core.routes[s.path] else {
            return refuse(s, .unimplemented, unimplementedMessage(s.path))
        }
        s.route = route
        if let encoding = s.messageEncoding, encoding != "identity" {
            return refuse(s, .unimplemented,
                "message compression '\(encoding)' is not supported; send messages uncompressed (grpc-encoding: identity)")
        }
        // Credentials are checked here, before any of the body is buffered or decoded.
        if let admit = route.admit {
            switch admit(s.metadata) {
            case .success(let admitted): s.admitted = admitted
            case .failure(let refusal): return refuse(s, refusal.code, refusal.message)
            }
        }
        // The headers a call keeps count against the server's budget too: 256 streams of
        // 16 KiB each are as much as a large message.
        if !hold(s, s.headerListSize, large: false) { return }
        if let timeout = s.timeout {
            if timeout == .zero { return refuse(s, .deadlineExceeded, "deadline exceeded before the call started") }
            let due = Clock.now() &+ Clock.nanoseconds(timeout)
            s.deadline = due
            deadlines.watch(due, for: self)
        }
    }

    private func unimplementedMessage(_ path: String) -> String {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        guard parts.count == 2 else { return "malformed method path '\(path)'" }
        let service = "/\(parts[0])/"
        if core.routes.keys.contains(where: { $0.hasPrefix(service) }) {
            return "method '\(parts[1])' is not implemented by service '\(parts[0])'"
        }
        return "service '\(parts[0])' is not implemented by this server"
    }

    func receiveData(_ id: Int32, _ bytes: UnsafeBufferPointer<UInt8>) {
        withStream(id) { receiveData($0, bytes) }
    }

    private func receiveData(_ s: ServerStream, _ bytes: UnsafeBufferPointer<UInt8>) {
        let n = bytes.count
        s.unreadBytes += n
        // An answered call's bytes are dropped and give the connection its window back, but
        // not the stream: a client that goes on sending is stopped by flow control at once.
        guard !s.answered else { return dropBody(s) }
        // A call still reading gets its stream window back at once (a message is bounded by its
        // size limit); the connection's comes back only when a call takes the bytes.
        nghttp2_session_consume_stream(session, s.id, n)
        guard hold(s, n, large: s.body.count + n > core.limits.smallRequestSize) else { return }
        let limit = core.limits.maxReceiveMessageSize
        s.body.append(contentsOf: bytes)
        if s.body.count >= GRPCFraming.prefixSize {
            // The length prefix tells the size before the bytes arrive: refuse early.
            let declared = Int(s.body[1]) << 24 | Int(s.body[2]) << 16 | Int(s.body[3]) << 8 | Int(s.body[4])
            if declared > limit || s.body.count > limit + GRPCFraming.prefixSize {
                let size = max(declared, s.body.count - GRPCFraming.prefixSize)
                dropBody(s)
                refuse(s, .resourceExhausted, "request message of \(size) bytes exceeds the limit of \(limit) bytes")
            }
        }
    }

    /// Counts `n` more bytes of the call against the server's `serverReceiveBudget`; past it
    /// (or, for a large request, past nine tenths of it) refuses the call and returns false.
    private func hold(_ s: ServerStream, _ n: Int, large: Bool) -> Bool {
        let held = core.heldRequestBytes.add(n, ordering: .relaxed).newValue
        s.heldBytes += n
        let budget = core.limits.serverReceiveBudget
        guard held > budget || (large && held > budget / 10 * 9) else { return true }
        dropBody(s)
        refuse(s, .resourceExhausted, "the server holds \(held - n) bytes of requests in progress, near its limit of \(budget); retry later")
        return false
    }

    /// Gives the connection window back for bytes a call has taken or that were dropped.
    private func handBack(_ s: ServerStream) {
        guard s.unreadBytes > 0 else { return }
        nghttp2_session_consume_connection(session, s.unreadBytes)
        s.unreadBytes = 0
    }

    /// Drops what a call will never use: its buffered body, its window and its share of the server's budget.
    private func dropBody(_ s: ServerStream) {
        s.body = []
        handBack(s)
        releaseHeldBytes(s)
    }

    func releaseHeldBytes(_ s: ServerStream) {
        guard s.heldBytes > 0 else { return }
        core.heldRequestBytes.subtract(s.heldBytes, ordering: .relaxed)
        s.heldBytes = 0
    }

    func requestComplete(_ id: Int32) {
        withStream(id) { requestComplete($0) }
    }

    private func requestComplete(_ s: ServerStream) {
        guard !s.answered, !s.dispatched else { return }
        guard let route = s.route else { return }
        handBack(s)
        let message: [UInt8]
        switch GRPCFraming.unframeSingle(&s.body, what: "request") {
        case .message(let bytes):
            message = bytes
        case .compressed:
            return respondError(s, .internal, "the request message is marked compressed but no grpc-encoding was sent")
        case .malformed(let reason):
            return respondError(s, .internal, reason)
        }
        let inFlight = core.callsInFlight.add(1, ordering: .relaxed).newValue
        s.dispatched = true
        if inFlight > core.limits.maxCallsInFlight {
            cancelCall(s)
            return respondError(s, .resourceExhausted, "the server is overloaded (\(inFlight - 1) calls in flight); retry later")
        }
        var context = ServerContext(path: s.path, metadata: s.metadata)
        context.admitted = s.admitted
        if let timeout = s.timeout { context.deadline = .now + timeout }
        let reply = LoopBound(self, loop: loop)
        let streamID = s.id
        let response = context.response
        /// Makes the response on this loop, wherever the handler finished.
        @Sendable func answer(_ respond: @escaping UnaryRoute.Responder) {
            if reply.loop.inLoop {
                reply.value.complete(streamID, Result { try respond() }, response)
            } else {
                reply.loop.execute { reply.value.complete(streamID, Result { try respond() }, response) }
            }
        }
        if let callback = route.handleWithCallback {
            // No task to cancel: a call that times out or is reset is answered by then, and
            // `complete` drops the late result.
            return callback(message, context, answer)
        }
        // The handler starts on this loop; a handler that awaits storage hops away and back.
        s.task = Task(executorPreference: loop) { [context] in
            do {
                let bytes = try await route.handle(message, context)
                answer { bytes }
            } catch {
                answer { throw error }
            }
        }
    }

    /// The handler finished; answer unless the call was cancelled or timed out meanwhile.
    func complete(_ id: Int32, _ result: Result<[UInt8], any Error>, _ response: ResponseMetadata) {
        guard let s = streams[id], s.dispatched else { return }
        s.task = nil
        cancelCall(s)
        releaseHeldBytes(s)
        guard !s.answered else { return }
        switch result {
        case .success(let bytes):
            guard bytes.count >= GRPCFraming.prefixSize else {
                return respondError(s, .internal, "internal error: the handler's response lacks its headroom")
            }
            if unsentResponseBytes > 0 && unsentResponseBytes + bytes.count > core.limits.maxOutboundBuffer {
                return respondError(s, .resourceExhausted,
                    "\(unsentResponseBytes) bytes of responses on this connection are still unread; read them before asking for more")
            }
            respond(s, bytes, response)
        case .failure(let error as RPCError):
            let metadata = response.both
            respondError(s, error.code, error.message, trailing: metadata.trailing, initial: metadata.initial)
        case .failure(is CancellationError):
            respondError(s, .cancelled, "the call was cancelled")
        case .failure:
            // Never leak internals: the error's text stays on the server.
            respondError(s, .internal, "internal error")
        }
    }

    func streamClosed(_ id: Int32) {
        guard let s = streams.removeValue(forKey: id) else { return }
        unsentResponseBytes -= s.response.count - s.responseOffset
        cancelCall(s)
        dropBody(s)
        lastStreamClosedAt = Clock.now()
        if isShuttingDown && streams.isEmpty { loop.needsFlush(self) }
    }

    /// nghttp2 could not send a response's or trailers' HEADERS: end the stream with an error.
    func responseNotSent(_ id: Int32) {
        withStream(id) { reset($0, NGHTTP2_INTERNAL_ERROR) }
    }

    /// Ends a stream with RST_STREAM: the call is over, whatever was answered.
    func reset(_ s: ServerStream, _ code: nghttp2_error_code) {
        s.answered = true
        nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), s.id, code.rawValue)
        loop.needsFlush(self)
    }

    // MARK: - Responses

    /// Sends `message`, which holds the frame prefix's headroom before the encoded bytes.
    private func respond(_ s: ServerStream, _ message: [UInt8], _ metadata: ResponseMetadata) {
        s.answered = true
        s.response = message
        s.responseOffset = 0
        unsentResponseBytes += message.count
        let (initial, trailing) = metadata.both
        if !trailing.entries.isEmpty {
            var trailers = HeaderList([("grpc-status", "0")])
            Self.addMetadata(trailing, to: &trailers)
            s.trailers = trailers
        }
        var provider = nghttp2_data_provider()
        provider.read_callback = { session, id, buffer, length, flags, _, user in
            return ServerConnection.with(user) { connection in
                connection.withStream(id) { s in
                    let n = min(length, s.response.count - s.responseOffset)
                    connection.unsentResponseBytes -= n
                    if n > 0 {
                        GRPCFraming.copyFrame(of: s.response, messageStart: GRPCFraming.prefixSize, from: s.responseOffset, count: n, into: buffer!)
                        s.responseOffset += n
                    }
                    if s.responseOffset == s.response.count {
                        // The message is out: end with trailers instead of an empty END_STREAM DATA frame.
                        flags!.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue | NGHTTP2_DATA_FLAG_NO_END_STREAM.rawValue
                        if let trailers = s.trailers {
                            _ = trailers.withNV { nghttp2_submit_trailer(session, id, $0, $1) }
                        } else {
                            let block = HeaderBlock.okTrailers
                            nghttp2_submit_trailer(session, id, block.fields, block.count)
                        }
                        s.response = []
                        s.responseOffset = 0
                    }
                    return n
                } ?? Int(NGHTTP2_ERR_CALLBACK_FAILURE.rawValue)
            }
        }
        let submitted: Int32
        if initial.entries.isEmpty {
            let block = HeaderBlock.okResponse
            submitted = nghttp2_submit_response(session, s.id, block.fields, block.count, &provider)
        } else {
            var headers = HeaderList([(":status", "200"), ("content-type", "application/grpc"), ("grpc-accept-encoding", "identity")])
            Self.addMetadata(initial, to: &headers)
            submitted = headers.withNV { nghttp2_submit_response(session, s.id, $0, $1, &provider) }
        }
        if submitted != 0 { return reset(s, NGHTTP2_INTERNAL_ERROR) }
        loop.needsFlush(self)
    }

    /// A trailers-only response: one HEADERS frame with the status, ending the stream. The
    /// message is cut to `maxStatusMessageBytes`, as it may echo what the client sent.
    func respondError(_ s: ServerStream, _ code: StatusCode, _ message: String, trailing: Metadata = Metadata(), initial: Metadata = Metadata()) {
        guard !s.answered else { return }
        s.answered = true
        var headers = HeaderList([(":status", "200"), ("content-type", "application/grpc"), ("grpc-status", "\(code.rawValue)")])
        if !message.isEmpty {
            headers.add("grpc-message", PercentEncoding.encode(Self.truncated(message, toBytes: core.limits.maxStatusMessageBytes)))
        }
        Self.addMetadata(initial, to: &headers)
        Self.addMetadata(trailing, to: &headers)
        let submitted = headers.withNV { nghttp2_submit_response(session, s.id, $0, $1, nil) }
        if submitted != 0 { return reset(s, NGHTTP2_INTERNAL_ERROR) }
        loop.needsFlush(self)
    }

    /// Answers with an error before the request is read, and asks the client to stop sending
    /// it (RST_STREAM NO_ERROR after the answer, as RFC 9113 section 8.1 allows; see `answerSent`).
    func refuse(_ s: ServerStream, _ code: StatusCode, _ message: String) {
        guard !s.answered else { return }
        respondError(s, code, message)
        s.resetWhenAnswered = true
    }

    /// A response's last HEADERS frame went out: a call answered early is reset now, unless
    /// the client has sent its whole request (reset first, nghttp2 would drop the answer).
    func answerSent(_ id: Int32) {
        withStream(id) { s in
            guard s.resetWhenAnswered, nghttp2_session_get_stream_remote_close(session, id) == 0 else { return }
            nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), id, NGHTTP2_NO_ERROR.rawValue)
        }
    }

    /// `text` cut to at most `limit` UTF-8 bytes on a character boundary, marked when cut.
    static func truncated(_ text: String, toBytes limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        var kept = ""
        var size = 0
        for character in text {
            size += character.utf8.count
            if size > limit - 3 { break }
            kept.append(character)
        }
        return kept + "..."
    }

    private func respondHTTP(_ s: ServerStream, status: Int) {
        s.answered = true
        let headers = HeaderList([(":status", "\(status)")])
        let submitted = headers.withNV { nghttp2_submit_response(session, s.id, $0, $1, nil) }
        if submitted != 0 { return reset(s, NGHTTP2_INTERNAL_ERROR) }
        s.resetWhenAnswered = true
        loop.needsFlush(self)
    }

    static func addMetadata(_ metadata: Metadata, to headers: inout HeaderList) {
        for entry in metadata {
            if entry.name.hasSuffix("-bin") {
                headers.add(entry.name, Base64.encode(entry.value))
            } else {
                headers.add(entry.name, bytes: entry.value)
            }
        }
    }
}
