/// Builds a message's JSON object field by field; used by generated `jsonValue()` methods.
public struct JSONObjectWriter {
    public private(set) var fields: [(key: String, value: JSONValue)] = []

    public init() {}

    public var value: JSONValue { .object(fields) }

    public mutating func add<S: WireJSONScalar>(_ key: String, _ value: S.Value, as _: S.Type) {
        fields.append((key, S.json(value)))
    }

    /// Implicit presence: a default value is left out, as protobuf's printers do.
    public mutating func addNonDefault<S: WireJSONScalar>(_ key: String, _ value: S.Value, as scalar: S.Type) {
        if !S.isDefault(value) { add(key, value, as: scalar) }
    }

    public mutating func addRepeated<S: WireJSONScalar>(_ key: String, _ values: [S.Value], as _: S.Type) {
        if !values.isEmpty { fields.append((key, .array(values.map(S.json)))) }
    }

    public mutating func addMessage<M: JSONMessage>(_ key: String, _ message: M) {
        fields.append((key, message.jsonValue()))
    }

    public mutating func addMessages<M: JSONMessage>(_ key: String, _ messages: [M]) {
        if !messages.isEmpty { fields.append((key, .array(messages.map { $0.jsonValue() }))) }
    }

    public mutating func addMap<K: WireJSONMapKey, V: WireJSONScalar>(_ key: String, _ map: [K.Value: V.Value], key _: K.Type, value _: V.Type) {
        guard !map.isEmpty else { return }
        let entries = map.sorted { K.precedes($0.key, $1.key) }.map { (key: K.jsonKey($0.key), value: V.json($0.value)) }
        fields.append((key, .object(entries)))
    }

    public mutating func addMap<K: WireJSONMapKey, M: JSONMessage>(_ key: String, _ map: [K.Value: M], key _: K.Type) {
        guard !map.isEmpty else { return }
        let entries = map.sorted { K.precedes($0.key, $1.key) }.map { (key: K.jsonKey($0.key), value: $0.value.jsonValue()) }
        fields.append((key, .object(entries)))
    }
}

/// Reads fields of a JSON object; used by generated `init(json:)`. A JSON `null` reads as
/// "not set" (nil). Errors name the field path, e.g. `event.sessionScheduled.role: expected a string`.
public enum JSONRead {
    public static func object(_ json: JSONValue, _ message: String) throws(JSONError) -> [(key: String, value: JSONValue)] {
        guard case .object(let fields) = json else { throw JSONError("expected a JSON object for \(message)") }
        return fields
    }

    public static func unknownField(_ key: String, in message: String) -> JSONError {
        JSONError("\(key): no such field in \(message)")
    }

    public static func scalar<S: WireJSONScalar>(_ json: JSONValue, as _: S.Type, field: String) throws(JSONError) -> S.Value? {
        if json == .null { return nil }
        do { return try S.fromJSON(json) } catch { throw prefixed(field, error) }
    }

    public static func repeated<S: WireJSONScalar>(_ json: JSONValue, as _: S.Type, field: String) throws(JSONError) -> [S.Value] {
        if json == .null { return [] }
        guard case .array(let items) = json else { throw JSONError("\(field): expected an array") }
        var values: [S.Value] = []
        for (i, item) in items.enumerated() {
            do { values.append(try S.fromJSON(item)) } catch { throw prefixed("\(field)[\(i)]", error) }
        }
        return values
    }

    public static func message<M: JSONMessage>(_ json: JSONValue, as _: M.Type, field: String) throws(JSONError) -> M? {
        if json == .null { return nil }
        do { return try M(json: json) } catch { throw prefixed(field, error) }
    }

    public static func messages<M: JSONMessage>(_ json: JSONValue, as _: M.Type, field: String) throws(JSONError) -> [M] {
        if json == .null { return [] }
        guard case .array(let items) = json else { throw JSONError("\(field): expected an array") }
        var values: [M] = []
        for (i, item) in items.enumerated() {
            do { values.append(try M(json: item)) } catch { throw prefixed("\(field)[\(i)]", error) }
        }
        return values
    }

    public static func map<K: WireJSONMapKey, V: WireJSONScalar>(_ json: JSONValue, key _: K.Type, value _: V.Type, field: String) throws(JSONError) -> [K.Value: V.Value] {
        if json == .null { return [:] }
        guard case .object(let entries) = json else { throw JSONError("\(field): expected an object") }
        var map: [K.Value: V.Value] = [:]
        for entry in entries {
            do { map[try K.fromJSONKey(entry.key)] = try V.fromJSON(entry.value) } catch { throw prefixed("\(field)[\(entry.key)]", error) }
        }
        return map
    }

    public static func map<K: WireJSONMapKey, M: JSONMessage>(_ json: JSONValue, key _: K.Type, message _: M.Type, field: String) throws(JSONError) -> [K.Value: M] {
        if json == .null { return [:] }
        guard case .object(let entries) = json else { throw JSONError("\(field): expected an object") }
        var map: [K.Value: M] = [:]
        for entry in entries {
            do { map[try K.fromJSONKey(entry.key)] = try M(json: entry.value) } catch { throw prefixed("\(field)[\(entry.key)]", error) }
        }
        return map
    }

    /// `field: problem`, or `field.inner: problem` when the problem already names a field.
    static func prefixed(_ field: String, _ error: JSONError) -> JSONError {
        let text = error.description
        if let colon = text.firstIndex(of: ":"), !text[..<colon].contains(" ") {
            return JSONError("\(field).\(text)")
        }
        return JSONError("\(field): \(text)")
    }
}
