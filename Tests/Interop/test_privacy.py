"""DeleteUser and ExportUser through stock grpcio clients against real badged processes: after
an erasure no RPC, report or share link shows the user, and neither the SQLite files on disk
(searched byte for byte) nor any PostgreSQL table holds their id, display name or e-mail;
their old event ids still answer duplicate."""

import json
import secrets
import signal
import time

import grpc
import pytest

from badged_fixture import Badged, Client
from test_badged_postgres import database, psql  # noqa: F401 (a fixture)

USER = "erase-me-7f3q"
NAME = "Zyxwvut Quillane"
EMAIL = "zyxwvut.quillane@example.org"


def fill(c, pb):
    """A user with every kind of record: registration, events, awards, certificate, share link, digest."""
    c.enable()
    for user, name in [(USER, NAME), ("keeper", "Kept Person")]:
        c.award.RegisterParticipant(pb.RegisterParticipantRequest(organization_id="acme", user_id=user, program_id="p1", role="mentor",
                                                                  display_name=name), metadata=c.md)
        c.session(f"s-{user}", user=user)
    c.record(USER, event_id="old-event-1", feedback_received=pb.FeedbackReceived())
    c.award.IssueCertificate(pb.IssueCertificateRequest(organization_id="acme", user_id=USER, title="Helper", text="For helping",
                                                        issuer="Admin"), metadata=c.md)
    link = c.award.CreateShareLink(pb.CreateShareLinkRequest(organization_id="acme", user_id=USER, badge_id="mentoring-mentor-1"), metadata=c.md).link
    c.progress.UpdateDigestSubscription(pb.UpdateDigestSubscriptionRequest(organization_id="acme", user_id=USER, subscription=pb.DigestSubscription(
        enabled=True, frequency=pb.DAILY, local_time="09:00", time_zone="UTC", email=EMAIL)), metadata=c.md)
    return link


def check_erased(c, pb, link):
    with pytest.raises(grpc.RpcError) as error:
        c.award.ExportUser(pb.ExportUserRequest(organization_id="acme", user_id=USER), metadata=c.md)
    assert error.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.RpcError) as error:
        c.award.ResolveShareLink(pb.ResolveShareLinkRequest(token=link.token))
    assert error.value.code() == grpc.StatusCode.NOT_FOUND
    assert c.award_ids(USER) == set()
    rows = c.reports.GetBadgeReport(pb.GetBadgeReportRequest(organization_id="acme", badge_id="mentoring-mentor-1"), metadata=c.md).rows
    assert [r.user_id for r in rows] == ["keeper"]
    counts = next(b for b in c.reports.ListBadges(pb.ListBadgesRequest(organization_id="acme"), metadata=c.md).badges
                  if b.badge.id == "mentoring-mentor-1")
    assert (counts.eligible_users, counts.earned_users) == (1, 1)
    # Retried after the erasure, an old event is still a duplicate.
    assert c.record(USER, event_id="old-event-1", feedback_received=pb.FeedbackReceived()).duplicate


def test_export_then_delete_leaves_nothing_in_the_sqlite_files(pb, tmp_path):
    server = Badged(tmp_path)
    try:
        c = Client(pb, server)
        link = fill(c, pb)
        exported = json.loads(c.award.ExportUser(pb.ExportUserRequest(organization_id="acme", user_id=USER), metadata=c.md).json)
        assert exported["registrations"][0]["display_name"] == NAME
        assert exported["digest_subscription"]["email"] == EMAIL
        assert {e["event_id"] for e in exported["events"]} >= {"old-event-1"}
        assert {a["badge_id"] for a in exported["awards"]} >= {"mentoring-mentor-1", "feedback-1"}
        assert exported["certificates"][0]["title"] == "Helper" and exported["share_links"][0]["token"] == link.token
        # Admin only.
        reader = Client(pb, server, scopes=("progress:read",))
        with pytest.raises(grpc.RpcError) as error:
            reader.award.ExportUser(pb.ExportUserRequest(organization_id="acme", user_id=USER), metadata=reader.md)
        assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED

        assert c.award.DeleteUser(pb.DeleteUserRequest(organization_id="acme", user_id=USER), metadata=c.md).found
        check_erased(c, pb, link)
        # The erasure asked for a checkpoint that empties the WAL: wait for it, server running.
        deadline = time.time() + 10
        wal = tmp_path / "badges.sqlite-wal"
        while wal.exists() and wal.stat().st_size > 0 and time.time() < deadline:
            time.sleep(0.1)
        for path in tmp_path.glob("badges.sqlite*"):
            data = path.read_bytes()
            for secret in (USER, NAME, EMAIL, "old-event-1"):
                assert secret.encode() not in data, f"{secret!r} found in {path.name} after the erasure"
        assert b"keeper" in (tmp_path / "badges.sqlite").read_bytes()
    finally:
        assert server.stop() == 0


def test_delete_leaves_nothing_in_any_postgres_table(pb, tmp_path, database):
    key_file = tmp_path / "shared.key"
    key_file.write_text(secrets.token_hex(32) + "\n")
    server = Badged(tmp_path, store=database, key_file=key_file)
    try:
        c = Client(pb, server)
        link = fill(c, pb)
        assert c.award.DeleteUser(pb.DeleteUserRequest(organization_id="acme", user_id=USER), metadata=c.md).found
        check_erased(c, pb, link)
        tables = [row[0] for row in psql(database, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        for table in tables:
            dump = "\n".join("|".join(row) for row in psql(database, f"SELECT t::text FROM {table} t"))
            for secret in (USER, NAME, EMAIL, "old-event-1"):
                assert secret not in dump, f"{secret!r} found in table {table} after the erasure"
    finally:
        server.stop(signal.SIGKILL)
