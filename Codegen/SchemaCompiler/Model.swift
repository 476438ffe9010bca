/// The checked schema: names resolved, rules enforced. Printers read only this.
public struct Schema: Sendable {
    /// The schema file's name as given to the compiler (for generated headers).
    public var file: String
    public var package: String
    public var doc: [String]
    public var messages: [MessageType]
    public var enums: [EnumType]
    public var services: [Service]

    /// Every message, nested ones too, parents before their children.
    public var allMessages: [MessageType] {
        var all: [MessageType] = []
        func collect(_ messages: [MessageType]) {
            for m in messages {
                all.append(m)
                collect(m.messages)
            }
        }
        collect(messages)
        return all
    }

    /// Every message by its full protobuf name.
    public var messagesByName: [String: MessageType] {
        Dictionary(allMessages.map { ($0.name.fullName, $0) }, uniquingKeysWith: { first, _ in first })
    }
}

public enum ScalarType: String, CaseIterable, Sendable {
    case double, float, int32, int64, uint32, uint64, sint32, sint64
    case fixed32, fixed64, sfixed32, sfixed64, bool, string, bytes

    /// Integer, bool and string types may key a map, as in protobuf.
    public var isValidMapKey: Bool {
        switch self {
        case .double, .float, .bytes: return false
        default: return true
        }
    }

    /// Repeated numeric fields are packed; strings and bytes cannot be.
    public var isPackable: Bool { self != .string && self != .bytes }
}

/// A message or enum, by its full protobuf name and its nesting path.
public struct TypeName: Hashable, Sendable {
    /// `badges.v1.Outer.Inner`
    public var fullName: String
    /// `["Outer", "Inner"]`: the names from the package down.
    public var path: [String]
}

public indirect enum FieldType: Sendable {
    case scalar(ScalarType)
    case message(TypeName)
    case enumeration(TypeName)
    case map(key: ScalarType, value: FieldType)
}

public enum Label: Sendable {
    /// proto3's default: no presence, the default value is not written.
    case implicit
    /// Explicit presence (`optional`), and every singular message field.
    case optional
    case repeated
}

public struct Field: Sendable {
    public var name: String
    public var number: Int
    public var label: Label
    public var type: FieldType
    public var doc: [String]
    /// Index into the message's `oneofs` when the field is a oneof member.
    public var oneof: Int?
    /// True when the field's message type contains this message again through singular fields,
    /// so the generated Swift must store it indirectly.
    public var isRecursive: Bool = false
    /// Bounds a request's values must keep (empty: none).
    public var limits = FieldLimits()

    /// protobuf's JSON name: lowerCamelCase of the field name.
    public var jsonName: String { Naming.lowerCamel(name) }
}

/// Bounds on a field's values, checked when a request arrives; see Schema/README.md.
public struct FieldLimits: Sendable, Equatable {
    /// For strings (each element when repeated): a kind or a byte limit; for bytes, a byte limit.
    public var text: TextLimit?
    /// For repeated fields: most elements.
    public var maxItems: Int?
    /// For integer fields (each element when repeated): the values allowed.
    public var range: ClosedRange<Int64>?

    public init(text: TextLimit? = nil, maxItems: Int? = nil, range: ClosedRange<Int64>? = nil) {
        self.text = text
        self.maxItems = maxItems
        self.range = range
    }

    public var isEmpty: Bool { text == nil && maxItems == nil && range == nil }
}

public enum TextLimit: Sendable, Equatable {
    /// At most 128 bytes, no control characters.
    case id
    /// At most 256 bytes, no control characters.
    case name
    /// At most 4 KiB, no control characters but tab and line breaks.
    case text
    /// At most this many bytes, any content.
    case maxBytes(Int)

    /// How the limit reads in documentation and in the exported .proto.
    public var summary: String {
        switch self {
        case .id: return "id: at most 128 bytes, no control characters"
        case .name: return "name: at most 256 bytes, no control characters"
        case .text: return "text: at most 4096 bytes, no control characters but tab and line breaks"
        case .maxBytes(let n): return "at most \(n) bytes"
        }
    }
}

public struct Oneof: Sendable {
    public var name: String
    public var doc: [String]
    public var fieldNumbers: [Int]
}

public struct MessageType: Sendable {
    public var name: TypeName
    public var doc: [String]
    /// All fields, oneof members included, in declaration order.
    public var fields: [Field]
    public var oneofs: [Oneof]
    public var messages: [MessageType]
    public var enums: [EnumType]
    public var reservedNumbers: [ClosedRange<Int>]
    public var reservedNames: [String]
}

public struct EnumValue: Sendable {
    public var name: String
    public var number: Int32
    public var doc: [String]
}

public struct EnumType: Sendable {
    public var name: TypeName
    public var doc: [String]
    public var values: [EnumValue]
    public var reservedNumbers: [ClosedRange<Int>]
    public var reservedNames: [String]
}

public struct RPC: Sendable {
    public var name: String
    public var input: TypeName
    public var output: TypeName
    public var doc: [String]
}

public struct Service: Sendable {
    public var name: String
    public var doc: [String]
    public var rpcs: [RPC]
}
