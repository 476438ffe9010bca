/// Field-level writes used by generated `encode(to:)` methods. Like every write, each one
/// goes in front of what is already written, so generated code calls them last field first.
extension WireWriter {
    /// A scalar field, written whatever its value (explicit presence, oneof members).
    @inlinable
    public mutating func write<S: WireScalar>(_ value: S.Value, field: Int, as _: S.Type) {
        S.put(value, into: &self)
        putTag(field, S.wireType)
    }

    /// A scalar field with implicit presence: left off the wire when it holds the default.
    @inlinable
    public mutating func writeNonDefault<S: WireScalar>(_ value: S.Value, field: Int, as scalar: S.Type) {
        if !S.isDefault(value) { write(value, field: field, as: scalar) }
    }

    /// A repeated scalar as one packed, length-delimited field (numeric types).
    @inlinable
    public mutating func writePacked<S: WireScalar>(_ values: [S.Value], field: Int, as _: S.Type) {
        guard !values.isEmpty else { return }
        let mark = count
        var i = values.count
        while i > 0 {
            i -= 1
            S.put(values[i], into: &self)
        }
        putVarint(UInt64(count - mark))
        putTag(field, .lengthDelimited)
    }

    /// A repeated scalar as one field per element (strings and bytes).
    @inlinable
    public mutating func writeRepeated<S: WireScalar>(_ values: [S.Value], field: Int, as scalar: S.Type) {
        var i = values.count
        while i > 0 {
            i -= 1
            write(values[i], field: field, as: scalar)
        }
    }

    @inlinable
    public mutating func writeMessage<M: WireMessage>(_ message: M, field: Int) {
        let mark = count
        message.encode(to: &self)
        putVarint(UInt64(count - mark))
        putTag(field, .lengthDelimited)
    }

    @inlinable
    public mutating func writeMessages<M: WireMessage>(_ messages: [M], field: Int) {
        var i = messages.count
        while i > 0 {
            i -= 1
            writeMessage(messages[i], field: field)
        }
    }

    /// A map of scalars: one entry message per key, keys in order, key and value always written.
    @inlinable
    public mutating func writeMap<K: WireMapKey, V: WireScalar>(
        _ map: [K.Value: V.Value], field: Int, key _: K.Type, value _: V.Type
    ) {
        for (k, v) in map.sorted(by: { K.precedes($1.key, $0.key) }) {
            let mark = count
            write(v, field: 2, as: V.self)
            write(k, field: 1, as: K.self)
            putVarint(UInt64(count - mark))
            putTag(field, .lengthDelimited)
        }
    }

    /// A map whose values are messages.
    @inlinable
    public mutating func writeMap<K: WireMapKey, M: WireMessage>(
        _ map: [K.Value: M], field: Int, key _: K.Type
    ) {
        for (k, v) in map.sorted(by: { K.precedes($1.key, $0.key) }) {
            let mark = count
            writeMessage(v, field: 2)
            write(k, field: 1, as: K.self)
            putVarint(UInt64(count - mark))
            putTag(field, .lengthDelimited)
        }
    }

    @inlinable
    public mutating func writeUnknown(_ unknown: UnknownFields) {
        if !unknown.bytes.isEmpty { unknown.bytes.withUnsafeBytes { putRaw($0) } }
    }
}
