/// A lexical token of the schema language.
struct Token: Equatable {
    enum Kind: Equatable {
        case identifier(String)
        case integer(UInt64)
        case string(String)
        case symbol(Character)
        /// `..` in reserved ranges, `->` in rpc declarations.
        case range
        case arrow
        case docComment(String)
        case end
    }

    var kind: Kind
    var location: SourceLocation
}

extension Token.Kind: CustomStringConvertible {
    var description: String {
        switch self {
        case .identifier(let name): return "'\(name)'"
        case .integer(let value): return "'\(value)'"
        case .string(let text): return "\"\(text)\""
        case .symbol(let c): return "'\(c)'"
        case .range: return "'..'"
        case .arrow: return "'->'"
        case .docComment: return "a doc comment"
        case .end: return "end of file"
        }
    }
}
