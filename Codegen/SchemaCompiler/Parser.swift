/// Builds the syntax tree from tokens. Stops at the first syntax error: what follows a
/// broken declaration would only produce noise.
struct Parser {
    private var tokens: [Token]
    private var index = 0
    private let file: String

    init(tokens: [Token], file: String) {
        self.tokens = tokens
        self.file = file
    }

    static func parse(_ source: String, file: String) throws -> FileSyntax {
        var parser = Parser(tokens: try Lexer.tokenize(source, file: file), file: file)
        return try parser.parseFile()
    }

    // MARK: - Token helpers

    private var current: Token { tokens[index] }

    private mutating func take() -> Token {
        let token = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return token
    }

    private func peekKeyword(_ word: String) -> Bool {
        current.kind == .identifier(word)
    }

    private mutating func consumeKeyword(_ word: String) -> Bool {
        guard peekKeyword(word) else { return false }
        _ = take()
        return true
    }

    private mutating func consume(_ symbol: Character) -> Bool {
        guard current.kind == .symbol(symbol) else { return false }
        _ = take()
        return true
    }

    private func unexpected(_ expected: String) -> SchemaError {
        SchemaError("expected \(expected), found \(current.kind)", at: current.location)
    }

    private mutating func expect(_ symbol: Character) throws {
        guard consume(symbol) else { throw unexpected("'\(symbol)'") }
    }

    private mutating func expectIdentifier(_ what: String) throws -> (String, SourceLocation) {
        guard case .identifier(let name) = current.kind else { throw unexpected(what) }
        return (name, take().location)
    }

    private mutating func expectInteger(_ what: String) throws -> (Int64, SourceLocation) {
        let location = current.location
        let negative = consume("-")
        guard case .integer(let value) = current.kind else { throw unexpected(what) }
        _ = take()
        guard value <= UInt64(Int64.max) else { throw SchemaError("number \(value) is too large", at: location) }
        return (negative ? -Int64(value) : Int64(value), location)
    }

    /// A possibly dotted name: `Tier`, `Outer.Inner`, `.pkg.Tier`.
    private mutating func dottedName(_ what: String) throws -> (String, SourceLocation) {
        let location = current.location
        var name = consume(".") ? "." : ""
        name += try expectIdentifier(what).0
        while current.kind == .symbol(".") {
            _ = take()
            name += "." + (try expectIdentifier("a name after '.'").0)
        }
        return (name, location)
    }

    private mutating func docComments() -> [String] {
        var lines: [String] = []
        while case .docComment(let text) = current.kind {
            lines.append(text)
            _ = take()
        }
        return lines
    }

    // MARK: - Declarations

    mutating func parseFile() throws -> FileSyntax {
        let doc = docComments()
        guard consumeKeyword("package") else { throw unexpected("'package' declaration") }
        let (package, packageLocation) = try dottedName("a package name")
        var syntax = FileSyntax(file: file, package: package, packageLocation: packageLocation, doc: doc)
        while true {
            let doc = docComments()
            if current.kind == .end { return syntax }
            if consumeKeyword("message") {
                syntax.messages.append(try message(doc: doc))
            } else if consumeKeyword("enum") {
                syntax.enums.append(try enumeration(doc: doc))
            } else if consumeKeyword("service") {
                syntax.services.append(try service(doc: doc))
            } else {
                throw unexpected("'message', 'enum' or 'service'")
            }
        }
    }

    private mutating func message(doc: [String]) throws -> MessageSyntax {
        let (name, location) = try expectIdentifier("a message name")
        var syntax = MessageSyntax(name: name, doc: doc, location: location)
        try expect("{")
        while true {
            let doc = docComments()
            if consume("}") { return syntax }
            // `name:` starts a field even when the name is a keyword (`message: string = 2`).
            if case .identifier = current.kind, tokens[index + 1].kind == .symbol(":") {
                syntax.members.append(.field(try field(doc: doc, inOneof: false)))
            } else if consumeKeyword("message") {
                syntax.messages.append(try message(doc: doc))
            } else if consumeKeyword("enum") {
                syntax.enums.append(try enumeration(doc: doc))
            } else if consumeKeyword("oneof") {
                syntax.members.append(.oneof(try oneof(doc: doc)))
            } else if consumeKeyword("reserved") {
                syntax.reserved.append(try reserved())
            } else if case .identifier = current.kind {
                syntax.members.append(.field(try field(doc: doc, inOneof: false)))
            } else {
                throw unexpected("a field, 'oneof', 'message', 'enum', 'reserved' or '}'")
            }
        }
    }

    /// `name: [optional | repeated] type = number`
    private mutating func field(doc: [String], inOneof: Bool) throws -> FieldSyntax {
        let (name, location) = try expectIdentifier("a field name")
        try expect(":")
        var label = LabelSyntax.implicit
        let labelLocation = current.location
        if consumeKeyword("optional") {
            label = .optional
        } else if consumeKeyword("repeated") {
            label = .repeated
        }
        if inOneof && label != .implicit {
            throw SchemaError("fields in a oneof cannot be optional or repeated", at: labelLocation)
        }
        let type = try fieldType()
        if case .map = type {
            if label != .implicit { throw SchemaError("map fields cannot be optional or repeated", at: labelLocation) }
            if inOneof { throw SchemaError("map fields cannot be in a oneof", at: location) }
        }
        try expect("=")
        let (number, numberLocation) = try expectInteger("a field number")
        return FieldSyntax(
            name: name, number: number, label: label, type: type, doc: doc,
            location: location, numberLocation: numberLocation, limits: try limits())
    }

