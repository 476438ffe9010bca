/// protobuf's JSON mapping for each message: `jsonValue()` and `init(json:)`.
extension SwiftPrinter {
    func printJSON(_ m: MessageType, _ p: inout CodePrinter) {
        let fields = m.fields.sorted { $0.number < $1.number }
        p.block("extension \(SwiftTypes.swiftName(m.name)): JSONMessage {") { p in
            p.block("public func jsonValue() -> JSONValue {") { p in
                p.line(fields.isEmpty ? "let json = JSONObjectWriter()" : "var json = JSONObjectWriter()")
                for field in fields { printJSONWrite(field, oneof: field.oneof.map { m.oneofs[$0] }, &p) }
                p.line("return json.value")
            }
            p.line()
            p.block("public init(json: JSONValue) throws(JSONError) {") { p in
                p.line("self.init()")
                // A message without fields reads no value: `_` keeps its loop free of a warning.
                p.block("for (key, \(fields.isEmpty ? "_" : "value")) in try JSONRead.object(json, \"\(m.name.fullName)\") {") { p in
                    p.switchBlock("switch key {") { p in
                        for field in fields { printJSONRead(field, oneof: field.oneof.map { m.oneofs[$0] }, &p) }
                        p.line("default: throw JSONRead.unknownField(key, in: \"\(m.name.fullName)\")")
                    }
                }
            }
        }
    }

    private func printJSONWrite(_ field: Field, oneof: Oneof?, _ p: inout CodePrinter) {
        let key = "\"\(field.jsonName)\""
        let name = "self." + SwiftTypes.propertyName(field.name)
        if let oneof {
            let write: String
            if case .message = field.type {
                write = "json.addMessage(\(key), value)"
            } else {
                write = "json.add(\(key), value, as: \(SwiftTypes.codec(field.type)!).self)"
            }
            p.line("if case .\(SwiftTypes.propertyName(field.name))(let value)? = self.\(SwiftTypes.propertyName(oneof.name)) { \(write) }")
            return
        }
        switch (field.label, field.type) {
        case (_, .map(let k, let v)):
            if let codec = SwiftTypes.codec(v) {
                p.line("json.addMap(\(key), \(name), key: \(SwiftTypes.codec(k)).self, value: \(codec).self)")
            } else {
                p.line("json.addMap(\(key), \(name), key: \(SwiftTypes.codec(k)).self)")
            }
        case (.repeated, .message): p.line("json.addMessages(\(key), \(name))")
        case (.repeated, let type): p.line("json.addRepeated(\(key), \(name), as: \(SwiftTypes.codec(type)!).self)")
        case (_, .message): p.line("if let value = \(name) { json.addMessage(\(key), value) }")
        case (.optional, let type): p.line("if let value = \(name) { json.add(\(key), value, as: \(SwiftTypes.codec(type)!).self) }")
        case (.implicit, let type): p.line("json.addNonDefault(\(key), \(name), as: \(SwiftTypes.codec(type)!).self)")
        }
    }

    private func printJSONRead(_ field: Field, oneof: Oneof?, _ p: inout CodePrinter) {
        let keys = field.jsonName == field.name ? "\"\(field.name)\"" : "\"\(field.jsonName)\", \"\(field.name)\""
        let name = "self." + SwiftTypes.propertyName(field.name)
        let path = "field: \"\(field.jsonName)\""
        p.line("case \(keys):")
        p.indented { p in
            if let oneof {
                let member = ".\(SwiftTypes.propertyName(field.name))"
                let read: String
                if case .message(let type) = field.type {
                    read = "try JSONRead.message(value, as: \(SwiftTypes.swiftName(type)).self, \(path))"
                } else {
                    read = "try JSONRead.scalar(value, as: \(SwiftTypes.codec(field.type)!).self, \(path))"
                }
                p.line("if let value = \(read) { self.\(SwiftTypes.propertyName(oneof.name)) = \(member)(value) }")
                return
            }
            switch (field.label, field.type) {
            case (_, .map(let k, let v)):
                if let codec = SwiftTypes.codec(v) {
                    p.line("\(name) = try JSONRead.map(value, key: \(SwiftTypes.codec(k)).self, value: \(codec).self, \(path))")
                } else if case .message(let type) = v {
                    p.line("\(name) = try JSONRead.map(value, key: \(SwiftTypes.codec(k)).self, message: \(SwiftTypes.swiftName(type)).self, \(path))")
                }
            case (.repeated, .message(let type)):
                p.line("\(name) = try JSONRead.messages(value, as: \(SwiftTypes.swiftName(type)).self, \(path))")
            case (.repeated, let type):
                p.line("\(name) = try JSONRead.repeated(value, as: \(SwiftTypes.codec(type)!).self, \(path))")
            case (_, .message(let type)):
                p.line("\(name) = try JSONRead.message(value, as: \(SwiftTypes.swiftName(type)).self, \(path))")
            case (.optional, let type):
                p.line("\(name) = try JSONRead.scalar(value, as: \(SwiftTypes.codec(type)!).self, \(path))")
            case (.implicit, let type):
                p.line("if let value = try JSONRead.scalar(value, as: \(SwiftTypes.codec(type)!).self, \(path)) { \(name) = value }")
            }
        }
    }
}
