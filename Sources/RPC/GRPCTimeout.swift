/// The `grpc-timeout` header: at most eight digits and a unit (H, M, S, m, u, n).
enum GRPCTimeout {
    /// The value as it arrived in a header, without making a String of it.
    static func parse<Bytes: BidirectionalCollection<UInt8>>(_ bytes: Bytes) -> Duration? {
        guard bytes.count >= 2, bytes.count <= 9, let unit = bytes.last, let digits = bytes.dropLast().decimal else { return nil }
        let value = Int64(digits)
        switch unit {
        case UInt8(ascii: "H"): return .seconds(value * 3600)
        case UInt8(ascii: "M"): return .seconds(value * 60)
        case UInt8(ascii: "S"): return .seconds(value)
        case UInt8(ascii: "m"): return .milliseconds(value)
        case UInt8(ascii: "u"): return .microseconds(value)
        case UInt8(ascii: "n"): return .nanoseconds(value)
        default: return nil
        }
    }

    /// The shortest exact-enough form: milliseconds, or seconds when that would not fit.
    static func format(_ duration: Duration) -> String {
        let ms = max(Int64(Clock.nanoseconds(duration) / 1_000_000), 1)
        if ms < 100_000_000 { return "\(ms)m" }
        return "\(min(ms / 1000, 99_999_999))S"
    }
}
