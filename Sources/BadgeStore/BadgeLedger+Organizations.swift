import Badges

extension BadgeLedger {
    /// Sets an organization's tier and switch. When badges become available, what the stored
    /// activity has earned is awarded then; returns the organization and how many awards that made.
    public func configureOrganization(id: String, tier: Tier?, badgesEnabled: Bool?) async throws -> (Organization, awarded: Int) {
        guard !id.isEmpty else { throw LedgerError.invalidArgument("organization_id is required") }
        let now = clock.now()
        return try await commit(.organization(id)) { s in
            let before = s.organization(id)
            var after = before
            if let tier { after.tier = tier }
            if let badgesEnabled { after.badgesEnabled = badgesEnabled }
            s.organizations[BytewiseKey(id)] = after
            var writes: [LedgerWrite] = [.organization(after)]
            var awarded = 0
            if after.badgesAvailable && !before.badgesAvailable {
                for key in s.users.keys.filter({ $0.org.bytewiseEquals(id) }).sorted() {
                    var changes = Changes()
                    self.evaluator.settleDueSessions(&s.users[key]!, organization: after, now: now, changes: &changes)
                    let earned = self.evaluator.awardAllEarned(&s.users[key]!, organization: after, now: now, backfilled: false)
                    awarded += changes.awards.count + earned.awards.count
                    writes += LedgerWrite.changes(changes, org: id, user: key.user) + LedgerWrite.changes(earned, org: id, user: key.user)
                }
            }
            return ((after, awarded), writes)
        }
    }

    /// Registers a user in a program with a role; false when the registration existed (its
    /// display name is updated).
    public func registerParticipant(_ p: Participant) async throws -> Bool {
        if p.organizationID.isEmpty { throw LedgerError.invalidArgument("organization_id is required") }
        if p.userID.isEmpty { throw LedgerError.invalidArgument("user_id is required") }
        if p.programID.isEmpty { throw LedgerError.invalidArgument("program_id is required") }
        if p.role.isEmpty { throw LedgerError.invalidArgument("role is required (mentor, mentee, agent, reviewer, ...)") }
        return try await commit(.user(UserKey(org: p.organizationID, user: p.userID))) { s in
            let (org, user) = (BytewiseKey(p.organizationID), BytewiseKey(p.userID))
            var list = s.participants[org]?[user] ?? []
            var created = false
            if let index = list.firstIndex(where: { $0.programID.bytewiseEquals(p.programID) && $0.role.bytewiseEquals(p.role) }) {
                list[index] = p
            } else {
                list.append(p)
                created = true
            }
            let before = s.participants[org]?[user] ?? []
            s.participants[org, default: [:]][user] = list
            return (created, [.participant(p)] + ReportCounts.roleDeltas(org: p.organizationID, before: before, after: list))
        }
    }

}
