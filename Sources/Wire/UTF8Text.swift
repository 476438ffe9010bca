/// Strict UTF-8 decoding for string fields.
@usableFromInline
enum UTF8Text {
    /// The string the bytes spell, or nil when they are not valid UTF-8.
    ///
    /// `String(validating:as:)` goes through generic code that looks up type metadata on every
    /// call (a third of a small message's decode time). ASCII, the common case, is checked here
    /// eight bytes at a time; anything else takes the standard library's fast repairing
    /// initializer, and a repair shows as output bytes that differ from the input.
    @inlinable
    static func decode(_ bytes: UnsafeRawBufferPointer) -> String? {
        let input = UnsafeBufferPointer(start: bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), count: bytes.count)
        let string = String(decoding: input, as: UTF8.self)
        if isASCII(bytes) { return string }
        let unchanged = string.utf8.withContiguousStorageIfAvailable { output in
            output.count == input.count && output.elementsEqual(input)
        }
        return (unchanged ?? Array(string.utf8).elementsEqual(input)) ? string : nil
    }

    @inlinable
    static func isASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        var i = 0
        let n = bytes.count
        while i + 8 <= n {
            if base.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return false }
            i += 8
        }
        while i < n {
            if base.load(fromByteOffset: i, as: UInt8.self) >= 0x80 { return false }
            i += 1
        }
        return true
    }
}
