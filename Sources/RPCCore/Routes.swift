/// What a server handler learns about the call besides the request message.
public struct ServerContext: Sendable {
    /// The full method path, `/package.Service/Method`.
    public var path: String
    public var metadata: Metadata
    /// When the client stops waiting, from `grpc-timeout`.
    public var deadline: ContinuousClock.Instant?
    /// What the route's admission check vouched for when the headers arrived (a verified
    /// credential), so that the handler need not check it again.
    public var admitted: (any AnyObject & Sendable)?
    /// What the handler wants sent back besides the response message.
    public let response: ResponseMetadata

    public init(path: String, metadata: Metadata = Metadata(), deadline: ContinuousClock.Instant? = nil) {
        self.path = path
        self.metadata = metadata
        self.deadline = deadline
        self.response = ResponseMetadata()
    }
}

/// One unary method as a server mounts it: its path and a function from request bytes to
/// response bytes. Generated service code builds these from a typed handler.
public struct UnaryRoute: Sendable {
    /// Takes the request message; returns the response message preceded by `responseHeadroom`
    /// bytes that the transport overwrites with its framing, which spares a copy per call.
    public typealias Handler = @Sendable ([UInt8], ServerContext) async throws -> [UInt8]
    /// The same, answering through `reply` instead of returning. It runs on the connection's
    /// thread and must not block; `reply` may be called from any thread, once, with a function
    /// that makes the response (or throws the call's error), which then runs on the
    /// connection's thread. For hot methods whose work finishes on another thread (a commit):
    /// they skip a task per call, and that thread does not spend its time encoding.
    public typealias CallbackHandler = @Sendable ([UInt8], ServerContext, _ reply: @escaping @Sendable (_ respond: @escaping Responder) -> Void) -> Void
    /// Makes the response message (with its headroom) or throws the call's error.
    public typealias Responder = @Sendable () throws -> [UInt8]

    /// Bytes reserved in front of every response message: gRPC's length prefix.
    public static let responseHeadroom = 5

    /// Decides, from the request's metadata alone, whether the call may go on: an error
    /// refuses it when its headers arrive, before any of its body is buffered or decoded;
    /// success may carry what it verified, which the handler finds in `ServerContext.admitted`.
    public typealias Admission = @Sendable (Metadata) -> Result<(any AnyObject & Sendable)?, RPCError>

    public var path: String
    public var handle: Handler
    /// Set for routes made from a `CallbackHandler`; the server then calls it rather than `handle`.
    public var handleWithCallback: CallbackHandler?
    /// Checked when the headers are complete (credentials); nil admits every call.
    public var admit: Admission?

    public init(path: String, handle: @escaping Handler) {
        self.path = path
        self.handle = handle
    }

    public init(path: String, callback: @escaping CallbackHandler) {
        self.path = path
        handleWithCallback = callback
        handle = { bytes, context in
            try await withCheckedThrowingContinuation { continuation in
                callback(bytes, context) { respond in continuation.resume(with: Result { try respond() }) }
            }
        }
    }

    /// This route with `admit` checked before each call's body is read.
    public func admitting(_ admit: @escaping Admission) -> UnaryRoute {
        var route = self
        route.admit = admit
        return route
    }
}

/// Per-call options for a client stub.
public struct CallOptions: Sendable {
    public var metadata: Metadata
    public var timeout: Duration?

    public init(metadata: Metadata = Metadata(), timeout: Duration? = nil) {
        self.metadata = metadata
        self.timeout = timeout
    }
}

/// What a generated client stub needs from a connection: send one request, get one response
/// or a thrown `RPCError`, awaited or through a completion.
public protocol UnaryTransport: Sendable {
    func unary(path: String, request: [UInt8], options: CallOptions) async throws -> [UInt8]
    func unary(path: String, request: [UInt8], options: CallOptions,
               completion: @escaping @Sendable (Result<[UInt8], RPCError>) -> Void)
}
