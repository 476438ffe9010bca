"""badged against callers who mean harm or make mistakes: real processes, real sockets, grpcio
and raw HTTP/2. Each attack must leave the server up, within a memory bound, answering the
attacker with the right status, and answering another tenant (a victim calling in a loop
while the attack runs) within a second."""
import base64
import socket
import ssl
import struct
import subprocess
import threading
import time

import grpc
import pytest

from badged_fixture import Badged, Client, auth, mint
from conftest import make_certificate, swift_bin_path
from h2_raw import PREFACE, RawClient, open_streams, push_bodies, stream_ended, wait_closed, was_reset


@pytest.fixture
def server(tmp_path):
    s = Badged(tmp_path)
    yield s
    assert s.stop() == 0


def refused(call):
    """The status and message of a call that must fail."""
    with pytest.raises(grpc.RpcError) as error:
        call()
    return error.value.code(), error.value.details()


class Victim:
    """Another tenant's RecordActivity calls, in a loop on a thread of their own while an
    attack runs; `check` asserts every one was answered, each within a second."""

    def __init__(self, pb, server):
        self.client = Client(pb, server, org="victim", scopes=("events:write", "admin"))
        self.client.enable()
        self.pb = pb
        self.latencies, self.errors = [], []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while not self.done.is_set():
            started = time.monotonic()
            try:
                self.client.record(user=f"v{len(self.latencies) % 50}", timeout=5, feedback_received=self.pb.FeedbackReceived())
            except grpc.RpcError as error:
                self.errors.append(error.code())
            self.latencies.append(time.monotonic() - started)
            time.sleep(0.02)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *_):
        self.done.set()
        self.thread.join(timeout=10)

    def check(self):
        assert len(self.latencies) >= 5, "the victim made too few calls to tell"
        assert not self.errors, f"the victim's calls failed: {self.errors}"
        assert max(self.latencies) < 1.0, f"the victim waited {max(self.latencies):.3f} s"


def health_status(health_pb2, address, timeout=5, **channel):
    import health_pb2_grpc

    with grpc.insecure_channel(address) as ch:
        return health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=timeout).status


# Numbers and strings from the wire


def test_numbers_out_of_range_are_refused_naming_the_field(pb, server):
    c = Client(pb, server)
    c.enable()
    feedback = {"feedback_received": pb.FeedbackReceived()}
    for fields, message in [
        (dict(occurred_at=pb.Timestamp(seconds=9223372036854776), **feedback),
         "event.occurred_at.seconds is 9223372036854776, outside the allowed -62135596800...253402300799"),
        (dict(occurred_at=pb.Timestamp(seconds=253402300800), **feedback), "event.occurred_at.seconds is 253402300800"),  # year 10000
        (dict(occurred_at=pb.Timestamp(seconds=0, nanos=-1), **feedback), "event.occurred_at.nanos is -1"),
        (dict(occurred_at=pb.Timestamp(seconds=0, nanos=1_000_000_000), **feedback), "event.occurred_at.nanos is 1000000000"),
        (dict(session_scheduled=pb.SessionScheduled(session_id="s", role="mentor", scheduled_end=pb.Timestamp(seconds=-(2**63)))),
         "event.session_scheduled.scheduled_end.seconds is -9223372036854775808"),
    ]:
        code, details = refused(lambda: c.record(**fields))
        assert code == grpc.StatusCode.INVALID_ARGUMENT and message in details, details
    code, details = refused(lambda: c.award.ListAwards(pb.ListAwardsRequest(organization_id="acme", user_id="ana", page_size=1001), metadata=c.md))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and details == "page_size is 1001, outside the allowed 0...1000"
    code, details = refused(lambda: c.progress.GetRecent(pb.GetRecentRequest(organization_id="acme", user_id="ana", limit=-1), metadata=c.md))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and details.startswith("limit is -1")
    # The extremes of the range are fine, and the server is still up for everyone.
    assert not c.record(occurred_at=pb.Timestamp(seconds=253402300799, nanos=999_999_999), **feedback).duplicate
    assert not c.record(occurred_at=pb.Timestamp(seconds=-62135596800), **feedback).duplicate
    assert server.process.poll() is None


