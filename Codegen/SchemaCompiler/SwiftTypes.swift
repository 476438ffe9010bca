/// How schema types appear in generated Swift: the value type, the Wire codec, defaults.
enum SwiftTypes {
    static func swiftName(_ name: TypeName) -> String {
        name.path.joined(separator: ".")
    }

    static func valueType(_ scalar: ScalarType) -> String {
        switch scalar {
        case .double: return "Double"
        case .float: return "Float"
        case .int32, .sint32, .sfixed32: return "Int32"
        case .int64, .sint64, .sfixed64: return "Int64"
        case .uint32, .fixed32: return "UInt32"
        case .uint64, .fixed64: return "UInt64"
        case .bool: return "Bool"
        case .string: return "String"
        case .bytes: return "[UInt8]"
        }
    }

    static func codec(_ scalar: ScalarType) -> String {
        switch scalar {
        case .double: return "WireDouble"
        case .float: return "WireFloat"
        case .int32: return "WireInt32"
        case .int64: return "WireInt64"
        case .uint32: return "WireUInt32"
        case .uint64: return "WireUInt64"
        case .sint32: return "WireSInt32"
        case .sint64: return "WireSInt64"
        case .fixed32: return "WireFixed32"
        case .fixed64: return "WireFixed64"
        case .sfixed32: return "WireSFixed32"
        case .sfixed64: return "WireSFixed64"
        case .bool: return "WireBool"
        case .string: return "WireString"
        case .bytes: return "WireBytes"
        }
    }

    /// The wire type number a field of this type is written with.
    static func wireType(_ type: FieldType) -> Int {
        switch type {
        case .scalar(let scalar):
            switch scalar {
            case .double, .fixed64, .sfixed64: return 1
            case .float, .fixed32, .sfixed32: return 5
            case .string, .bytes: return 2
            default: return 0
            }
        case .enumeration: return 0
        case .message, .map: return 2
        }
    }

    /// The Swift type of one value (no optional or array wrapping).
    static func elementType(_ type: FieldType) -> String {
        switch type {
        case .scalar(let scalar): return valueType(scalar)
        case .message(let name), .enumeration(let name): return swiftName(name)
        case .map(let key, let value): return "[\(valueType(key)): \(elementType(value))]"
        }
    }

    /// The codec type for a scalar or enum value; nil for messages and maps.
    static func codec(_ type: FieldType) -> String? {
        switch type {
        case .scalar(let scalar): return codec(scalar)
        case .enumeration(let name): return "WireEnumValue<\(swiftName(name))>"
        case .message, .map: return nil
        }
    }

    static func propertyType(_ field: Field) -> String {
        switch (field.label, field.type) {
        case (_, .map): return elementType(field.type)
        case (.repeated, _): return "[\(elementType(field.type))]"
        case (.optional, _): return "\(elementType(field.type))?"
        case (.implicit, _): return elementType(field.type)
        }
    }

    static func defaultValue(_ field: Field, enums: [String: EnumType]) -> String {
        switch (field.label, field.type) {
        case (_, .map): return "[:]"
        case (.repeated, _): return "[]"
        case (.optional, _): return "nil"
        case (.implicit, .scalar(let scalar)):
            switch scalar {
            case .bool: return "false"
            case .string: return "\"\""
            case .bytes: return "[]"
            default: return "0"
            }
        case (.implicit, .enumeration(let name)):
            guard let e = enums[name.fullName], let zero = e.values.first(where: { $0.number == 0 }) else {
                return "\(swiftName(name))(rawValue: 0)"
            }
            return "." + Naming.escaped(Naming.enumCase(zero.name, enumName: e.name.path.last!))
        case (.implicit, .message):
            return "nil"
        }
    }

    static func propertyName(_ name: String) -> String {
        Naming.escaped(Naming.swiftProperty(name))
    }

    static func methodName(_ rpcName: String) -> String {
        Naming.escaped(rpcName.prefix(1).lowercased() + rpcName.dropFirst())
    }
}
