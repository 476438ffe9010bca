/// Finds singular message fields whose type leads back to the message holding them. Swift
/// structs cannot contain themselves, so the printer stores those fields indirectly.
enum RecursionFinder {
    static func markRecursiveFields(in schema: inout Schema) {
        var edges: [String: Set<String>] = [:]
        forEach(&schema.messages) { message in
            edges[message.name.fullName] = Set(message.fields.compactMap { field in
                if case .message(let target) = field.type, field.label != .repeated { return target.fullName }
                return nil
            })
        }
        forEach(&schema.messages) { message in
            let owner = message.name.fullName
            for i in message.fields.indices {
                guard case .message(let target) = message.fields[i].type, message.fields[i].label != .repeated else { continue }
                message.fields[i].isRecursive = reaches(from: target.fullName, to: owner, edges: edges)
            }
        }
    }

    private static func reaches(from start: String, to goal: String, edges: [String: Set<String>]) -> Bool {
        var seen: Set<String> = []
        var stack = [start]
        while let node = stack.popLast() {
            if node == goal { return true }
            guard seen.insert(node).inserted else { continue }
            stack.append(contentsOf: edges[node] ?? [])
        }
        return false
    }

    private static func forEach(_ messages: inout [MessageType], _ body: (inout MessageType) -> Void) {
        for i in messages.indices {
            body(&messages[i])
            forEach(&messages[i].messages, body)
        }
    }
}
