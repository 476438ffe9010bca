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
    /// The name a client checks the server's certificate for, when not the host it dials.
    let serverName: String?
    let verifiesPeer: Bool

    private init(context: OpaquePointer, isServer: Bool, serverName: String?, verifiesPeer: Bool = false) {
        self.context = context
        self.isServer = isServer
        self.serverName = serverName
        self.verifiesPeer = verifiesPeer
    }

    deinit { SSL_CTX_free(context) }

    /// TLS 1.2 suites HTTP/2 allows (RFC 9113 section 9.2.2): ephemeral ECDH key exchange and
    /// AEAD ciphers only. TLS 1.3's suites all qualify.
    static let http2CipherList = "ECDHE+AESGCM:ECDHE+CHACHA20"

    /// A server context from PEM files; offers only HTTP/2 (`h2`) through ALPN, TLS 1.3 and
    /// TLS 1.2 with the suites HTTP/2 allows.
    public static func server(certificateFile: String, keyFile: String) throws -> TLSContext {
        guard let ctx = SSL_CTX_new(TLS_server_method()) else { throw TLSError("SSL_CTX_new") }
        let tls = TLSContext(context: ctx, isServer: true, serverName: nil)
        _ = COpenSSL_SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION)
        _ = COpenSSL_SSL_CTX_set_options(ctx, COpenSSL_options_server())
        _ = COpenSSL_SSL_CTX_set_mode(ctx, COpenSSL_mode_partial_write())
        guard SSL_CTX_set_cipher_list(ctx, http2CipherList) == 1 else { throw TLSError("cannot restrict TLS 1.2 ciphers") }
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

    /// A client context; verifies the server's certificate chain against `trustedCertificates`
    /// (a PEM file), or the system store when nil, and its name: `serverName` when given,
    /// else the host the client connects to (a DNS name or an IP address). `verify: false`
    /// checks neither (for tests against throwaway certificates only).
    public static func client(trustedCertificates: String? = nil, verify: Bool = true, serverName: String? = nil) throws -> TLSContext {
        guard let ctx = SSL_CTX_new(TLS_client_method()) else { throw TLSError("SSL_CTX_new") }
        let tls = TLSContext(context: ctx, isServer: false, serverName: serverName, verifiesPeer: verify)
        _ = COpenSSL_SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION)
        _ = COpenSSL_SSL_CTX_set_mode(ctx, COpenSSL_mode_partial_write())
        guard SSL_CTX_set_cipher_list(ctx, http2CipherList) == 1 else { throw TLSError("cannot restrict TLS 1.2 ciphers") }
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

    /// A server side, or a client side that expects `host`'s certificate (unless the
    /// context names another).
    init(fd: Int32, context: TLSContext, host: String? = nil) throws {
        guard let ssl = SSL_new(context.context) else { throw TLSError("SSL_new") }
        if !context.isServer, let name = context.serverName ?? host {
            do {
                try Self.expect(name, ssl: ssl, verify: context.verifiesPeer)
            } catch {
                SSL_free(ssl)
                throw error
            }
        }
        self.fd = fd
        self.ssl = ssl
        SSL_set_fd(ssl, fd)
        if context.isServer { SSL_set_accept_state(ssl) } else { SSL_set_connect_state(ssl) }
    }

    /// Sets up a client connection to check that the certificate is `name`'s: a DNS name
    /// (also sent as SNI) or an IP address (matched against the certificate's IP entries;
    /// SNI carries no addresses).
    private static func expect(_ name: String, ssl: OpaquePointer, verify: Bool) throws {
        var address = in6_addr()
        let isAddress = inet_pton(AF_INET, name, &address) == 1 || inet_pton(AF_INET6, name, &address) == 1
        if !isAddress { _ = COpenSSL_SSL_set_tlsext_host_name(ssl, name) }
        guard verify else { return }
        let checked = isAddress ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name) : SSL_set1_host(ssl, name)
        guard checked == 1 else { throw TLSError("cannot check the server's certificate for '\(name)'") }
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
        default:
            // A certificate refused says why (expired, untrusted, issued for another name).
            let verdict = SSL_get_verify_result(ssl)
            let reason = verdict == X509_V_OK ? "TLS handshake failed" : "TLS handshake failed: \(String(cString: X509_verify_cert_error_string(verdict)))"
            return .failed(TLSError(reason).description)
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

    var isEncrypted: Bool { true }

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
