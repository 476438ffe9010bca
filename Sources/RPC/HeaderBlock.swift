import CNghttp2
import Glibc

/// A header block laid out once and handed to nghttp2 by reference (NO_COPY flags): nghttp2
/// reads the bytes when it encodes the frame, so the block must outlive every submit that used
/// it. The shared ones below are never freed; others belong to a connection, which keeps them
/// as long as its session.
final class HeaderBlock: @unchecked Sendable {
    // Written once in init, then only read (by nghttp2 on event loop threads).
    let fields: UnsafeMutablePointer<nghttp2_nv>
    let count: Int
    private let bytes: UnsafeMutablePointer<UInt8>

    init(_ list: HeaderList) {
        count = list.fieldCount
        fields = .allocate(capacity: max(count, 1))
        bytes = .allocate(capacity: max(list.byteCount, 1))
        list.copy(into: bytes, nvs: fields, flags: UInt8(NGHTTP2_NV_FLAG_NO_COPY_NAME.rawValue | NGHTTP2_NV_FLAG_NO_COPY_VALUE.rawValue))
    }

    convenience init(_ pairs: [(String, String)]) {
        self.init(HeaderList(pairs))
    }

    deinit {
        fields.deallocate()
        bytes.deallocate()
    }

    static let okResponse = HeaderBlock([
        (":status", "200"), ("content-type", "application/grpc"), ("grpc-accept-encoding", "identity"),
    ])
    static let okTrailers = HeaderBlock([("grpc-status", "0")])
}

/// Byte comparisons for header names, without making Strings on the hot path.
extension UnsafeBufferPointer where Element == UInt8 {
    func equals(_ literal: StaticString) -> Bool {
        guard count == literal.utf8CodeUnitCount else { return false }
        return count == 0 || memcmp(baseAddress!, literal.utf8Start, count) == 0
    }

    func equals(utf8Of text: String) -> Bool {
        text.utf8.withContiguousStorageIfAvailable { utf8 in
            utf8.count == count && (count == 0 || memcmp(baseAddress!, utf8.baseAddress!, count) == 0)
        } ?? elementsEqual(text.utf8)
    }

    func hasPrefix(_ literal: StaticString) -> Bool {
        guard count >= literal.utf8CodeUnitCount else { return false }
        return literal.utf8CodeUnitCount == 0 || memcmp(baseAddress!, literal.utf8Start, literal.utf8CodeUnitCount) == 0
    }
}

/// Numbers in header values (statuses, timeouts), read from the bytes without a String.
extension Collection where Element == UInt8 {
    /// The value as a non-negative decimal number of at most nine digits, or nil if it is not one.
    var decimal: Int? {
        guard !isEmpty, count <= 9 else { return nil }
        var value = 0
        for digit in self {
            guard digit >= UInt8(ascii: "0") && digit <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(digit - UInt8(ascii: "0"))
        }
        return value
    }
}
