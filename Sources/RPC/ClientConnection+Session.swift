import CNghttp2

/// The nghttp2 client session and its callbacks.
extension ClientConnection {
    func startSession() {
        var callbacks: OpaquePointer?
        nghttp2_session_callbacks_new(&callbacks)
        defer { nghttp2_session_callbacks_del(callbacks) }
        nghttp2_session_callbacks_set_send_callback(callbacks, { _, data, length, _, user in
            ClientConnection.with(user) { $0.io.output.append(contentsOf: UnsafeBufferPointer(start: data, count: length)) }
            return length
        })
        nghttp2_session_callbacks_set_on_header_callback(callbacks, { _, frame, name, nameLength, value, valueLength, _, user in
            guard let frame else { return 0 }
            return ClientConnection.with(user) { connection in
                connection.withCall(frame.pointee.hd.stream_id) { call in
                    // Matched as bytes: a String per field was most of a call's allocations.
                    let key = UnsafeBufferPointer(start: name, count: nameLength)
                    let text = UnsafeBufferPointer(start: value, count: valueLength)
                    if key.equals(":status") {
                        call.httpStatus = text.decimal
                    } else if key.equals("grpc-status") {
                        call.grpcStatus = text.decimal
                    } else if key.equals("grpc-message") {
                        call.grpcMessage = PercentEncoding.decode(String(decoding: text, as: UTF8.self))
                    }
                }
                return 0
            }
        })
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, { session, _, id, data, length, user in
            return ClientConnection.with(user) { connection in
                connection.withCall(id) { call in
                    call.response.append(contentsOf: UnsafeBufferPointer(start: data, count: length))
                    if call.response.count > connection.maxReceiveMessageSize + GRPCFraming.prefixSize {
                        call.response = []
                        connection.cancel(call, .init(code: .resourceExhausted,
                            message: "response message exceeds the limit of \(connection.maxReceiveMessageSize) bytes"))
                    }
                }
                return 0
            }
        })
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, { _, frame, user in
            guard let frame else { return 0 }
            if frame.pointee.hd.type == UInt8(NGHTTP2_GOAWAY.rawValue) {
                ClientConnection.with(user) { $0.goAwayReceived() }
            }
            return 0
        })
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, { _, id, errorCode, user in
            ClientConnection.with(user) { $0.streamClosed(id, errorCode: errorCode) }
            return 0
        })

        var session: OpaquePointer?
        nghttp2_session_client_new(&session, callbacks, Unmanaged.passUnretained(self).toOpaque())
        io.session = session
        var settings = [
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_ENABLE_PUSH.rawValue), value: 0),
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE.rawValue), value: 1 << 20),
            // gRPC does not use stream priorities; without the RFC 7540 tree nghttp2 keeps no
            // closed streams around for it and schedules frames in plain queues.
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_NO_RFC7540_PRIORITIES.rawValue), value: 1),
        ]
        nghttp2_submit_settings(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), &settings, settings.count)
        nghttp2_session_set_local_window_size(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), 0, 16 << 20)
    }
}