def test_every_string_and_list_is_bounded(pb, server):
    c = Client(pb, server)
    c.enable()
    feedback = {"feedback_received": pb.FeedbackReceived()}
    for call, message in [
        (lambda: c.record(event_id="x" * 1_331_200, **feedback), "event.event_id is 1331200 bytes long; the limit for an id is 128 bytes"),
        (lambda: c.record(user="ana\n", **feedback), "event.user_id holds a control character (U+000A) at byte 3"),
        (lambda: c.record(user="ana\u0085", **feedback), "event.user_id holds a control character (U+0085) at byte 3"),
        (lambda: c.record(feature_used=pb.FeatureUsed(name="f" * 129)), "event.feature_used.name is 129 bytes long"),
        (lambda: c.award.RegisterParticipant(pb.RegisterParticipantRequest(organization_id="acme", user_id="ana", program_id="p", role="mentor",
                                                                            display_name="é" * 129), metadata=c.md),
         "display_name is 258 bytes long; the limit for a name is 256 bytes"),
        (lambda: c.award.IssueCertificate(pb.IssueCertificateRequest(organization_id="acme", user_id="ana", title="t", text="x" * 4097), metadata=c.md),
         "text is 4097 bytes long; the limit for a text is 4096 bytes"),
        (lambda: c.award.RecordActivities(pb.RecordActivitiesRequest(events=[c.event(**feedback) for _ in range(1001)]), metadata=c.md),
         "events holds 1001 items; the limit is 1000"),
        (lambda: c.award.RecordActivities(pb.RecordActivitiesRequest(
            events=[c.event(**feedback) for _ in range(3)] + [c.event(event_id="y" * 200, **feedback)]), metadata=c.md),
         "events[3].event_id is 200 bytes long"),
        (lambda: c.progress.MarkSeen(pb.MarkSeenRequest(organization_id="acme", user_id="ana", badge_ids=["b"] * 1001), metadata=c.md),
         "badge_ids holds 1001 items; the limit is 1000"),
        (lambda: c.reports.GetBadgeReport(pb.GetBadgeReportRequest(organization_id="acme", badge_id="feedback-1", page_token="o" * 161), metadata=c.md),
         "page_token is 161 bytes long"),
    ]:
        code, details = refused(call)
        assert code == grpc.StatusCode.INVALID_ARGUMENT and details.startswith(message), details
    # At the limits: 128-byte ids, multi-line texts.
    assert not c.record(event_id="x" * 128, user="u" * 128, **feedback).duplicate
    c.award.IssueCertificate(pb.IssueCertificateRequest(organization_id="acme", user_id="ana", title="Hero", text="line 1\nline 2\ttab" * 200), metadata=c.md)


def test_huge_inputs_get_a_prompt_short_error(pb, server):
    """A 100 KB id used to be echoed into grpc-message, whose header block then exceeded
    64 KiB: the error was never sent and the call hung until its deadline."""
    c = Client(pb, server)
    for request in [pb.GetAchievementsRequest(organization_id="o" * 100_000, user_id="ana"),
                    pb.GetAchievementsRequest(organization_id="acme", user_id="u" * 100_000)]:
        started = time.monotonic()
        code, details = refused(lambda: c.progress.GetAchievements(request, metadata=c.md, timeout=10))
        assert code == grpc.StatusCode.INVALID_ARGUMENT and "100000 bytes long" in details
        assert time.monotonic() - started < 1 and len(details) < 200


def test_lookalike_organizations_are_two_tenants(pb, server):
    composed, decomposed = "caf\u00e9", "cafe\u0301"
    a, b = Client(pb, server, org=composed), Client(pb, server, org=decomposed)
    a.enable()
    b.enable(tier=pb.FREE)
    code, details = refused(lambda: a.award.ConfigureOrganization(pb.ConfigureOrganizationRequest(organization_id=decomposed, tier=pb.FREE),
                                                                metadata=a.md))
    assert code == grpc.StatusCode.PERMISSION_DENIED and details == f"the token is for organization '{composed}', not '{decomposed}'"
    assert refused(lambda: a.progress.GetAchievements(pb.GetAchievementsRequest(organization_id=decomposed, user_id="ana"), metadata=a.md))[0] \
        == grpc.StatusCode.PERMISSION_DENIED
    assert [x.badge.id for x in a.record(profile_completed=pb.ProfileCompleted()).awarded] == ["personal-profile"]
    assert not b.record(profile_completed=pb.ProfileCompleted()).awarded  # b is on the free tier


# Credentials and scopes


