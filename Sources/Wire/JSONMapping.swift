/// protobuf's JSON mapping for scalars: 64-bit integers as strings, bytes as base64, enums by
/// name, non-finite floats as "NaN"/"Infinity"/"-Infinity". Readers accept what protobuf's
/// parsers accept (numbers or strings for integers, names or numbers for enums).
public protocol WireJSONScalar: WireScalar {
    static func json(_ value: Value) -> JSONValue
    static func fromJSON(_ json: JSONValue) throws(JSONError) -> Value
}

/// Scalars that can key a JSON map (an object, so keys are strings).
public protocol WireJSONMapKey: WireJSONScalar, WireMapKey {
    static func jsonKey(_ value: Value) -> String
    static func fromJSONKey(_ key: String) throws(JSONError) -> Value
}

extension WireJSONMapKey {
    public static func jsonKey(_ value: Value) -> String {
        switch json(value) {
        case .string(let s): return s
        case .number(let n): return n
        case .bool(let b): return b ? "true" : "false"
        default: return ""
        }
    }
}

extension WireJSONMapKey where Value: FixedWidthInteger {
    public static func fromJSONKey(_ key: String) throws(JSONError) -> Value {
        try fromJSON(.string(key))
    }
}

/// Integers: JSON numbers (64-bit ones as strings), read from either form.
enum JSONInteger {
    static func parse<T: FixedWidthInteger>(_ json: JSONValue, as _: T.Type) throws(JSONError) -> T {
        let text: String
        switch json {
        case .number(let n): text = n
        case .string(let s): text = s
        default: throw JSONError("expected an integer")
        }
        if let v = T(text) { return v }
        // 1e3 or 5.0 are integers too, if they are whole and fit.
        if let d = Double(text), d.rounded() == d, let v = T(exactly: d) { return v }
        throw JSONError(Double(text) == nil ? "'\(text)' is not an integer" : "\(text) is out of range for \(T.self)")
    }
}

extension WireInt32: WireJSONMapKey {
    public static func json(_ v: Int32) -> JSONValue { .number(String(v)) }
    public static func fromJSON(_ j: JSONValue) throws(JSONError) -> Int32 { try JSONInteger.parse(j, as: Int32.self) }
}
extension WireSInt32: WireJSONMapKey {
    public static func json(_ v: Int32) -> JSONValue { .number(String(v)) }
    public static func fromJSON(_ j: JSONValue) throws(JSONError) -> Int32 { try JSONInteger.parse(j, as: Int32.self) }
}
extension WireSFixed32: WireJSONMapKey {
    public static func json(_ v: Int32) -> JSONValue { .number(String(v)) }
    public static func fromJSON(_ j: JSONValue) throws(JSONError) -> Int32 { try JSONInteger.parse(j, as: Int32.self) }
}
extension WireUInt32: WireJSONMapKey {
    public static func json(_ v: UInt32) -> JSONValue { .number(String(v)) }
    public static func fromJSON(_ j: JSONValue) throws(JSONError) -> UInt32 { try JSONInteger.parse(j, as: UInt32.self) }
}
extension WireFixed32: WireJSONMapKey {
    public static func json(_ v: UInt32) -> JSONValue { .number(String(v)) }
    public static func fromJSON(_ j: JSONValue) throws(JSONError) -> UInt32 { try JSONInteger.parse(j, as: UInt32.self) }
}
extension WireInt64: WireJSONMapKey {
    public static func json(_ v: Int64) -> JSONValue { .string(String(v)) }
    public static func fromJSON(_ j: JSONValue) throws(JSONError) -> Int64 { try JSONInteger.parse(j, as: Int64.self) }
}
extension WireSInt64: WireJSONMapKey {
    public static func json(_ v: Int64) -> JSONValue { .string(String(v)) }
    public static func fromJSON(_ j: JSONValue) throws(JSONError) -> Int64 { try JSONInteger.parse(j, as: Int64.self) }
}
extension WireSFixed64: WireJSONMapKey {
    public static func json(_ v: Int64) -> JSONValue { .string(String(v)) }
    public static func fromJSON(_ j: JSONValue) throws(JSONError) -> Int64 { try JSONInteger.parse(j, as: Int64.self) }
}
extension WireUInt64: WireJSONMapKey {
    public static func json(_ v: UInt64) -> JSONValue { .string(String(v)) }
    public static func fromJSON(_ j: JSONValue) throws(JSONError) -> UInt64 { try JSONInteger.parse(j, as: UInt64.self) }
}
extension WireFixed64: WireJSONMapKey {
    public static func json(_ v: UInt64) -> JSONValue { .string(String(v)) }
    public static func fromJSON(_ j: JSONValue) throws(JSONError) -> UInt64 { try JSONInteger.parse(j, as: UInt64.self) }
}

