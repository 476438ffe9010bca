/// Turns a syntax tree into a checked `Schema`: resolves type names with protobuf's scoping
/// rules and reports every rule a schema breaks, each at the place it is broken.
struct Checker {
    private enum Declared {
        case message(SourceLocation)
        case enumeration(SourceLocation)

        var location: SourceLocation {
            switch self {
            case .message(let l), .enumeration(let l): return l
            }
        }
    }

    private let syntax: FileSyntax
    private var declared: [String: Declared] = [:]
    private var errors: [SchemaError] = []
    /// Where each field was written, by message full name and field name, for the checks
    /// that run once every type is known (Checker+Limits).
    var fieldLocations: [String: [String: SourceLocation]] = [:]

    init(_ syntax: FileSyntax) { self.syntax = syntax }

    static func check(_ syntax: FileSyntax) throws -> Schema {
        var checker = Checker(syntax)
        return try checker.run()
    }

    mutating func error(_ message: String, at location: SourceLocation) {
        errors.append(SchemaError(message, at: location))
    }

    mutating func run() throws -> Schema {
        declareTypes(messages: syntax.messages, enums: syntax.enums, scope: [])
        let messages = syntax.messages.map { checkMessage($0, scope: []) }
        let enums = syntax.enums.map { checkEnum($0, scope: []) }
        checkEnumValueScope(enums: syntax.enums, messages: syntax.messages, scope: [])
        let services = checkServices()
        var schema = Schema(
            file: syntax.file, package: syntax.package, doc: syntax.doc,
            messages: messages, enums: enums, services: services)
        RecursionFinder.markRecursiveFields(in: &schema)
        checkRequestsAreBounded(schema)
        guard errors.isEmpty else {
            throw SchemaErrors(errors: errors.sorted { ($0.location.line, $0.location.column) < ($1.location.line, $1.location.column) })
        }
        return schema
    }

    // MARK: - Names

    private func fullName(_ path: [String]) -> String {
        ([syntax.package] + path).joined(separator: ".")
    }

    private mutating func declare(_ path: [String], _ kind: Declared) {
        let name = fullName(path)
        if let previous = declared[name] {
            error("duplicate type name '\(path.joined(separator: "."))' (first defined at \(previous.location))", at: kind.location)
        } else {
            declared[name] = kind
        }
        if path.count == 1, Naming.reservedTypeNames.contains(path[0]) {
            error("type name '\(path[0])' would shadow a Swift type the generated code uses", at: kind.location)
        }
    }

    private mutating func declareTypes(messages: [MessageSyntax], enums: [EnumSyntax], scope: [String]) {
        for message in messages {
            declare(scope + [message.name], .message(message.location))
            declareTypes(messages: message.messages, enums: message.enums, scope: scope + [message.name])
        }
        for e in enums { declare(scope + [e.name], .enumeration(e.location)) }
    }

    /// protobuf's rule: look the name up in the innermost scope first, then each enclosing one.
    private func resolve(_ reference: TypeReference, from scope: [String]) -> (TypeName, Declared)? {
        if reference.name.hasPrefix(".") {
            let name = String(reference.name.dropFirst())
            return declared[name].map { (typeName(name), $0) }
        }
        var prefix = syntax.package.split(separator: ".").map(String.init) + scope
        while true {
            let candidate = (prefix + [reference.name]).joined(separator: ".")
            if let found = declared[candidate] { return (typeName(candidate), found) }
            if prefix.isEmpty { return nil }
            prefix.removeLast()
        }
    }

    private func typeName(_ fullName: String) -> TypeName {
        let packagePrefix = syntax.package + "."
        let local = fullName.hasPrefix(packagePrefix) ? String(fullName.dropFirst(packagePrefix.count)) : fullName
        return TypeName(fullName: fullName, path: local.split(separator: ".").map(String.init))
    }

    // MARK: - Messages

