import CNghttp2
import RPCCore

/// The nghttp2 server session: settings, and the callbacks through which it reports frames.
/// Callbacks are C functions; they find their connection through the session's user data.
extension ServerConnection {
    func startSession() {
        var callbacks: OpaquePointer?
        nghttp2_session_callbacks_new(&callbacks)
        defer { nghttp2_session_callbacks_del(callbacks) }
        nghttp2_session_callbacks_set_send_callback(callbacks, { _, data, length, _, user in
            ServerConnection.with(user) { $0.io.output.append(contentsOf: UnsafeBufferPointer(start: data, count: length)) }
            return length
        })
        nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, { _, frame, user in
            guard let frame, frame.pointee.hd.type == UInt8(NGHTTP2_HEADERS.rawValue),
                  frame.pointee.headers.cat == NGHTTP2_HCAT_REQUEST else { return 0 }
            ServerConnection.with(user) { $0.beginRequest(frame.pointee.hd.stream_id) }
            return 0
        })
        nghttp2_session_callbacks_set_on_header_callback(callbacks, { _, frame, name, nameLength, value, valueLength, _, user in
            guard let frame, frame.pointee.headers.cat == NGHTTP2_HCAT_REQUEST else { return 0 }
            ServerConnection.with(user) { $0.receiveHeader(
                frame.pointee.hd.stream_id,
                name: UnsafeBufferPointer(start: name, count: nameLength),
                value: UnsafeBufferPointer(start: value, count: valueLength)) }
            return 0
        })
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, { _, frame, user in
            guard let frame else { return 0 }
            return ServerConnection.with(user) { connection in
                connection.framesReceived += 1
                let type = frame.pointee.hd.type
                let id = frame.pointee.hd.stream_id
                let endStream = frame.pointee.hd.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0
                if type == UInt8(NGHTTP2_HEADERS.rawValue) && frame.pointee.headers.cat == NGHTTP2_HCAT_REQUEST {
                    connection.requestHeadersComplete(id)
                }
                if endStream && (type == UInt8(NGHTTP2_DATA.rawValue) || type == UInt8(NGHTTP2_HEADERS.rawValue)) {
                    connection.requestComplete(id)
                }
                return 0
            }
        })
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, { _, _, id, data, length, user in
            ServerConnection.with(user) { $0.receiveData(id, UnsafeBufferPointer(start: data, count: length)) }
            return 0
        })
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, { _, id, _, user in
            ServerConnection.with(user) { $0.streamClosed(id) }
            return 0
        })
        nghttp2_session_callbacks_set_on_frame_send_callback(callbacks, { _, frame, user in
            guard let frame, frame.pointee.hd.type == UInt8(NGHTTP2_HEADERS.rawValue),
                  frame.pointee.hd.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0 else { return 0 }
            ServerConnection.with(user) { $0.answerSent(frame.pointee.hd.stream_id) }
            return 0
        })
        // A response or trailers nghttp2 could not send (too large a header block, say) would
        // otherwise leave the stream open until the client's deadline: reset it instead.
        nghttp2_session_callbacks_set_on_frame_not_send_callback(callbacks, { _, frame, _, user in
            guard let frame, frame.pointee.hd.type == UInt8(NGHTTP2_HEADERS.rawValue) else { return 0 }
            ServerConnection.with(user) { $0.responseNotSent(frame.pointee.hd.stream_id) }
            return 0
        })

        var options: OpaquePointer?
        nghttp2_option_new(&options)
        defer { nghttp2_option_del(options) }
        let limits = core.limits
        nghttp2_option_set_stream_reset_rate_limit(options, limits.streamResetBurst, limits.streamResetRate)
        nghttp2_option_set_max_continuations(options, limits.maxContinuations)
        // nghttp2 does not enforce our header list limit; the header callback does. This only
        // bounds what the HPACK decoder will hold.
        nghttp2_option_set_max_send_header_block_length(options, 64 << 10)
        // The connection's window is handed back as calls take their messages, not as bytes
        // arrive: a client can then have at most `connectionReceiveBudget` bytes unread here.
        nghttp2_option_set_no_auto_window_update(options, 1)

        var session: OpaquePointer?
        nghttp2_session_server_new2(&session, callbacks, Unmanaged.passUnretained(self).toOpaque(), options)
        io.session = session

        var settings = [
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS.rawValue), value: UInt32(limits.maxConcurrentStreams)),
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE.rawValue), value: UInt32(limits.maxHeaderListSize)),
            // What a stream may send before the server has looked at it: a call refused at its
            // headers wastes at most this much of the client's bandwidth and the server's reading.
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE.rawValue), value: 256 << 10),
            // gRPC does not use stream priorities; without the RFC 7540 tree nghttp2 keeps no
            // closed streams around for it and schedules frames in plain queues.
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_NO_RFC7540_PRIORITIES.rawValue), value: 1),
        ]
        nghttp2_submit_settings(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), &settings, settings.count)
        // The connection window is the budget of unread request bytes (see above); streams get
        // 256 KiB each, handed back as their bytes arrive, since a message is bounded on its own.
        nghttp2_session_set_local_window_size(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), 0, Int32(clamping: limits.connectionReceiveBudget))
        loop.needsFlush(self)
    }

    /// Runs `body` with the connection behind an nghttp2 callback's user data, unretained:
    /// the connection owns its session, so it outlives every callback, and a retain and
    /// release around each of a call's dozen callbacks was measurable.
    static func with<R>(_ user: UnsafeMutableRawPointer?, _ body: (ServerConnection) -> R) -> R {
        Unmanaged<ServerConnection>.fromOpaque(user!)._withUnsafeGuaranteedRef(body)
    }
}
