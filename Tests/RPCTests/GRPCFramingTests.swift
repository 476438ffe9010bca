@testable import RPC
import Testing

/// Messages leave framed from their own buffers, in pieces as large as nghttp2 asks for.
@Suite("gRPC framing")
struct GRPCFramingTests {
    /// The frame of `buffer` (message from `messageStart` on) sent `chunk` bytes at a time.
    private func sent(_ buffer: [UInt8], messageStart: Int, chunk: Int) -> [UInt8] {
        let total = GRPCFraming.prefixSize + buffer.count - messageStart
        var out = [UInt8](repeating: 0xEE, count: total)
        var offset = 0
        while offset < total {
            let n = min(chunk, total - offset)
            out.withUnsafeMutableBufferPointer { destination in
                GRPCFraming.copyFrame(of: buffer, messageStart: messageStart, from: offset, count: n, into: destination.baseAddress! + offset)
            }
            offset += n
        }
        return out
    }

    @Test(arguments: [1, 2, 3, 5, 6, 7, 300, 70_000])
    func anyChunkingGivesThePrefixThenTheMessage(chunk: Int) {
        let message = (0..<70_003).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        // 70 003 = 0x01_11_73: every length byte but the top one differs from zero.
        let expected: [UInt8] = [0, 0x00, 0x01, 0x11, 0x73] + message
        #expect(sent(message, messageStart: 0, chunk: chunk) == expected)
        #expect(sent([9, 9, 9, 9, 9] + message, messageStart: GRPCFraming.prefixSize, chunk: chunk) == expected)
    }

    @Test func anEmptyMessageIsAPrefixOfZeros() {
        #expect(sent([], messageStart: 0, chunk: 2) == [0, 0, 0, 0, 0])
        #expect(sent([1, 2, 3, 4, 5], messageStart: GRPCFraming.prefixSize, chunk: 5) == [0, 0, 0, 0, 0])
    }
}
