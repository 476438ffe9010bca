import Glibc

/// A connection's bytes, in the clear or through TLS; both are non-blocking.
protocol ByteStream: AnyObject {
    var fd: Int32 { get }
    /// Moves a TLS handshake on; a plain stream is ready at once.
    func handshake() -> HandshakeProgress
    func read(into buffer: UnsafeMutableRawBufferPointer) -> Socket.IOResult
    func write(_ bytes: UnsafeRawBufferPointer) -> Socket.IOResult
    /// The ALPN protocol agreed in the handshake, if any.
    var negotiatedProtocol: String? { get }
    var isEncrypted: Bool { get }
    func close()
}

enum HandshakeProgress: Equatable {
    case done
    case wantRead
    case wantWrite
    case failed(String)
}

final class PlainStream: ByteStream {
    let fd: Int32
    private var closed = false

    init(fd: Int32) { self.fd = fd }

    func handshake() -> HandshakeProgress { .done }
    func read(into buffer: UnsafeMutableRawBufferPointer) -> Socket.IOResult { Socket.read(fd, into: buffer) }
    func write(_ bytes: UnsafeRawBufferPointer) -> Socket.IOResult { Socket.write(fd, bytes) }
    var negotiatedProtocol: String? { nil }
    var isEncrypted: Bool { false }

    func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(fd)
    }
}
