"""badged as a separate process, a stock gRPC client for it, and tokens minted independently
(in Python, from the documented format) so that the tests check the format, not our minting."""
import base64
import hashlib
import hmac
import json
import os
import pathlib
import re
import signal
import subprocess
import threading
import time

import grpc

from conftest import ROOT, swift_bin_path


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def mint(key: bytes, org: str, scopes, expires_in=3600) -> str:
    payload = json.dumps({"org": org, "scopes": list(scopes), "exp": int(time.time()) + expires_in}).encode()
    body = "v1." + b64url(payload)
    return body + "." + b64url(hmac.new(key, body.encode(), hashlib.sha256).digest())


class Badged:
    """One badged process: on a SQLite file in `directory`, or with `store` (a PostgreSQL URL)
    and the token key file `key_file` that servers sharing that store share. `wrapper` runs it
    under another command (`prlimit ... --`), which must exec it in the same process."""

    def __init__(self, directory: pathlib.Path, *extra, store=None, key_file=None, wrapper=()):
        self.directory = directory
        self.extra = extra
        self.store = store or str(directory / "badges.sqlite")
        self.key_file = key_file or directory / "badges.sqlite.key"
        self.wrapper = list(wrapper)
        self.start()

    def start(self):
        binary = swift_bin_path() / "badged"
        key = [] if self.store.endswith(".sqlite") else ["--token-key-file", str(self.key_file)]
        self.process = subprocess.Popen(
            [*self.wrapper, str(binary), "--listen", "127.0.0.1:0", "--store", self.store,
             "--sweep-interval-ms", "200", *key, *map(str, self.extra)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=self.directory)
        # The log is read as it is written: a pipe nobody reads fills up and blocks the server.
        self.log_lines = []
        self.log_reader = threading.Thread(target=lambda: self.log_lines.extend(self.process.stderr), daemon=True)
        self.log_reader.start()
        line = self.process.stdout.readline()
        match = re.search(r"listening on ([\d.]+:\d+)", line)
        if not match:
            self.process.kill()
            self.log_reader.join(timeout=5)
            raise RuntimeError(f"badged did not start: {line!r} {self.log}")
        self.address = match.group(1)
        self.how_to_call = self.process.stdout.readline()
        self.key = bytes.fromhex(pathlib.Path(self.key_file).read_text().strip())

    def token(self, org="acme", scopes=("admin",), expires_in=3600):
        return mint(self.key, org, scopes, expires_in)

    def stop(self, sig=signal.SIGTERM):
        if self.process.poll() is None:
            self.process.send_signal(sig)
        code = self.process.wait(timeout=20)
        self.log_reader.join(timeout=5)
        return code

    @property
    def log(self):
        """What this run of badged wrote to standard error so far (all of it once stopped)."""
        return "".join(self.log_lines)


    @property
    def port(self):
        return int(self.address.rsplit(":", 1)[1])

    def rss_mib(self):
        """Resident memory now, from /proc."""
        rss = rss_mib(self.process.pid)
        if rss is None:
            raise RuntimeError("no VmRSS")
        return rss

    def cpu_seconds(self):
        """User plus system CPU time used so far, from /proc."""
        fields = pathlib.Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid, field="VmRSS"):
    """A process's memory figure from /proc (VmRSS now, VmHWM its peak) in MiB; None if absent."""
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return None


def auth(token):
    return (("authorization", f"Bearer {token}"),)


class Client:
    """A tenant's stock grpcio client for badged: stubs for the three services and a token."""

    def __init__(self, pb, server, org="acme", scopes=("admin",), channel=None):
        self.pb = pb
        self.org = org
        self.channel = channel or grpc.insecure_channel(server.address)
        self.award = pb.grpc.AwardServiceStub(self.channel)
        self.progress = pb.grpc.ProgressServiceStub(self.channel)
        self.reports = pb.grpc.ReportServiceStub(self.channel)
        self.md = auth(server.token(org, scopes))
        self.n = 0

    def event(self, user="ana", event_id=None, **payload):
        self.n += 1
        return self.pb.ActivityEvent(organization_id=self.org, event_id=event_id or f"e{self.n}-{time.time_ns()}", user_id=user, **payload)

    def record(self, user="ana", event_id=None, timeout=10, **payload):
        return self.award.RecordActivity(self.pb.RecordActivityRequest(event=self.event(user, event_id, **payload)), metadata=self.md, timeout=timeout)

    def session(self, sid, role="mentor", user="ana", end_in=3600, complete=True):
        end = self.pb.Timestamp(seconds=int(time.time()) + end_in)
        self.record(user, session_scheduled=self.pb.SessionScheduled(session_id=sid, role=role, program_id="p1", scheduled_end=end))
        if complete:
            return self.record(user, session_completed=self.pb.SessionCompleted(session_id=sid))

    def enable(self, tier=None):
        tier = tier if tier is not None else self.pb.ENTERPRISE
        return self.award.ConfigureOrganization(
            self.pb.ConfigureOrganizationRequest(organization_id=self.org, tier=tier, badges_enabled=True), metadata=self.md, timeout=10)

    def achievements(self, user="ana"):
        return self.progress.GetAchievements(self.pb.GetAchievementsRequest(organization_id=self.org, user_id=user), metadata=self.md, timeout=10)

    def award_ids(self, user="ana"):
        listed = self.award.ListAwards(self.pb.ListAwardsRequest(organization_id=self.org, user_id=user, page_size=100), metadata=self.md, timeout=10)
        return {a.award.badge.id for a in listed.achievements if a.HasField("award")}

    def stats(self, user="ana"):
        return {s.metric: s.count for s in self.achievements(user).lifetime_stats}
