/// gRPC's length-prefixed message framing: a compressed flag, a big-endian length, the bytes.
enum GRPCFraming {
    static let prefixSize = 5

    /// Fills in the prefix of a message encoded after `prefixSize` bytes of headroom.
    static func framePrefix(_ buffer: inout [UInt8]) {
        let n = UInt32(buffer.count - prefixSize)
        buffer[0] = 0
        buffer[1] = UInt8(n >> 24)
        buffer[2] = UInt8(n >> 16 & 0xFF)
        buffer[3] = UInt8(n >> 8 & 0xFF)
        buffer[4] = UInt8(n & 0xFF)
    }

    static func frame(_ message: [UInt8]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(message.count + prefixSize)
        let n = UInt32(message.count)
        out += [0, UInt8(n >> 24), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)]
        out += message
        return out
    }

    enum Unframed {
        case message([UInt8])
        case compressed
        case malformed(String)
    }

    /// The single message of a unary call's body; `what` names it in errors ("request").
    static func unframeSingle(_ body: [UInt8], what: String) -> Unframed {
        guard body.count >= prefixSize else {
            return .malformed(body.isEmpty ? "the \(what) has no message" : "the \(what) message is truncated (\(body.count) bytes)")
        }
        let length = Int(body[1]) << 24 | Int(body[2]) << 16 | Int(body[3]) << 8 | Int(body[4])
        guard body.count - prefixSize == length else {
            return .malformed(body.count - prefixSize < length
                ? "the \(what) message is truncated (\(body.count - prefixSize) of \(length) bytes)"
                : "a unary call carries more than one \(what) message")
        }
        if body[0] & 1 != 0 { return .compressed }
        return .message(Array(body[prefixSize...]))
    }
}
