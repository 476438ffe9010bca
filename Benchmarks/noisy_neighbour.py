"""Noisy neighbour: tenant B's RecordActivity latency (badges-load, open loop at a fixed rate)
alone, then while tenant A (or a stranger) runs each attack of the adversarial tests against
the same badged. Prints B's p50/p99 per attack and the ratio to B alone (goal: p99 at most
2x) and badged's peak RSS; writes JSON and a chart.

At 3000 calls/s, one stall of 30 ms anywhere in a phase is a p99 of 30 ms, and this VM's disk
now and then takes that long to sync, attack or not. So each attack runs in several rounds
(three by default), B alone is measured at the start of each round and at the end, and the
figures are medians over the runs, with each run's p99 printed beside them.
The attacker connects from 127.0.0.2, another peer address than B's, as it would be.

A real attacker brings its own machine. Here the attacker (Python, at nice 19) gets one core
of its own and badged and tenant B's load generator share the rest, in every phase, alone
included: otherwise the attacker's own work (its TCP handshakes and Python, on the same two
cores) slows B whatever the server does, which a control run shows (`--shared-cores`, and
the same attack aimed at a second badged: B's p99 rises alike).

Tenant A also gets a big organization (--big-org-users, 200,000 by default: registered
mentors with a session or a feedback each) and loops ListBadges and report pages over it,
then switches its badges off and on (each switch on awards every user again, in pages).

    python3 noisy_neighbour.py --badged PATH --load PATH [--seconds 8] [--rate 3000] [--rounds 2] [--out DIR] [--shared-cores]
                               [--big-org-users N]
    python3 noisy_neighbour.py attack NAME ADDRESS KEYFILE     (the attacker, run by the above)
"""
import argparse
import json
import os
import pathlib
import re
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "Tests/Interop"))

from badged_fixture import rss_mib as process_rss_mib  # noqa: E402 (after the path)
from transport_bench import pyplot  # noqa: E402

ATTACKER_ADDRESS = "127.0.0.2"

ATTACKS = {
    "stranger-bodies": "no token: 3 connections x 50 streams pushing 4 MiB bodies",
    "unfinished-bodies": "tenant A: 8 connections x 16 streams of bodies never finished",
    "oversized-fields": "tenant A: RecordActivity with a 1.27 MiB event_id, 4 threads",
    "bad-numbers": "tenant A: RecordActivity with out-of-range timestamps, 4 threads",
    "bad-tokens": "no valid token: a new forged token on every call, 4 threads",
    "connection-churn": "stranger: 60 idle connections held, others opened and dropped",
    "slow-reader": "tenant A: 4 connections that never read their responses",
    "big-org-reports": "tenant A: ListBadges and GetBadgeReport pages over its big organization, 4 threads",
    "big-org-configure": "tenant A: its big organization's badges switched off and on (each on: a backfill of every user)",
}
BIG_ORG = "big"


# The attacker