def test_read_scopes_never_write(pb, server):
    admin = Client(pb, server)
    admin.enable()
    admin.record(coaching_item_saved=pb.CoachingItemSaved(item_id="i"))
    reader = Client(pb, server, scopes=("progress:read",))
    writer = Client(pb, server, scopes=("progress:write",))
    subscription = pb.DigestSubscription(enabled=True, frequency=pb.DAILY, local_time="09:00", time_zone="UTC", email="ana@example.com")
    writes = [
        lambda c: c.progress.MarkSeen(pb.MarkSeenRequest(organization_id="acme", user_id="ana", all=True), metadata=c.md),
        lambda c: c.progress.UpdateDigestSubscription(pb.UpdateDigestSubscriptionRequest(organization_id="acme", user_id="ana", subscription=subscription), metadata=c.md),
        lambda c: c.award.CreateShareLink(pb.CreateShareLinkRequest(organization_id="acme", user_id="ana", badge_id="coaching-1"), metadata=c.md),
        lambda c: c.award.RevokeShareLink(pb.RevokeShareLinkRequest(organization_id="acme", user_id="ana", token="t"), metadata=c.md),
    ]
    for write in writes:
        assert refused(lambda: write(reader)) == (grpc.StatusCode.PERMISSION_DENIED, "the token lacks the 'progress:write' scope")
    assert reader.progress.GetRecent(pb.GetRecentRequest(organization_id="acme", user_id="ana", unseen_only=True), metadata=reader.md).unseen_count == 1
    assert writer.progress.MarkSeen(pb.MarkSeenRequest(organization_id="acme", user_id="ana", all=True), metadata=writer.md).marked == 1
    link = writer.award.CreateShareLink(pb.CreateShareLinkRequest(organization_id="acme", user_id="ana", badge_id="coaching-1"), metadata=writer.md).link
    writer.award.RevokeShareLink(pb.RevokeShareLinkRequest(organization_id="acme", user_id="ana", token=link.token), metadata=writer.md)


def test_an_empty_batch_needs_a_token(pb, server):
    award = pb.grpc.AwardServiceStub(grpc.insecure_channel(server.address))
    assert refused(lambda: award.RecordActivities(pb.RecordActivitiesRequest(), timeout=5))[0] == grpc.StatusCode.UNAUTHENTICATED
    assert award.RecordActivities(pb.RecordActivitiesRequest(), metadata=auth(server.token(scopes=["events:write"])), timeout=5).outcomes == []


def test_tokens_are_read_strictly(pb, server):
    c = Client(pb, server)
    c.enable()
    # A token whose signature holds a character that standard base64 spells differently
    # ('-' or '_'), so that spelling it that way is a real test (a quarter of them hold neither).
    token = next(t for t in (server.token(expires_in=3600 + n) for n in range(100)) if set(t.split(".")[2]) & {"-", "_"})
    head, payload, signature = token.split(".")
    standard = signature.replace("-", "+").replace("_", "/")
    assert standard != signature and base64.b64decode(standard + "=") == base64.urlsafe_b64decode(signature + "=")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    # 32 bytes are 43 characters with 2 spare bits in the last: flipping one leaves the bytes alone.
    spare = signature[:-1] + alphabet[alphabet.index(signature[-1]) ^ 1]
    assert base64.urlsafe_b64decode(spare + "=") == base64.urlsafe_b64decode(signature + "=")
    for bad in [token + "=", token + "====", f"{head}.{payload}.{spare}", f"{head}.{payload}=.{signature}", f"{head}.{payload}.{standard}"]:
        code, _ = refused(lambda: c.progress.GetAchievements(pb.GetAchievementsRequest(organization_id="acme", user_id="ana"), metadata=auth(bad)))
        assert code == grpc.StatusCode.UNAUTHENTICATED, bad
    long_lived = mint(server.key, "acme", ["admin"], expires_in=40 * 86400)
    code, details = refused(
        lambda: c.progress.GetAchievements(pb.GetAchievementsRequest(organization_id="acme", user_id="ana"), metadata=auth(long_lived)))
    assert code == grpc.StatusCode.UNAUTHENTICATED and "beyond this server's maximum of 2592000" in details
    assert c.achievements().lifetime_badge_count == 0


