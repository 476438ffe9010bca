"""Soak: RecordActivity open loop at a fixed rate (latency counted from the intended send
times) against one badged on SQLite, for --minutes, over --orgs x --users users. Each 30 s
window is one badges-load run, so each window's p50/p99/p99.9 are its own; badged's RSS is
read at the end of each. Prints a line per window and writes results/soak.{json,png}.

    python3 soak_bench.py --badged PATH --load PATH [--rate 25000] [--minutes 5] [--orgs 200] [--users 20000]
"""
import argparse
import json
import pathlib
import re
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "Tests/Interop"))

from badged_fixture import rss_mib  # noqa: E402 (after the path)
from transport_bench import pyplot  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--badged", required=True)
    parser.add_argument("--load", required=True)
    parser.add_argument("--rate", type=int, default=25_000)
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--window", type=int, default=30)
    parser.add_argument("--orgs", type=int, default=200)
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--out", default=str(ROOT / "Benchmarks/results"))
    args = parser.parse_args()
    work = pathlib.Path(tempfile.mkdtemp(prefix="soak-"))
    store = work / "badges.sqlite"
    badged = subprocess.Popen([args.badged, "--listen", "127.0.0.1:0", "--store", str(store)], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    address = re.search(r"listening on ([\d.]+:\d+)", badged.stdout.readline()).group(1)
    windows = []
    print(f"RecordActivity open loop at {args.rate}/s over {args.orgs} x {args.users} users, {args.window} s windows", flush=True)
    print(f"{'window':>8} {'sent':>9} {'p50 ms':>8} {'p99 ms':>8} {'p99.9 ms':>9} {'max ms':>8} {'errors':>7} {'RSS MiB':>8}")
    try:
        for n in range(int(args.minutes * 60 / args.window)):
            out = subprocess.run([args.load, "--server", address, "--key-file", f"{store}.key", "--rate", str(args.rate),
                                  "--duration", str(args.window), "--orgs", str(args.orgs), "--users", str(args.users), "--seed", str(n + 1),
                                  "--json", *(["--no-setup"] if n else [])], capture_output=True, text=True)
            if out.returncode != 0:
                raise RuntimeError(f"badges-load failed: {out.stderr[-2000:]}")
            r = json.loads(out.stdout)
            latency = r["latency_ms"]
            window = dict(window=n + 1, requests=r["requests"], ok=r["ok"], p50=float(latency["p50"]), p99=float(latency["p99"]),
                          p999=float(latency["p99.9"]), max=float(latency.get("max", latency["p99.9"])), rss_mib=round(rss_mib(badged.pid) or 0.0, 1))
            windows.append(window)
            print(f"{(n + 1) * args.window:7}s {window['requests']:9} {window['p50']:8.2f} {window['p99']:8.2f} {window['p999']:9.2f} "
                  f"{window['max']:8.1f} {window['requests'] - window['ok']:7} {window['rss_mib']:8.0f}", flush=True)
    finally:
        badged.terminate()
        badged.wait(timeout=120)
    summary = dict(rate=args.rate, worst_p99=max(w["p99"] for w in windows), worst_p999=max(w["p999"] for w in windows),
                   rss_first=windows[0]["rss_mib"], rss_last=windows[-1]["rss_mib"])
    print("summary:", json.dumps(summary))
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "soak.json").write_text(json.dumps(dict(summary=summary, windows=windows), indent=2))
    plt = pyplot()
    if plt is None:
        return
    figure, (latency_axis, rss_axis) = plt.subplots(1, 2, figsize=(11, 3.8))
    x = [w["window"] * args.window for w in windows]
    for key, label in [("p50", "p50"), ("p99", "p99"), ("p999", "p99.9")]:
        latency_axis.plot(x, [w[key] for w in windows], marker="o", label=label)
    latency_axis.set_yscale("log")
    latency_axis.set_title(f"RecordActivity latency at {args.rate}/s (ms)")
    latency_axis.legend()
    rss_axis.plot(x, [w["rss_mib"] for w in windows], marker="o")
    rss_axis.set_title("badged RSS (MiB)")
    rss_axis.set_ylim(bottom=0)
    for axis in (latency_axis, rss_axis):
        axis.set_xlabel("seconds")
        axis.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(out / "soak.png", dpi=110)

if __name__ == "__main__":
    main()