def attack(name, address, key_file):
    import grpc
    from badged_fixture import auth, mint
    from conftest import compile_proto
    from h2_raw import PREFACE, RawClient, open_streams, push_bodies

    host, port = address.rsplit(":", 1)
    port = int(port)
    key = bytes.fromhex(pathlib.Path(key_file).read_text().strip())
    token = mint(key, "attacker", ["admin"], expires_in=3600)
    pb = compile_proto(ROOT / "Schema/proto/badges.proto", pathlib.Path(tempfile.mkdtemp()), grpc=True)
    import badges_pb2_grpc

    def forever(body, threads=1):
        def loop():
            while True:
                try:
                    body()
                except Exception:  # the server refusing is the point; keep attacking
                    time.sleep(0.01)
        workers = [threading.Thread(target=loop, daemon=True) for _ in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()

    def grpc_stub():
        return badges_pb2_grpc.AwardServiceStub(grpc.insecure_channel(address))

    if name in ("stranger-bodies", "unfinished-bodies"):
        stranger = name == "stranger-bodies"

        def round_of_bodies():
            path = "/badges.v1.AwardService/RecordActivities"
            if stranger:
                clients, streams = open_streams(port, 3, 50, path, source=ATTACKER_ADDRESS)
            else:
                clients, streams = open_streams(port, 8, 16, path, extra=[("authorization", f"Bearer {token}")], announce=2_000_000,
                                                source=ATTACKER_ADDRESS)
            push_bodies(clients, streams, 4 << 20 if stranger else 2_000_000, seconds=3)
            for client in clients:
                client.close()
        forever(round_of_bodies)
    elif name == "oversized-fields":
        stub = grpc_stub()
        request = pb.RecordActivityRequest(event=pb.ActivityEvent(organization_id="attacker", event_id="x" * 1_331_200, user_id="u",
                                                                  feedback_received=pb.FeedbackReceived()))
        forever(lambda: stub.RecordActivity(request, metadata=auth(token), timeout=5), threads=4)
    elif name == "bad-numbers":
        stub = grpc_stub()
        request = pb.RecordActivityRequest(event=pb.ActivityEvent(organization_id="attacker", event_id="x", user_id="u",
                                                                  occurred_at=pb.Timestamp(seconds=9223372036854776),
                                                                  feedback_received=pb.FeedbackReceived()))
        forever(lambda: stub.RecordActivity(request, metadata=auth(token), timeout=5), threads=4)
    elif name == "bad-tokens":
        stub = badges_pb2_grpc.ProgressServiceStub(grpc.insecure_channel(address))
        request = pb.GetAchievementsRequest(organization_id="victim", user_id="u")
        forever(lambda: stub.GetAchievements(request, metadata=auth(mint(os.urandom(32), "victim", ["admin"])), timeout=5), threads=4)
    elif name == "connection-churn":
        held = []
        for _ in range(60):
            try:
                held.append(socket.create_connection((host, port), timeout=5, source_address=(ATTACKER_ADDRESS, 0)))
            except OSError:
                break

        def churn():
            with socket.create_connection((host, port), timeout=5, source_address=(ATTACKER_ADDRESS, 0)) as s:
                s.sendall(PREFACE + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00")
        forever(churn, threads=2)
    elif name == "slow-reader":
        import h2.settings

        def unread_responses():
            clients = []
            for _ in range(4):
                client = RawClient(port, source=ATTACKER_ADDRESS)
                client.conn.local_settings = h2.settings.Settings(client=True, initial_values={h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 0})
                client.start()
                body = pb.ListBadgesRequest(organization_id="attacker").SerializeToString()
                for _ in range(100):
                    sid = client.conn.get_next_available_stream_id()
                    client.conn.send_headers(sid, client.request_headers(path="/badges.v1.ReportService/ListBadges",
                                                                         extra=[("authorization", f"Bearer {token}")]))
                    client.conn.send_data(sid, b"\x00" + struct.pack(">I", len(body)) + body, end_stream=True)
                client.flush()
                clients.append(client)
            time.sleep(5)
            for client in clients:
                client.close()
        forever(unread_responses)
    elif name == "big-org-reports":
        channel = grpc.insecure_channel(address)
        reports = badges_pb2_grpc.ReportServiceStub(channel)
        big = auth(mint(key, BIG_ORG, ["admin"], expires_in=3600))

        def reports_loop():
            reports.ListBadges(pb.ListBadgesRequest(organization_id=BIG_ORG), metadata=big, timeout=30)
            token = ""
            for _ in range(5):
                page = reports.GetBadgeReport(pb.GetBadgeReportRequest(organization_id=BIG_ORG, badge_id="mentoring-mentor-1", page_size=1000,
                                                                       page_token=token), metadata=big, timeout=30)
                token = page.next_page_token
                if not token:
                    break
        forever(reports_loop, threads=4)
    elif name == "big-org-configure":
        award = badges_pb2_grpc.AwardServiceStub(grpc.insecure_channel(address))
        big = auth(mint(key, BIG_ORG, ["admin"], expires_in=3600))

        def toggle():
            for enabled in (False, True):
                award.ConfigureOrganization(pb.ConfigureOrganizationRequest(organization_id=BIG_ORG, tier=pb.ENTERPRISE, badges_enabled=enabled),
                                            metadata=big, timeout=600)
        forever(toggle)
    else:
        raise SystemExit(f"unknown attack {name}")


def populate_big_org(address, key_file, users):
    """Tenant A's big organization: `users` users registered as mentors in one program, each
    with a session booked and completed or a feedback received, recorded in batches."""
    import grpc
    from badged_fixture import auth, mint
    from conftest import compile_proto
    pb = compile_proto(ROOT / "Schema/proto/badges.proto", pathlib.Path(tempfile.mkdtemp()), grpc=True)
    import badges_pb2_grpc
    key = bytes.fromhex(pathlib.Path(key_file).read_text().strip())
    md = auth(mint(key, BIG_ORG, ["admin"], expires_in=36000))
    channels = [grpc.insecure_channel(address) for _ in range(8)]
    award = [badges_pb2_grpc.AwardServiceStub(c) for c in channels]
    award[0].ConfigureOrganization(pb.ConfigureOrganizationRequest(organization_id=BIG_ORG, tier=pb.ENTERPRISE, badges_enabled=True), metadata=md)
    started = time.monotonic()
    end = pb.Timestamp(seconds=int(time.time()) + 3600)
    for first in range(0, users, 1000):
        events = []
        for n in range(first, min(first + 1000, users)):
            user = f"u{n:07d}"
            if n % 2:
                events += [pb.ActivityEvent(organization_id=BIG_ORG, event_id=f"{user}-s", user_id=user,
                                            session_scheduled=pb.SessionScheduled(session_id=f"{user}-s", role="mentor", program_id="p1", scheduled_end=end)),
                           pb.ActivityEvent(organization_id=BIG_ORG, event_id=f"{user}-c", user_id=user,
                                            session_completed=pb.SessionCompleted(session_id=f"{user}-s"))]
            else:
                events.append(pb.ActivityEvent(organization_id=BIG_ORG, event_id=f"{user}-f", user_id=user, feedback_received=pb.FeedbackReceived()))
        for chunk in range(0, len(events), 1000):
            award[0].RecordActivities(pb.RecordActivitiesRequest(events=events[chunk:chunk + 1000]), metadata=md, timeout=120)
        futures = [award[n % 8].RegisterParticipant.future(pb.RegisterParticipantRequest(
            organization_id=BIG_ORG, user_id=f"u{n:07d}", program_id="p1", role="mentor", display_name=f"User {n}"), metadata=md, timeout=120)
            for n in range(first, min(first + 1000, users))]
        for f in futures:
            f.result()
        if first % 50_000 == 0:
            print(f"  big organization: {first + 1000:,} of {users:,} users ({time.monotonic() - started:.0f} s)", flush=True)
    for c in channels:
        c.close()


# The measurement


def cores(shared):
    """CPU lists for (server and tenant B, attacker): the last core for the attacker, unless
    the cores are shared (or there is only one)."""
    count = os.cpu_count() or 1
    if shared or count < 2:
        return None, None
    return f"0-{count - 2}" if count > 2 else "0", str(count - 1)


def pinned(cpus, command):
    return ["taskset", "-c", cpus, *command] if cpus else command


def start_badged(binary, directory, cpus=None):
    process = subprocess.Popen(pinned(cpus, [binary, "--listen", "127.0.0.1:0", "--store", str(directory / "badges.sqlite")]),
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=directory)
    line = process.stdout.readline()
    match = re.search(r"listening on ([\d.]+:\d+)", line)
    if not match:
        process.kill()
        raise RuntimeError(f"badged did not start: {line!r}")
    return process, match.group(1)


def rss_mib(pid):
    return process_rss_mib(pid) or 0.0


def measure_victim(load, address, key_file, seconds, rate, badged_pid, cpus=None):
    """Tenant B's open-loop run, with badged's RSS sampled meanwhile; returns the load report."""
    peak = [rss_mib(badged_pid)]
    done = threading.Event()

    def sample():
        while not done.wait(0.2):
            peak.append(rss_mib(badged_pid))
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out = subprocess.run(pinned(cpus, [load, "--server", address, "--key-file", key_file, "--rate", str(rate), "--duration", str(seconds),
                          "--connections", "4", "--streams", "32", "--orgs", "20", "--users", "500", "--json"]),
                         capture_output=True, text=True, timeout=seconds * 4 + 60)
    done.set()
    sampler.join()
    if out.returncode != 0:
        raise RuntimeError(f"badges-load failed: {out.stderr[-2000:]}")
    report = json.loads(out.stdout)
    report["peak_rss_mib"] = max(peak)
    return report


def run(args):
    work = pathlib.Path(tempfile.mkdtemp())
    server_cpus, attacker_cpus = cores(args.shared_cores)
    print(f"cores: badged and tenant B on {server_cpus or 'all'}, the attacker on {attacker_cpus or 'all'}")
    badged, address = start_badged(args.badged, work, server_cpus)
    key_file = str(work / "badges.sqlite.key")
    runs = []
    attacks = [a for a in ATTACKS if args.big_org_users or not a.startswith("big-org")]
    plan = [phase for _ in range(args.rounds) for phase in ["alone", *attacks]] + ["alone"]
    try:
        if args.big_org_users:
            print(f"tenant A's big organization: {args.big_org_users:,} users", flush=True)
            populate_big_org(address, key_file, args.big_org_users)
        measure_victim(args.load, address, key_file, 3, args.rate, badged.pid, server_cpus)  # warm-up
        for n, phase in enumerate(plan, 1):
            attacker = None
            if phase in ATTACKS:
                attacker = subprocess.Popen(pinned(attacker_cpus, ["nice", "-n", "19", sys.executable, __file__, "attack", phase, address, key_file]),
                                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                time.sleep(2)  # the attack under way before B is measured
                if attacker.poll() is not None:
                    raise RuntimeError(f"the {phase} attacker stopped: {attacker.stderr.read()[-2000:]}")
            report = measure_victim(args.load, address, key_file, args.seconds, args.rate, badged.pid, server_cpus)
            if attacker:
                attacker.send_signal(signal.SIGKILL)
                attacker.wait()
            if badged.poll() is not None:
                raise RuntimeError(f"badged died during {phase}")
            latency = report["latency_ms"]
            runs.append(dict(phase=phase, p50=float(latency["p50"]), p99=float(latency["p99"]), p999=float(latency["p99.9"]),
                             ok=report["ok"], requests=report["requests"], statuses=report["statuses"], peak_rss_mib=report["peak_rss_mib"]))
            print(f"[{n}/{len(plan)}] {phase:18} p50 {latency['p50']} ms, p99 {latency['p99']} ms, p99.9 {latency['p99.9']} ms, "
                  f"{report['ok']}/{report['requests']} OK, badged peak RSS {report['peak_rss_mib']:.0f} MiB", flush=True)
    finally:
        badged.send_signal(signal.SIGTERM)
        badged.wait(timeout=30)
    results = []
    for phase in ["alone", *attacks]:
        mine = [r for r in runs if r["phase"] == phase]
        results.append(dict(phase=phase, description=ATTACKS.get(phase, "tenant B only"), runs=len(mine),
                            p50=statistics.median(r["p50"] for r in mine), p99=statistics.median(r["p99"] for r in mine),
                            p99_each=[r["p99"] for r in mine], errors=sum(r["requests"] - r["ok"] for r in mine),
                            peak_rss_mib=max(r["peak_rss_mib"] for r in mine)))
    alone = results[0]
    print(f"\ntenant B: RecordActivity open loop at {args.rate}/s, {args.seconds} s per run; medians of {args.rounds} runs per attack "
          f"and of {alone['runs']} runs alone (B alone: p50 {alone['p50']:.2f} ms, p99 {alone['p99']:.2f} ms)")
    print(f"{'phase':20} {'p50 ms':>8} {'p99 ms':>8} {'p99 ratio':>10} {'errors':>7} {'peak RSS':>9}   p99 of each run")
    worst = 0.0
    for r in results:
        r["p99_ratio"] = r["p99"] / alone["p99"]
        if r["phase"] in ATTACKS:
            worst = max(worst, r["p99_ratio"])
        each = ", ".join(f"{x:.1f}" for x in r["p99_each"])
        print(f"{r['phase']:20} {r['p50']:8.2f} {r['p99']:8.2f} {r['p99_ratio']:9.2f}x {r['errors']:7} {r['peak_rss_mib']:7.0f} MiB   {each}")
    print(f"worst p99 ratio under attack: {worst:.2f}x (goal: at most 2x)")
    stalled = lambda rs: sum(1 for r in rs if r["p99"] > 20)
    attacked = [r for r in runs if r["phase"] != "alone"]
    print(f"runs with a p99 over 20 ms (a stall): {stalled([r for r in runs if r['phase'] == 'alone'])} of {alone['runs']} alone, "
          f"{stalled(attacked)} of {len(attacked)} under attack")
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "noisy-neighbour.json").write_text(json.dumps(dict(rate=args.rate, seconds=args.seconds, rounds=args.rounds, server_cpus=server_cpus,
                                                           attacker_cpus=attacker_cpus, phases=results, runs=runs, worst_p99_ratio=worst), indent=2))
    chart(results, out / "noisy-neighbour.png")


def chart(results, path):
    plt = pyplot()
    if plt is None:
        return
    fig, ax = plt.subplots(figsize=(10, 4.5))
    names = [r["phase"] for r in results]
    xs = range(len(results))
    ax.bar([x - 0.2 for x in xs], [r["p50"] for r in results], width=0.4, label="p50")
    ax.bar([x + 0.2 for x in xs], [r["p99"] for r in results], width=0.4, label="p99")
    ax.axhline(results[0]["p99"] * 2, color="red", linestyle="--", linewidth=1, label="goal: 2x p99 alone")
    ax.set_xticks(list(xs))
    ax.set_xticklabels(names, rotation=25, ha="right")
    ax.set_ylabel("tenant B's RecordActivity latency (ms)")
    ax.set_title("Tenant B alone and while tenant A attacks (medians over the runs)")
    ax.legend()
    ax.grid(True, axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    print(f"chart: {path}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "attack":
        attack(*sys.argv[2:5])
    else:
        parser = argparse.ArgumentParser()
        parser.add_argument("--badged", required=True)
        parser.add_argument("--load", required=True)
        parser.add_argument("--seconds", type=int, default=8)
        parser.add_argument("--rate", type=int, default=3000)
        parser.add_argument("--rounds", type=int, default=3)
        parser.add_argument("--out", default=str(ROOT / "Benchmarks/results"))
        parser.add_argument("--shared-cores", action="store_true", help="no core of its own for the attacker (a control)")
        parser.add_argument("--big-org-users", type=int, default=200_000,
                            help="users of tenant A's big organization for the report and switch phases (0: leave those out)")
        run(parser.parse_args())
