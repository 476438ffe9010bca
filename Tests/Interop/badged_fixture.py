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
    and the token key file `key_file` that servers sharing that store share."""

    def __init__(self, directory: pathlib.Path, *extra, store=None, key_file=None):
        self.directory = directory
        self.extra = extra
        self.store = store or str(directory / "badges.sqlite")
        self.key_file = key_file or directory / "badges.sqlite.key"
        self.start()

    def start(self):
        binary = swift_bin_path() / "badged"
        key = [] if self.store.endswith(".sqlite") else ["--token-key-file", str(self.key_file)]
        self.process = subprocess.Popen(
            [str(binary), "--listen", "127.0.0.1:0", "--store", self.store,
             "--sweep-interval-ms", "200", *key, *map(str, self.extra)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=self.directory)
        line = self.process.stdout.readline()
        match = re.search(r"listening on ([\d.]+:\d+)", line)
        if not match:
            self.process.kill()
            raise RuntimeError(f"badged did not start: {line!r} {self.process.stderr.read()}")
        self.address = match.group(1)
        self.how_to_call = self.process.stdout.readline()
        self.key = bytes.fromhex(pathlib.Path(self.key_file).read_text().strip())

    def token(self, org="acme", scopes=("admin",), expires_in=3600):
        return mint(self.key, org, scopes, expires_in)

    def stop(self, sig=signal.SIGTERM):
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout=20)


def auth(token):
    return (("authorization", f"Bearer {token}"),)
