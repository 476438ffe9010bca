import CNghttp2
import RPCCore

/// A call's life on the server: headers checked, body collected, handler run off the loop,
/// and the response or a status sent back.
extension ServerConnection {
    // Header names gRPC reserves for the transport; the rest reach handlers as metadata.
    private static let transportHeaders: Set<String> = [
        "content-type", "te", "grpc-timeout", "grpc-encoding", "grpc-accept-encoding", "user-agent",
    ]

    func beginRequest(_ id: Int32) {
        let s = ServerStream(id: id)
        streams[id] = s
        // A request must arrive whole within the read timeout (slow-loris defence).
        s.timers.append(loop.schedule(after: core.limits.requestReadTimeout) { [weak self, weak s] in
            guard let self, let s, !s.answered, !s.dispatched else { return }
            self.submitRST(s.id, NGHTTP2_CANCEL.rawValue)
        })
    }

    func receiveHeader(_ id: Int32, name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) {
        guard let s = streams[id] else { return }
        s.headerListSize += name.count + value.count + 32
        // Past the limit, fields are no longer kept; the call is refused when the block ends.
        guard s.headerListSize <= core.limits.maxHeaderListSize else { return }
        let key = String(decoding: name, as: UTF8.self)
        let text = { String(decoding: value, as: UTF8.self) }
        switch key {
        case ":path": s.path = text()
        case ":method": s.method = text()
        case "content-type": s.contentType = text()
        case "grpc-encoding": s.messageEncoding = text()
        case "grpc-timeout":
            s.timeout = GRPCTimeout.parse(text())
            if s.timeout == nil { s.timeout = .zero }
        default:
            if key.hasPrefix(":") || Self.transportHeaders.contains(key) { break }
            if key.hasSuffix("-bin") {
                s.metadata.add(key, bytes: Base64.decode(text()) ?? [])
            } else {
                s.metadata.add(key, bytes: Array(value))
            }
        }
    }

