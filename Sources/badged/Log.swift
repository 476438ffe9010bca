import Foundation
import Wire

/// Structured logs: one JSON object per line on standard error.
enum Log {
    static func info(_ message: String, _ fields: [String: String] = [:]) { write("info", message, fields) }
    static func error(_ message: String, _ fields: [String: String] = [:]) { write("error", message, fields) }

    private static func write(_ level: String, _ message: String, _ fields: [String: String]) {
        let time = ISO8601DateFormatter().string(from: Date())
        var entries: [(key: String, value: JSONValue)] = [("time", .string(time)), ("level", .string(level)), ("msg", .string(message))]
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) { entries.append((key, .string(value))) }
        FileHandle.standardError.write(Data((JSONValue.object(entries).serialized() + "\n").utf8))
    }
}
