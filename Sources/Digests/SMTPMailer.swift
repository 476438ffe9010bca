import CCurl
import Foundation

/// Sends one message through an SMTP relay with libcurl (which speaks SMTP, STARTTLS and
/// SMTPS). Every curl call of the service is in this file. Blocking: call it off event loops.
public struct SMTPMailer: Sendable {
    /// `smtp://host:port` or `smtps://host:port`.
    public var relay: String
    public var from: String
    public var timeoutSeconds: Int
    /// On smtp://, send only after STARTTLS; without it, STARTTLS is still used whenever the
    /// relay offers it. (smtps:// is TLS from the first byte.)
    public var requireTLS: Bool
    /// CA certificates (PEM) to verify the relay's certificate with; nil: the system's.
    public var trustedCertificates: String?

    public init(relay: String, from: String, timeoutSeconds: Int = 10, requireTLS: Bool = false, trustedCertificates: String? = nil) {
        self.relay = relay
        self.from = from
        self.timeoutSeconds = timeoutSeconds
        self.requireTLS = requireTLS
        self.trustedCertificates = trustedCertificates
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Hands `message` (a complete RFC 5322 message) to the relay for `recipient`.
    public func send(_ message: String, to recipient: String) throws(Failure) {
        // curl writes into the error buffer during the whole transfer: it must outlive the
        // handle, so it is allocated here and freed after the cleanup (defers run in reverse).
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        defer { errorBuffer.deallocate() }
        guard let curl = curl_easy_init() else { throw Failure(description: "curl_easy_init failed") }
        defer { curl_easy_cleanup(curl) }
        let body = Body(Array(message.utf8))
        let context = Unmanaged.passRetained(body)
        defer { context.release() }
        let recipients = curl_slist_append(nil, "<\(recipient)>")
        defer { curl_slist_free_all(recipients) }

        _ = CCurl_setopt_string(curl, CURLOPT_URL, relay)
        _ = CCurl_setopt_string(curl, CURLOPT_MAIL_FROM, "<\(from)>")
        _ = CCurl_setopt_pointer(curl, CURLOPT_MAIL_RCPT, recipients)
        _ = CCurl_setopt_long(curl, CURLOPT_UPLOAD, 1)
        _ = CCurl_setopt_read(curl) { buffer, size, count, user in
            let body = Unmanaged<Body>.fromOpaque(user!).takeUnretainedValue()
            let n = min(size * count, body.bytes.count - body.offset)
            if n > 0 {
                body.bytes.withUnsafeBytes { raw in
                    UnsafeMutableRawPointer(buffer!).copyMemory(from: raw.baseAddress! + body.offset, byteCount: n)
                }
                body.offset += n
            }
            return n
        }
        _ = CCurl_setopt_pointer(curl, CURLOPT_READDATA, context.toOpaque())
        _ = CCurl_setopt_long(curl, CURLOPT_TIMEOUT, timeoutSeconds)
        _ = CCurl_setopt_long(curl, CURLOPT_CONNECTTIMEOUT, timeoutSeconds)
        _ = CCurl_setopt_long(curl, CURLOPT_NOSIGNAL, 1)
        _ = CCurl_setopt_long(curl, CURLOPT_USE_SSL, Int(requireTLS ? CURLUSESSL_ALL.rawValue : CURLUSESSL_TRY.rawValue))
        if let trustedCertificates { _ = CCurl_setopt_string(curl, CURLOPT_CAINFO, trustedCertificates) }
        _ = CCurl_setopt_pointer(curl, CURLOPT_ERRORBUFFER, errorBuffer)
        let code = curl_easy_perform(curl)
        guard code == CURLE_OK else {
            let detail = String(cString: errorBuffer)
            let reason = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
            throw Failure(description: "SMTP delivery to \(relay) failed: \(reason)")
        }

    }

    private final class Body {
        let bytes: [UInt8]
        var offset = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }
    }
}
