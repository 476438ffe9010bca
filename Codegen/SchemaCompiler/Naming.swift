/// Name conversions shared by the checker and the printers.
public enum Naming {
    /// `badges_enabled` -> `badgesEnabled`, as protobuf derives JSON names.
    public static func lowerCamel(_ name: String) -> String {
        var result = ""
        var upperNext = false
        for c in name {
            if c == "_" {
                upperNext = !result.isEmpty
            } else if upperNext {
                result += c.uppercased()
                upperNext = false
            } else {
                result.append(c)
            }
        }
        return result
    }

    /// Words Swift's API guidelines write in capitals past the first word, as swift-protobuf
    /// does: `user_id` -> `userID`, `callback_url` -> `callbackURL`.
    static let acronyms: Set<String> = ["id", "url", "uri", "http", "https", "json", "html", "api", "uuid"]

    /// A field's Swift property name: lowerCamelCase with acronyms in capitals.
    public static func swiftProperty(_ name: String) -> String {
        let words = name.split(separator: "_").map(String.init)
        guard let head = words.first else { return name }
        return head + words.dropFirst().map { word in
            let lower = word.lowercased()
            if acronyms.contains(lower) { return word.uppercased() }
            if lower.hasSuffix("s"), acronyms.contains(String(lower.dropLast())) { return word.dropLast().uppercased() + "s" }  // badge_ids -> badgeIDs
            return word.prefix(1).uppercased() + word.dropFirst()
        }.joined()
    }

    /// `payload` -> `Payload`, `event_kind` -> `EventKind`.
    public static func upperCamel(_ name: String) -> String {
        let lower = lowerCamel(name)
        return lower.prefix(1).uppercased() + lower.dropFirst()
    }

    /// `TIER_UNSPECIFIED` in enum `Tier` -> `unspecified`: the enum's name prefix goes (as
    /// swift-protobuf does), unless what is left would not start with a letter.
    public static func enumCase(_ value: String, enumName: String) -> String {
        var name = value
        let prefix = screamingSnake(enumName) + "_"
        if name.hasPrefix(prefix), let first = name.dropFirst(prefix.count).first, first.isLetter {
            name = String(name.dropFirst(prefix.count))
        }
        let words = name.split(separator: "_").map { $0.lowercased() }
        guard let head = words.first else { return name.lowercased() }
        return head + words.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    /// `EventType` -> `EVENT_TYPE`
    public static func screamingSnake(_ name: String) -> String {
        var result = ""
        var previousWasLower = false
        for c in name {
            if c.isUppercase && previousWasLower { result += "_" }
            result += c.uppercased()
            previousWasLower = c.isLowercase || c.isNumber
        }
        return result
    }

    /// Swift's reserved words, which generated code escapes with backticks.
    public static let swiftKeywords: Set<String> = [
        "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import",
        "init", "inout", "internal", "let", "open", "operator", "private", "precedencegroup",
        "protocol", "public", "rethrows", "static", "struct", "subscript", "typealias", "var",
        "break", "case", "catch", "continue", "default", "defer", "do", "else", "fallthrough",
        "for", "guard", "if", "in", "repeat", "return", "throw", "switch", "where", "while",
        "Any", "as", "await", "false", "is", "nil", "self", "Self", "super", "throws", "true",
        "try", "Type", "Protocol", "some", "any",
    ]

    public static func escaped(_ identifier: String) -> String {
        swiftKeywords.contains(identifier) ? "`\(identifier)`" : identifier
    }

    /// Type names generated code refers to unqualified, which a schema type must not shadow.
    public static let reservedTypeNames: Set<String> = [
        "String", "Bool", "Int", "Int32", "Int64", "UInt8", "UInt32", "UInt64", "Float", "Double",
        "Array", "Dictionary", "Optional", "Error", "Never", "Sendable", "Equatable", "Hashable",
        "Duration", "Swift", "Wire", "RPCCore", "UnknownFields", "WireWriter", "WireReader",
        "ServerContext", "CallOptions", "UnaryRoute", "UnaryTransport", "RPCError", "Boxed",
    ]
}
