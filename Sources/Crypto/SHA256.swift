import COpenSSL

/// SHA-256 from OpenSSL, for names derived from data (a message id that must be the same for
/// the same digest on every try, yet reveal nothing of the ids it is made from).
public enum SHA256 {
    public static func hash(_ message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        message.withUnsafeBufferPointer { m in _ = COpenSSL.SHA256(m.baseAddress, m.count, &out) }
        return out
    }

    /// The hash as lower-case hex, its first `characters` digits.
    public static func hex(_ message: [UInt8], characters: Int = 64) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in hash(message) {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: text.prefix(characters), as: UTF8.self)
    }
}
