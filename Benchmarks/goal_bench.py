"""The load-test goal, measured fairly on a noisy machine: durable RecordActivity (badged on
SQLite, driven by badges-load) against the gRPC C++ server's trivial echo (under h2load, the
transport benchmark's load), alternating in rounds so that both see the same moments of the
machine. Prints each round's pair and ratio, then the median ratio; writes goal.json and a chart.
Also prints the CPU each side spent per call, server and load generator apart: both share the
two cores, so a dearer client leaves less for its server.

    python3 goal_bench.py --cpp PATH --badged PATH --load PATH [--rounds 3] [--seconds 5] [--out DIR]
"""
import argparse
import json
import pathlib
import resource
import statistics
import subprocess
import sys
import tempfile
import time

from transport_bench import (LOAD, SLOW_ECHO_RESTARTS, SLOW_ECHO_US_PER_CALL, echo_request, grpc_status_ok, h2load,
                             process_cpu_seconds, pyplot, start, stop)


def children_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def with_cpu(server, run):
    """Runs `run()` (one load run, a child process) and adds the CPU microseconds per call
    of the server and of the load generator, from their CPU over the run's wall time."""
    server_before, client_before, wall_before = process_cpu_seconds(server.pid), children_cpu_seconds(), time.monotonic()
    result = run()
    wall = time.monotonic() - wall_before
    calls = result["rps"] * wall
    result["server_us_per_call"] = (process_cpu_seconds(server.pid) - server_before) * 1e6 / calls
    result["client_us_per_call"] = (children_cpu_seconds() - client_before) * 1e6 / calls
    return result


def record_activity(load, address, key_file, seconds):
    """One closed-loop badges-load run with the load h2load puts on the echo: as many connections
    and streams, so that both servers see the same concurrency."""
    out = subprocess.run([load, "--server", address, "--key-file", key_file, "--duration", str(seconds), "--json",
                          "--connections", str(LOAD["connections"]), "--streams", str(LOAD["streams"])],
                         capture_output=True, text=True, timeout=seconds + 120)
    if out.returncode != 0:
        raise RuntimeError(f"badges-load failed: {out.stderr[-2000:]}")
    result = json.loads(out.stdout)
    errors = {status: n for status, n in result["statuses"].items() if status != "OK"}
    if errors:
        raise RuntimeError(f"RecordActivity answered errors: {errors}")
    return {"rps": float(result["throughput"]), "p50_ms": float(result["latency_ms"]["p50"]),
            "p99_ms": float(result["latency_ms"]["p99"]), "requests": int(result["requests"])}


def start_badged(badged, store, log):
    """badged on a fresh SQLite store; its log goes to a file, its first stdout line says where it listens."""
    process = subprocess.Popen([badged, "--listen", "127.0.0.1:0", "--store", str(store)],
                               stdout=subprocess.PIPE, stderr=open(log, "w"), text=True)
    line = process.stdout.readline()
    if "listening on" not in line:
        process.kill()
        raise RuntimeError(f"badged did not start: {line!r} (log: {log})")
    return process, int(line.split("listening on ")[1].split()[0].rsplit(":", 1)[1])


