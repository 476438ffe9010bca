import BadgeAPI
import Badges
import Synchronization

/// A realistic stream of activity: users book sessions and mostly complete them, sometimes
/// cancel; they receive feedback, save coaching items, review and get reviewed, use features,
/// finish their profile once. A share of requests repeats an earlier event exactly.
struct EventMix {
    private var random: SplitMix64
    private let duplicateShare: Double
    private var next = 0
    private var openSessions: [(org: Int, user: Int, session: Int)] = []
    /// The last events made, which duplicates repeat; a ring, overwritten oldest first. Kept as
    /// the numbers that make them (no strings to copy per request) and rebuilt when repeated.
    private var recent: [Draw] = []
    private static let recentCapacity = 1000
    private let eventIDPrefix: [UInt8]
    private let sessionIDPrefix: [UInt8]
    private let organizationIDs: [String]
    private let userIDs: [String]

    /// `names` may be shared by many mixes.
    init(names: Names, duplicateShare: Double, seed: UInt64, runID: String) {
        random = SplitMix64(seed: seed)
        organizationIDs = names.organizations
        userIDs = names.users
        self.duplicateShare = duplicateShare
        eventIDPrefix = Array("\(runID)-e".utf8)
        sessionIDPrefix = Array("\(runID)-s".utf8)
    }

    /// The organizations' and users' identifiers, made once: formatting them for every
    /// request was a good part of the generator's cost. Users are numbered alike in every
    /// organization.
    struct Names: Sendable {
        let organizations: [String]
        let users: [String]

        init(organizations: Int, usersPerOrganization: Int) {
            self.organizations = (0..<organizations).map(EventMix.organizationID)
            users = (0..<usersPerOrganization).map { "user-\($0)" }
        }
    }

    static func organizationID(_ index: Int) -> String { "load-org-\(index)" }

    /// One event as numbers: which event, organization and user, what happened, and when.
    private struct Draw {
        enum Kind {
            case scheduled(session: Int, mentor: Bool, program: Int, end: Int64)
            case completed(session: Int)
            case cancelled(session: Int)
            case feedback, coaching, qaCompleted, qaReceived, profile
            case feature(Int)
        }

        var number: Int
        var org: Int
        var user: Int
        var kind: Kind
        var occurredAt: Int64
    }

    /// The next request, the number of its organization, and whether it repeats an earlier one.
    mutating func nextRequest(now: Int64) -> (request: RecordActivityRequest, organization: Int, duplicate: Bool) {
        if !recent.isEmpty && Double.random(in: 0..<1, using: &random) < duplicateShare {
            let earlier = recent.randomElement(using: &random)!
            return (request(for: earlier), earlier.org, true)
        }
        let draw = nextDraw(now: now)
        if recent.count < Self.recentCapacity {
            recent.append(draw)
        } else {
            recent[(draw.number - 1) % Self.recentCapacity] = draw
        }
        return (request(for: draw), draw.org, false)
    }

    private mutating func nextDraw(now: Int64) -> Draw {
        next += 1
        var org = Int.random(in: 0..<organizationIDs.count, using: &random)
        var user = Int.random(in: 0..<userIDs.count, using: &random)
        let kind: Draw.Kind
        switch Double.random(in: 0..<1, using: &random) {
        case ..<0.25:
            kind = .scheduled(session: next, mentor: Bool.random(using: &random), program: org % Self.programIDs.count,
                              end: now + Int64.random(in: 600...7200, using: &random))
            openSessions.append((org, user, next))
            if openSessions.count > 10_000 { openSessions.removeFirst(5_000) }
        case ..<0.45 where !openSessions.isEmpty:
            let index = Int.random(in: 0..<openSessions.count, using: &random)
            // Swap-remove: O(1), where remove(at:) would shift thousands of entries per call.
            openSessions.swapAt(index, openSessions.count - 1)
            let open = openSessions.removeLast()
            (org, user) = (open.org, open.user)
            kind = Double.random(in: 0..<1, using: &random) < 0.9 ? .completed(session: open.session) : .cancelled(session: open.session)
        case ..<0.60: kind = .feedback
        case ..<0.72: kind = .coaching
        case ..<0.82: kind = .qaCompleted
        case ..<0.92: kind = .qaReceived
        case ..<0.96: kind = .profile
        default: kind = .feature(Int.random(in: Self.featureNames.indices, using: &random))
        }
        return Draw(number: next, org: org, user: user, kind: kind, occurredAt: now)
    }

    private func request(for draw: Draw) -> RecordActivityRequest {
        var event = ActivityEvent()
        switch draw.kind {
        case .scheduled(let session, let mentor, let program, let end):
            var s = SessionScheduled()
            s.sessionID = Self.numbered(sessionIDPrefix, session)
            s.role = mentor ? "mentor" : "mentee"
            s.programID = Self.programIDs[program]
            var scheduledEnd = Timestamp()
            scheduledEnd.seconds = end
            s.scheduledEnd = scheduledEnd
            event.payload = .sessionScheduled(s)
        case .completed(let session):
            var c = SessionCompleted()
            c.sessionID = Self.numbered(sessionIDPrefix, session)
            event.payload = .sessionCompleted(c)
        case .cancelled(let session):
            var c = SessionCancelled()
            c.sessionID = Self.numbered(sessionIDPrefix, session)
            event.payload = .sessionCancelled(c)
        case .feedback: event.payload = .feedbackReceived(FeedbackReceived())
        case .coaching: event.payload = .coachingItemSaved(CoachingItemSaved())
        case .qaCompleted: event.payload = .qaReviewCompleted(QAReviewCompleted())
        case .qaReceived: event.payload = .qaReviewReceived(QAReviewReceived())
        case .profile: event.payload = .profileCompleted(ProfileCompleted())
        case .feature(let n):
            var f = FeatureUsed()
            f.name = Self.featureNames[n]
            event.payload = .featureUsed(f)
        }
        event.organizationID = organizationIDs[draw.org]
        event.userID = userIDs[draw.user]
        event.eventID = Self.numbered(eventIDPrefix, draw.number)
        var occurred = Timestamp()
        occurred.seconds = draw.occurredAt
        event.occurredAt = occurred
        var request = RecordActivityRequest()
        request.event = event
        return request
    }

    private static let programIDs = (0..<3).map { "program-\($0)" }
    private static let featureNames = (0..<12).map { "feature-\($0)" }

    /// `prefix` followed by `number` in decimal, written straight into the string's storage:
    /// interpolation cost a tenth of the generator's time per request.
    private static func numbered(_ prefix: [UInt8], _ number: Int) -> String {
        precondition(number >= 0)
        var digits = 1
        var rest = number / 10
        while rest > 0 { digits += 1; rest /= 10 }
        return String(unsafeUninitializedCapacity: prefix.count + digits) { buffer in
            _ = buffer.initialize(from: prefix)
            var value = number
            for position in stride(from: prefix.count + digits - 1, through: prefix.count, by: -1) {
                buffer[position] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
            }
            return prefix.count + digits
        }
    }
}

/// An event mix that the calls of one connection share.
final class SharedMix: Sendable {
    let mix: Mutex<EventMix>

    init(_ mix: EventMix) { self.mix = Mutex(mix) }
}
