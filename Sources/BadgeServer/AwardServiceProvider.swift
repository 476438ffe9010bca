import BadgeAPI
import Badges
import BadgeStore
import RPCCore

/// AwardService over the ledger: every call checks its token, then the domain decides.
struct AwardServiceProvider: AwardServiceHandler {
    let ledger: BadgeLedger
    let auth: Authorizer

    func recordActivity(_ request: RecordActivityRequest, context: ServerContext) async throws -> RecordActivityResponse {
        let event = try checkedEvent(request, context: context)
        do {
            return Self.response(try await ledger.record(event), user: event.userID)
        } catch {
            throw Convert.error(error)
        }
    }

    /// `recordActivity` as the server mounts it: the ledger answers from its commit thread and
    /// the transport carries that back to the connection, with no task per call. This is the
    /// hot path that load tests drive.
    var recordActivityRoute: UnaryRoute {
        UnaryRoute(path: AwardServicePaths.recordActivity) { bytes, context, reply in
            let event: Badges.ActivityEvent
            do {
                let request = try RecordActivityRequest(rpcRequest: bytes, what: "RecordActivity request")
                event = try checkedEvent(request, context: context)
            } catch {
                return reply { throw error }
            }
            // Only the user id is needed for the answer: capturing the whole event would copy
            // (retain) all its strings again on the committer's thread.
            let userID = event.userID
            ledger.record(event) { result in
                // Encoded on the connection's loop: this runs on the committer's thread.
                reply {
                    switch result {
                    case .success(let outcome):
                        return Self.response(outcome, user: userID).serializedBytes(headroom: UnaryRoute.responseHeadroom)
                    case .failure(let error):
                        throw Convert.error(error)
                    }
                }
            }
        }
    }

    private func checkedEvent(_ request: RecordActivityRequest, context: ServerContext) throws -> Badges.ActivityEvent {
        try auth.require(organization: request.event?.organizationID ?? "", in: context)
        return try Convert.event(request.event)
    }

    private static func response(_ outcome: RecordOutcome, user userID: String) -> RecordActivityResponse {
        var response = RecordActivityResponse()
        response.duplicate = outcome.duplicate
        response.awarded = outcome.awarded.map { Convert.award($0, user: userID) }
        response.progress = outcome.progress.map(Convert.progress)
        return response
    }

    func recordActivities(_ request: RecordActivitiesRequest, context: ServerContext) async throws -> RecordActivitiesResponse {
        guard let first = request.events.first else { return RecordActivitiesResponse() }
        try auth.require(organization: first.organizationID, in: context)
        // Every event must belong to the token's organization; others are refused one by one.
        var outcomes = [EventOutcome?](repeating: nil, count: request.events.count)
        var valid: [(Int, Badges.ActivityEvent)] = []
        for (i, wire) in request.events.enumerated() {
            do {
                if wire.organizationID != first.organizationID {
                    throw RPCError(code: .permissionDenied, message: "events[\(i)].organization_id differs from the batch's organization")
                }
                valid.append((i, try Convert.event(wire, field: "events[\(i)]")))
            } catch let error as RPCError {
                var outcome = EventOutcome()
                outcome.eventID = wire.eventID
                outcome.status = .rejected
                outcome.error = error.message
                outcomes[i] = outcome
            }
        }
        do {
            let results = try await ledger.record(batch: valid.map(\.1))
            for ((i, event), result) in zip(valid, results) {
                var outcome = EventOutcome()
                outcome.eventID = event.eventID
                switch result {
                case .success(let recorded):
                    outcome.status = recorded.duplicate ? .duplicate : .recorded
                    outcome.awarded = recorded.awarded.map { Convert.award($0, user: event.userID) }
                case .failure(let error):
                    outcome.status = .rejected
                    outcome.error = error.description
                }
                outcomes[i] = outcome
            }
        } catch {
            throw Convert.error(error)
        }
        var response = RecordActivitiesResponse()
        response.outcomes = outcomes.compactMap { $0 }
        return response
    }

    func registerParticipant(_ request: RegisterParticipantRequest, context: ServerContext) async throws -> RegisterParticipantResponse {
        try auth.require(organization: request.organizationID, in: context)
        do {
            var response = RegisterParticipantResponse()
            response.created = try await ledger.registerParticipant(Participant(
                organizationID: request.organizationID, userID: request.userID, programID: request.programID,
                role: request.role, displayName: request.displayName))
            return response
        } catch {
            throw Convert.error(error)
        }
    }

