"""badges-load's own tests: short runs against a badged started here; counts add up and every
status is accounted for."""
import json
import subprocess

import pytest

from badged_fixture import Badged
from conftest import swift_bin_path


@pytest.fixture
def server(tmp_path):
    s = Badged(tmp_path)
    yield s
    assert s.stop() == 0


def load(server, tmp_path, *args, key_file=None):
    result = subprocess.run(
        [str(swift_bin_path() / "badges-load"), "--server", server.address, "--key-file", str(key_file or tmp_path / "badges.sqlite.key"),
         "--json", *map(str, args)], capture_output=True, text=True, timeout=120)
    return result.returncode, json.loads(result.stdout) if result.stdout.strip() else None, result.stderr


def test_closed_loop_count(server, tmp_path):
    code, report, err = load(server, tmp_path, "--count", 600, "--connections", 3, "--streams", 4, "--orgs", 3, "--users", 20)
    assert code == 0, err
    assert report["requests"] == 600 and report["ok"] == 600
    assert sum(report["statuses"].values()) == report["requests"]
    assert report["duplicates_answered"] == report["duplicates_sent"] > 0
    latency = report["latency_ms"]
    assert 0 < latency["p50"] <= latency["p90"] <= latency["p99"] <= latency["p99.9"]
    assert "done" in err  # the live progress line


def test_open_loop_rate_and_duration(server, tmp_path):
    code, report, err = load(server, tmp_path, "--rate", 300, "--duration", 2, "--orgs", 2)
    assert code == 0, err
    assert report["mode"].startswith("open loop at 300 req/s")
    assert 500 <= report["requests"] <= 650
    assert sum(report["statuses"].values()) == report["requests"]


def test_every_status_is_counted(server, tmp_path):
    wrong = tmp_path / "wrong.key"
    wrong.write_text("00" * 32)
    code, report, _ = load(server, tmp_path, "--count", 50, "--no-setup", key_file=wrong)
    assert code == 1
    assert report["statuses"] == {"UNAUTHENTICATED": 50} and report["ok"] == 0


@pytest.mark.parametrize("option, message", [
    (["--rate", "-5"], "--rate must be positive"),
    (["--threads", "0"], "--threads must be at least 1"),
    (["--threads", "two"], "--threads takes a number, not 'two'"),
])
def test_bad_options_exit_2(option, message):
    result = subprocess.run([str(swift_bin_path() / "badges-load"), *option, "--key", "00" * 16], capture_output=True, text=True)
    assert result.returncode == 2 and message in result.stderr


def test_connections_spread_over_fewer_threads(server, tmp_path):
    code, report, err = load(server, tmp_path, "--count", 400, "--connections", 5, "--threads", 2, "--streams", 3, "--orgs", 2)
    assert code == 0, err
    assert report["requests"] == 400 and report["ok"] == 400
    assert sum(report["statuses"].values()) == report["requests"]


def test_unreachable_server_counts_every_call_as_unavailable(tmp_path):
    # Each call fails before it leaves; the closed loop must still end, count them all, and
    # not recurse once per call (50,000 would overflow the stack).
    result = subprocess.run(
        [str(swift_bin_path() / "badges-load"), "--server", "127.0.0.1:1", "--key", "00" * 16, "--no-setup",
         "--count", "50000", "--connections", "2", "--streams", "2", "--json"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["requests"] == 50000 and report["statuses"] == {"UNAVAILABLE": 50000}
