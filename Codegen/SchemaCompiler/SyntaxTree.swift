/// The schema as written, before names are resolved or rules checked.
struct FileSyntax {
    var file: String
    var package: String
    var packageLocation: SourceLocation
    var doc: [String]
    var messages: [MessageSyntax] = []
    var enums: [EnumSyntax] = []
    var services: [ServiceSyntax] = []
}

struct TypeReference {
    /// As written, for instance `Tier`, `Outer.Inner` or `.badges.v1.Tier`.
    var name: String
    var location: SourceLocation
}

indirect enum TypeSyntax {
    case named(TypeReference)
    case map(key: TypeReference, value: TypeSyntax)
}

enum LabelSyntax {
    case implicit, optional, repeated
}

struct FieldSyntax {
    var name: String
    var number: Int64
    var label: LabelSyntax
    var type: TypeSyntax
    var doc: [String]
    var location: SourceLocation
    var numberLocation: SourceLocation
    /// `[id, max_items 100]` after the number.
    var limits: [(LimitSyntax, SourceLocation)] = []
}

/// One bound in a field's `[...]` list, as written.
enum LimitSyntax {
    /// `id`, `name` or `text`: a kind of string with its own byte limit and characters.
    case textKind(String)
    case maxBytes(Int64)
    case maxItems(Int64)
    case range(Int64, Int64)
}

struct OneofSyntax {
    var name: String
    var fields: [FieldSyntax]
    var doc: [String]
    var location: SourceLocation
}

struct ReservedSyntax {
    enum Item {
        case numbers(ClosedRange<Int64>)
        case name(String)
    }
    var items: [(Item, SourceLocation)]
}

struct MessageSyntax {
    enum Member {
        case field(FieldSyntax)
        case oneof(OneofSyntax)
    }
    var name: String
    var doc: [String]
    var location: SourceLocation
    var members: [Member] = []
    var messages: [MessageSyntax] = []
    var enums: [EnumSyntax] = []
    var reserved: [ReservedSyntax] = []
}

struct EnumValueSyntax {
    var name: String
    var number: Int64
    var doc: [String]
    var location: SourceLocation
}

struct EnumSyntax {
    var name: String
    var doc: [String]
    var location: SourceLocation
    var values: [EnumValueSyntax] = []
    var reserved: [ReservedSyntax] = []
}

struct RPCSyntax {
    var name: String
    var input: TypeReference
    var output: TypeReference
    var doc: [String]
    var location: SourceLocation
}

struct ServiceSyntax {
    var name: String
    var doc: [String]
    var location: SourceLocation
    var rpcs: [RPCSyntax] = []
}
