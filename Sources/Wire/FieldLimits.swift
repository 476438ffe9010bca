/// A request field out of the bounds its schema sets: which field (a path such as
/// `events[3].event_id`) and what is wrong with it.
public struct LimitViolation: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public var problem: String

    public init(field: String, problem: String) {
        self.field = field
        self.problem = problem
    }

    /// The same violation seen from the message that holds this one in `field` (element
    /// `index` when repeated).
    public func inside(_ parent: String, index: Int? = nil) -> LimitViolation {
        LimitViolation(field: (index.map { "\(parent)[\($0)]" } ?? parent) + "." + field, problem: problem)
    }

    public var description: String { "\(field) \(problem)" }
}

/// The kinds of strings a schema can name, each with its byte limit and the characters it
/// refuses (Schema/README.md lists them).
public enum TextKind: Sendable {
    /// Identifiers: at most 128 bytes, no control characters.
    case id
    /// Names people read: at most 256 bytes, no control characters.
    case name
    /// Free text: at most 4 KiB, no control characters but tab, line feed and carriage return.
    case text

    public var maxBytes: Int {
        switch self {
        case .id: return 128
        case .name: return 256
        case .text: return 4096
        }
    }

    @usableFromInline
    var word: String {
        switch self {
        case .id: return "an id"
        case .name: return "a name"
        case .text: return "a text"
        }
    }
}

/// The checks generated `checkLimits()` methods call. Nothing is allocated unless a check fails.
public enum FieldLimits {
    @inlinable
    public static func check(_ value: String, _ kind: TextKind, _ field: StaticString, index: Int? = nil) throws(LimitViolation) {
        var value = value
        let problem: String? = value.withUTF8 { bytes in
            if bytes.count > kind.maxBytes {
                return "is \(bytes.count) bytes long; the limit for \(kind.word) is \(kind.maxBytes) bytes"
            }
            return controlCharacter(in: bytes, allowingLineBreaks: kind == .text)
        }
        if let problem { throw violation(field, index, problem) }
    }

    @inlinable
    public static func check(_ value: String, maxBytes: Int, _ field: StaticString, index: Int? = nil) throws(LimitViolation) {
        let count = value.utf8.count
        if count > maxBytes { throw violation(field, index, "is \(count) bytes long; the limit is \(maxBytes) bytes") }
    }

    @inlinable
    public static func check(_ value: [UInt8], maxBytes: Int, _ field: StaticString, index: Int? = nil) throws(LimitViolation) {
        if value.count > maxBytes { throw violation(field, index, "is \(value.count) bytes long; the limit is \(maxBytes) bytes") }
    }

    @inlinable
    public static func check(count: Int, maxItems: Int, _ field: StaticString) throws(LimitViolation) {
        if count > maxItems { throw violation(field, nil, "holds \(count) items; the limit is \(maxItems)") }
    }

    @inlinable
    public static func check<N: BinaryInteger>(_ value: N, in range: ClosedRange<Int64>, _ field: StaticString, index: Int? = nil) throws(LimitViolation) {
        // Compared as the field's own type would overflow for uint64 values past Int64.max.
        guard let wide = Int64(exactly: value), range.contains(wide) else {
            throw violation(field, index, "is \(value), outside the allowed \(range.lowerBound)...\(range.upperBound)")
        }
    }

    /// Why the bytes hold a control character (C0, DEL or C1), naming it and where; nil if none.
    @usableFromInline
    static func controlCharacter(in bytes: UnsafeBufferPointer<UInt8>, allowingLineBreaks: Bool) -> String? {
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b < 0x20 || b == 0x7F {
                if !(allowingLineBreaks && (b == 0x09 || b == 0x0A || b == 0x0D)) {
                    return "holds a control character (U+\(hex(UInt32(b)))) at byte \(i)"
                }
            } else if b == 0xC2, i + 1 < bytes.count, (0x80...0x9F).contains(bytes[i + 1]) {
                // U+0080 to U+009F, the C1 controls, in UTF-8.
                return "holds a control character (U+\(hex(UInt32(bytes[i + 1])))) at byte \(i)"
            }
            i += 1
        }
        return nil
    }

    @usableFromInline
    static func violation(_ field: StaticString, _ index: Int?, _ problem: String) -> LimitViolation {
        LimitViolation(field: index.map { "\(field)[\($0)]" } ?? "\(field)", problem: problem)
    }

    private static func hex(_ n: UInt32) -> String {
        let digits = String(n, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
