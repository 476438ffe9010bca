import CCurl
import Foundation

/// Sends one message through an SMTP relay with libcurl (which speaks SMTP, STARTTLS and
/// SMTPS). Every curl call of the service is in this file. Blocking: call it off event loops.
public struct SMTPMailer: Sendable {
    /// `smtp://host:port` or `smtps://host:port`.
    public var relay: String
    public var from: String
    public var timeoutSeconds: Int
    /// Ask for STARTTLS on smtp:// when the relay offers it.
    public var useTLS: Bool

    public init(relay: String, from: String, timeoutSeconds: Int = 10, useTLS: Bool = false) {
        self.relay = relay
        self.from = from
        self.timeoutSeconds = timeoutSeconds
        self.useTLS = useTLS
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Hands `message` (a complete RFC 5322 message) to the relay for `recipient`.
    public func send(_ message: String, to recipient: String) throws(Failure) {
        guard let curl = curl_easy_init() else { throw Failure(description: "curl_easy_init failed") }
        defer { curl_easy_cleanup(curl) }
        let body = Body(Array(message.utf8))
        let context = Unmanaged.passRetained(body)
        defer { context.release() }
        let recipients = curl_slist_append(nil, "<\(recipient)>")
        defer { curl_slist_free_all(recipients) }
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)

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
        if useTLS { _ = CCurl_setopt_long(curl, CURLOPT_USE_SSL, Int(CURLUSESSL_TRY.rawValue)) }
        errorBuffer.withUnsafeMutableBufferPointer { _ = CCurl_setopt_pointer(curl, CURLOPT_ERRORBUFFER, $0.baseAddress) }
        let code = curl_easy_perform(curl)
        guard code == CURLE_OK else {
            let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
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
