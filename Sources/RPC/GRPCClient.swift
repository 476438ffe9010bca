import Glibc
import RPCCore
import Synchronization

/// A gRPC client over one HTTP/2 connection (h2c or TLS), reused by every call and reopened
/// when it closes. Calls are multiplexed as concurrent streams. Generated client stubs take it
/// as their `UnaryTransport`.
public final class GRPCClient: UnaryTransport, Sendable {
    public let host: String
    public let port: Int
    private let tls: TLSContext?
    /// The loop this client's connection lives on; tasks that make many calls through it can
    /// prefer it as their executor and so never change threads.
    public let loop: EventLoop
    private let connection: LoopBound<ConnectionSlot>
    public var maxReceiveMessageSize: Int { 4 << 20 }
    private let connectTimeout: Duration

    public init(host: String, port: Int, tls: TLSContext? = nil, group: EventLoopGroup? = nil, connectTimeout: Duration = .seconds(5)) {
        BrokenPipes.ignore()
        self.host = host
        self.port = port
        self.tls = tls
        self.connectTimeout = connectTimeout
        loop = (group ?? .shared).next()
        connection = LoopBound(ConnectionSlot(), loop: loop)
    }

    public func unary(path: String, request: [UInt8], options: CallOptions) async throws -> [UInt8] {
        let box = CallBox()
        return try await withTaskCancellationHandler {
            // Unchecked: `ClientCall.finish` answers once and drops the completion.
            try await withUnsafeThrowingContinuation { continuation in
                box.set(begin(path: path, request: request, options: options) { continuation.resume(with: $0.mapError { $0 as any Error }) })
            }
        } onCancel: {
            box.cancel()
        }
    }

    /// The call without a task: `completion` runs on `loop` when the outcome is known (at once,
    /// from this thread, if the call cannot start). Callers on the loop that chain calls from
    /// their completions run no task and change no thread per call.
    public func unary(path: String, request: [UInt8], options: CallOptions,
                      completion: @escaping @Sendable (Result<[UInt8], RPCError>) -> Void) {
        _ = begin(path: path, request: request, options: options, completion: completion)
    }

    private func begin(path: String, request: [UInt8], options: CallOptions,
                       completion: @escaping ClientCall.Completion) -> LoopBound<ClientCall> {
        let call = LoopBound(ClientCall(path: path, request: request, options: options, completion: completion), loop: loop)
        if loop.inLoop {
            start(call.value)
        } else {
            loop.execute { [self] in start(call.value) }
        }
        return call
    }

    private func start(_ call: ClientCall) {
        do throws(RPCError) {
            try currentConnection().start(call)
        } catch {
            call.finish(.failure(error))
        }
    }

    /// Closes the connection; calls in flight fail with UNAVAILABLE.
    public func close() {
        let slot = connection
        loop.execute { slot.value.current?.fail(RPCError(code: .unavailable, message: "the client was closed")) }
    }

    /// The open connection, or a new one (on the loop).
    private func currentConnection() throws(RPCError) -> ClientConnection {
        let slot = connection.value
        if let existing = slot.current, existing.acceptsCalls { return existing }
        let authority = "\(host):\(port)"
        do {
            let fd = try Socket.connect(host: host, port: port)
            let stream: ByteStream
            do {
                stream = try tls.map { try TLSStream(fd: fd, context: $0, host: host) } ?? PlainStream(fd: fd)
            } catch {
                Glibc.close(fd)
                throw error
            }
            let fresh = ClientConnection(loop: loop, stream: stream, authority: authority, tls: tls != nil,
                                         maxReceiveMessageSize: maxReceiveMessageSize) { closed in
                if slot.current === closed { slot.current = nil }
            }
            slot.current = fresh
            fresh.start(connectTimeout: connectTimeout)
            return fresh
        } catch {
            throw RPCError(code: .unavailable, message: "cannot connect to \(authority): \(error)")
        }
    }
}

/// Where a client keeps its connection, on the client's loop.
final class ConnectionSlot {
    var current: ClientConnection?
}

/// Lets a task's cancellation reach the call on its loop.
private final class CallBox: Sendable {
    private let call = Mutex<LoopBound<ClientCall>?>(nil)
    private let cancelled = Mutex(false)

    func set(_ value: LoopBound<ClientCall>) {
        let wasCancelled = cancelled.withLock { $0 }
        call.withLock { $0 = value }
        if wasCancelled { cancel() }
    }

    func cancel() {
        cancelled.withLock { $0 = true }
        guard let call = call.withLock({ $0 }) else { return }
        call.loop.execute {
            let c = call.value
            c.finish(.failure(RPCError(code: .cancelled, message: "the call was cancelled")))
            c.connection?.cancel(c, RPCError(code: .cancelled, message: "the call was cancelled"))
        }
    }
}