    func requestHeadersComplete(_ id: Int32) {
        guard let s = streams[id], !s.answered else { return }
        if s.headerListSize > core.limits.maxHeaderListSize {
            return respondError(s, .resourceExhausted,
                "request headers of \(s.headerListSize) bytes exceed the limit of \(core.limits.maxHeaderListSize) bytes")
        }
        guard s.method == "POST" else { return respondHTTP(s, status: 405) }
        guard s.contentType.hasPrefix("application/grpc") else { return respondHTTP(s, status: 415) }
        if isShuttingDown {
            return respondError(s, .unavailable, "the server is shutting down; retry on another connection")
        }
        guard core.routes[s.path] != nil else {
            return respondError(s, .unimplemented, unimplementedMessage(s.path))
        }
        if let encoding = s.messageEncoding, encoding != "identity" {
            return respondError(s, .unimplemented,
                "message compression '\(encoding)' is not supported; send messages uncompressed (grpc-encoding: identity)")
        }
        if let timeout = s.timeout {
            if timeout == .zero { return respondError(s, .deadlineExceeded, "deadline exceeded before the call started") }
            s.timers.append(loop.schedule(after: timeout) { [weak self, weak s] in
                guard let self, let s, !s.answered else { return }
                self.cancelCall(s)
                self.respondError(s, .deadlineExceeded, "deadline of \(timeout) exceeded")
            })
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
        guard let s = streams[id], !s.answered else { return }
        let limit = core.limits.maxReceiveMessageSize
        s.body.append(contentsOf: bytes)
        if s.body.count >= GRPCFraming.prefixSize {
            // The length prefix tells the size before the bytes arrive: refuse early.
            let declared = Int(s.body[1]) << 24 | Int(s.body[2]) << 16 | Int(s.body[3]) << 8 | Int(s.body[4])
            if declared > limit || s.body.count > limit + GRPCFraming.prefixSize {
                let size = max(declared, s.body.count - GRPCFraming.prefixSize)
                s.body = []
                respondError(s, .resourceExhausted, "request message of \(size) bytes exceeds the limit of \(limit) bytes")
            }
        }
    }

    func requestComplete(_ id: Int32) {
        guard let s = streams[id], !s.answered, !s.dispatched else { return }
        guard let route = core.routes[s.path] else { return }
        let message: [UInt8]
        switch GRPCFraming.unframeSingle(s.body, what: "request") {
        case .message(let bytes):
            message = bytes
        case .compressed:
            return respondError(s, .internal, "the request message is marked compressed but no grpc-encoding was sent")
        case .malformed(let reason):
            return respondError(s, .internal, reason)
        }
        s.body = []
        let inFlight = core.callsInFlight.add(1, ordering: .relaxed).newValue
        s.dispatched = true
        if inFlight > core.limits.maxCallsInFlight {
            cancelCall(s)
            return respondError(s, .resourceExhausted, "the server is overloaded (\(inFlight - 1) calls in flight); retry later")
        }
        var context = ServerContext(path: s.path, metadata: s.metadata)
        if let timeout = s.timeout { context.deadline = .now + timeout }
        let reply = LoopBound(self, loop: loop)
        let streamID = s.id
        let response = context.response
        s.task = Task { [context] in
            let result: Result<[UInt8], any Error>
            do {
                result = .success(try await route.handle(message, context))
            } catch {
                result = .failure(error)
            }
            reply.loop.execute { reply.value.complete(streamID, result, response) }
        }
    }

    /// The handler finished; answer unless the call was cancelled or timed out meanwhile.
    func complete(_ id: Int32, _ result: Result<[UInt8], any Error>, _ response: ResponseMetadata) {
        guard let s = streams[id], s.dispatched else { return }
        s.task = nil
        cancelCall(s)
        guard !s.answered else { return }
        switch result {
        case .success(let bytes):
            respond(s, GRPCFraming.frame(bytes), response)
        case .failure(let error as RPCError):
            respondError(s, error.code, error.message, trailing: response.trailing, initial: response.initial)
        case .failure(is CancellationError):
            respondError(s, .cancelled, "the call was cancelled")
        case .failure:
            // Never leak internals: the error's text stays on the server.
            respondError(s, .internal, "internal error")
        }
    }

    func streamClosed(_ id: Int32) {
        guard let s = streams.removeValue(forKey: id) else { return }
        cancelCall(s)
        if isShuttingDown && streams.isEmpty { loop.needsFlush(self) }
    }

    // MARK: - Responses

    private func respond(_ s: ServerStream, _ framed: [UInt8], _ metadata: ResponseMetadata) {
        s.answered = true
        s.response = framed
        s.responseOffset = 0
        var trailers = HeaderList([("grpc-status", "0")])
        Self.addMetadata(metadata.trailing, to: &trailers)
        s.trailers = trailers
        var headers = HeaderList([(":status", "200"), ("content-type", "application/grpc"), ("grpc-accept-encoding", "identity")])
        Self.addMetadata(metadata.initial, to: &headers)
        var provider = nghttp2_data_provider()
        provider.read_callback = { session, id, buffer, length, flags, _, user in
            let connection = ServerConnection.from(user)
            guard let s = connection.streams[id] else { return Int(NGHTTP2_ERR_CALLBACK_FAILURE.rawValue) }
            let n = min(length, s.response.count - s.responseOffset)
            if n > 0 {
                s.response.withUnsafeBytes { raw in
                    buffer!.update(from: raw.baseAddress!.advanced(by: s.responseOffset).assumingMemoryBound(to: UInt8.self), count: n)
                }
                s.responseOffset += n
            }
            if s.responseOffset == s.response.count {
                // The message is out: end with trailers instead of an empty END_STREAM DATA frame.
                flags!.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue | NGHTTP2_DATA_FLAG_NO_END_STREAM.rawValue
                _ = s.trailers.withNV { nghttp2_submit_trailer(session, id, $0, $1) }
                s.response = []
            }
            return n
        }
        _ = headers.withNV { nghttp2_submit_response(session, s.id, $0, $1, &provider) }
        loop.needsFlush(self)
    }

    /// A trailers-only response: one HEADERS frame with the status, ending the stream.
    func respondError(_ s: ServerStream, _ code: StatusCode, _ message: String, trailing: Metadata = Metadata(), initial: Metadata = Metadata()) {
        guard !s.answered else { return }
        s.answered = true
        var headers = HeaderList([(":status", "200"), ("content-type", "application/grpc"), ("grpc-status", "\(code.rawValue)")])
        if !message.isEmpty { headers.add("grpc-message", PercentEncoding.encode(message)) }
        Self.addMetadata(initial, to: &headers)
        Self.addMetadata(trailing, to: &headers)
        _ = headers.withNV { nghttp2_submit_response(session, s.id, $0, $1, nil) }
        loop.needsFlush(self)
    }

    private func respondHTTP(_ s: ServerStream, status: Int) {
        s.answered = true
        let headers = HeaderList([(":status", "\(status)")])
        _ = headers.withNV { nghttp2_submit_response(session, s.id, $0, $1, nil) }
        loop.needsFlush(self)
    }

    private func submitRST(_ id: Int32, _ code: UInt32) {
        nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), id, code)
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
