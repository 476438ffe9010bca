/// For each message that has field limits, or holds messages that do, a `checkLimits()` that
/// a server runs on every request it decodes. Other messages keep `WireMessage`'s empty one.
extension SwiftPrinter {
    /// The messages (full names) whose check has something to do: a limit of their own, or
    /// a field holding such a message. Found by repeating until nothing changes, as messages
    /// may hold each other.
    static func messagesWithLimits(_ schema: Schema) -> Set<String> {
        let all = schema.allMessages
        var found = Set(all.filter { $0.fields.contains { !$0.limits.isEmpty } }.map(\.name.fullName))
        var changed = true
        while changed {
            changed = false
            for m in all where !found.contains(m.name.fullName) {
                if m.fields.contains(where: { $0.type.messageName.map(found.contains) ?? false }) {
                    found.insert(m.name.fullName)
                    changed = true
                }
            }
        }
        return found
    }

    func printLimits(_ m: MessageType, checked: Set<String>, _ p: inout CodePrinter) {
        p.block("extension \(SwiftTypes.swiftName(m.name)) {") { p in
            p.block("public func checkLimits() throws(LimitViolation) {") { p in
                for field in m.fields where field.oneof == nil {
                    printChecks(field, value: SwiftTypes.propertyName(field.name), checked: checked, &p)
                }
                for (index, oneof) in m.oneofs.enumerated() {
                    let members = m.fields.filter { $0.oneof == index && needsCheck($0, checked) }
                    guard !members.isEmpty else { continue }
                    p.switchBlock("switch \(SwiftTypes.propertyName(oneof.name)) {") { p in
                        for field in members {
                            p.line("case .\(SwiftTypes.propertyName(field.name))(let value)?:")
                            p.indented { p in printElementCheck(field, value: "value", index: nil, checked: checked, &p) }
                        }
                        p.line("default: break")
                    }
                }
            }
        }
    }

    private func needsCheck(_ field: Field, _ checked: Set<String>) -> Bool {
        !field.limits.isEmpty || (field.type.messageName.map(checked.contains) ?? false)
    }

    private func printChecks(_ field: Field, value: String, checked: Set<String>, _ p: inout CodePrinter) {
        guard needsCheck(field, checked) else { return }
        switch field.label {
        case .repeated:
            if let maxItems = field.limits.maxItems {
                p.line("try FieldLimits.check(count: \(value).count, maxItems: \(maxItems), \"\(field.name)\")")
            }
            if field.limits.text != nil || field.limits.range != nil || field.type.messageName.map(checked.contains) == true {
                p.block("for (index, element) in \(value).enumerated() {") { p in
                    printElementCheck(field, value: "element", index: "index", checked: checked, &p)
                }
            }
        case .optional:
            p.block("if let value = \(value) {") { p in
                printElementCheck(field, value: "value", index: nil, checked: checked, &p)
            }
        case .implicit:
            printElementCheck(field, value: value, index: nil, checked: checked, &p)
        }
    }

    /// The check of one value of `field` (an element, when repeated).
    private func printElementCheck(_ field: Field, value: String, index: String?, checked: Set<String>, _ p: inout CodePrinter) {
        let at = index.map { ", index: \($0)" } ?? ""
        if case .message = field.type {
            let inside = index.map { "\"\(field.name)\", index: \($0)" } ?? "\"\(field.name)\""
            p.line("do { try \(value).checkLimits() } catch { throw error.inside(\(inside)) }")
            return
        }
        switch field.limits.text {
        case .id?: p.line("try FieldLimits.check(\(value), .id, \"\(field.name)\"\(at))")
        case .name?: p.line("try FieldLimits.check(\(value), .name, \"\(field.name)\"\(at))")
        case .text?: p.line("try FieldLimits.check(\(value), .text, \"\(field.name)\"\(at))")
        case .maxBytes(let n)?: p.line("try FieldLimits.check(\(value), maxBytes: \(n), \"\(field.name)\"\(at))")
        case nil: break
        }
        if let range = field.limits.range {
            p.line("try FieldLimits.check(\(value), in: \(range.lowerBound)...\(range.upperBound), \"\(field.name)\"\(at))")
        }
    }
}