def test_key_files_are_never_replaced(tmp_path):
    binary = str(swift_bin_path() / "badged")

    def start(directory):
        return subprocess.run([binary, "--listen", "127.0.0.1:0", "--store", str(directory / "badges.sqlite")],
                              capture_output=True, text=True, timeout=30)

    unreadable = tmp_path / "unreadable"
    (unreadable / "badges.sqlite.key").mkdir(parents=True)  # a directory where the key file should be
    result = start(unreadable)
    assert result.returncode == 1 and "cannot read token key file" in result.stderr and "never replaced" in result.stderr
    assert (unreadable / "badges.sqlite.key").is_dir()

    garbage = tmp_path / "garbage"
    garbage.mkdir()
    (garbage / "badges.sqlite.key").write_text("not a key\n")
    result = start(garbage)
    assert result.returncode == 1 and "must hold at least 16 bytes of hex" in result.stderr
    assert (garbage / "badges.sqlite.key").read_text() == "not a key\n"

    fresh = tmp_path / "fresh"
    fresh.mkdir()
    first = Badged(fresh)
    key = (fresh / "badges.sqlite.key").read_text()
    assert oct((fresh / "badges.sqlite.key").stat().st_mode & 0o777) == "0o600"
    assert first.stop() == 0
    second = Badged(fresh)
    assert (fresh / "badges.sqlite.key").read_text() == key
    assert second.stop() == 0


# The transport


def test_strangers_cannot_make_the_server_buffer_bodies(pb, server):
    """No token: three connections open 50 streams each and push up to 4 MiB of body into
    every one. Each is refused at its headers and reset; no body is kept."""
    before = server.rss_mib()
    with Victim(pb, server) as victim:
        clients, streams = open_streams(server.port, 3, 50, "/badges.v1.AwardService/RecordActivities")
        sent = push_bodies(clients, streams, 4 << 20, seconds=3)
        for client, ids in zip(clients, streams):
            assert client.pump(lambda events: all(stream_ended(s)(events) for s in ids), timeout=5)
            for sid in ids:
                assert client.headers_of(sid).get("grpc-status") == "16"
            assert all(was_reset(client, sid) for sid in ids), "refused streams are reset so that the client stops sending"
            client.close()
    victim.check()
    assert server.rss_mib() - before < 40, f"RSS grew from {before:.0f} to {server.rss_mib():.0f} MiB; {sent} body bytes were sent"


def test_unfinished_bodies_with_a_token_are_bounded_per_connection(pb, server):
    """A tenant with a valid token opens 16 streams on each of 8 connections and sends bodies
    it never finishes: each connection can leave at most its budget (2 MiB + 64 KiB) unread."""
    token = server.token(org="attacker", scopes=["events:write"])
    before = server.rss_mib()
    with Victim(pb, server) as victim:
        clients, streams = open_streams(server.port, 8, 16, "/badges.v1.AwardService/RecordActivities",
                                        extra=[("authorization", f"Bearer {token}")], announce=2_000_000)
        sent = push_bodies(clients, streams, 2_000_000, seconds=4)
        held = server.rss_mib() - before
        for client in clients:
            client.close()
    victim.check()
    per_connection = sent / len(clients)
    assert per_connection < (2 << 20) + (64 << 10) + 65_535 + 16 * 5, f"a connection sent {per_connection:.0f} unread bytes"
    assert held < 64, f"RSS grew {held:.0f} MiB while {sent} bytes were held"


def test_connections_are_capped_per_peer(pb, tmp_path, health_pb2):
    server = Badged(tmp_path, "--max-connections-per-peer", "4")
    try:
        held = []
        for _ in range(4):
            client = RawClient(server.port)
            client.start()
            assert client.pump(lambda events: len(events) >= 1)
            held.append(client)
        extra = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        assert wait_closed(extra, timeout=3), "a fifth connection from the same address was kept"
        extra.close()
        held.pop().close()
        time.sleep(0.3)
        assert health_status(health_pb2, server.address) == health_pb2.HealthCheckResponse.SERVING
        for client in held:
            client.close()
    finally:
        assert server.stop() == 0
    assert '"msg":"connections refused"' in server.log


