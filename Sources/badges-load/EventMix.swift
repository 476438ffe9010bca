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
    private var openSessions: [(org: Int, user: Int, session: String)] = []
    /// The last requests made, which duplicates repeat; a ring, overwritten oldest first.
    private var recent: [(request: RecordActivityRequest, organization: Int)] = []
    private static let recentCapacity = 1000
    private let runID: String
    private let organizationIDs: [String]
    private let userIDs: [String]

    /// `names` may be shared by many mixes.
    init(names: Names, duplicateShare: Double, seed: UInt64, runID: String) {
        random = SplitMix64(seed: seed)
        organizationIDs = names.organizations
        userIDs = names.users
        self.duplicateShare = duplicateShare
        self.runID = runID
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

    /// The next request, the number of its organization, and whether it repeats an earlier one.
    mutating func nextRequest(now: Int64) -> (request: RecordActivityRequest, organization: Int, duplicate: Bool) {
        if !recent.isEmpty && Double.random(in: 0..<1, using: &random) < duplicateShare {
            let earlier = recent.randomElement(using: &random)!
            return (earlier.request, earlier.organization, true)
        }
        next += 1
        var event = ActivityEvent()
        var org = Int.random(in: 0..<organizationIDs.count, using: &random)
        var user = Int.random(in: 0..<userIDs.count, using: &random)
        let roll = Double.random(in: 0..<1, using: &random)
        switch roll {
        case ..<0.25:
            var s = SessionScheduled()
            s.sessionID = "\(runID)-s\(next)"
            s.role = Bool.random(using: &random) ? "mentor" : "mentee"
            s.programID = "program-\(org % 3)"
            var end = Timestamp()
            end.seconds = now + Int64.random(in: 600...7200, using: &random)
            s.scheduledEnd = end
            event.payload = .sessionScheduled(s)
            openSessions.append((org, user, s.sessionID))
            if openSessions.count > 10_000 { openSessions.removeFirst(5_000) }
        case ..<0.45 where !openSessions.isEmpty:
            let index = Int.random(in: 0..<openSessions.count, using: &random)
            // Swap-remove: O(1), where remove(at:) would shift thousands of entries per call.
            openSessions.swapAt(index, openSessions.count - 1)
            let open = openSessions.removeLast()
            (org, user) = (open.org, open.user)
            if Double.random(in: 0..<1, using: &random) < 0.9 {
                var c = SessionCompleted()
                c.sessionID = open.session
                event.payload = .sessionCompleted(c)
            } else {
                var c = SessionCancelled()
                c.sessionID = open.session
                event.payload = .sessionCancelled(c)
            }
        case ..<0.60:
            event.payload = .feedbackReceived(FeedbackReceived())
        case ..<0.72:
            event.payload = .coachingItemSaved(CoachingItemSaved())
        case ..<0.82:
            event.payload = .qaReviewCompleted(QAReviewCompleted())
        case ..<0.92:
            event.payload = .qaReviewReceived(QAReviewReceived())
        case ..<0.96:
            event.payload = .profileCompleted(ProfileCompleted())
        default:
            var f = FeatureUsed()
            f.name = "feature-\(Int.random(in: 0..<12, using: &random))"
            event.payload = .featureUsed(f)
        }
        event.organizationID = organizationIDs[org]
        event.userID = userIDs[user]
        event.eventID = "\(runID)-e\(next)"
        var occurred = Timestamp()
        occurred.seconds = now
        event.occurredAt = occurred
        var request = RecordActivityRequest()
        request.event = event
        if recent.count < Self.recentCapacity {
            recent.append((request, org))
        } else {
            recent[(next - 1) % Self.recentCapacity] = (request, org)
        }
        return (request, org, false)
    }
}

/// An event mix that the calls of one connection share.
final class SharedMix: Sendable {
    let mix: Mutex<EventMix>

    init(_ mix: EventMix) { self.mix = Mutex(mix) }
}
