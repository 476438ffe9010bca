"""Two badged servers on one PostgreSQL: overlapping events for shared users sent to both at
once (each event id to both servers, racing), then a check, in the database and through the
API, that every acknowledged event is stored once, every counter equals the events stored,
and every award is unique. Then the same with one server killed with SIGKILL midway."""
import concurrent.futures
import json
import os
import secrets
import signal
import subprocess
import threading
import time
import uuid

import grpc
import pytest

from badged_fixture import Badged, auth
from conftest import ROOT, compile_proto

USERS = [f"u{n}" for n in range(12)]
CATALOG = json.loads((ROOT / "Sources/Badges/Catalog/catalog.json").read_text())["badges"]


def psql(url, sql):
    out = subprocess.run(["psql", url, "-AtXq", "-v", "ON_ERROR_STOP=1", "-c", sql], check=True, capture_output=True, text=True)
    return [line.split("|") for line in out.stdout.strip().splitlines()]


@pytest.fixture
def database():
    server = os.environ.get("BADGES_TEST_POSTGRES")
    if not server:
        pytest.fail("BADGES_TEST_POSTGRES is not set: run scripts/test (it starts PostgreSQL), or scripts/postgres start")
    name = "badges_e2e_" + uuid.uuid4().hex
    psql(server, f"CREATE DATABASE {name}")
    yield server.rsplit("/", 1)[0] + "/" + name
    psql(server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def servers(tmp_path, database):
    key_file = tmp_path / "shared.key"
    key_file.write_text(secrets.token_hex(32) + "\n")
    pair = [Badged(tmp_path, store=database, key_file=key_file) for _ in range(2)]
    yield pair
    for s in pair:
        s.stop(signal.SIGKILL)


def kind_of(n, pb):
    """Event n's payload: mostly feedback and coaching, some QA reviews."""
    choice = n % 3
    if choice == 0:
        return {"feedback_received": pb.FeedbackReceived()}
    if choice == 1:
        return {"coaching_item_saved": pb.CoachingItemSaved()}
    return {"qa_review_completed": pb.QAReviewCompleted()}


class Load:
    """Sends events to both servers from several threads: each event id goes to both servers
    at once, so that the two race to store it. Records which ids some server acknowledged."""

    def __init__(self, pb, servers, prefix):
        self.pb = pb
        self.prefix = prefix
        self.channels = [grpc.insecure_channel(s.address) for s in servers]
        self.stubs = [pb.grpc.AwardServiceStub(c) for c in self.channels]
        self.md = auth(servers[0].token("acme"))
        self.acked = set()
        self.duplicates = 0
        self.errors = []
        self.lock = threading.Lock()

    def send(self, n):
        user = USERS[(n * 7) % len(USERS)]
        event_id = f"{self.prefix}-{n}"
        request = self.pb.RecordActivityRequest(event=self.pb.ActivityEvent(
            organization_id="acme", event_id=event_id, user_id=user, **kind_of(n, self.pb)))
        futures = [stub.RecordActivity.future(request, metadata=self.md, timeout=20) for stub in self.stubs]
        for server, future in enumerate(futures):
            try:
                reply = future.result()
                with self.lock:
                    self.acked.add(event_id)
                    self.duplicates += reply.duplicate
            except grpc.RpcError as error:
                with self.lock:
                    self.errors.append((server, error.code()))

    def run(self, count, threads=16, during=None):
        with concurrent.futures.ThreadPoolExecutor(threads) as pool:
            futures = [pool.submit(self.send, n) for n in range(count)]
            if during:
                during()
            for f in futures:
                f.result()


def check_store(pb, url, acked, server):
    """Every acknowledged event stored once; awards unique; counters equal the stored events."""
    stored = [row[0] for row in psql(url, "SELECT event_id FROM events")]
    assert len(stored) == len(set(stored)), "an event is stored twice"
    missing = acked - set(stored)
    assert not missing, f"{len(missing)} acknowledged events are missing, e.g. {sorted(missing)[:3]}"
    [[awards, distinct]] = psql(url, "SELECT count(*), count(DISTINCT (org_id, user_id, badge_id)) FROM awards")
    assert awards == distinct, "a badge was awarded twice"
    per_user = {}
    for user, kind, count in psql(url, "SELECT user_id, kind, count(*) FROM events GROUP BY user_id, kind"):
        per_user.setdefault(user, {})[int(kind)] = int(count)
    progress = pb.grpc.ProgressServiceStub(grpc.insecure_channel(server.address))
    metric_of_kind = {4: "feedback_received", 5: "coaching_items_saved", 6: "qa_reviews_completed"}
    for user, kinds in per_user.items():
        page = progress.GetAchievements(pb.GetAchievementsRequest(organization_id="acme", user_id=user),
                                        metadata=auth(server.token("acme")), timeout=10)
        stats = {s.metric: s.count for s in page.lifetime_stats}
        assert stats == {metric_of_kind[k]: c for k, c in kinds.items()}, f"counters of {user} differ from the events stored"
        # Exactly the badges the counts reach, from the catalog's thresholds: none lost in a race.
        expected = {b["id"] for b in CATALOG if "role" not in b and stats.get(b["metric"], 0) >= b["threshold"]}
        held = {row[0] for row in psql(url, f"SELECT badge_id FROM awards WHERE user_id = '{user}'")}
        assert held == expected, f"awards of {user}"
    return len(stored), int(awards)


def enable(pb, server):
    stub = pb.grpc.AwardServiceStub(grpc.insecure_channel(server.address))
    stub.ConfigureOrganization(pb.ConfigureOrganizationRequest(organization_id="acme", tier=pb.ENTERPRISE, badges_enabled=True),
                               metadata=auth(server.token("acme")), timeout=10)


def test_two_servers_share_users_without_losing_or_doubling(pb, servers, database):
    enable(pb, servers[0])
    load = Load(pb, servers, "both")
    load.run(1200)
    assert load.errors == []
    assert len(load.acked) == 1200
    # Every id went to both servers: one stored it, the other answered "duplicate".
    assert load.duplicates == 1200
    events, awards = check_store(pb, database, load.acked, servers[1])
    assert events == 1200 and awards > 0


def test_one_server_killed_midway_loses_nothing_acknowledged(pb, servers, database):
    enable(pb, servers[0])
    load = Load(pb, servers, "kill")

    def kill_second():
        # Midway by progress, not by the clock: a fifth of the events acknowledged.
        deadline = time.time() + 60
        while len(load.acked) < 300 and time.time() < deadline:
            time.sleep(0.01)
        servers[1].stop(signal.SIGKILL)

    load.run(1500, during=kill_second)
    # Calls to the killed server failed (UNAVAILABLE and the like); the survivor answered all.
    assert load.errors, "the kill came after the load; nothing was in flight"
    assert all(server == 1 for server, _ in load.errors), load.errors[:3]
    assert len(load.acked) == 1500
    check_store(pb, database, load.acked, servers[0])
    # The survivor keeps working on the same users.
    after = Load(pb, servers[:1], "after")
    after.run(100)
    assert after.errors == [] and len(after.acked) == 100
    check_store(pb, database, load.acked | after.acked, servers[0])


def test_postgres_store_mistakes_are_named(tmp_path, database):
    from conftest import swift_bin_path

    badged = str(swift_bin_path() / "badged")
    # Servers sharing a store must share the token key: badged refuses to make one up.
    out = subprocess.run([badged, "--store", database, "--listen", "127.0.0.1:0"], capture_output=True, text=True, timeout=30)
    assert out.returncode != 0 and "--token-key-file or --token-key" in out.stderr
    # An unreachable server fails the start, naming the connection (and hiding the password).
    key = tmp_path / "k"
    key.write_text(secrets.token_hex(32))
    out = subprocess.run([badged, "--store", "postgres://badges:secret@127.0.0.1:1/badges?connect_timeout=2", "--token-key-file", str(key),
                          "--listen", "127.0.0.1:0"], capture_output=True, text=True, timeout=30)
    assert out.returncode != 0 and "cannot connect" in out.stderr and "127.0.0.1" in out.stderr
    assert "secret" not in out.stdout


def test_one_tenants_refused_write_fails_only_its_own_calls(pb, servers, database):
    """A value PostgreSQL refuses (here a trigger stands in for a bad row) used to fail the
    whole group-commit batch, other tenants' writes in it with INTERNAL. Now only the calls
    of the refused tenant fail, naming the SQLSTATE, and the log says what failed."""
    from badged_fixture import Client

    server = servers[0]
    healthy, poisoned = Client(pb, server, org="healthy"), Client(pb, server, org="poisoned")
    healthy.enable()
    poisoned.enable()
    psql(database, """
        CREATE FUNCTION refuse_poisoned() RETURNS trigger AS $$
        BEGIN
            IF NEW.org_id = 'poisoned' THEN RAISE EXCEPTION 'refused by the test' USING ERRCODE = '22023'; END IF;
            RETURN NEW;
        END $$ LANGUAGE plpgsql;
        CREATE TRIGGER refuse_poisoned BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION refuse_poisoned();
        """)
    outcomes = {"healthy": [], "poisoned": []}
    lock = threading.Lock()

    def send(n):
        client = healthy if n % 2 == 0 else poisoned
        try:
            client.record(user=f"u{n % 10}", event_id=f"e{n}", feedback_received=pb.FeedbackReceived())
            result = "ok"
        except grpc.RpcError as error:
            result = (error.code(), error.details())
        with lock:
            outcomes[client.org].append(result)

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        list(pool.map(send, range(400)))
    assert outcomes["healthy"] == ["ok"] * 200, [o for o in outcomes["healthy"] if o != "ok"][:3]
    assert all(o != "ok" and o[0] == grpc.StatusCode.INTERNAL and "SQLSTATE 22023" in o[1] for o in outcomes["poisoned"]), outcomes["poisoned"][:3]
    stored = int(psql(database, "SELECT count(*) FROM events WHERE org_id = 'healthy'")[0][0])
    assert stored == 200
    assert sum(healthy.stats(f"u{n}").get("feedback_received", 0) for n in range(0, 10, 2)) == 200
    server.stop()
    log = server.log
    assert '"msg":"a store operation failed"' in log and '"sqlstate":"22023"' in log and "organization 'poisoned'" in log


def test_lookalike_organizations_are_two_tenants_on_postgres(pb, servers):
    """On PostgreSQL, where the two are two rows, a token for one used to read the other."""
    from badged_fixture import Client

    composed, decomposed = "caf\u00e9", "cafe\u0301"
    a, b = Client(pb, servers[0], org=composed), Client(pb, servers[1], org=decomposed)
    a.enable()
    b.enable()
    b.record(feedback_received=pb.FeedbackReceived())
    with pytest.raises(grpc.RpcError) as error:
        a.reports.ListBadges(pb.ListBadgesRequest(organization_id=decomposed), metadata=a.md, timeout=10)
    assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert a.stats() == {} and b.stats() == {"feedback_received": 1}