    private mutating func checkMessage(_ message: MessageSyntax, scope: [String]) -> MessageType {
        let path = scope + [message.name]
        var fields: [Field] = []
        var oneofs: [Oneof] = []
        var numbers: [Int64: String] = [:]
        var names: [String: SourceLocation] = [:]
        var swiftNames: [String: String] = ["unknownFields": "the generated unknownFields property"]
        let reserved = checkReserved(message.reserved, allowNegative: false)

        func checkName(_ name: String, swiftName: String, at location: SourceLocation, what: String) {
            if names[name] != nil {
                error("duplicate \(what) name '\(name)'", at: location)
                return
            }
            names[name] = location
            if let other = swiftNames[swiftName] {
                error("\(what) '\(name)' becomes '\(swiftName)' in Swift, which clashes with \(other)", at: location)
            }
            swiftNames[swiftName] = "'\(name)'"
            if reserved.names.contains(name) { error("field name '\(name)' is reserved", at: location) }
        }

        func checkField(_ field: FieldSyntax, oneof: Int?) {
            checkName(field.name, swiftName: Naming.swiftProperty(field.name), at: field.location, what: "field")
            checkFieldNumber(field, used: &numbers, reserved: reserved.numbers)
            if let type = resolveFieldType(field.type, scope: path) {
                let label: Label
                switch (field.label, type) {
                case (.repeated, _): label = .repeated
                case (.optional, _), (_, .message): label = .optional
                default: label = .implicit
                }
                var checked = Field(name: field.name, number: Int(field.number), label: label, type: type, doc: field.doc, oneof: oneof)
                checked.limits = checkLimits(field.limits, of: checked)
                fields.append(checked)
                fieldLocations[fullName(path), default: [:]][field.name] = field.location
            }
        }

        let nestedTypeNames = Set(message.messages.map(\.name) + message.enums.map(\.name))
        for member in message.members {
            switch member {
            case .field(let field):
                checkField(field, oneof: nil)
            case .oneof(let oneof):
                checkName(oneof.name, swiftName: Naming.swiftProperty(oneof.name), at: oneof.location, what: "oneof")
                let typeName = Naming.upperCamel(oneof.name)
                if nestedTypeNames.contains(typeName) {
                    error("oneof '\(oneof.name)' becomes type '\(typeName)' in Swift, which clashes with the nested type of that name", at: oneof.location)
                }
                for field in oneof.fields { checkField(field, oneof: oneofs.count) }
                oneofs.append(Oneof(name: oneof.name, doc: oneof.doc, fieldNumbers: oneof.fields.map { Int($0.number) }))
            }
        }
        return MessageType(
            name: TypeName(fullName: fullName(path), path: path), doc: message.doc, fields: fields, oneofs: oneofs,
            messages: message.messages.map { checkMessage($0, scope: path) },
            enums: message.enums.map { checkEnum($0, scope: path) },
            reservedNumbers: reserved.numbers.map { Int($0.lowerBound)...Int($0.upperBound) },
            reservedNames: reserved.names)
    }

    private mutating func checkFieldNumber(_ field: FieldSyntax, used: inout [Int64: String], reserved: [ClosedRange<Int64>]) {
        let n = field.number
        let at = field.numberLocation
        if n < 1 {
            error("field number \(n) is invalid: field numbers start at 1", at: at)
        } else if n > Int64(FieldTag.maxFieldNumber) {
            error("field number \(n) is larger than the maximum \(FieldTag.maxFieldNumber)", at: at)
        } else if FieldTag.protobufReserved.contains(n) {
            error("field number \(n) is in the range 19000..19999 that protobuf reserves for itself", at: at)
        } else if let owner = used[n] {
            error("field number \(n) is already used by field '\(owner)'", at: at)
        } else if reserved.contains(where: { $0.contains(n) }) {
            error("field number \(n) is reserved", at: at)
        }
        if used[n] == nil { used[n] = field.name }
    }

    private mutating func resolveFieldType(_ type: TypeSyntax, scope: [String]) -> FieldType? {
        switch type {
        case .named(let reference):
            if let scalar = ScalarType(rawValue: reference.name) { return .scalar(scalar) }
            guard let (name, kind) = resolve(reference, from: scope) else {
                error("unknown type '\(reference.name)'", at: reference.location)
                return nil
            }
            switch kind {
            case .message: return .message(name)
            case .enumeration: return .enumeration(name)
            }
        case .map(let key, let value):
            guard let keyType = ScalarType(rawValue: key.name), keyType.isValidMapKey else {
                error("invalid map key type '\(key.name)': keys must be an integer type, bool or string", at: key.location)
                return nil
            }
            guard let valueType = resolveFieldType(value, scope: scope) else { return nil }
            return .map(key: keyType, value: valueType)
        }
    }

    private mutating func checkReserved(_ reserved: [ReservedSyntax], allowNegative: Bool) -> (numbers: [ClosedRange<Int64>], names: [String]) {
        var numbers: [ClosedRange<Int64>] = []
        var names: [String] = []
        for item in reserved.flatMap(\.items) {
            switch item.0 {
            case .numbers(let range):
                if !allowNegative && range.lowerBound < 1 {
                    error("reserved field number \(range.lowerBound) is invalid: field numbers start at 1", at: item.1)
                }
                if let overlap = numbers.first(where: { $0.overlaps(range) }) {
                    error("reserved range \(range.lowerBound)..\(range.upperBound) overlaps \(overlap.lowerBound)..\(overlap.upperBound)", at: item.1)
                }
                numbers.append(range)
            case .name(let name):
                if names.contains(name) { error("name '\(name)' is reserved twice", at: item.1) }
                names.append(name)
            }
        }
        return (numbers, names)
    }

