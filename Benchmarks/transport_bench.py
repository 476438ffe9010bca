"""Transport benchmark: a tiny unary gRPC call (bench.Echo/Echo, 64-byte payload) under h2load,
side by side in one run against our server, gRPC C++ (callback API), grpc-go, and nghttpd
serving a static file as the HTTP/2 ceiling. Prints requests/s, latency percentiles and the
ratios; writes results JSON and a PNG chart.

Each server gets two passes at the same load: one for throughput, and one with h2load's
per-request log for the latency percentiles. Writing that log costs h2load (which shares the
two cores) enough CPU to cap the fastest servers, so it stays out of the throughput pass.

    python3 transport_bench.py --ours PATH --cpp PATH --go PATH [--seconds 5] [--out DIR]
"""
import argparse
import json
import os
import pathlib
import re
import signal
import struct
import subprocess
import sys
import tempfile
import time

LOAD = dict(connections=16, streams=32)


def start(command):
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    line = process.stdout.readline()
    match = re.search(r"listening on [\d.]+:(\d+)", line)
    if not match:
        process.kill()
        raise RuntimeError(f"{command[0]} did not start: {line!r}")
    return process, int(match.group(1))


def stop(process):
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# The gRPC C++ echo's own CPU per call here is 9-11 µs; in its occasional slow modes about 14
# or 21. Benchmarks restart it (up to this many times) when they find it there.
SLOW_ECHO_US_PER_CALL = 12.5
SLOW_ECHO_RESTARTS = 3


def process_cpu_seconds(pid):
    """User plus system CPU a running process has used so far."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def grpc_status_ok(port, body):
    """h2load counts HTTP statuses only; one call through nghttp shows the gRPC status."""
    out = subprocess.run(
        ["nghttp", "-v", "-d", body, "-H", "content-type: application/grpc", "-H", "te: trailers",
         f"http://127.0.0.1:{port}/bench.Echo/Echo"], capture_output=True, timeout=10)
    return b"grpc-status: 0" in out.stdout


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, int(round(p / 100 * (len(sorted_values) - 1))))
    return sorted_values[index]


def h2load(url, seconds, body=None, log=None):
    command = ["h2load", "-D", str(seconds), "--warm-up-time", "1", "-c", str(LOAD["connections"]),
               "-m", str(LOAD["streams"]), "-t", "1"]
    if body:
        command += ["-d", body, "-H", "content-type: application/grpc", "-H", "te: trailers"]
    if log:
        command += ["--log-file", log]
    out = subprocess.run(command + [url], capture_output=True, text=True, timeout=seconds + 60).stdout
    rps = float(re.search(r"finished in [\d.]+\w+, ([\d.]+) req/s", out).group(1))
    requests = re.search(r"requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored", out)
    statuses = re.search(r"status codes: (\d+) 2xx", out)
    latencies = []
    if log and os.path.exists(log):
        with open(log) as f:
            for line in f:
                parts = line.split("\t")
                if len(parts) >= 3:
                    latencies.append(int(parts[2]) / 1000.0)  # microseconds -> ms
        latencies.sort()
    return {
        "rps": rps,
        "done": int(requests.group(2)), "succeeded": int(requests.group(3)),
        "failed": int(requests.group(4)) + int(requests.group(5)),
        "http_2xx": int(statuses.group(1)) if statuses else 0,
        "p50_ms": percentile(latencies, 50), "p90_ms": percentile(latencies, 90),
        "p99_ms": percentile(latencies, 99), "p999_ms": percentile(latencies, 99.9),
    }


def measure(url, seconds, body, log):
    """Throughput from a pass without the per-request log, percentiles from a pass with it."""
    throughput = h2load(url, seconds, body)
    latency = h2load(url, seconds, body, log)
    for key in ("p50_ms", "p90_ms", "p99_ms", "p999_ms"):
        throughput[key] = latency[key]
    throughput["failed"] += latency["failed"]
    throughput["rps_with_log"] = latency["rps"]
    return throughput


def pyplot():
    """matplotlib's pyplot drawing to files, or None (said once) when it is not installed."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        return plt
    except ImportError:
        print("(matplotlib not installed: no chart)")
        return None


def echo_request(directory):
    """The echo call's request body, gRPC-framed, as a file for h2load: EchoMessage{payload: 64 bytes}."""
    payload = b"\x0a\x40" + bytes(64)
    body = directory / "echo.grpc"
    body.write_bytes(b"\x00" + struct.pack(">I", len(payload)) + payload)
    return body


