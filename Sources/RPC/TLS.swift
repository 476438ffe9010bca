import COpenSSL
import Glibc

/// Why TLS could not be set up, with OpenSSL's own reason.
public struct TLSError: Error, CustomStringConvertible {
    public var description: String

    init(_ what: String) {
        var reasons: [String] = []
        while case let code = ERR_get_error(), code != 0 {
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            reasons.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        description = reasons.isEmpty ? what : "\(what): \(reasons.joined(separator: "; "))"
    }
}

/// An OpenSSL context: certificates, verification and ALPN for every connection made from it.
public final class TLSContext: @unchecked Sendable {
    // Immutable after init; OpenSSL contexts may be shared by threads once configured.
    let context: OpaquePointer
    let isServer: Bool
    let serverName: String?

    private init(context: OpaquePointer, isServer: Bool, serverName: String?) {
        self.context = context
        self.isServer = isServer
        self.serverName = serverName
    }

    deinit { SSL_CTX_free(context) }

    /// A server context from PEM files; offers only HTTP/2 (`h2`) through ALPN.
    public static func server(certificateFile: String, keyFile: String) throws -> TLSContext {
        guard let ctx = SSL_CTX_new(TLS_server_method()) else { throw TLSError("SSL_CTX_new") }
        let tls = TLSContext(context: ctx, isServer: true, serverName: nil)
        _ = COpenSSL_SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION)
        _ = COpenSSL_SSL_CTX_set_options(ctx, COpenSSL_options_server())
        _ = COpenSSL_SSL_CTX_set_mode(ctx, COpenSSL_mode_partial_write())
        guard SSL_CTX_use_certificate_chain_file(ctx, certificateFile) == 1 else {
            throw TLSError("cannot load certificate '\(certificateFile)'")
        }
        guard SSL_CTX_use_PrivateKey_file(ctx, keyFile, SSL_FILETYPE_PEM) == 1 else {
            throw TLSError("cannot load private key '\(keyFile)'")
        }
        guard SSL_CTX_check_private_key(ctx) == 1 else {
            throw TLSError("private key '\(keyFile)' does not match the certificate")
        }
        SSL_CTX_set_alpn_select_cb(ctx, { _, out, outLength, input, inputLength, _ in
            // Pick h2 from the client's list; refuse the handshake without it (gRPC needs HTTP/2).
            var chosen: UnsafeMutablePointer<UInt8>?
            let result = TLSContext.alpnH2.withUnsafeBufferPointer { ours in
                SSL_select_next_proto(&chosen, outLength, ours.baseAddress, UInt32(ours.count), input, inputLength)
            }
            guard result == OPENSSL_NPN_NEGOTIATED, let chosen else { return SSL_TLSEXT_ERR_ALERT_FATAL }
            out?.pointee = UnsafePointer(chosen)
            return SSL_TLSEXT_ERR_OK
        }, nil)
        return tls
    }

    /// A client context; verifies the server against `trustedCertificates` (a PEM file), or
    /// the system store when nil, unless `verify` is false.
    public static func client(trustedCertificates: String? = nil, verify: Bool = true, serverName: String? = nil) throws -> TLSContext {
        guard let ctx = SSL_CTX_new(TLS_client_method()) else { throw TLSError("SSL_CTX_new") }
        let tls = TLSContext(context: ctx, isServer: false, serverName: serverName)
        _ = COpenSSL_SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION)
        _ = COpenSSL_SSL_CTX_set_mode(ctx, COpenSSL_mode_partial_write())
        if verify {
            SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nil)
            if let trustedCertificates {
                guard SSL_CTX_load_verify_locations(ctx, trustedCertificates, nil) == 1 else {
                    throw TLSError("cannot load trusted certificates '\(trustedCertificates)'")
                }
            } else {
                SSL_CTX_set_default_verify_paths(ctx)
            }
        }
        let set = alpnH2.withUnsafeBufferPointer { SSL_CTX_set_alpn_protos(ctx, $0.baseAddress, UInt32($0.count)) }
        guard set == 0 else { throw TLSError("cannot offer ALPN h2") }
        return tls
    }

    /// ALPN's wire form of the one protocol we speak.
    static let alpnH2: [UInt8] = [2, UInt8(ascii: "h"), UInt8(ascii: "2")]
}

/// One TLS connection over a non-blocking socket.
final class TLSStream: ByteStream {
    let fd: Int32
    private let ssl: OpaquePointer
    private var closed = false

    init(fd: Int32, context: TLSContext) throws {
        guard let ssl = SSL_new(context.context) else { throw TLSError("SSL_new") }
        self.fd = fd
        self.ssl = ssl
        SSL_set_fd(ssl, fd)
        if context.isServer {
            SSL_set_accept_state(ssl)
        } else {
            if let name = context.serverName { _ = COpenSSL_SSL_set_tlsext_host_name(ssl, name) }
            SSL_set_connect_state(ssl)
        }
    }

    deinit {
        SSL_free(ssl)
        if !closed { Glibc.close(fd) }
    }

    func handshake() -> HandshakeProgress {
        let result = SSL_do_handshake(ssl)
        if result == 1 { return .done }
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ: return .wantRead
        case SSL_ERROR_WANT_WRITE: return .wantWrite
        default: return .failed(TLSError("TLS handshake failed").description)
        }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) -> Socket.IOResult {
        result(SSL_read(ssl, buffer.baseAddress, Int32(min(buffer.count, Int(Int32.max)))))
    }

    func write(_ bytes: UnsafeRawBufferPointer) -> Socket.IOResult {
        guard bytes.count > 0 else { return .bytes(0) }
        return result(SSL_write(ssl, bytes.baseAddress, Int32(min(bytes.count, Int(Int32.max)))))
    }

    /// What an SSL_read or SSL_write returning `n` means for the connection.
    private func result(_ n: Int32) -> Socket.IOResult {
        if n > 0 { return .bytes(Int(n)) }
        switch SSL_get_error(ssl, n) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE: return .wouldBlock
        default:
            ERR_clear_error()
            return .closed
        }
    }

    var negotiatedProtocol: String? {
        var data: UnsafePointer<UInt8>?
        var length: UInt32 = 0
        SSL_get0_alpn_selected(ssl, &data, &length)
        guard let data, length > 0 else { return nil }
        return String(decoding: UnsafeBufferPointer(start: data, count: Int(length)), as: UTF8.self)
    }

    func close() {
        guard !closed else { return }
        closed = true
        SSL_shutdown(ssl)
        Glibc.close(fd)
    }
}
