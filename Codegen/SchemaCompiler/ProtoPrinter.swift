/// Prints a `.proto` (proto3) file equivalent to the schema, so that stock protobuf and gRPC
/// tools (protoc, grpcio-tools) can talk to the service. Type references are fully
/// qualified, which protoc resolves without any scoping ambiguity.
public struct ProtoPrinter {
    let schema: Schema

    public init(schema: Schema) { self.schema = schema }

    public func render() -> String {
        var p = CodePrinter(indentUnit: "  ")
        p.line("// DO NOT EDIT.")
        p.line("// Exported by schemac from \(schema.file).")
        if !schema.doc.isEmpty {
            p.line("//")
            p.doc(schema.doc, marker: "//")
        }
        p.line()
        p.line("syntax = \"proto3\";")
        p.line()
        p.line("package \(schema.package);")
        for e in schema.enums {
            p.line()
            printEnum(e, &p)
        }
        for m in schema.messages {
            p.line()
            printMessage(m, &p)
        }
        for s in schema.services {
            p.line()
            p.doc(s.doc, marker: "//")
            p.block("service \(s.name) {") { p in
                for rpc in s.rpcs {
                    p.doc(rpc.doc, marker: "//")
                    p.line("rpc \(rpc.name)(.\(rpc.input.fullName)) returns (.\(rpc.output.fullName));")
                }
            }
        }
        return p.text
    }

    private func typeText(_ type: FieldType) -> String {
        switch type {
        case .scalar(let scalar): return scalar.rawValue
        case .message(let name), .enumeration(let name): return "." + name.fullName
        case .map(let key, let value): return "map<\(key.rawValue), \(typeText(value))>"
        }
    }

    private func fieldLine(_ field: Field, inOneof: Bool) -> String {
        var label = ""
        if !inOneof {
            switch (field.label, field.type) {
            case (.repeated, _): label = "repeated "
            case (.optional, .message), (_, .map): label = ""
            case (.optional, _): label = "optional "
            default: label = ""
            }
        }
        let limits = Self.limitsText(field.limits)
        return "\(label)\(typeText(field.type)) \(field.name) = \(field.number);" + (limits.isEmpty ? "" : "  // limits: \(limits)")
    }

    /// The schema's limits as a trailing comment, so that readers of the .proto learn them.
    static func limitsText(_ limits: FieldLimits) -> String {
        var parts: [String] = []
        if let text = limits.text { parts.append(text.summary) }
        if let maxItems = limits.maxItems { parts.append("at most \(maxItems) items") }
        if let range = limits.range { parts.append("\(range.lowerBound) to \(range.upperBound)") }
        return parts.joined(separator: "; ")
    }

    private func printMessage(_ m: MessageType, _ p: inout CodePrinter) {
        p.doc(m.doc, marker: "//")
        p.block("message \(m.name.path.last!) {") { p in
            for e in m.enums { printEnum(e, &p) }
            for nested in m.messages { printMessage(nested, &p) }
            var printedOneofs: Set<Int> = []
            for field in m.fields {
                if let index = field.oneof {
                    guard printedOneofs.insert(index).inserted else { continue }
                    let oneof = m.oneofs[index]
                    p.doc(oneof.doc, marker: "//")
                    p.block("oneof \(oneof.name) {") { p in
                        for member in m.fields where member.oneof == index {
                            p.doc(member.doc, marker: "//")
                            p.line(fieldLine(member, inOneof: true))
                        }
                    }
                } else {
                    p.doc(field.doc, marker: "//")
                    p.line(fieldLine(field, inOneof: false))
                }
            }
            printReserved(numbers: m.reservedNumbers, names: m.reservedNames, &p)
        }
    }

    private func printEnum(_ e: EnumType, _ p: inout CodePrinter) {
        p.doc(e.doc, marker: "//")
        p.block("enum \(e.name.path.last!) {") { p in
            for value in e.values {
                p.doc(value.doc, marker: "//")
                p.line("\(value.name) = \(value.number);")
            }
            printReserved(numbers: e.reservedNumbers, names: e.reservedNames, &p)
        }
    }

    private func printReserved(numbers: [ClosedRange<Int>], names: [String], _ p: inout CodePrinter) {
        if !numbers.isEmpty {
            let items = numbers.map { range -> String in
                if range.lowerBound == range.upperBound { return "\(range.lowerBound)" }
                let high = range.upperBound == FieldTag.maxFieldNumber ? "max" : "\(range.upperBound)"
                return "\(range.lowerBound) to \(high)"
            }
            p.line("reserved \(items.joined(separator: ", "));")
        }
        if !names.isEmpty {
            p.line("reserved \(names.map { "\"\($0)\"" }.joined(separator: ", "));")
        }
    }
}
