/// One mistake in a schema: where it is and what is wrong.
public struct SchemaError: Error, Hashable, Sendable {
    public var location: SourceLocation
    public var message: String

    public init(_ message: String, at location: SourceLocation) {
        self.message = message
        self.location = location
    }

    /// `file:line:column: message`, as compilers print it.
    public var summary: String { "\(location): \(message)" }

    /// The summary, then the offending line with a caret under the column.
    public func rendered(source: String) -> String {
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
        guard location.line >= 1, location.line <= lines.count else { return summary }
        let line = lines[location.line - 1]
        let caret = String(repeating: " ", count: max(location.column - 1, 0)) + "^"
        return "\(summary)\n\(line)\n\(caret)"
    }
}

/// Every mistake found in one compilation, in source order.
public struct SchemaErrors: Error, Sendable {
    public var errors: [SchemaError]
}
