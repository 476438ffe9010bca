"""badged end to end: a separate server process driven by a stock client (Python grpcio with
stubs from the exported .proto), through the scenarios of the product documents, every auth
failure, and a cross-tenant attempt."""
import signal
import time

import grpc
import pytest

from badged_fixture import Badged, Client, auth, mint


@pytest.fixture
def server(tmp_path):
    s = Badged(tmp_path)
    yield s
    assert s.stop() == 0


def test_mentor_crosses_one_five_and_ten_sessions(pb, server):
    c = Client(pb, server)
    c.enable()
    awarded = {}
    for n in range(1, 11):
        response = c.session(f"s{n}")
        if response.awarded:
            awarded[n] = [a.badge.id for a in response.awarded]
    assert awarded == {1: ["mentoring-mentor-1"], 5: ["mentoring-mentor-5"], 10: ["mentoring-mentor-10"]}
    page = c.achievements()
    assert page.lifetime_badge_count == 3
    mentoring = next(p for p in page.paths if p.path == "Mentoring" and p.role == "mentor")
    assert [a.badge.name for a in mentoring.earned] == ["First Session Led", "Guide", "Trusted Guide"]
    assert mentoring.next[0].current == 10 and mentoring.next[0].badge.masked


def test_session_counts_when_its_time_passes(pb, server):
    c = Client(pb, server)
    c.enable()
    c.session("s1", role="mentee", end_in=2, complete=False)
    assert c.award_ids() == set()
    time.sleep(2.6)
    assert c.award_ids() == {"mentoring-mentee-1"}


def test_cancelled_session_never_counts_and_duplicates_change_nothing(pb, server):
    c = Client(pb, server)
    c.enable()
    c.session("s1", end_in=1, complete=False)
    c.record(session_cancelled=pb.SessionCancelled(session_id="s1"))
    time.sleep(1.5)
    assert c.award_ids() == set()
    first = c.record(event_id="fb-1", feedback_received=pb.FeedbackReceived(feedback_id="f"))
    again = c.record(event_id="fb-1", feedback_received=pb.FeedbackReceived(feedback_id="f"))
    assert not first.duplicate and [a.badge.id for a in first.awarded] == ["feedback-1"]
    assert again.duplicate and not again.awarded
    stats = {s.metric: s.count for s in c.achievements().lifetime_stats}
    assert stats == {"feedback_received": 1}


def test_hidden_masked_revealed_visible(pb, server):
    c = Client(pb, server)
    c.enable()
    page = c.achievements("newcomer")
    nexts = {p.path: p.next[0].badge for p in page.paths if p.next}
    assert nexts["Personal"].name == "All Set Up" and not nexts["Personal"].masked
    assert nexts["QA Reviewers"].masked and nexts["QA Reviewers"].name == "" and nexts["QA Reviewers"].threshold == 0


def test_free_tier_then_enabled_gets_what_it_earned(pb, server):
    c = Client(pb, server)
    c.enable(tier=pb.FREE)
    assert not c.record(profile_completed=pb.ProfileCompleted()).awarded
    with pytest.raises(grpc.RpcError) as error:
        c.achievements()
    assert error.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "PROFESSIONAL and ENTERPRISE" in error.value.details()
    response = c.enable(tier=pb.PROFESSIONAL)
    assert response.awarded_count == 1
    assert c.award_ids() == {"personal-profile"}


def test_badge_survives_cancellation(pb, server):
    c = Client(pb, server)
    c.enable()
    assert [a.badge.id for a in c.session("s1").awarded] == ["mentoring-mentor-1"]
    c.record(session_cancelled=pb.SessionCancelled(session_id="s1"))
    assert c.award_ids() == {"mentoring-mentor-1"}


