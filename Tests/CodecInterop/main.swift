import Badges
import Foundation
import Wire
import WireFixtures

/// The Swift side of the protobuf interop tests (`Tests/Interop`), which Python drives.
/// Messages travel in files of records: a four-byte little-endian length, then the bytes.
///
///     codec-interop reencode IN OUT          decode each Everything, encode it again
///     codec-interop reencode-sparse IN OUT   the same through Sparse (unknown fields kept)
///     codec-interop generate COUNT SEED OUT  write random Everything messages, odd ones with
///                                            at most one entry per map
///     codec-interop verify COUNT SEED IN     check IN decodes to the messages `generate` makes
///     codec-interop to-json IN OUT           binary records to JSON records (protobuf's JSON mapping)
///     codec-interop from-json IN OUT         JSON records back to binary

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("codec-interop: \(message)\n".utf8))
    exit(1)
}

func readRecords(_ path: String) -> [[UInt8]] {
    guard let data = FileManager.default.contents(atPath: path) else { fail("cannot read \(path)") }
    let bytes = [UInt8](data)
    var records: [[UInt8]] = []
    var i = 0
    while i < bytes.count {
        guard i + 4 <= bytes.count else { fail("\(path): truncated record header at \(i)") }
        let n = Int(bytes[i]) | Int(bytes[i + 1]) << 8 | Int(bytes[i + 2]) << 16 | Int(bytes[i + 3]) << 24
        i += 4
        guard i + n <= bytes.count else { fail("\(path): truncated record at \(i)") }
        records.append(Array(bytes[i..<i + n]))
        i += n
    }
    return records
}

func writeRecords(_ records: [[UInt8]], to path: String) {
    var out: [UInt8] = []
    for r in records {
        let n = UInt32(r.count)
        out += [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 24)]
        out += r
    }
    guard FileManager.default.createFile(atPath: path, contents: Data(out)) else { fail("cannot write \(path)") }
}

func reencode<M: WireMessage>(_ type: M.Type, _ input: String, _ output: String) {
    let records = readRecords(input).enumerated().map { index, bytes -> [UInt8] in
        do {
            return try M(serializedBytes: bytes).serializedBytes()
        } catch {
            fail("record \(index): \(error)")
        }
    }
    writeRecords(records, to: output)
}

func randomMessage(_ index: Int, _ random: inout SplitMix64) -> Everything {
    RandomEverything(maxMapEntries: index % 2 == 0 ? 5 : 1).make(&random)
}

let args = CommandLine.arguments
guard args.count >= 4 else { fail("usage: see the comment at the top of main.swift") }
switch args[1] {
case "reencode":
    reencode(Everything.self, args[2], args[3])
case "reencode-sparse":
    reencode(Sparse.self, args[2], args[3])
case "to-json":
    let records = readRecords(args[2]).enumerated().map { index, bytes -> [UInt8] in
        do {
            return Array(try Everything(serializedBytes: bytes).jsonValue().serialized().utf8)
        } catch {
            fail("record \(index): \(error)")
        }
    }
    writeRecords(records, to: args[3])
case "from-json":
    let records = readRecords(args[2]).enumerated().map { index, bytes -> [UInt8] in
        do {
            return try Everything(json: JSONValue.parse(String(decoding: bytes, as: UTF8.self))).serializedBytes()
        } catch {
            fail("record \(index): \(error)")
        }
    }
    writeRecords(records, to: args[3])
case "generate":
    guard args.count == 5, let count = Int(args[2]), let seed = UInt64(args[3]) else { fail("generate COUNT SEED OUT") }
    var random = SplitMix64(seed: seed)
    writeRecords((0..<count).map { randomMessage($0, &random).serializedBytes() }, to: args[4])
case "verify":
    guard args.count == 5, let count = Int(args[2]), let seed = UInt64(args[3]) else { fail("verify COUNT SEED IN") }
    var random = SplitMix64(seed: seed)
    let records = readRecords(args[4])
    guard records.count == count else { fail("expected \(count) records, found \(records.count)") }
    var mismatches = 0
    for (index, bytes) in records.enumerated() {
        let expected = randomMessage(index, &random)
        do {
            let decoded = try Everything(serializedBytes: bytes)
            if decoded != expected {
                mismatches += 1
                if mismatches <= 5 { print("record \(index) differs:\n  expected \(expected)\n  decoded  \(decoded)") }
            }
        } catch {
            fail("record \(index): \(error)")
        }
    }
    if mismatches > 0 { fail("\(mismatches) of \(count) records differ") }
    print("verified \(count) records")
default:
    fail("unknown command \(args[1])")
}