extension WireBool: WireJSONMapKey {
    public static func json(_ v: Bool) -> JSONValue { .bool(v) }
    public static func fromJSON(_ j: JSONValue) throws(JSONError) -> Bool {
        guard case .bool(let b) = j else { throw JSONError("expected true or false") }
        return b
    }
    public static func fromJSONKey(_ key: String) throws(JSONError) -> Bool {
        switch key {
        case "true": return true
        case "false": return false
        default: throw JSONError("map key '\(key)' is not true or false")
        }
    }
}

extension WireString: WireJSONMapKey {
    public static func json(_ v: String) -> JSONValue { .string(v) }
    public static func fromJSON(_ j: JSONValue) throws(JSONError) -> String {
        guard case .string(let s) = j else { throw JSONError("expected a string") }
        return s
    }
    public static func fromJSONKey(_ key: String) throws(JSONError) -> String { key }
}

extension WireBytes: WireJSONScalar {
    public static func json(_ v: [UInt8]) -> JSONValue { .string(Base64.encode(v)) }
    public static func fromJSON(_ j: JSONValue) throws(JSONError) -> [UInt8] {
        guard case .string(let s) = j, let bytes = Base64.decode(s) else { throw JSONError("expected base64 text") }
        return bytes
    }
}

/// Floating point: numbers, or the strings protobuf uses for what JSON cannot spell.
enum JSONFloat {
    static func json(_ d: Double) -> JSONValue {
        if d.isNaN { return .string("NaN") }
        if d.isInfinite { return .string(d < 0 ? "-Infinity" : "Infinity") }
        if d == 0 { return .number(d.sign == .minus ? "-0.0" : "0") }  // "-0" would read back as integer 0
        return .number(d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : "\(d)")
    }

    static func parse(_ j: JSONValue) throws(JSONError) -> Double {
        switch j {
        case .number(let n): if let d = Double(n) { return d }
        case .string("NaN"): return .nan
        case .string("Infinity"): return .infinity
        case .string("-Infinity"): return -.infinity
        case .string(let s): if let d = Double(s) { return d }
        default: break
        }
        throw JSONError("expected a number")
    }
}

extension WireDouble: WireJSONScalar {
    public static func json(_ v: Double) -> JSONValue { JSONFloat.json(v) }
    public static func fromJSON(_ j: JSONValue) throws(JSONError) -> Double { try JSONFloat.parse(j) }
}

extension WireFloat: WireJSONScalar {
    public static func json(_ v: Float) -> JSONValue {
        v.isFinite ? .number("\(v)") : JSONFloat.json(Double(v))
    }
    public static func fromJSON(_ j: JSONValue) throws(JSONError) -> Float {
        let d = try JSONFloat.parse(j)
        guard d.isNaN || d.isInfinite || abs(d) <= Double(Float.greatestFiniteMagnitude) else { throw JSONError("\(d) is out of range for float") }
        return Float(d)
    }
}

extension WireEnumValue: WireJSONScalar {
    public static func json(_ v: E) -> JSONValue { v.name.map { .string($0) } ?? .number(String(v.rawValue)) }
    public static func fromJSON(_ j: JSONValue) throws(JSONError) -> E {
        switch j {
        case .string(let name):
            guard let value = E(name: name) else { throw JSONError("'\(name)' is not a value of \(E.self)") }
            return value
        case .number:
            return E(rawValue: try JSONInteger.parse(j, as: Int32.self))
        default:
            throw JSONError("expected an enum name or number")
        }
    }
}
