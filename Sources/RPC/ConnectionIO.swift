import CNghttp2

/// The byte plumbing both ends of an HTTP/2 connection share: TLS handshake steps, socket
/// reads fed to nghttp2, frames nghttp2 produces written out, and backpressure when the peer
/// does not read. Owned by a server or client connection on one event loop.
final class ConnectionIO {
    let loop: EventLoop
    let stream: ByteStream
    var session: OpaquePointer?
    /// Bytes nghttp2 produced that the socket has not taken yet (filled by the send callback).
    var output: [UInt8] = []
    private var outputOffset = 0
    private var wantWrite = false
    private(set) var readingPaused = false
    private let maxOutbound: Int
    /// Set when the last read stopped at `readBudget` with more perhaps waiting: the owner
    /// asks its loop for another turn (`EventLoop.resumeSoon`), as TLS may hold decrypted
    /// bytes that no socket event will announce.
    private(set) var stoppedAtBudget = false
    /// Bytes one connection may read in one turn of its loop, so that a client streaming
    /// megabytes does not keep the loop from the other connections meanwhile.
    static let readBudget = 64 << 10

    enum Outcome {
        case open
        /// Neither side wants more: the session is over.
        case finished
        case failed
    }

    init(loop: EventLoop, stream: ByteStream, maxOutbound: Int) {
        self.loop = loop
        self.stream = stream
        self.maxOutbound = maxOutbound
    }

    deinit {
        if let session { nghttp2_session_del(session) }
    }

    var pendingOutput: Int { output.count - outputOffset }

    /// One TLS handshake step, with the socket's write interest set to what it waits for.
    func handshake() -> HandshakeProgress {
        let progress = stream.handshake()
        switch progress {
        case .wantWrite: loop.setWritableInterest(stream.fd, true)
        case .done, .wantRead: loop.setWritableInterest(stream.fd, false)
        case .failed: break
        }
        return progress
    }

    /// Feeds everything the socket has to nghttp2, unless reading is paused.
    func readAvailable() -> Outcome {
        // One buffer per loop, not per connection: nghttp2 takes what it needs from each read
        // before the next, and thousands of idle connections then hold none.
        let buffer = loop.readBuffer
        var budget = Self.readBudget
        stoppedAtBudget = false
        while !readingPaused {
            guard budget > 0 else {
                stoppedAtBudget = true
                return .open
            }
            switch stream.read(into: buffer) {
            case .bytes(let n):
                budget -= n
                let consumed = nghttp2_session_mem_recv(session, buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), n)
                if consumed < 0 {
                    // A protocol error: nghttp2 has queued GOAWAY; send what we can, then hang up.
                    _ = nghttp2_session_send(session)
                    _ = writeOutput()
                    return .failed
                }
            case .wouldBlock:
                return .open
            case .closed:
                return .failed
            }
        }
        return .open
    }

    /// Lets nghttp2 produce frames and writes them; pauses reading while the peer lags.
    func flush() -> Outcome {
        guard let session else { return .open }
        guard nghttp2_session_send(session) == 0, writeOutput() else { return .failed }
        let pending = pendingOutput
        if readingPaused && pending < maxOutbound / 2 {
            readingPaused = false
            if readAvailable() == .failed { return .failed }
        } else if !readingPaused && pending >= maxOutbound {
            readingPaused = true
        }
        if nghttp2_session_want_read(session) == 0 && nghttp2_session_want_write(session) == 0 && pendingOutput == 0 {
            return .finished
        }
        return .open
    }

    /// Writes queued bytes until the socket would block; false when it is gone.
    private func writeOutput() -> Bool {
        while outputOffset < output.count {
            let result = output.withUnsafeBytes { raw in
                stream.write(UnsafeRawBufferPointer(rebasing: raw[outputOffset...]))
            }
            switch result {
            case .bytes(let n):
                outputOffset += n
            case .wouldBlock:
                if !wantWrite {
                    wantWrite = true
                    loop.setWritableInterest(stream.fd, true)
                }
                return true
            case .closed:
                return false
            }
        }
        output.removeAll(keepingCapacity: output.count <= 1 << 20)
        outputOffset = 0
        if wantWrite {
            wantWrite = false
            loop.setWritableInterest(stream.fd, false)
        }
        return true
    }

    func close() {
        loop.unregister(stream.fd)
        stream.close()
    }
}