def plot(results, path):
    plt = pyplot()
    if plt is None:
        return
    names = [r["name"] for r in results]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    left.bar(names, [r["rps"] / 1000 for r in results], color=["#2a7" if r["name"] == "ours" else "#888" for r in results])
    left.set_title("requests/s (thousands), higher is better")
    grpc_results = [r for r in results if r["name"] != "nghttpd (static)"]
    for key, label in (("p50_ms", "p50"), ("p99_ms", "p99"), ("p999_ms", "p99.9")):
        right.plot([r["name"] for r in grpc_results], [r[key] for r in grpc_results], marker="o", label=label)
    right.set_title("latency (ms), lower is better")
    right.legend()
    fig.suptitle(f"unary echo, 64 B, h2load -c {LOAD['connections']} -m {LOAD['streams']}, 2 cores shared")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    print(f"chart: {path}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ours", required=True)
    parser.add_argument("--cpp", required=True)
    parser.add_argument("--go", required=True)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--out", default=".")
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    work = pathlib.Path(tempfile.mkdtemp(prefix="transport-bench-"))
    body = echo_request(work)
    static = work / "static"
    static.mkdir()
    (static / "echo").write_bytes(body.read_bytes())

    servers = [("ours", [args.ours]), ("grpc-c++", [args.cpp]), ("grpc-go", [args.go])]
    results = []
    for name, command in servers:
        for attempt in range(1 + (SLOW_ECHO_RESTARTS if name == "grpc-c++" else 0)):
            process, port = start(command)
            try:
                if not grpc_status_ok(port, str(body)):
                    raise RuntimeError(f"{name} did not answer grpc-status 0")
                print(f"measuring {name} for {args.seconds}s, twice ...", flush=True)
                url = f"http://127.0.0.1:{port}/bench.Echo/Echo"
                cpu_before = process_cpu_seconds(process.pid)
                result = measure(url, args.seconds, str(body), str(work / f"{name}.log"))
                result["server_us_per_call"] = (process_cpu_seconds(process.pid) - cpu_before) * 1e6 / (
                    (result["rps"] + result["rps_with_log"]) * args.seconds)
            finally:
                stop(process)
            time.sleep(1)
            # The C++ server now and then runs at twice its CPU per call for the rest of its
            # life (see goal_bench.py); a fresh process usually does not.
            if name != "grpc-c++" or result["server_us_per_call"] <= SLOW_ECHO_US_PER_CALL:
                break
            print(f"  {name} ran in its slow mode ({result['server_us_per_call']:.1f} µs/call); restarting it", flush=True)
        result["name"] = name
        results.append(result)

    nghttpd = subprocess.Popen(["nghttpd", "--no-tls", "-d", str(static), "0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    # nghttpd does not print its port when given 0; use a fixed free one instead.
    nghttpd.kill()
    nghttpd.wait()
    port = free_port()
    nghttpd = subprocess.Popen(["nghttpd", "--no-tls", "-d", str(static), str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    try:
        print(f"measuring nghttpd (static) for {args.seconds}s, twice ...", flush=True)
        result = measure(f"http://127.0.0.1:{port}/echo", args.seconds, None, str(work / "nghttpd.log"))
    finally:
        nghttpd.kill()
        nghttpd.wait()
    result["name"] = "nghttpd (static)"
    results.append(result)

    ours = results[0]
    fastest_grpc = max(results[1:3], key=lambda r: r["rps"])
    print()
    print(f"unary echo (64 B) under h2load -c {LOAD['connections']} -m {LOAD['streams']}, {args.seconds}s each, one run, 2 cores shared")
    print(f"{'server':<18}{'req/s':>10}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'p99.9 ms':>10}{'failed':>8}{'vs ours':>9}")
    for r in results:
        print(f"{r['name']:<18}{r['rps']:>10.0f}{r['p50_ms']:>9.2f}{r['p90_ms']:>9.2f}{r['p99_ms']:>9.2f}{r['p999_ms']:>10.2f}"
              f"{r['failed']:>8}{r['rps'] / ours['rps']:>8.2f}x")
    print()
    print(f"ours / fastest gRPC reference ({fastest_grpc['name']}): {ours['rps'] / fastest_grpc['rps']:.2f}x req/s, "
          f"p99 {ours['p99_ms']:.2f} ms vs {fastest_grpc['p99_ms']:.2f} ms")
    print(f"ours / nghttpd static ceiling: {ours['rps'] / results[3]['rps']:.2f}x")
    (out / "transport.json").write_text(json.dumps(results, indent=2))
    plot(results, out / "transport.png")


def free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    sys.exit(main())
