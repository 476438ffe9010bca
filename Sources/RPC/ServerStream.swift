import RPCCore

/// One call on a server connection: the request as it arrives, then the response as it leaves.
final class ServerStream {
    let id: Int32
    var path = ""
    /// The method, found once the headers are complete.
    var route: UnaryRoute?
    var isPOST = false
    var isGRPCContentType = false
    var messageEncoding: String?
    var timeout: Duration?
    var metadata = Metadata()
    /// What the route's admission check vouched for, handed to the handler.
    var admitted: (any AnyObject & Sendable)?
    /// HTTP/2's measure of the header list: name + value + 32 per field.
    var headerListSize = 0
    var body: [UInt8] = []
    /// Bytes received that still count against the connection's window (see `handBack`).
    var unreadBytes = 0
    /// Bytes counted against the server's `serverReceiveBudget` until the call ends.
    var heldBytes = 0
    /// Set once a response (or an error) is submitted; later events for the call are ignored.
    var answered = false
    /// Answered before the request was read: reset the stream once the answer is sent.
    var resetWhenAnswered = false
    /// The handler is running.
    var dispatched = false
    var task: Task<Void, Never>?
    /// When the call is out of time (monotonic nanoseconds, `Clock`); see `DeadlineAlarm`.
    var deadline: UInt64?
    let openedAt = Clock.now()
    /// The framed response message and how much of it nghttp2 has taken.
    var response: [UInt8] = []
    var responseOffset = 0
    /// Trailers when the handler set trailing metadata; nil sends the static `grpc-status: 0`.
    var trailers: HeaderList?

    init(id: Int32) { self.id = id }
}
