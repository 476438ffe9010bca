/// The `encode(to:)` and `decode(from:)` methods of each message.
extension SwiftPrinter {
    func printCodec(_ m: MessageType, _ p: inout CodePrinter) {
        p.block("extension \(SwiftTypes.swiftName(m.name)) {") { p in
            printEncode(m, &p)
            p.line()
            printDecode(m, &p)
        }
    }

    // MARK: - Encoding

    /// Writes fields in descending number order (the writer builds back to front), so that the
    /// bytes come out in ascending order as protobuf's canonical encoding has them.
    private func printEncode(_ m: MessageType, _ p: inout CodePrinter) {
        let fields = m.fields.sorted { $0.number > $1.number }
        p.block("public func encode(to writer: inout WireWriter) {") { p in
            p.line("writer.writeUnknown(unknownFields)")
            var i = 0
            while i < fields.count {
                guard let oneof = fields[i].oneof else {
                    printEncodeField(fields[i], &p)
                    i += 1
                    continue
                }
                // A run of adjacent members of one oneof becomes one switch.
                var run: [Field] = []
                while i < fields.count, fields[i].oneof == oneof {
                    run.append(fields[i])
                    i += 1
                }
                printEncodeOneofRun(run, oneof: m.oneofs[oneof], exhaustive: run.count == m.oneofs[oneof].fieldNumbers.count, &p)
            }
        }
    }

    private func printEncodeField(_ field: Field, _ p: inout CodePrinter) {
        let name = "self." + SwiftTypes.propertyName(field.name)
        let n = field.number
        switch (field.label, field.type) {
        case (_, .map(let key, let value)):
            if let valueCodec = SwiftTypes.codec(value) {
                p.line("writer.writeMap(\(name), field: \(n), key: \(SwiftTypes.codec(key)).self, value: \(valueCodec).self)")
            } else {
                p.line("writer.writeMap(\(name), field: \(n), key: \(SwiftTypes.codec(key)).self)")
            }
        case (.repeated, .message):
            p.line("writer.writeMessages(\(name), field: \(n))")
        case (.repeated, .scalar(let scalar)) where !scalar.isPackable:
            p.line("writer.writeRepeated(\(name), field: \(n), as: \(SwiftTypes.codec(scalar)).self)")
        case (.repeated, let type):
            p.line("writer.writePacked(\(name), field: \(n), as: \(SwiftTypes.codec(type)!).self)")
        case (_, .message):
            p.line("if let value = \(name) { writer.writeMessage(value, field: \(n)) }")
        case (.optional, let type):
            p.line("if let value = \(name) { writer.write(value, field: \(n), as: \(SwiftTypes.codec(type)!).self) }")
        case (.implicit, let type):
            p.line("writer.writeNonDefault(\(name), field: \(n), as: \(SwiftTypes.codec(type)!).self)")
        }
    }

    private func printEncodeOneofRun(_ run: [Field], oneof: Oneof, exhaustive: Bool, _ p: inout CodePrinter) {
        p.switchBlock("switch self.\(SwiftTypes.propertyName(oneof.name)) {") { p in
            for field in run {
                let write: String
                if case .message = field.type {
                    write = "writer.writeMessage(value, field: \(field.number))"
                } else {
                    write = "writer.write(value, field: \(field.number), as: \(SwiftTypes.codec(field.type)!).self)"
                }
                p.line("case .\(SwiftTypes.propertyName(field.name))(let value)?: \(write)")
            }
            p.line(exhaustive ? "case nil: break" : "default: break")
        }
    }

    // MARK: - Decoding

    private func printDecode(_ m: MessageType, _ p: inout CodePrinter) {
        p.block("public mutating func decode(from reader: inout WireReader) throws {") { p in
            if m.fields.isEmpty {
                p.block("while let tag = try reader.nextTag() {") { p in
                    p.line("try reader.skipField(tag, into: &unknownFields)")
                }
                return
            }
            p.block("while let tag = try reader.nextTag() {") { p in
                p.switchBlock("switch tag {") { p in
                    for field in m.fields.sorted(by: { $0.number < $1.number }) {
                        printDecodeField(field, oneof: field.oneof.map { m.oneofs[$0] }, &p)
                    }
                    p.line("default: try reader.skipField(tag, into: &unknownFields)")
                }
            }
        }
    }

    private func printDecodeField(_ field: Field, oneof: Oneof?, _ p: inout CodePrinter) {
        let name = "self." + SwiftTypes.propertyName(field.name)
        let tag = field.number << 3 | SwiftTypes.wireType(field.type)
        let comment = " // \(field.name)"
        if let oneof {
            let property = "self." + SwiftTypes.propertyName(oneof.name)
            let member = SwiftTypes.propertyName(field.name)
            if case .message(let type) = field.type {
                p.line("case \(tag):\(comment)")
                p.indented { p in
                    // A repeated occurrence of the same member merges, as for any message field.
                    p.line("var value = \(SwiftTypes.swiftName(type))()")
                    p.line("if case .\(member)(let existing)? = \(property) { value = existing }")
                    p.line("try reader.readMessage(into: &value)")
                    p.line("\(property) = .\(member)(value)")
                }
            } else {
                p.line("case \(tag):\(comment)")
                p.indented { $0.line("\(property) = .\(member)(try reader.read(as: \(SwiftTypes.codec(field.type)!).self))") }
            }
            return
        }
        switch (field.label, field.type) {
        case (_, .map(let key, let value)):
            p.line("case \(tag):\(comment)")
            if let valueCodec = SwiftTypes.codec(value) {
                p.indented { $0.line("try reader.readMapEntry(into: &\(name), key: \(SwiftTypes.codec(key)).self, value: \(valueCodec).self)") }
            } else {
                p.indented { $0.line("try reader.readMapEntry(into: &\(name), key: \(SwiftTypes.codec(key)).self)") }
            }
        case (.repeated, .message):
            p.line("case \(tag):\(comment)")
            p.indented { $0.line("try reader.readMessage(appendingTo: &\(name))") }
        case (.repeated, let type):
            let packedTag = field.number << 3 | 2
            let tags = tag == packedTag ? "\(tag)" : "\(tag), \(packedTag)"
            p.line("case \(tags):\(comment)")
            p.indented { $0.line("try reader.readRepeated(tag, into: &\(name), as: \(SwiftTypes.codec(type)!).self)") }
        case (_, .message):
            p.line("case \(tag):\(comment)")
            p.indented { $0.line("try reader.readMessage(into: &\(name))") }
        case (_, let type):
            p.line("case \(tag):\(comment)")
            p.indented { $0.line("\(name) = try reader.read(as: \(SwiftTypes.codec(type)!).self)") }
        }
    }
}