def test_certificates_share_links_and_seen(pb, server):
    c = Client(pb, server)
    c.enable()
    c.award.RegisterParticipant(pb.RegisterParticipantRequest(organization_id="acme", user_id="ana", program_id="p1", role="agent", display_name="Ana Lima"), metadata=c.md)
    c.record(coaching_item_saved=pb.CoachingItemSaved(item_id="i1"))
    certificate = c.award.IssueCertificate(pb.IssueCertificateRequest(organization_id="acme", user_id="ana", title="Hero", text="Q3", issuer="Dana"), metadata=c.md).certificate
    recent = c.progress.GetRecent(pb.GetRecentRequest(organization_id="acme", user_id="ana", unseen_only=True), metadata=c.md)
    assert recent.unseen_count == 2
    assert c.progress.MarkSeen(pb.MarkSeenRequest(organization_id="acme", user_id="ana", certificate_ids=[certificate.id]), metadata=c.md).marked == 1
    assert c.progress.GetRecent(pb.GetRecentRequest(organization_id="acme", user_id="ana", unseen_only=True), metadata=c.md).unseen_count == 1

    link = c.award.CreateShareLink(pb.CreateShareLinkRequest(organization_id="acme", user_id="ana", badge_id="coaching-1"), metadata=c.md).link
    # Resolving needs no credentials and reveals only name, description, display name, date.
    shared = c.award.ResolveShareLink(pb.ResolveShareLinkRequest(token=link.token))
    assert (shared.badge_name, shared.display_name) == ("Coachable", "Ana Lima")
    assert [f.name for f, _ in shared.ListFields()] == ["badge_name", "badge_description", "display_name", "awarded_at"]
    c.award.RevokeShareLink(pb.RevokeShareLinkRequest(organization_id="acme", user_id="ana", token=link.token), metadata=c.md)
    with pytest.raises(grpc.RpcError) as error:
        c.award.ResolveShareLink(pb.ResolveShareLinkRequest(token=link.token))
    assert error.value.code() == grpc.StatusCode.NOT_FOUND


def test_reports_and_paging(pb, server):
    c = Client(pb, server)
    c.enable()
    for i in range(7):
        c.award.RegisterParticipant(pb.RegisterParticipantRequest(organization_id="acme", user_id=f"u{i}", program_id="p1", role="mentor", display_name=f"U{i}"), metadata=c.md)
    for i in range(3):
        c.session(f"s{i}", user=f"u{i}")
    badges = c.reports.ListBadges(pb.ListBadgesRequest(organization_id="acme"), metadata=c.md)
    first = next(b for b in badges.badges if b.badge.id == "mentoring-mentor-1")
    assert (first.eligible_users, first.earned_users, first.in_progress_users) == (7, 3, 0)
    assert first.badge.name == "First Session Led"  # admins see hidden badges' names
    rows, token = [], ""
    while True:
        page = c.reports.GetBadgeReport(pb.GetBadgeReportRequest(organization_id="acme", badge_id="mentoring-mentor-1", page_size=3, page_token=token), metadata=c.md)
        rows += page.rows
        token = page.next_page_token
        if not token:
            break
    assert len(rows) == 7 and [r.status for r in rows[:3]] == [pb.EARNED] * 3
    earned = c.reports.GetBadgeReport(pb.GetBadgeReportRequest(organization_id="acme", badge_id="mentoring-mentor-1", status=pb.ELIGIBLE), metadata=c.md)
    assert len(earned.rows) == 4
    with pytest.raises(grpc.RpcError) as error:
        c.reports.GetBadgeReport(pb.GetBadgeReportRequest(organization_id="acme", badge_id="mentoring-mentor-1", page_token="bogus"), metadata=c.md)
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "page_token" in error.value.details()


def test_batch_with_outcomes(pb, server):
    c = Client(pb, server)
    c.enable()
    events = [c.event(feedback_received=pb.FeedbackReceived()), c.event(), c.event(event_id="dup", feedback_received=pb.FeedbackReceived()),
              c.event(event_id="dup", feedback_received=pb.FeedbackReceived())]
    response = c.award.RecordActivities(pb.RecordActivitiesRequest(events=events), metadata=c.md, timeout=10)
    assert [o.status for o in response.outcomes] == [pb.RECORDED, pb.REJECTED, pb.RECORDED, pb.DUPLICATE]
    assert "events[1]" in response.outcomes[1].error


def test_invalid_arguments_name_the_field(pb, server):
    c = Client(pb, server)
    for request, field in [
        (pb.RecordActivityRequest(event=pb.ActivityEvent(organization_id="acme", event_id="x", user_id="ana")), "event: one of session_scheduled"),
        (pb.RecordActivityRequest(event=pb.ActivityEvent(organization_id="acme", user_id="ana", feedback_received=pb.FeedbackReceived())), "event.event_id is required"),
        (pb.RecordActivityRequest(event=pb.ActivityEvent(organization_id="acme", event_id="y", user_id="ana", session_scheduled=pb.SessionScheduled(session_id="s", role="mentor"))), "event.session_scheduled.scheduled_end is required"),
    ]:
        with pytest.raises(grpc.RpcError) as error:
            c.award.RecordActivity(request, metadata=c.md, timeout=5)
        assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert field in error.value.details()