def test_out_of_descriptors_pauses_accepting_without_spinning(pb, tmp_path, health_pb2):
    server = Badged(tmp_path, wrapper=["prlimit", "--nofile=64:64", "--"])
    try:
        held = [socket.create_connection(("127.0.0.1", server.port), timeout=5) for _ in range(80)]
        time.sleep(1)
        before = server.cpu_seconds()
        time.sleep(2)
        spent = server.cpu_seconds() - before
        assert spent < 0.5, f"badged used {spent:.2f} s of CPU in 2 s with accept failing"
        for s in held:
            s.close()
        deadline = time.monotonic() + 10
        while True:
            try:
                assert health_status(health_pb2, server.address, timeout=2) == health_pb2.HealthCheckResponse.SERVING
                break
            except grpc.RpcError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
    finally:
        assert server.stop() == 0
    log = server.log
    assert '"msg":"accepting paused"' in log and "Too many open files" in log and '"msg":"accepting resumed"' in log


@pytest.fixture
def tls_server(tmp_path, certificate):
    s = Badged(tmp_path, "--tls-cert", certificate.cert, "--tls-key", certificate.key)
    yield s
    assert s.stop() == 0


def tls_handshake(port, context, server_hostname="localhost"):
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    return context.wrap_socket(sock, server_hostname=server_hostname)


def test_tls_clients_that_hang_up_cannot_end_the_server(pb, tls_server, certificate, health_pb2):
    """OpenSSL writes to the socket itself; a peer gone after the handshake made the server's
    write raise SIGPIPE, which ended the process."""
    context = ssl.create_default_context(cafile=str(certificate.cert))
    context.set_alpn_protocols(["h2"])
    for n in range(30):
        s = tls_handshake(tls_server.port, context)
        if n % 3 == 1:
            s.sendall(PREFACE)
        elif n % 3 == 2:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST, not FIN
        s.close()
    time.sleep(0.5)
    assert tls_server.process.poll() is None, "badged died"
    credentials = grpc.ssl_channel_credentials(root_certificates=certificate.cert.read_bytes())
    import health_pb2_grpc

    with grpc.secure_channel(f"localhost:{tls_server.port}", credentials) as channel:
        assert health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5).status == health_pb2.HealthCheckResponse.SERVING


def test_tls_offers_only_suites_http2_allows(tmp_path):
    rsa = make_certificate(tmp_path / "rsa", rsa=True)
    server = Badged(tmp_path, "--tls-cert", rsa.cert, "--tls-key", rsa.key)
    try:
        def handshake(cipher=None, tls12=True):
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.load_verify_locations(str(rsa.cert))
            context.set_alpn_protocols(["h2"])
            if tls12:
                context.maximum_version = ssl.TLSVersion.TLSv1_2
            if cipher:
                context.set_ciphers(f"{cipher}:@SECLEVEL=0")
            with tls_handshake(server.port, context) as s:
                return s.cipher()[0], s.selected_alpn_protocol()

        for forbidden in ["AES128-SHA", "ECDHE-RSA-AES128-SHA", "AES128-GCM-SHA256", "DHE-RSA-AES128-GCM-SHA256"]:
            with pytest.raises(ssl.SSLError):
                handshake(forbidden)
        assert handshake("ECDHE-RSA-AES128-GCM-SHA256") == ("ECDHE-RSA-AES128-GCM-SHA256", "h2")
        assert handshake("ECDHE-RSA-CHACHA20-POLY1305")[1] == "h2"
        cipher, alpn = handshake(tls12=False)
        assert cipher.startswith("TLS_") and alpn == "h2"
    finally:
        assert server.stop() == 0


def badgectl(*args):
    result = subprocess.run([str(swift_bin_path() / "badgectl"), *map(str, args)], capture_output=True, text=True, timeout=30)
    return result.returncode, result.stdout + result.stderr


def test_clients_check_the_server_name(tmp_path, certificate):
    evil = make_certificate(tmp_path / "evil", names="DNS:evil.example")
    (tmp_path / "impostor").mkdir()
    (tmp_path / "honest").mkdir()
    impostor = Badged(tmp_path / "impostor", "--tls-cert", evil.cert, "--tls-key", evil.key)
    honest = Badged(tmp_path / "honest", "--tls-cert", certificate.cert, "--tls-key", certificate.key)
    try:
        # A certificate the client trusts, but for another name: refused, saying why.
        code, output = badgectl("--server", impostor.address, "--tls-ca", evil.cert, "health", "check")
        assert code == 1 and "UNAVAILABLE" in output and "IP address mismatch" in output, output
        code, output = badgectl("--server", f"localhost:{impostor.port}", "--tls-ca", evil.cert, "health", "check")
        assert code == 1 and "hostname mismatch" in output, output
        # Told which name to expect, it accepts the same certificate.
        code, output = badgectl("--server", impostor.address, "--tls-ca", evil.cert, "--tls-server-name", "evil.example", "health", "check")
        assert code == 0 and "SERVING" in output, output
        # The right certificate, by IP address and by DNS name.
        for address in [honest.address, f"localhost:{honest.port}"]:
            code, output = badgectl("--server", address, "--tls-ca", certificate.cert, "health", "check")
            assert code == 0 and "SERVING" in output, output
        code, output = badgectl("--server", honest.address, "--tls-ca", certificate.cert, "--tls-server-name", "other.example", "health", "check")
        assert code == 1 and "hostname mismatch" in output, output
    finally:
        assert impostor.stop() == 0
        assert honest.stop() == 0


