/// Values in PostgreSQL's text format, for parameters and results.
enum PostgresText {
    /// An array literal: `{"a","b",NULL}`, each element quoted with `"` and `\` escaped.
    /// Built as UTF-8 bytes: both are ASCII, which never occurs inside a multi-byte character.
    static func array(_ values: [String?]) -> String {
        var out: [UInt8] = [UInt8(ascii: "{")]
        out.reserveCapacity(2 + values.count * 24)
        for (index, value) in values.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            guard let value else {
                out.append(contentsOf: "NULL".utf8)
                continue
            }
            out.append(UInt8(ascii: "\""))
            for byte in value.utf8 {
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { out.append(UInt8(ascii: "\\")) }
                out.append(byte)
            }
            out.append(UInt8(ascii: "\""))
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    static func array(_ values: [Int64?]) -> String {
        "{" + values.map { $0.map(String.init) ?? "NULL" }.joined(separator: ",") + "}"
    }

    /// `bytea` in hex format: `\x` and two hex digits a byte.
    static func bytea(_ bytes: [UInt8]) -> String { "\\x" + hex(bytes) }

    /// Two lowercase hex digits a byte (what `decode(..., 'hex')` reads).
    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(2 * bytes.count)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func bytes(fromBytea text: String) throws -> [UInt8] {
        let utf8 = Array(text.utf8)
        guard utf8.count >= 2, utf8[0] == UInt8(ascii: "\\"), utf8[1] == UInt8(ascii: "x"), utf8.count % 2 == 0 else {
            throw PostgresError(sqlState: "", message: "expected bytea in hex format, got '\(text.prefix(16))'")
        }
        func nibble(_ c: UInt8) throws -> UInt8 {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            default: throw PostgresError(sqlState: "", message: "bad hex digit in bytea")
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count / 2 - 1)
        var i = 2
        while i < utf8.count {
            out.append(try nibble(utf8[i]) << 4 | nibble(utf8[i + 1]))
            i += 2
        }
        return out
    }
}

extension PostgresRows {
    /// Row `row`, column `column` as text ("" for NULL).
    func text(_ row: Int, _ column: Int) -> String { rows[row][column] ?? "" }
    func int(_ row: Int, _ column: Int) -> Int64 { rows[row][column].flatMap { Int64($0) } ?? 0 }
    func optionalInt(_ row: Int, _ column: Int) -> Int64? { rows[row][column].flatMap { Int64($0) } }
    func bool(_ row: Int, _ column: Int) -> Bool { rows[row][column] == "t" }
    var count: Int { rows.count }
}