    // MARK: - Enums

    private mutating func checkEnum(_ e: EnumSyntax, scope: [String]) -> EnumType {
        let path = scope + [e.name]
        let reserved = checkReserved(e.reserved, allowNegative: true)
        var numbers: [Int64: String] = [:]
        var swiftNames: [String: String] = ["unrecognized": "the case for unknown values", "rawValue": "the rawValue property"]
        if let first = e.values.first, first.number != 0 {
            error("the first value of enum '\(e.name)' must be 0, protobuf's default", at: first.location)
        }
        for value in e.values {
            if value.number < Int64(Int32.min) || value.number > Int64(Int32.max) {
                error("enum value \(value.number) does not fit in int32", at: value.location)
            }
            if let owner = numbers[value.number] {
                error("enum value number \(value.number) is already used by '\(owner)'", at: value.location)
            } else {
                numbers[value.number] = value.name
            }
            if reserved.numbers.contains(where: { $0.contains(value.number) }) {
                error("enum value number \(value.number) is reserved", at: value.location)
            }
            if reserved.names.contains(value.name) { error("enum value name '\(value.name)' is reserved", at: value.location) }
            let swiftName = Naming.enumCase(value.name, enumName: e.name)
            if let other = swiftNames[swiftName] {
                error("enum value '\(value.name)' becomes '\(swiftName)' in Swift, which clashes with \(other)", at: value.location)
            }
            swiftNames[swiftName] = "'\(value.name)'"
        }
        return EnumType(
            name: TypeName(fullName: fullName(path), path: path), doc: e.doc,
            values: e.values.map { EnumValue(name: $0.name, number: Int32(clamping: $0.number), doc: $0.doc) },
            reservedNumbers: reserved.numbers.map { Int($0.lowerBound)...Int($0.upperBound) },
            reservedNames: reserved.names)
    }

    /// protobuf scopes enum values like C++ does: beside the enum, so two enums in one scope
    /// cannot share a value name, and a value cannot share a type's name.
    private mutating func checkEnumValueScope(enums: [EnumSyntax], messages: [MessageSyntax], scope: [String]) {
        var seen: [String: String] = [:]
        for message in messages { seen[message.name] = "message '\(message.name)'" }
        for e in enums {
            for value in e.values {
                if let other = seen[value.name] {
                    error("enum value '\(value.name)' clashes with \(other) in the same scope (protobuf scopes enum values beside their enum)", at: value.location)
                } else {
                    seen[value.name] = "the value of enum '\(e.name)'"
                }
            }
        }
        for message in messages {
            checkEnumValueScope(enums: message.enums, messages: message.messages, scope: scope + [message.name])
        }
    }

    // MARK: - Services

    private mutating func checkServices() -> [Service] {
        var serviceNames: [String: SourceLocation] = [:]
        return syntax.services.map { service in
            if let first = serviceNames[service.name] {
                error("duplicate service name '\(service.name)' (first defined at \(first))", at: service.location)
            }
            serviceNames[service.name] = service.location
            if declared[fullName([service.name])] != nil {
                error("service name '\(service.name)' clashes with a type of that name", at: service.location)
            }
            var rpcNames: Set<String> = []
            var rpcs: [RPC] = []
            for rpc in service.rpcs {
                if !rpcNames.insert(rpc.name).inserted {
                    error("duplicate rpc name '\(rpc.name)' in service '\(service.name)'", at: rpc.location)
                }
                let input = resolveMessage(rpc.input, role: "request")
                let output = resolveMessage(rpc.output, role: "response")
                if let input, let output {
                    rpcs.append(RPC(name: rpc.name, input: input, output: output, doc: rpc.doc))
                }
            }
            return Service(name: service.name, doc: service.doc, rpcs: rpcs)
        }
    }

    private mutating func resolveMessage(_ reference: TypeReference, role: String) -> TypeName? {
        guard let (name, kind) = resolve(reference, from: []) else {
            error("unknown type '\(reference.name)'", at: reference.location)
            return nil
        }
        guard case .message = kind else {
            error("\(role) type '\(reference.name)' is an enum; an rpc takes and returns messages", at: reference.location)
            return nil
        }
        return name
    }
}
