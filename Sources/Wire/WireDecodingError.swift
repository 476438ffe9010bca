/// Why a byte sequence is not a valid encoding of a message.
///
/// Every case says what was wrong and the byte offset (from the start of the outermost
/// message) where the decoder noticed it, so that a caller can point at the bad input.
public enum WireDecodingError: Error, Equatable, Sendable {
    /// The input ended inside a tag, a value or a length-delimited payload.
    case truncated(offset: Int)
    /// A varint ran past ten bytes.
    case overlongVarint(offset: Int)
    /// A tag named field number 0, which protobuf reserves.
    case fieldNumberZero(offset: Int)
    /// A tag carried wire type 6 or 7, which do not exist.
    case invalidWireType(UInt8, field: Int, offset: Int)
    /// A tag carried a group wire type (3 or 4); groups are not part of the schema language.
    case groupNotSupported(field: Int, offset: Int)
    /// A length prefix claims more bytes than the enclosing message holds.
    case lengthOutOfBounds(field: Int, length: UInt64, remaining: Int, offset: Int)
    /// A packed fixed-width field's length is not a multiple of the element size.
    case packedLengthMismatch(field: Int, length: Int, elementSize: Int, offset: Int)
    /// A string field holds bytes that are not valid UTF-8.
    case invalidUTF8(field: Int, offset: Int)
    /// Messages nest deeper than `DecodingOptions.maxDepth`.
    case depthLimitExceeded(limit: Int, offset: Int)
    /// The whole input is larger than `DecodingOptions.maxMessageSize`.
    case messageTooLarge(size: Int, limit: Int)
}

extension WireDecodingError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .truncated(let offset):
            return "truncated input at byte \(offset)"
        case .overlongVarint(let offset):
            return "varint longer than 10 bytes at byte \(offset)"
        case .fieldNumberZero(let offset):
            return "field number 0 in tag at byte \(offset)"
        case .invalidWireType(let type, let field, let offset):
            return "invalid wire type \(type) for field \(field) at byte \(offset)"
        case .groupNotSupported(let field, let offset):
            return "group wire type for field \(field) at byte \(offset) (groups are not supported)"
        case .lengthOutOfBounds(let field, let length, let remaining, let offset):
            return "field \(field) at byte \(offset) claims \(length) bytes but only \(remaining) remain"
        case .packedLengthMismatch(let field, let length, let size, let offset):
            return "packed field \(field) at byte \(offset) has length \(length), not a multiple of \(size)"
        case .invalidUTF8(let field, let offset):
            return "string field \(field) at byte \(offset) is not valid UTF-8"
        case .depthLimitExceeded(let limit, let offset):
            return "messages nested deeper than \(limit) levels at byte \(offset)"
        case .messageTooLarge(let size, let limit):
            return "message of \(size) bytes exceeds the limit of \(limit) bytes"
        }
    }
}
