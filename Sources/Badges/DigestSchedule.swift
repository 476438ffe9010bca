import Foundation

public enum DigestFrequency: Sendable, Hashable {
    case daily
    case weekly
}

/// A user's e-mail digest settings, valid by construction (see `validated`).
public struct DigestSubscription: Sendable, Hashable {
    public var enabled: Bool
    public var frequency: DigestFrequency
    /// 1 = Monday ... 7 = Sunday; weekly digests only.
    public var weekday: Int?
    public var hour: Int
    public var minute: Int
    /// An IANA time zone, e.g. `Europe/Berlin`.
    public var timeZone: String
    public var email: String

    /// Values already checked (read back from the store); use `validated` for input.
    public init(enabled: Bool, frequency: DigestFrequency, weekday: Int?, hour: Int, minute: Int, timeZone: String, email: String) {
        self.enabled = enabled
        self.frequency = frequency
        self.weekday = weekday
        self.hour = hour
        self.minute = minute
        self.timeZone = timeZone
        self.email = email
    }

    /// Checks every field, naming the one that is wrong (`subscription.time_zone ...`).
    public static func validated(enabled: Bool, frequency: DigestFrequency?, weekday: Int?, localTime: String,
                                 timeZone: String, email: String) throws(DigestError) -> DigestSubscription {
        guard let frequency else { throw DigestError("subscription.frequency must be DAILY or WEEKLY") }
        switch (frequency, weekday) {
        case (.daily, .some): throw DigestError("subscription.weekday is only for WEEKLY digests; leave it unspecified for DAILY")
        case (.weekly, nil): throw DigestError("subscription.weekday is required for WEEKLY digests")
        case (.weekly, .some(let day)) where !(1...7).contains(day): throw DigestError("subscription.weekday must be MONDAY to SUNDAY")
        default: break
        }
        let parts = localTime.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ $0.count == 2 }), let hour = Int(parts[0]), let minute = Int(parts[1]),
              (0...23).contains(hour), (0...59).contains(minute) else {
            throw DigestError("subscription.local_time must be HH:MM between 00:00 and 23:59, not '\(localTime)'")
        }
        guard TimeZone(identifier: timeZone) != nil, timeZone.contains("/") || timeZone == "UTC" else {
            throw DigestError("subscription.time_zone '\(timeZone)' is not an IANA time zone (like Europe/Berlin)")
        }
        guard Self.looksLikeAddress(email) else {
            throw DigestError("subscription.email '\(email)' is not an e-mail address")
        }
        return DigestSubscription(enabled: enabled, frequency: frequency, weekday: weekday, hour: hour, minute: minute, timeZone: timeZone, email: email)
    }

    /// local@domain.tld, printable ASCII, no spaces or angle brackets: enough to refuse typos
    /// and header injection; the relay has the final word.
    static func looksLikeAddress(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
              text.utf8.count <= 254 else { return false }
        return text.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F && !"<>()[],;:\\\"".unicodeScalars.contains($0) }
    }

    public var localTime: String { String(format: "%02d:%02d", hour, minute) }

    private var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: timeZone)!
        return calendar
    }

    /// The first due instant strictly after `instant`, in the subscription's own time zone. A
    /// local time skipped by a daylight-saving change moves to the first time after the gap;
    /// one that happens twice counts once (the first), so no digest is skipped or doubled.
    public func nextDue(after instant: Instant) -> Instant {
        var components = DateComponents(hour: hour, minute: minute, second: 0)
        if frequency == .weekly, let weekday { components.weekday = weekday % 7 + 1 }  // Calendar: 1 = Sunday
        let after = Date(timeIntervalSince1970: Double(instant.milliseconds) / 1000)
        let next = calendar.nextDate(after: after, matching: components, matchingPolicy: .nextTime,
                                     repeatedTimePolicy: .first, direction: .forward)!
        return Instant(milliseconds: Int64((next.timeIntervalSince1970 * 1000).rounded()))
    }

    /// The latest due instant in (`after`, `now`], if any: after downtime, one digest covers
    /// the periods missed rather than a burst of them.
    public func latestDue(after: Instant, now: Instant) -> Instant? {
        var due: Instant?
        var cursor = after
        while true {
            let next = nextDue(after: cursor)
            if next > now { return due }
            due = next
            cursor = next
        }
    }

    /// Names a digest period: the local date (daily) or ISO week (weekly) of its due time.
    public func period(of due: Instant) -> String {
        let date = Date(timeIntervalSince1970: Double(due.milliseconds) / 1000)
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = TimeZone(identifier: timeZone)!
        let c = calendar.dateComponents([.year, .month, .day, .yearForWeekOfYear, .weekOfYear], from: date)
        switch frequency {
        case .daily: return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
        case .weekly: return String(format: "%04d-W%02d", c.yearForWeekOfYear!, c.weekOfYear!)
        }
    }
}

public struct DigestError: Error, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
