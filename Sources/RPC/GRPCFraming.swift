/// gRPC's length-prefixed message framing: a compressed flag, a big-endian length, the bytes.
enum GRPCFraming {
    static let prefixSize = 5

    /// Copies `count` bytes, starting `offset` bytes in, of the frame of an uncompressed message
    /// (the prefix, then `buffer` from `messageStart` on) into `destination`. Messages are sent
    /// this way instead of being framed first: the caller's buffer is shared, and writing a
    /// prefix into it (or before it) would copy it whole.
    static func copyFrame(of buffer: [UInt8], messageStart: Int, from offset: Int, count: Int,
                          into destination: UnsafeMutablePointer<UInt8>) {
        let length = UInt32(buffer.count - messageStart)
        var done = 0
        while done < count && offset + done < prefixSize {
            let index = offset + done
            destination[done] = index == 0 ? 0 : UInt8(truncatingIfNeeded: length >> (8 * (4 - index)))
            done += 1
        }
        guard done < count else { return }
        buffer.withUnsafeBufferPointer { source in
            (destination + done).update(from: source.baseAddress! + messageStart + (offset + done - prefixSize), count: count - done)
        }
    }

    enum Unframed {
        case message([UInt8])
        case compressed
        case malformed(String)
    }

    /// The single message of a unary call's body, which it takes (leaving `received` empty) so
    /// that the prefix is dropped in place rather than the message copied; `what` names it in
    /// errors ("request").
    static func unframeSingle(_ received: inout [UInt8], what: String) -> Unframed {
        var body: [UInt8] = []
        swap(&body, &received)
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
        body.removeFirst(prefixSize)
        return .message(body)
    }
}
