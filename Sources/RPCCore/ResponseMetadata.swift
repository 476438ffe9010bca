import Synchronization

/// Metadata a handler sends back: initial metadata goes with the response headers, trailing
/// metadata with the status in the trailers.
public final class ResponseMetadata: Sendable {
    private let state = Mutex<(initial: Metadata, trailing: Metadata)>((Metadata(), Metadata()))

    public init() {}

    public var initial: Metadata {
        get { state.withLock { $0.initial } }
        set { state.withLock { $0.initial = newValue } }
    }

    public var trailing: Metadata {
        get { state.withLock { $0.trailing } }
        set { state.withLock { $0.trailing = newValue } }
    }

    /// Both, under one hold of the lock (the transport reads them for every answer).
    public var both: (initial: Metadata, trailing: Metadata) { state.withLock { $0 } }
}