def test_sighup_reloads_the_certificate(tmp_path):
    import signal

    first = make_certificate(tmp_path / "first")
    second = make_certificate(tmp_path / "second")
    live = make_certificate(tmp_path / "live")
    live.cert.write_bytes(first.cert.read_bytes())
    live.key.write_bytes(first.key.read_bytes())
    server = Badged(tmp_path, "--tls-cert", live.cert, "--tls-key", live.key)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(["h2"])

    def served():
        with tls_handshake(server.port, context) as s:
            return ssl.DER_cert_to_PEM_cert(s.getpeercert(binary_form=True))

    def pem(path):
        return ssl.DER_cert_to_PEM_cert(ssl.PEM_cert_to_DER_cert(path.read_text()))

    try:
        assert served() == pem(first.cert)
        live.cert.write_bytes(second.cert.read_bytes())
        live.key.write_bytes(second.key.read_bytes())
        server.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 5
        while served() != pem(second.cert) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert served() == pem(second.cert)
        # A broken file is not taken: the server keeps the certificate it has.
        live.cert.write_text("not a certificate\n")
        server.process.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        assert served() == pem(second.cert)
    finally:
        assert server.stop() == 0
    log = server.log
    assert '"msg":"TLS certificate reloaded"' in log and "TLS certificate not reloaded; the previous one stays in use" in log


# The store


def test_a_store_that_cannot_commit_is_unavailable_then_recovers(pb, tmp_path, health_pb2):
    """Writes past a file size limit fail as on a full disk: calls get UNAVAILABLE, Health
    says NOT_SERVING, the failed changes are not visible, and all is well again, without a
    restart, once the store can commit."""
    server = Badged(tmp_path)
    try:
        c = Client(pb, server)
        c.enable()
        for _ in range(5):
            c.record(feedback_received=pb.FeedbackReceived())
        assert c.stats() == {"feedback_received": 5}
        subprocess.run(["prlimit", f"--pid={server.process.pid}", "--fsize=4096:unlimited"], check=True)
        code, details = refused(lambda: c.record(event_id="during-the-outage", feedback_received=pb.FeedbackReceived()))
        assert code == grpc.StatusCode.UNAVAILABLE and "the store could not commit" in details and "nothing of this call was kept" in details
        assert health_status(health_pb2, server.address) == health_pb2.HealthCheckResponse.NOT_SERVING
        assert c.stats() == {"feedback_received": 5}, "the failed event is visible"
        # Still failing, and still nothing kept.
        assert refused(lambda: c.record(profile_completed=pb.ProfileCompleted()))[0] == grpc.StatusCode.UNAVAILABLE
        assert c.award_ids() == {"feedback-1"}
        subprocess.run(["prlimit", f"--pid={server.process.pid}", "--fsize=unlimited"], check=True)
        deadline = time.monotonic() + 5
        while health_status(health_pb2, server.address) != health_pb2.HealthCheckResponse.SERVING:
            assert time.monotonic() < deadline, "Health did not recover without a client's write"
            time.sleep(0.1)
        assert not c.record(event_id="during-the-outage", feedback_received=pb.FeedbackReceived()).duplicate
        assert c.stats() == {"feedback_received": 6}
    finally:
        assert server.stop() == 0
    log = server.log
    assert '"msg":"the store cannot commit"' in log and '"msg":"the store commits again"' in log
    server.start()
    try:
        assert Client(pb, server).stats() == {"feedback_received": 6}, "disk and memory disagreed"
    finally:
        assert server.stop() == 0
