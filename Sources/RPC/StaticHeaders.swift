import CNghttp2
import Glibc

/// Header blocks every call sends unchanged, built once in memory that is never freed, so
/// that nghttp2 may reference them without copying (NO_COPY flags).
final class StaticHeaderBlock: @unchecked Sendable {
    // Written once in init, then only read (by nghttp2 on event loop threads).
    let fields: UnsafeMutablePointer<nghttp2_nv>
    let count: Int

    init(_ pairs: [(String, String)]) {
        count = pairs.count
        fields = .allocate(capacity: pairs.count)
        for (i, (name, value)) in pairs.enumerated() {
            fields[i] = nghttp2_nv(
                name: Self.immortal(name), value: Self.immortal(value),
                namelen: name.utf8.count, valuelen: value.utf8.count,
                flags: UInt8(NGHTTP2_NV_FLAG_NO_COPY_NAME.rawValue | NGHTTP2_NV_FLAG_NO_COPY_VALUE.rawValue))
        }
    }

    private static func immortal(_ text: String) -> UnsafeMutablePointer<UInt8> {
        let bytes = Array(text.utf8)
        let pointer = UnsafeMutablePointer<UInt8>.allocate(capacity: max(bytes.count, 1))
        pointer.initialize(from: bytes, count: bytes.count)
        return pointer
    }

    static let okResponse = StaticHeaderBlock([
        (":status", "200"), ("content-type", "application/grpc"), ("grpc-accept-encoding", "identity"),
    ])
    static let okTrailers = StaticHeaderBlock([("grpc-status", "0")])
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
