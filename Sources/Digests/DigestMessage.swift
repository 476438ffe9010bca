import Badges
import BadgeStore
import Crypto
import Foundation

/// The digest e-mail: a plain-text and an HTML part, with the user's name and each badge's
/// name, description and path.
public enum DigestMessage {
    public static func render(_ record: DigestRecord, _ content: DigestContent) -> (subject: String, text: String, html: String) {
        let count = content.awards.count + content.certificates.count
        let subject = "Your new achievements (\(count))"
        var text = "Hi \(content.displayName),\n\nHere is what you achieved since your last digest:\n\n"
        var html = "<html><body><p>Hi \(escape(content.displayName)),</p><p>Here is what you achieved since your last digest:</p><ul>"
        for award in content.awards {
            text += "* \(award.badge.name) (\(award.badge.path)): \(award.badge.description)\n"
            html += "<li><b>\(escape(award.badge.name))</b> <i>(\(escape(award.badge.path)))</i>: \(escape(award.badge.description))</li>"
        }
        for certificate in content.certificates {
            text += "* Certificate: \(certificate.title), from \(certificate.issuer): \(certificate.text)\n"
            html += "<li><b>Certificate: \(escape(certificate.title))</b>, from \(escape(certificate.issuer)): \(escape(certificate.text))</li>"
        }
        text += "\nKeep it up!\n"
        html += "</ul><p>Keep it up!</p></body></html>"
        return (subject, text, html)
    }

    /// The digest's Message-ID and MIME boundary: a hash of its organization, user and
    /// period, so that every try of one digest carries the same id (receivers drop repeats),
    /// ids cannot run together, and nothing of them reaches the headers.
    public static func id(org: String, user: String, period: String) -> String {
        SHA256.hex(Array(org.utf8) + [0] + Array(user.utf8) + [0] + Array(period.utf8), characters: 32)
    }

    /// The whole RFC 5322 message, multipart/alternative, UTF-8 parts in base64.
    public static func mime(from: String, to: String, subject: String, text: String, html: String, date: Date, id: String) -> String {
        let boundary = "badges-\(id)"
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        func part(_ type: String, _ body: String) -> String {
            "--\(boundary)\r\nContent-Type: \(type); charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                + wrap(Data(body.utf8).base64EncodedString()) + "\r\n"
        }
        return "From: Achievements <\(from)>\r\nTo: <\(to)>\r\n"
            + "Subject: =?utf-8?B?\(Data(subject.utf8).base64EncodedString())?=\r\n"
            + "Date: \(formatter.string(from: date))\r\nMessage-ID: <\(id)@badges>\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: multipart/alternative; boundary=\"\(boundary)\"\r\n\r\n"
            + part("text/plain", text) + part("text/html", html) + "--\(boundary)--\r\n"
    }

    private static func wrap(_ base64: String) -> String {
        var lines: [Substring] = []
        var rest = Substring(base64)
        while !rest.isEmpty {
            lines.append(rest.prefix(76))
            rest = rest.dropFirst(76)
        }
        return lines.joined(separator: "\r\n")
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }
}
