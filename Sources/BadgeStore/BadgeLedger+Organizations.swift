import Badges

extension BadgeLedger {
    /// Sets an organization's tier and switch. When badges become available, what the stored
    /// activity has earned is awarded then, a page of users per commit (`backfill`), so that
    /// other organizations' calls go on meanwhile; returns the organization and how many
    /// awards that made.
    public func configureOrganization(id: String, tier: Tier?, badgesEnabled: Bool?) async throws -> (Organization, awarded: Int) {
        guard !id.isEmpty else { throw LedgerError.invalidArgument("organization_id is required") }
        let (organization, switchedOn) = try await commit(.organizationSettings(id)) { s in
            let before = s.organization(id)
            var after = before
            if let tier { after.tier = tier }
            if let badgesEnabled { after.badgesEnabled = badgesEnabled }
            s.organizations[BytewiseKey(id)] = after
            let switchedOn = after.badgesAvailable && !before.badgesAvailable
            // Recorded with the switch, so that a restart finishes a backfill cut short.
            return ((after, switchedOn), [.organization(after)] + (switchedOn ? [.backfill(org: id, after: "")] : []))
        }
        return (organization, switchedOn ? try await backfill(org: id, from: "") : 0)
    }

    /// Awards what each user of `org` after `start` has earned, a page of users per commit,
    /// recording how far it came; stops early if badges are switched off meanwhile. Returns
    /// how many awards it made. One backfill per organization runs at a time in a process.
    func backfill(org: String, from start: String) async throws -> Int {
        guard backfills.claim(org) else { return 0 }
        defer { backfills.release(org) }
        let limit = backfillPageSize
        var from = start
        var awarded = 0
        while true {
            let after = from
            let (next, count, done) = try await commit(.organizationPage(org: org, after: after, limit: limit)) { s -> ((String, Int, Bool), [LedgerWrite]) in
                let organization = s.organization(org)
                guard organization.badgesAvailable else { return ((after, 0, true), [.backfill(org: org, after: nil)]) }
                // Another page of this organization was loaded for this batch: try again.
                guard let page = s.pages[BytewiseKey(org)], page.after.bytewiseEquals(after) else { return ((after, 0, false), []) }
                let now = self.clock.now()
                var writes: [LedgerWrite] = []
                var count = 0
                for key in page.users where s.users[key] != nil {
                    var changes = Changes()
                    self.evaluator.settleDueSessions(&s.users[key]!, organization: organization, now: now, changes: &changes)
                    let earned = self.evaluator.awardAllEarned(&s.users[key]!, organization: organization, now: now, backfilled: false)
                    count += changes.awards.count + earned.awards.count
                    writes += LedgerWrite.changes(changes, org: org, user: key.user) + LedgerWrite.changes(earned, org: org, user: key.user)
                }
                let last = page.users.last?.user ?? after
                writes.append(.backfill(org: org, after: page.more ? last : nil))
                return ((last, count, !page.more), writes)
            }
            awarded += count
            from = next
            // A stop cuts it short between pages; the next start resumes from `from`.
            if done || Task.isCancelled { return awarded }
        }
    }

    /// Finishes backfills a stop cut short (badged runs this now and then).
    public func resumeBackfills() async throws {
        for (org, after) in try await store.reports({ try $0.pendingBackfills() }) {
            _ = try await backfill(org: org, from: after)
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
