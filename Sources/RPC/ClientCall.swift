import RPCCore

/// One call on a client connection, from the request leaving to the status arriving.
final class ClientCall {
    let path: String
    let options: CallOptions
    /// The request message, unframed; `requestOffset` counts the frame's bytes sent.
    let request: [UInt8]
    var requestOffset = 0
    typealias Completion = @Sendable (Result<[UInt8], RPCError>) -> Void
    /// Who hears the outcome: a callback, or an awaiting task's continuation wrapped in one.
    var completion: Completion?
    var streamID: Int32 = -1
    var httpStatus: Int?
    var grpcStatus: Int?
    var grpcMessage: String?
    var response: [UInt8] = []
    /// When the call is out of time (monotonic nanoseconds, `Clock`); see `DeadlineAlarm`.
    var deadline: UInt64?
    /// The connection carrying the call, for cancelling it; cleared when the call finishes.
    /// (Strong rather than weak: a weak reference would slow every retain of the connection.)
    var connection: ClientConnection?

    init(path: String, request: [UInt8], options: CallOptions, completion: @escaping Completion) {
        self.path = path
        self.request = request
        self.options = options
        self.completion = completion
    }

    /// Whether the outcome is still to be delivered.
    var isPending: Bool { completion != nil }

    /// Answers the caller once; later outcomes (a late reset after a deadline) are dropped.
    func finish(_ result: Result<[UInt8], RPCError>) {
        guard let completion else { return }
        self.completion = nil
        connection = nil
        completion(result)
    }

    /// The call's outcome from what the stream delivered before it closed.
    func outcome(resetCode: UInt32) -> Result<[UInt8], RPCError> {
        if let code = grpcStatus {
            guard code == 0 else {
                return .failure(RPCError(code: StatusCode(rawValue: code), message: grpcMessage ?? ""))
            }
            switch GRPCFraming.unframeSingle(&response, what: "response") {
            case .message(let bytes): return .success(bytes)
            case .compressed: return .failure(RPCError(code: .internal, message: "the server sent a compressed message"))
            case .malformed(let reason): return .failure(RPCError(code: .internal, message: reason))
            }
        }
        if let http = httpStatus, http != 200 {
            return .failure(RPCError(code: Self.codeForHTTP(http), message: "HTTP status \(http) without a gRPC status"))
        }
        switch resetCode {
        case 0x7: return .failure(RPCError(code: .unavailable, message: "the server refused the stream; retry"))
        case 0x8: return .failure(RPCError(code: .cancelled, message: "the server cancelled the call"))
        case 0xB: return .failure(RPCError(code: .resourceExhausted, message: "the server asked to calm down (ENHANCE_YOUR_CALM)"))
        default: return .failure(RPCError(code: .internal, message: "the stream ended without a gRPC status (HTTP/2 error \(resetCode))"))
        }
    }

    /// gRPC's mapping for HTTP statuses that come without grpc-status.
    static func codeForHTTP(_ status: Int) -> StatusCode {
        switch status {
        case 400: return .internal
        case 401: return .unauthenticated
        case 403: return .permissionDenied
        case 404: return .unimplemented
        case 429, 502, 503, 504: return .unavailable
        default: return .unknown
        }
    }
}
