import BadgeAPI
import SwiftProtobuf
import Wire

/// Encode and decode of the service's real messages: our Wire codec against swift-protobuf on
/// the same schema (its code generated from the .proto that schemac exports), in one run.
///
///     swift run -c release CodecBenchmark [--seconds-per-case S]

var secondsPerCase = 1.0
if let i = CommandLine.arguments.firstIndex(of: "--seconds-per-case"), i + 1 < CommandLine.arguments.count,
   let s = Double(CommandLine.arguments[i + 1]) {
    secondsPerCase = s
}

/// Keeps results alive so the optimizer cannot drop the work being timed.
nonisolated(unsafe) var sink = 0

/// Runs `body` in batches for about `seconds`, in five rounds; returns the median ns per call.
func measure(seconds: Double, _ body: () -> Int) -> Double {
    var batch = 1
    let clock = ContinuousClock()
    // Size the batch to about 10 ms.
    while true {
        let t = clock.measure { for _ in 0..<batch { sink &+= body() } }
        if t > .milliseconds(10) || batch > 1 << 24 { break }
        batch *= 2
    }
    var rounds: [Double] = []
    for _ in 0..<5 {
        var calls = 0
        var elapsed = Duration.zero
        while elapsed < .seconds(seconds / 5) {
            elapsed += clock.measure { for _ in 0..<batch { sink &+= body() } }
            calls += batch
        }
        let ns = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
        rounds.append(ns / Double(calls))
    }
    return rounds.sorted()[2]
}

struct Case {
    var name: String
    var bytes: [UInt8]
    var wireEncode: () -> Int
    var wireDecode: () -> Int
    var protobufEncode: () -> Int
    var protobufDecode: () -> Int
}

func makeCase<W: WireMessage, P: SwiftProtobuf.Message>(_ name: String, _ message: W, as _: P.Type) throws -> Case {
    let bytes = message.serializedBytes()
    let peer = try P(serializedBytes: bytes)
    // The two encodings must agree before their speed means anything.
    let peerBytes: [UInt8] = try peer.serializedBytes()
    precondition(peerBytes == bytes, "\(name): swift-protobuf encodes differently")
    let back = try W(serializedBytes: peerBytes)
    precondition(back == message, "\(name): round trip differs")
    return Case(
        name: name, bytes: bytes,
        wireEncode: { message.serializedBytes().count },
        wireDecode: { (try? W(serializedBytes: bytes)) == nil ? 0 : 1 },
        protobufEncode: { ((try? peer.serializedBytes()) as [UInt8]?)?.count ?? 0 },
        protobufDecode: { (try? P(serializedBytes: bytes)) == nil ? 0 : 1 })
}

let cases = try [
    makeCase("RecordActivityRequest", SampleMessages.recordActivityRequest(), as: Badges_V1_RecordActivityRequest.self),
    makeCase("RecordActivityResponse", SampleMessages.recordActivityResponse(), as: Badges_V1_RecordActivityResponse.self),
    makeCase("GetAchievementsResponse", SampleMessages.getAchievementsResponse(), as: Badges_V1_GetAchievementsResponse.self),
]

func pad(_ s: String, _ width: Int) -> String {
    s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
}

func fixed(_ value: Double, _ digits: Int) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    var text = "\(rounded)"
    let decimals = text.split(separator: ".").last?.count ?? 0
    if digits > decimals { text += String(repeating: "0", count: digits - decimals) }
    return text
}

print("codec benchmark: Wire vs swift-protobuf 1.39.0, same schema, same bytes (median of 5 rounds)")
print(pad("message", 26) + pad("bytes", 7) + pad("op", 8) + pad("Wire ns/op", 12) + pad("Wire MB/s", 11)
      + pad("swift-protobuf ns/op", 22) + pad("MB/s", 9) + "speed-up")
var ratios: [String: [Double]] = ["encode": [], "decode": []]
for c in cases {
    for (op, ours, theirs) in [("encode", c.wireEncode, c.protobufEncode), ("decode", c.wireDecode, c.protobufDecode)] {
        let oursNs = measure(seconds: secondsPerCase, ours)
        let theirsNs = measure(seconds: secondsPerCase, theirs)
        let mbps = { (ns: Double) in Double(c.bytes.count) / ns * 1e3 }
        ratios[op]!.append(theirsNs / oursNs)
        print(pad(c.name, 26) + pad("\(c.bytes.count)", 7) + pad(op, 8) + pad(fixed(oursNs, 1), 12)
              + pad(fixed(mbps(oursNs), 1), 11) + pad(fixed(theirsNs, 1), 22) + pad(fixed(mbps(theirsNs), 1), 9)
              + fixed(theirsNs / oursNs, 2) + "x")
    }
}
for op in ["encode", "decode"] {
    let r = ratios[op]!
    print("\(op): Wire is \(fixed(r.min()!, 2))x to \(fixed(r.max()!, 2))x swift-protobuf's throughput")
}
if sink == 42 { print("") }