    /// `[ limit { "," limit } ]` after a field number, or nothing.
    private mutating func limits() throws -> [(LimitSyntax, SourceLocation)] {
        guard consume("[") else { return [] }
        var limits: [(LimitSyntax, SourceLocation)] = []
        repeat {
            let (name, location) = try expectIdentifier("a limit (id, name, text, max_bytes, max_items or range)")
            switch name {
            case "id", "name", "text":
                limits.append((.textKind(name), location))
            case "max_bytes":
                limits.append((.maxBytes(try expectInteger("a number of bytes").0), location))
            case "max_items":
                limits.append((.maxItems(try expectInteger("a number of items").0), location))
            case "range":
                let low = try expectInteger("the range's lowest value").0
                guard current.kind == .range else { throw unexpected("'..'") }
                _ = take()
                limits.append((.range(low, try expectInteger("the range's highest value").0), location))
            default:
                throw SchemaError("unknown limit '\(name)' (known: id, name, text, max_bytes, max_items, range)", at: location)
            }
        } while consume(",")
        try expect("]")
        return limits
    }

    private mutating func fieldType() throws -> TypeSyntax {
        if peekKeyword("map"), tokens[index + 1].kind == .symbol("<") {
            _ = take()
            _ = take()
            let (key, keyLocation) = try dottedName("a map key type")
            try expect(",")
            let valueLocation = current.location
            if peekKeyword("map") { throw SchemaError("map values cannot be maps", at: valueLocation) }
            let (value, _) = try dottedName("a map value type")
            try expect(">")
            return .map(
                key: TypeReference(name: key, location: keyLocation),
                value: .named(TypeReference(name: value, location: valueLocation)))
        }
        let (name, location) = try dottedName("a type")
        return .named(TypeReference(name: name, location: location))
    }

    private mutating func oneof(doc: [String]) throws -> OneofSyntax {
        let (name, location) = try expectIdentifier("a oneof name")
        try expect("{")
        var fields: [FieldSyntax] = []
        while true {
            let doc = docComments()
            if consume("}") { break }
            fields.append(try field(doc: doc, inOneof: true))
        }
        if fields.isEmpty { throw SchemaError("oneof '\(name)' has no fields", at: location) }
        return OneofSyntax(name: name, fields: fields, doc: doc, location: location)
    }

    /// `reserved 4, 9..11, 20..max, "old_name"`
    private mutating func reserved() throws -> ReservedSyntax {
        var items: [(ReservedSyntax.Item, SourceLocation)] = []
        repeat {
            let location = current.location
            if case .string(let name) = current.kind {
                _ = take()
                items.append((.name(name), location))
                continue
            }
            let (low, _) = try expectInteger("a reserved number or name")
            var high = low
            if current.kind == .range {
                _ = take()
                if consumeKeyword("max") {
                    high = Int64(FieldTag.maxFieldNumber)
                } else {
                    high = try expectInteger("the end of a reserved range").0
                }
            }
            guard low <= high else { throw SchemaError("reserved range \(low)..\(high) is empty", at: location) }
            items.append((.numbers(low...high), location))
        } while consume(",")
        return ReservedSyntax(items: items)
    }

    private mutating func enumeration(doc: [String]) throws -> EnumSyntax {
        let (name, location) = try expectIdentifier("an enum name")
        var syntax = EnumSyntax(name: name, doc: doc, location: location)
        try expect("{")
        while true {
            let doc = docComments()
            if consume("}") { break }
            if consumeKeyword("reserved") {
                syntax.reserved.append(try reserved())
                continue
            }
            let (valueName, valueLocation) = try expectIdentifier("an enum value name or '}'")
            try expect("=")
            let (number, _) = try expectInteger("an enum value number")
            syntax.values.append(EnumValueSyntax(name: valueName, number: number, doc: doc, location: valueLocation))
        }
        if syntax.values.isEmpty { throw SchemaError("enum '\(name)' has no values", at: location) }
        return syntax
    }

    /// `rpc Name(Request) -> Response`
    private mutating func service(doc: [String]) throws -> ServiceSyntax {
        let (name, location) = try expectIdentifier("a service name")
        var syntax = ServiceSyntax(name: name, doc: doc, location: location)
        try expect("{")
        while true {
            let doc = docComments()
            if consume("}") { return syntax }
            guard consumeKeyword("rpc") else { throw unexpected("'rpc' or '}'") }
            let (rpcName, rpcLocation) = try expectIdentifier("an rpc name")
            try expect("(")
            let (input, inputLocation) = try dottedName("the request type")
            try expect(")")
            guard current.kind == .arrow else { throw unexpected("'->'") }
            _ = take()
            let (output, outputLocation) = try dottedName("the response type")
            syntax.rpcs.append(RPCSyntax(
                name: rpcName,
                input: TypeReference(name: input, location: inputLocation),
                output: TypeReference(name: output, location: outputLocation),
                doc: doc, location: rpcLocation))
        }
    }
}

/// Field tag limits shared by the parser and the checker.
enum FieldTag {
    static let maxFieldNumber = 536_870_911
    static let protobufReserved: ClosedRange<Int64> = 19000...19999
}
