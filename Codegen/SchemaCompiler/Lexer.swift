/// Splits schema text into tokens. `//` comments are dropped; `///` comments become doc tokens
/// that the parser attaches to the declaration that follows.
struct Lexer {
    private let scalars: [Unicode.Scalar]
    private let file: String
    private var index = 0
    private var line = 1
    private var column = 1

    init(source: String, file: String) {
        scalars = Array(source.unicodeScalars)
        self.file = file
    }

    static func tokenize(_ source: String, file: String) throws -> [Token] {
        var lexer = Lexer(source: source, file: file)
        var tokens: [Token] = []
        while true {
            let token = try lexer.next()
            tokens.append(token)
            if token.kind == .end { return tokens }
        }
    }

    private var here: SourceLocation { SourceLocation(file: file, line: line, column: column) }

    private func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        index + offset < scalars.count ? scalars[index + offset] : nil
    }

    private mutating func advance() {
        if scalars[index] == "\n" {
            line += 1
            column = 1
        } else {
            column += 1
        }
        index += 1
    }

    private mutating func restOfLine() -> String {
        var text = ""
        while let c = peek(), c != "\n" {
            text.unicodeScalars.append(c)
            advance()
        }
        return text
    }

    mutating func next() throws -> Token {
        while let c = peek() {
            if c == " " || c == "\t" || c == "\r" || c == "\n" {
                advance()
            } else if c == "/" && peek(1) == "/" {
                let start = here
                if peek(2) == "/" && peek(3) != "/" {
                    advance(); advance(); advance()
                    var text = restOfLine()
                    if text.hasPrefix(" ") { text.removeFirst() }
                    return Token(kind: .docComment(text), location: start)
                }
                _ = restOfLine()
            } else {
                break
            }
        }
        let start = here
        guard let c = peek() else { return Token(kind: .end, location: start) }

        if c.properties.isAlphabetic && c.isASCII || c == "_" {
            var name = ""
            while let d = peek(), d.isASCII && (d.properties.isAlphabetic || d.properties.numericType != nil) || d == "_" {
                name.unicodeScalars.append(d)
                advance()
            }
            return Token(kind: .identifier(name), location: start)
        }
        if c.isASCII && c.properties.numericType != nil {
            return Token(kind: .integer(try integer(start)), location: start)
        }
        if c == "\"" {
            advance()
            var text = ""
            while let d = peek(), d != "\"" {
                guard d != "\n" else { throw SchemaError("unterminated string", at: start) }
                text.unicodeScalars.append(d)
                advance()
            }
            guard peek() == "\"" else { throw SchemaError("unterminated string", at: start) }
            advance()
            return Token(kind: .string(text), location: start)
        }
        if c == "." && peek(1) == "." {
            advance(); advance()
            return Token(kind: .range, location: start)
        }
        if c == "-" && peek(1) == ">" {
            advance(); advance()
            return Token(kind: .arrow, location: start)
        }
        if "{}()<>[],=:.;-".unicodeScalars.contains(c) {
            advance()
            return Token(kind: .symbol(Character(c)), location: start)
        }
        throw SchemaError("unexpected character '\(c)'", at: start)
    }

    private mutating func integer(_ start: SourceLocation) throws -> UInt64 {
        var digits = ""
        var radix = 10
        if peek() == "0", let x = peek(1), x == "x" || x == "X" {
            advance(); advance()
            radix = 16
        }
        while let d = peek(), d.isASCII && (d.properties.isAlphabetic || d.properties.numericType != nil) {
            digits.unicodeScalars.append(d)
            advance()
        }
        guard let value = UInt64(digits, radix: radix) else {
            throw SchemaError("invalid number '\(radix == 16 ? "0x" : "")\(digits)'", at: start)
        }
        return value
    }
}