def test_every_auth_failure(pb, server):
    channel = grpc.insecure_channel(server.address)
    progress = pb.grpc.ProgressServiceStub(channel)
    request = pb.GetAchievementsRequest(organization_id="acme", user_id="ana")

    def code_of(metadata):
        with pytest.raises(grpc.RpcError) as error:
            progress.GetAchievements(request, metadata=metadata, timeout=5)
        return error.value.code(), error.value.details()

    assert code_of(()) == (grpc.StatusCode.UNAUTHENTICATED, "missing 'authorization: Bearer <token>' metadata")
    assert code_of((("authorization", "Basic abc"),))[0] == grpc.StatusCode.UNAUTHENTICATED
    assert code_of(auth("not-a-token"))[0] == grpc.StatusCode.UNAUTHENTICATED
    assert code_of(auth(mint(b"another key of sixteen+", "acme", ["admin"]))) == (grpc.StatusCode.UNAUTHENTICATED, "bearer token signature is invalid")
    assert code_of(auth(server.token(expires_in=-10))) == (grpc.StatusCode.UNAUTHENTICATED, "bearer token expired")
    assert code_of(auth(server.token(scopes=["events:write"]))) == (grpc.StatusCode.PERMISSION_DENIED, "the token lacks the 'progress:read' scope")
    # Cross-tenant: a valid token for another organization reads nothing of acme's.
    assert code_of(auth(server.token(org="globex", scopes=["admin"]))) == (grpc.StatusCode.PERMISSION_DENIED, "the token is for organization 'globex', not 'acme'")
    award = pb.grpc.AwardServiceStub(channel)
    with pytest.raises(grpc.RpcError) as error:
        award.RecordActivity(pb.RecordActivityRequest(event=pb.ActivityEvent(organization_id="acme", event_id="x", user_id="u", profile_completed=pb.ProfileCompleted())),
                             metadata=auth(server.token(org="globex", scopes=["events:write"])), timeout=5)
    assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_health_is_open(health_pb2, server):
    import health_pb2_grpc

    with grpc.insecure_channel(server.address) as channel:
        assert health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5).status == health_pb2.HealthCheckResponse.SERVING


def test_shutdown_logs_no_error(tmp_path):
    """SIGTERM while the sweeper runs every 10 ms: it stops before the store closes, where a
    last round used to run on the closing store and log "sweep failed"."""
    for _ in range(3):
        server = Badged(tmp_path, "--sweep-interval-ms", "10")
        time.sleep(0.2)
        assert server.stop() == 0
        log = server.log
        assert '"msg":"stopped"' in log
        assert '"level":"error"' not in log, log


def test_acknowledged_events_survive_kill_9(pb, tmp_path):
    server = Badged(tmp_path)
    c = Client(pb, server)
    c.enable()
    for n in range(1, 6):
        c.session(f"s{n}")
    assert server.stop(signal.SIGKILL) == -signal.SIGKILL
    server.start()
    c = Client(pb, server)
    assert c.award_ids() == {"mentoring-mentor-1", "mentoring-mentor-5"}
    assert {s.metric: s.count for s in c.achievements().lifetime_stats} == {"sessions_completed": 5}
    assert server.stop() == 0


def test_digest_subscriptions(pb, server):
    c = Client(pb, server)
    c.enable()
    empty = c.progress.GetDigestSubscription(pb.GetDigestSubscriptionRequest(organization_id="acme", user_id="ana"), metadata=c.md)
    assert not empty.enabled
    wanted = pb.DigestSubscription(enabled=True, frequency=pb.WEEKLY, weekday=pb.FRIDAY, local_time="17:30", time_zone="Europe/Berlin", email="ana@example.com")
    stored = c.progress.UpdateDigestSubscription(pb.UpdateDigestSubscriptionRequest(organization_id="acme", user_id="ana", subscription=wanted), metadata=c.md)
    assert stored == wanted
    assert c.progress.GetDigestSubscription(pb.GetDigestSubscriptionRequest(organization_id="acme", user_id="ana"), metadata=c.md) == wanted
    for bad, message in [
        (dict(time_zone="Mars/Olympus"), "subscription.time_zone 'Mars/Olympus' is not an IANA time zone"),
        (dict(local_time="24:00"), "subscription.local_time must be HH:MM"),
        (dict(frequency=pb.DAILY), "subscription.weekday is only for WEEKLY digests"),
        (dict(email="ana at example"), "subscription.email 'ana at example' is not an e-mail address"),
    ]:
        subscription = pb.DigestSubscription()
        subscription.CopyFrom(wanted)
        for key, value in bad.items():
            setattr(subscription, key, value)
        with pytest.raises(grpc.RpcError) as error:
            c.progress.UpdateDigestSubscription(pb.UpdateDigestSubscriptionRequest(organization_id="acme", user_id="ana", subscription=subscription), metadata=c.md)
        assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert message in error.value.details()
