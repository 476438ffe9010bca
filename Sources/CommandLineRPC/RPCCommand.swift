import RPCCore
import Wire

/// How a command-line flag's text becomes a JSON value of the request.
public indirect enum FlagKind: Sendable {
    case string
    case bool
    case integer
    /// 64-bit integers travel as JSON strings, per protobuf's JSON mapping.
    case int64
    case number
    /// base64 text.
    case bytes
    case enumeration([String])
    case repeated(FlagKind)
}

/// A request field settable by a flag: `--flag value`.
public struct FlagSpec: Sendable {
    public var flag: String
    public var jsonName: String
    public var kind: FlagKind

    public init(flag: String, jsonName: String, kind: FlagKind) {
        self.flag = flag
        self.jsonName = jsonName
        self.kind = kind
    }
}

/// One rpc as a command: `badgectl GROUP NAME [flags] [--json REQUEST]`.
public struct RPCCommand: Sendable {
    public typealias Call = @Sendable (JSONValue, any UnaryTransport, CallOptions) async throws -> JSONValue

    public var group: String
    public var name: String
    public var path: String
    public var summary: String
    public var flags: [FlagSpec]
    public var call: Call

    public init(group: String, name: String, path: String, summary: String, flags: [FlagSpec], call: @escaping Call) {
        self.group = group
        self.name = name
        self.path = path
        self.summary = summary
        self.flags = flags
        self.call = call
    }

    /// The request as JSON: `--json` first, then each flag on top of it.
    public func request(json: String?, flags given: [(String, String)]) throws(UsageError) -> JSONValue {
        var fields: [(key: String, value: JSONValue)] = []
        if let json {
            do {
                guard case .object(let object) = try JSONValue.parse(json) else { throw UsageError("--json must be a JSON object") }
                fields = object
            } catch let error as JSONError {
                throw UsageError("--json is not valid JSON: \(error)")
            } catch {
                throw error as! UsageError
            }
        }
        var repeated: [String: [JSONValue]] = [:]
        for (flag, text) in given {
            guard let spec = flags.first(where: { $0.flag == flag }) else {
                let known = flags.map { "--" + $0.flag }.joined(separator: ", ")
                throw UsageError("unknown flag --\(flag) for '\(group) \(name)'" + (known.isEmpty ? "; pass the request with --json" : " (flags: \(known), --json)"))
            }
            if case .repeated(let element) = spec.kind {
                repeated[spec.jsonName, default: []].append(try Self.value(text, element, flag: flag))
            } else {
                fields.removeAll { $0.key == spec.jsonName }
                fields.append((spec.jsonName, try Self.value(text, spec.kind, flag: flag)))
            }
        }
        for (key, values) in repeated.sorted(by: { $0.key < $1.key }) {
            fields.removeAll { $0.key == key }
            fields.append((key, .array(values)))
        }
        return .object(fields)
    }

    static func value(_ text: String, _ kind: FlagKind, flag: String) throws(UsageError) -> JSONValue {
        switch kind {
        case .string, .bytes: return .string(text)
        case .bool:
            switch text {
            case "true": return .bool(true)
            case "false": return .bool(false)
            default: throw UsageError("--\(flag) takes true or false, not '\(text)'")
            }
        case .integer, .number:
            guard Double(text) != nil else { throw UsageError("--\(flag) takes a number, not '\(text)'") }
            return .number(text)
        case .int64:
            guard Int64(text) != nil || UInt64(text) != nil else { throw UsageError("--\(flag) takes an integer, not '\(text)'") }
            return .string(text)
        case .enumeration(let names):
            guard names.contains(text) else { throw UsageError("--\(flag) takes one of \(names.joined(separator: ", ")), not '\(text)'") }
            return .string(text)
        case .repeated(let element):
            return try value(text, element, flag: flag)
        }
    }
}

/// A mistake on the command line; badgectl prints it with usage and exits 2.
public struct UsageError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