def plot(rounds, path):
    plt = pyplot()
    if plt is None:
        return
    labels = [f"round {r['round']}" for r in rounds]
    x = range(len(rounds))
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.bar([i - 0.2 for i in x], [r["cpp_echo"]["rps"] / 1000 for r in rounds], width=0.4, color="#888", label="gRPC C++ echo (h2load)")
    ax.bar([i + 0.2 for i in x], [r["record_activity"]["rps"] / 1000 for r in rounds], width=0.4, color="#2a7",
           label="RecordActivity, durable SQLite (badges-load)")
    ax.set_xticks(list(x), labels)
    ax.set_ylabel("requests/s (thousands)")
    ax.set_title("alternating rounds on 2 shared cores, higher is better")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    print(f"chart: {path}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cpp", required=True)
    parser.add_argument("--badged", required=True)
    parser.add_argument("--load", required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--out", default=".")
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    work = pathlib.Path(tempfile.mkdtemp(prefix="goal-bench-"))
    body = echo_request(work)  # the transport benchmark's call
    store = work / "badges.sqlite"

    def start_echo():
        """The C++ echo, answering and warmed up: it speeds up over its first seconds of load,
        so every counted round should meet it at full speed."""
        process, port = start([args.cpp])
        if not grpc_status_ok(port, str(body)):
            stop(process)
            raise RuntimeError("the gRPC C++ echo did not answer grpc-status 0")
        print(f"warming up the gRPC C++ echo for {args.seconds}s ...", flush=True)
        h2load(f"http://127.0.0.1:{port}/bench.Echo/Echo", args.seconds, str(body))
        return process, port

    cpp, cpp_port = start_echo()
    badged, badged_port = start_badged(args.badged, store, work / "badged.log")
    rounds = []
    try:
        for n in range(1, args.rounds + 1):
            print(f"round {n}/{args.rounds}: gRPC C++ echo {args.seconds}s, then RecordActivity {args.seconds}s ...", flush=True)
            restarts = 0
            while True:
                echo = with_cpu(cpp, lambda: h2load(f"http://127.0.0.1:{cpp_port}/bench.Echo/Echo", args.seconds, str(body)))
                if echo["server_us_per_call"] <= SLOW_ECHO_US_PER_CALL or restarts == SLOW_ECHO_RESTARTS:
                    break
                # Slow mode lasts for the rest of the process: a fresh one meets the goal's
                # real peer, the echo at full speed, rather than flattering us.
                restarts += 1
                print(f"  the C++ echo is in its slow mode ({echo['server_us_per_call']:.1f} µs/call); "
                      f"restarting it ({restarts}/{SLOW_ECHO_RESTARTS})", flush=True)
                stop(cpp)
                cpp, cpp_port = start_echo()
            echo["restarts"] = restarts
            time.sleep(1)
            record = with_cpu(badged, lambda: record_activity(args.load, f"127.0.0.1:{badged_port}", f"{store}.key", args.seconds))
            time.sleep(1)
            rounds.append({"round": n, "cpp_echo": {key: echo[key] for key in ("rps", "failed", "server_us_per_call", "client_us_per_call", "restarts")},
                           "record_activity": record, "ratio": record["rps"] / echo["rps"]})
    finally:
        stop(badged)
        stop(cpp)

    print()
    print(f"RecordActivity durable (badges-load) against the gRPC C++ echo (h2load), both at {LOAD['connections']} "
          f"connections x {LOAD['streams']} streams, alternating, {args.seconds}s each")
    print(f"{'round':<7}{'C++ echo req/s':>16}{'its µs/call':>13}{'RecordActivity req/s':>22}{'p99 ms':>9}{'ratio':>8}")
    for r in rounds:
        print(f"{r['round']:<7}{r['cpp_echo']['rps']:>16.0f}{r['cpp_echo']['server_us_per_call']:>13.1f}"
              f"{r['record_activity']['rps']:>22.0f}{r['record_activity']['p99_ms']:>9.2f}{r['ratio']:>7.2f}x")
    # The C++ echo now and then settles into a mode that costs it about twice the CPU per call
    # (and h2load more too) for the rest of its run: a ratio against such a round flatters us,
    # so the median leaves those rounds out whenever others met the echo at full speed.
    slow = [r["round"] for r in rounds if r["cpp_echo"]["server_us_per_call"] > SLOW_ECHO_US_PER_CALL]
    counted = [r for r in rounds if r["round"] not in slow] or rounds
    median = statistics.median(r["ratio"] for r in counted)
    worst_p99 = max(r["record_activity"]["p99_ms"] for r in rounds)
    print(f"median ratio {median:.2f}x over {len(counted)} round(s) (goal: at least 1.00x); "
          f"worst p99 {worst_p99:.2f} ms (goal: under 10 ms)")
    if slow:
        left = "left out of the median" if len(counted) < len(rounds) else "counted, as no round met it at full speed"
        print(f"warning: the C++ echo ran in its slow mode (over {SLOW_ECHO_US_PER_CALL:.1f} µs of CPU per call) in round(s) "
              f"{', '.join(map(str, slow))} even after {SLOW_ECHO_RESTARTS} restarts ({left}); run again for more rounds")
    restarted = sum(r["cpp_echo"]["restarts"] for r in rounds)
    if restarted:
        print(f"the C++ echo was restarted {restarted} time(s) after falling into its slow mode; every round above "
              f"that does not say otherwise met it at full speed")
    print()
    print("CPU per call, medians over the same rounds (µs; server and load generator share the 2 cores):")
    for name, label in (("cpp_echo", "gRPC C++ echo under h2load"), ("record_activity", "RecordActivity under badges-load")):
        server = statistics.median(r[name]["server_us_per_call"] for r in counted)
        client = statistics.median(r[name]["client_us_per_call"] for r in counted)
        print(f"  {label:<34} server {server:5.1f}   load generator {client:4.1f}   together {server + client:5.1f}")
    (out / "goal.json").write_text(json.dumps({"rounds": rounds, "median_ratio": median, "median_of_rounds": [r["round"] for r in counted],
                                               "worst_p99_ms": worst_p99}, indent=2))
    plot(rounds, out / "goal.png")


if __name__ == "__main__":
    sys.exit(main())
