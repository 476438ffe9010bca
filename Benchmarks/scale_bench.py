"""State at scale: badged on SQLite with 1M, 5M and 10M stored events over 1M users (100
organizations x 10,000), beside an empty store. At each size: time from starting badged to
its first answered call (a GetAchievements, which reads the store), RSS then, RecordActivity
throughput (closed loop, 8 connections x 32 streams, for --seconds) and peak RSS after it.
With --base-badged, durable RecordActivity on an empty store is also run with that build
(alternating rounds), for the ratio to it. Stores are filled with badges-load, from one size
to the next (its progress is shown). Writes results/scale.{json,png}.

    python3 scale_bench.py --badged PATH --load PATH [--base-badged PATH] [--sizes 1,5,10] [--seconds 10] [--rounds 3]
"""
import argparse
import json
import pathlib
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "Tests/Interop"))

from badged_fixture import rss_mib as process_rss_mib  # noqa: E402 (after the path)
from transport_bench import pyplot  # noqa: E402

ORGS, USERS = 100, 10_000
LOAD_SHAPE = ["--orgs", str(ORGS), "--users", str(USERS)]


def start(binary, store):
    """badged on `store`; returns (process, address, seconds from spawn to its first answered call)."""
    import grpc
    spawned = time.monotonic()
    process = subprocess.Popen([binary, "--listen", "127.0.0.1:0", "--store", str(store)], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    line = process.stdout.readline()
    match = re.search(r"listening on ([\d.]+:\d+)", line)
    if not match:
        process.kill()
        raise RuntimeError(f"badged did not start: {line!r}")
    address = match.group(1)
    key = bytes.fromhex(pathlib.Path(f"{store}.key").read_text().strip())
    from badged_fixture import auth, mint
    channel = grpc.insecure_channel(address)
    stub = PB.grpc.ProgressServiceStub(channel)
    request = PB.GetAchievementsRequest(organization_id="org-0", user_id="user-0")
    metadata = auth(mint(key, "org-0", ["admin"]))
    while True:
        try:
            stub.GetAchievements(request, metadata=metadata, timeout=5)
            break
        except grpc.RpcError as error:
            # An organization the store has never seen answers that badges are off: answered.
            if error.code() == grpc.StatusCode.FAILED_PRECONDITION:
                break
            time.sleep(0.005)
    answered = time.monotonic() - spawned
    channel.close()
    return process, address, answered


def stop(process):
    process.terminate()
    process.wait(timeout=120)


def rss_mib(pid, field="VmRSS"):
    return process_rss_mib(pid, field) or 0.0


def load(binary, address, key_file, *args, quiet=True):
    command = [binary, "--server", address, "--key-file", str(key_file), *LOAD_SHAPE, *args]
    if quiet:
        out = subprocess.run(command + ["--json"], capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError(f"badges-load failed: {out.stderr[-2000:]}")
        return json.loads(out.stdout)
    subprocess.run(command, check=True)  # progress on the terminal
    return None


def stored_events(store):
    """Events in a store of this build (0 for the base build's, which keeps them otherwise)."""
    with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as db:
        try:
            return db.execute("SELECT count(*) FROM activity").fetchone()[0]
        except sqlite3.OperationalError:
            return 0


def measure(badged, load_binary, store, seconds, label):
    process, address, first_answer = start(badged, store)
    rss_start = rss_mib(process.pid)
    result = load(load_binary, address, f"{store}.key", "--duration", str(seconds), "--connections", "8", "--streams", "32", "--no-setup")
    row = {"label": label, "first_answer_s": round(first_answer, 3), "rss_start_mib": round(rss_start, 1),
           "throughput": round(float(result["throughput"])), "p99_ms": result["latency_ms"]["p99"],
           "peak_rss_mib": round(rss_mib(process.pid, "VmHWM"), 1), "rss_after_mib": round(rss_mib(process.pid), 1)}
    stop(process)
    row["stored_events"] = stored_events(store)
    print(f"  {label}: {row['stored_events']:,} events stored after; first answer {row['first_answer_s'] * 1000:.0f} ms after start; "
          f"RSS {row['rss_start_mib']} MiB at start, peak {row['peak_rss_mib']} MiB; RecordActivity {row['throughput']:,} req/s, "
          f"p99 {row['p99_ms']} ms", flush=True)
    return row


def main():
    global PB
    parser = argparse.ArgumentParser()
    parser.add_argument("--badged", required=True)
    parser.add_argument("--load", required=True)
    parser.add_argument("--base-badged")
    parser.add_argument("--sizes", default="1,5,10", help="millions of stored events")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", default=str(ROOT / "Benchmarks/results"))
    args = parser.parse_args()
    from conftest import compile_proto
    PB = compile_proto(ROOT / "Schema/proto/badges.proto", pathlib.Path(tempfile.mkdtemp()), grpc=True)
    import badges_pb2_grpc
    PB.grpc = badges_pb2_grpc

    work = pathlib.Path(tempfile.mkdtemp(prefix="scale-"))
    results = {"empty": [], "sizes": [], "base_empty": []}
    print(f"== empty stores, {args.rounds} rounds" + (" alternating with the base build" if args.base_badged else ""), flush=True)
    for round_number in range(args.rounds):
        for badged, key in [(args.badged, "empty")] + ([(args.base_badged, "base_empty")] if args.base_badged else []):
            store = work / f"empty-{key}-{round_number}.sqlite"
            # The organizations switched on first, as for the sized stores.
            process, address, _ = start(badged, store)
            load(args.load, address, f"{store}.key", "--count", "1", "--connections", "1", "--streams", "1")
            stop(process)
            results[key].append(measure(badged, args.load, store, args.seconds, f"{'base' if key == 'base_empty' else 'this build'}, empty store"))
    store = work / "scaled.sqlite"
    filled = 0
    for size in [float(s) for s in args.sizes.split(",")]:
        target = int(size * 1_000_000)
        process, address, _ = start(args.badged, store)
        print(f"== filling to {target:,} events", flush=True)
        # The load generator's mix, duplicates (5%, not stored) included.
        load(args.load, address, f"{store}.key", "--count", str(int((target - filled) / 0.95) + 1), "--connections", "8",
             "--streams", "64", *(["--no-setup"] if filled else []), quiet=False)
        stop(process)
        results["sizes"].append(measure(args.badged, args.load, store, args.seconds, f"filled to {target / 1e6:g}M events"))
        filled = results["sizes"][-1]["stored_events"]

    empty = statistics.median(r["throughput"] for r in results["empty"])
    summary = {"empty_throughput_median": empty}
    if results["base_empty"]:
        base = statistics.median(r["throughput"] for r in results["base_empty"])
        summary["base_empty_throughput_median"] = base
        summary["empty_vs_base"] = round(empty / base, 3)
    if results["sizes"]:
        largest = results["sizes"][-1]
        summary["largest_vs_empty"] = round(largest["throughput"] / empty, 3)
        summary["largest_peak_rss_mib"] = largest["peak_rss_mib"]
        summary["slowest_first_answer_s"] = max(r["first_answer_s"] for r in results["sizes"] + results["empty"])
    results["summary"] = summary
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "scale.json").write_text(json.dumps(results, indent=2))
    print("== summary:", json.dumps(summary), flush=True)
    plot(results, out / "scale.png")


def plot(results, path):
    plt = pyplot()
    if plt is None:
        return
    rows = [results["empty"][0]] + results["sizes"]
    x = [r["stored_events"] / 1e6 for r in rows]
    figure, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    for axis, key, title in zip(axes, ["peak_rss_mib", "first_answer_s", "throughput"],
                                ["peak RSS (MiB)", "start to first answer (s)", "RecordActivity (req/s)"]):
        axis.plot(x, [r[key] for r in rows], marker="o")
        axis.set_title(title)
        axis.set_xlabel("stored events (millions)")
        axis.set_ylim(bottom=0)
        axis.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    print(f"chart: {path}")


if __name__ == "__main__":
    main()
