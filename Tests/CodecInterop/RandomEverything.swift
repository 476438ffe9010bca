import Badges
import WireFixtures

/// Random `Everything` messages that lean on edge values: extremes, zero, negative zero,
/// multi-byte UTF-8, empty and unknown enum numbers, every map key kind, nesting.
struct RandomEverything {
    /// Caps the entries per map (see the interop tests for why several are not comparable
    /// byte for byte across implementations).
    var maxMapEntries = 5

    func make(_ r: inout SplitMix64, depth: Int = 0) -> Everything {
        var m = Everything()
        func maybe(_ r: inout SplitMix64) -> Bool { Bool.random(using: &r) }
        if maybe(&r) { m.fDouble = Self.double(&r) }
        if maybe(&r) { m.fFloat = Self.float(&r) }
        if maybe(&r) { m.fInt32 = Self.int32(&r) }
        if maybe(&r) { m.fInt64 = Self.int64(&r) }
        if maybe(&r) { m.fUint32 = UInt32(truncatingIfNeeded: Self.int64(&r)) }
        if maybe(&r) { m.fUint64 = UInt64(bitPattern: Self.int64(&r)) }
        if maybe(&r) { m.fSint32 = Self.int32(&r) }
        if maybe(&r) { m.fSint64 = Self.int64(&r) }
        if maybe(&r) { m.fFixed32 = UInt32(truncatingIfNeeded: Self.int64(&r)) }
        if maybe(&r) { m.fFixed64 = UInt64(bitPattern: Self.int64(&r)) }
        if maybe(&r) { m.fSfixed32 = Self.int32(&r) }
        if maybe(&r) { m.fSfixed64 = Self.int64(&r) }
        if maybe(&r) { m.fBool = maybe(&r) }
        if maybe(&r) { m.fString = Self.string(&r) }
        if maybe(&r) { m.fBytes = Self.bytes(&r) }
        if maybe(&r) { m.fColour = Self.colour(&r) }
        if maybe(&r) { m.fPoint = Self.point(&r) }

        if maybe(&r) { m.oDouble = Self.double(&r) }
        if maybe(&r) { m.oFloat = Self.float(&r) }
        if maybe(&r) { m.oInt32 = Self.int32(&r) }
        if maybe(&r) { m.oInt64 = Self.int64(&r) }
        if maybe(&r) { m.oUint32 = UInt32(truncatingIfNeeded: Self.int64(&r)) }
        if maybe(&r) { m.oUint64 = UInt64(bitPattern: Self.int64(&r)) }
        if maybe(&r) { m.oSint32 = Self.int32(&r) }
        if maybe(&r) { m.oSint64 = Self.int64(&r) }
        if maybe(&r) { m.oFixed32 = UInt32(truncatingIfNeeded: Self.int64(&r)) }
        if maybe(&r) { m.oFixed64 = UInt64(bitPattern: Self.int64(&r)) }
        if maybe(&r) { m.oSfixed32 = Self.int32(&r) }
        if maybe(&r) { m.oSfixed64 = Self.int64(&r) }
        if maybe(&r) { m.oBool = maybe(&r) }
        if maybe(&r) { m.oString = Self.string(&r) }
        if maybe(&r) { m.oBytes = Self.bytes(&r) }
        if maybe(&r) { m.oColour = Self.colour(&r) }

        if maybe(&r) { m.rDouble = Self.list(&r) { Self.double(&$0) } }
        if maybe(&r) { m.rFloat = Self.list(&r) { Self.float(&$0) } }
        if maybe(&r) { m.rInt32 = Self.list(&r) { Self.int32(&$0) } }
        if maybe(&r) { m.rInt64 = Self.list(&r) { Self.int64(&$0) } }
        if maybe(&r) { m.rUint32 = Self.list(&r) { UInt32(truncatingIfNeeded: Self.int64(&$0)) } }
        if maybe(&r) { m.rUint64 = Self.list(&r) { UInt64(bitPattern: Self.int64(&$0)) } }
        if maybe(&r) { m.rSint32 = Self.list(&r) { Self.int32(&$0) } }
        if maybe(&r) { m.rSint64 = Self.list(&r) { Self.int64(&$0) } }
        if maybe(&r) { m.rFixed32 = Self.list(&r) { UInt32(truncatingIfNeeded: Self.int64(&$0)) } }
        if maybe(&r) { m.rFixed64 = Self.list(&r) { UInt64(bitPattern: Self.int64(&$0)) } }
        if maybe(&r) { m.rSfixed32 = Self.list(&r) { Self.int32(&$0) } }
        if maybe(&r) { m.rSfixed64 = Self.list(&r) { Self.int64(&$0) } }
        if maybe(&r) { m.rBool = Self.list(&r) { Bool.random(using: &$0) } }
        if maybe(&r) { m.rString = Self.list(&r) { Self.string(&$0) } }
        if maybe(&r) { m.rBytes = Self.list(&r) { Self.bytes(&$0) } }
        if maybe(&r) { m.rColour = Self.list(&r) { Self.colour(&$0) } }
        if maybe(&r) { m.rPoint = Self.list(&r) { Self.point(&$0) } }

        if maybe(&r) { m.mStringInt64 = Self.map(&r, maxEntries: maxMapEntries, key: { Self.string(&$0) }, value: { Self.int64(&$0) }) }
        if maybe(&r) { m.mInt32String = Self.map(&r, maxEntries: maxMapEntries, key: { Self.int32(&$0) }, value: { Self.string(&$0) }) }
        if maybe(&r) { m.mUint64Point = Self.map(&r, maxEntries: maxMapEntries, key: { UInt64(bitPattern: Self.int64(&$0)) }, value: { Self.point(&$0) }) }
        if maybe(&r) { m.mBoolColour = Self.map(&r, maxEntries: maxMapEntries, key: { Bool.random(using: &$0) }, value: { Self.colour(&$0) }) }
        if maybe(&r) { m.mSint64Bytes = Self.map(&r, maxEntries: maxMapEntries, key: { Self.int64(&$0) }, value: { Self.bytes(&$0) }) }
        if maybe(&r) { m.mFixed32Double = Self.map(&r, maxEntries: maxMapEntries, key: { UInt32(truncatingIfNeeded: Self.int64(&$0)) }, value: { Self.double(&$0) }) }

        switch Int.random(in: 0..<6, using: &r) {
        case 0: m.choice = .cString(Self.string(&r))
        case 1: m.choice = .cInt64(Self.int64(&r))
        case 2: m.choice = .cPoint(Self.point(&r))
        case 3: m.choice = .cColour(Self.colour(&r))
        case 4: m.choice = .cBytes(Self.bytes(&r))
        default: break
        }
        if maybe(&r) { m.afterChoice = UInt32(truncatingIfNeeded: Self.int64(&r)) }
        if maybe(&r) { m.default = Self.string(&r) }
        if depth < 2 && Int.random(in: 0..<4, using: &r) == 0 {
            var inner = Everything.Inner()
            inner.depth = Self.int32(&r)
            inner.colours = Self.list(&r) { Self.colour(&$0) }
            if maybe(&r) {
                var child = Everything.Inner()
                child.depth = Self.int32(&r)
                inner.child = child
            }
            m.nested = inner
        }
        if depth < 2 && Int.random(in: 0..<4, using: &r) == 0 {
            m.recursive = make(&r, depth: depth + 1)
        }
        return m
    }