    func configureOrganization(_ request: ConfigureOrganizationRequest, context: ServerContext) async throws -> ConfigureOrganizationResponse {
        try auth.require(organization: request.organizationID, in: context)
        if case .unrecognized(let n) = request.tier {
            throw RPCError(code: .invalidArgument, message: "tier \(n) is not a known tier")
        }
        do {
            let (org, awarded) = try await ledger.configureOrganization(
                id: request.organizationID, tier: Convert.tier(request.tier), badgesEnabled: request.badgesEnabled)
            var response = ConfigureOrganizationResponse()
            var wire = Organization()
            wire.id = org.id
            wire.tier = Convert.tier(org.tier)
            wire.badgesEnabled = org.badgesEnabled
            response.organization = wire
            response.awardedCount = Int32(awarded)
            return response
        } catch {
            throw Convert.error(error)
        }
    }

    func issueCertificate(_ request: IssueCertificateRequest, context: ServerContext) async throws -> IssueCertificateResponse {
        try auth.require(organization: request.organizationID, in: context)
        do {
            let certificate = try await ledger.issueCertificate(
                org: request.organizationID, user: request.userID, title: request.title, text: request.text, issuer: request.issuer)
            var response = IssueCertificateResponse()
            response.certificate = Convert.certificate(certificate)
            return response
        } catch {
            throw Convert.error(error)
        }
    }

    func listAwards(_ request: ListAwardsRequest, context: ServerContext) async throws -> ListAwardsResponse {
        try auth.require(organization: request.organizationID, in: context)
        if request.userID.isEmpty { throw RPCError(code: .invalidArgument, message: "user_id is required") }
        do {
            let all = try await ledger.achievements(org: request.organizationID, user: request.userID)
            let (page, next) = try Paging.page(all, token: request.pageToken, size: request.pageSize)
            var response = ListAwardsResponse()
            response.achievements = page.map { Convert.achievement($0, user: request.userID) }
            response.nextPageToken = next
            return response
        } catch {
            throw Convert.error(error)
        }
    }

    func createShareLink(_ request: CreateShareLinkRequest, context: ServerContext) async throws -> CreateShareLinkResponse {
        try auth.require(organization: request.organizationID, in: context)
        if request.userID.isEmpty { throw RPCError(code: .invalidArgument, message: "user_id is required") }
        if request.badgeID.isEmpty { throw RPCError(code: .invalidArgument, message: "badge_id is required") }
        do {
            let link = try await ledger.createShareLink(org: request.organizationID, user: request.userID, badgeID: request.badgeID)
            var response = CreateShareLinkResponse()
            var wire = ShareLink()
            wire.token = link.token
            wire.badgeID = link.badgeID
            wire.createdAt = Convert.timestamp(link.createdAt)
            response.link = wire
            return response
        } catch {
            throw Convert.error(error)
        }
    }

    func revokeShareLink(_ request: RevokeShareLinkRequest, context: ServerContext) async throws -> RevokeShareLinkResponse {
        try auth.require(organization: request.organizationID, in: context)
        do {
            try await ledger.revokeShareLink(org: request.organizationID, user: request.userID, token: request.token)
            return RevokeShareLinkResponse()
        } catch {
            throw Convert.error(error)
        }
    }

    /// Open to anyone holding the link: no credentials.
    func resolveShareLink(_ request: ResolveShareLinkRequest, context: ServerContext) async throws -> ResolveShareLinkResponse {
        if request.token.isEmpty { throw RPCError(code: .invalidArgument, message: "token is required") }
        do {
            let shared = try await ledger.resolveShareLink(token: request.token)
            var response = ResolveShareLinkResponse()
            response.badgeName = shared.badgeName
            response.badgeDescription = shared.badgeDescription
            response.displayName = shared.displayName
            response.awardedAt = Convert.timestamp(shared.awardedAt)
            return response
        } catch {
            throw Convert.error(error)
        }
    }

    func deleteUser(_ request: DeleteUserRequest, context: ServerContext) async throws -> DeleteUserResponse {
        try auth.require(organization: request.organizationID, in: context)
        do {
            var response = DeleteUserResponse()
            response.found = try await ledger.deleteUser(org: request.organizationID, user: request.userID)
            return response
        } catch {
            throw Convert.error(error)
        }
    }

    func exportUser(_ request: ExportUserRequest, context: ServerContext) async throws -> ExportUserResponse {
        try auth.require(organization: request.organizationID, in: context)
        do {
            let export = try await ledger.exportUser(org: request.organizationID, user: request.userID)
            if export.isEmpty { throw LedgerError.notFound("nothing is stored about user '\(request.userID)'") }
            var response = ExportUserResponse()
            response.json = UserExportJSON.document(export).serialized()
            return response
        } catch {
            throw Convert.error(error)
        }
    }
}
