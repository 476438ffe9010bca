/// The rules for field limits: each limit fits its field, and every string, bytes and
/// repeated field a request can carry has one, so that a server bounds all it accepts.
extension Checker {
    /// The limits as written, turned into the model's, with a mistake reported for each
    /// limit that does not fit the field.
    mutating func checkLimits(_ written: [(LimitSyntax, SourceLocation)], of field: Field) -> FieldLimits {
        var limits = FieldLimits()
        let element: ScalarType?
        switch field.type {
        case .scalar(let scalar): element = scalar
        case .message, .enumeration: element = nil
        case .map:
            if let (_, location) = written.first { error("map fields take no limits", at: location) }
            return limits
        }
        for (limit, location) in written {
            switch limit {
            case .textKind(let kind):
                guard element == .string else {
                    error("limit '\(kind)' is for string fields; '\(field.name)' is not one", at: location)
                    continue
                }
                if limits.text != nil { error("field '\(field.name)' has two byte limits", at: location) }
                limits.text = kind == "id" ? .id : kind == "name" ? .name : .text
            case .maxBytes(let n):
                guard element == .string || element == .bytes else {
                    error("limit 'max_bytes' is for string and bytes fields; '\(field.name)' is neither", at: location)
                    continue
                }
                guard n >= 1 else {
                    error("max_bytes must be at least 1", at: location)
                    continue
                }
                if limits.text != nil { error("field '\(field.name)' has two byte limits", at: location) }
                limits.text = .maxBytes(Int(n))
            case .maxItems(let n):
                guard field.label == .repeated else {
                    error("limit 'max_items' is for repeated fields; '\(field.name)' is not one", at: location)
                    continue
                }
                guard n >= 1 else {
                    error("max_items must be at least 1", at: location)
                    continue
                }
                if limits.maxItems != nil { error("field '\(field.name)' has two max_items limits", at: location) }
                limits.maxItems = Int(n)
            case .range(let low, let high):
                guard let element, let bounds = element.integerBounds else {
                    error("limit 'range' is for integer fields; '\(field.name)' is not one", at: location)
                    continue
                }
                guard low <= high else {
                    error("range \(low)..\(high) is empty", at: location)
                    continue
                }
                guard bounds.contains(low), bounds.contains(high) else {
                    error("range \(low)..\(high) goes beyond what \(element.rawValue) holds", at: location)
                    continue
                }
                if limits.range != nil { error("field '\(field.name)' has two ranges", at: location) }
                limits.range = low...high
            }
        }
        return limits
    }

    /// Every message a request can reach, through message fields of any kind, must bound
    /// its strings, bytes and repeated fields.
    mutating func checkRequestsAreBounded(_ schema: Schema) {
        let byName = schema.messagesByName
        // Breadth first from each rpc's input, naming the first rpc that reaches a message.
        var reachedBy: [String: String] = [:]
        var queue: [String] = []
        for rpc in schema.services.flatMap(\.rpcs) where reachedBy[rpc.input.fullName] == nil {
            reachedBy[rpc.input.fullName] = rpc.name
            queue.append(rpc.input.fullName)
        }
        while !queue.isEmpty {
            let name = queue.removeFirst()
            guard let message = byName[name] else { continue }
            for field in message.fields {
                if let target = field.type.messageName, reachedBy[target] == nil {
                    reachedBy[target] = reachedBy[name]
                    queue.append(target)
                }
                guard let location = fieldLocations[name]?[field.name] else { continue }
                let context = "field '\(field.name)' of '\(message.name.path.joined(separator: "."))' is part of rpc \(reachedBy[name]!)'s request"
                if case .map = field.type {
                    error("\(context); maps cannot be bounded, so requests cannot hold them (use a repeated message)", at: location)
                    continue
                }
                if field.label == .repeated && field.limits.maxItems == nil {
                    error("\(context) and needs a bound: [max_items N]", at: location)
                }
                if case .scalar(let scalar) = field.type, scalar == .string || scalar == .bytes, field.limits.text == nil {
                    let choices = scalar == .string ? "[id], [name], [text] or [max_bytes N]" : "[max_bytes N]"
                    error("\(context) and needs a bound: \(choices)", at: location)
                }
            }
        }
    }
}

extension FieldType {
    /// The message a field holds, directly, repeated or as a map's value.
    var messageName: String? {
        switch self {
        case .message(let name): return name.fullName
        case .map(_, let value): return value.messageName
        case .scalar, .enumeration: return nil
        }
    }
}

extension ScalarType {
    /// The values an integer type holds (as Int64; uint64's upper half cannot be named), or
    /// nil for the other types.
    var integerBounds: ClosedRange<Int64>? {
        switch self {
        case .int32, .sint32, .sfixed32: return Int64(Int32.min)...Int64(Int32.max)
        case .uint32, .fixed32: return 0...Int64(UInt32.max)
        case .int64, .sint64, .sfixed64: return Int64.min...Int64.max
        case .uint64, .fixed64: return 0...Int64.max
        case .double, .float, .bool, .string, .bytes: return nil
        }
    }
}