    static func int64(_ r: inout SplitMix64) -> Int64 {
        switch Int.random(in: 0..<8, using: &r) {
        case 0: return 0
        case 1: return [Int64.min, Int64.max, -1, 1, Int64(Int32.min), Int64(Int32.max), Int64(UInt32.max)].randomElement(using: &r)!
        case 2, 3: return Int64.random(in: -300...300, using: &r)
        case 4: return Int64.random(in: Int64(Int32.min)...Int64(Int32.max), using: &r)
        default: return Int64(bitPattern: r.next())
        }
    }

    static func int32(_ r: inout SplitMix64) -> Int32 { Int32(truncatingIfNeeded: Self.int64(&r)) }

    static func double(_ r: inout SplitMix64) -> Double {
        switch Int.random(in: 0..<6, using: &r) {
        case 0: return [0.0, -0.0, .infinity, -.infinity, .greatestFiniteMagnitude, .leastNonzeroMagnitude].randomElement(using: &r)!
        case 1: return Double(Int.random(in: -1000...1000, using: &r))
        default:
            let d = Double(bitPattern: r.next())
            return d.isNaN ? 1.5 : d
        }
    }

    static func float(_ r: inout SplitMix64) -> Float {
        switch Int.random(in: 0..<6, using: &r) {
        case 0: return [0.0, -0.0, .infinity, -.infinity, .greatestFiniteMagnitude, .leastNonzeroMagnitude].randomElement(using: &r)!
        case 1: return Float(Int.random(in: -1000...1000, using: &r))
        default:
            let f = Float(bitPattern: UInt32(truncatingIfNeeded: r.next()))
            return f.isNaN ? 2.5 : f
        }
    }

    static let alphabet: [Character] = ["a", "b", "Z", "0", " ", "é", "ß", "中", "文", "😀", "\u{0}", "\n", "\u{7F}", "\u{80}", "\u{FFFF}", "\u{10FFFF}"]

    static func string(_ r: inout SplitMix64) -> String {
        let n = Int.random(in: 0..<3, using: &r) == 0 ? Int.random(in: 0...200, using: &r) : Int.random(in: 0...8, using: &r)
        return String((0..<n).map { _ in alphabet.randomElement(using: &r)! })
    }

    static func bytes(_ r: inout SplitMix64) -> [UInt8] {
        (0..<Int.random(in: 0...40, using: &r)).map { _ in UInt8.random(in: 0...255, using: &r) }
    }

    static func colour(_ r: inout SplitMix64) -> Colour {
        Int.random(in: 0..<5, using: &r) == 0
            ? Colour(rawValue: Int32.random(in: -5...100, using: &r))
            : Colour.allCases.randomElement(using: &r)!
    }

    static func point(_ r: inout SplitMix64) -> Point {
        var p = Point()
        p.x = Self.int32(&r)
        p.y = Self.int32(&r)
        if Bool.random(using: &r) { p.label = Self.string(&r) }
        return p
    }

    static func list<T>(_ r: inout SplitMix64, _ element: (inout SplitMix64) -> T) -> [T] {
        (0..<Int.random(in: 0...6, using: &r)).map { _ in element(&r) }
    }

    static func map<K: Hashable, V>(_ r: inout SplitMix64, maxEntries: Int, key: (inout SplitMix64) -> K, value: (inout SplitMix64) -> V) -> [K: V] {
        var result: [K: V] = [:]
        for _ in 0..<Int.random(in: 0...maxEntries, using: &r) { result[key(&r)] = value(&r) }
        return result
    }
}
