"""Shared fixtures for the interop tests: compiled protobuf stubs and built Swift tools."""
import importlib
import os
import pathlib
import signal
import subprocess
import sys
import types

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def swift_bin_path() -> pathlib.Path:
    out = subprocess.run(
        ["swift", "build", "--show-bin-path"], cwd=ROOT, check=True, capture_output=True, text=True
    )
    return pathlib.Path(out.stdout.strip())


def compile_proto(proto: pathlib.Path, out_dir: pathlib.Path, grpc: bool = False):
    """Compiles an exported .proto with grpcio-tools' protoc and imports the module."""
    from grpc_tools import protoc

    out_dir.mkdir(parents=True, exist_ok=True)
    args = ["protoc", f"-I{proto.parent}", f"--python_out={out_dir}"]
    if grpc:
        args.append(f"--grpc_python_out={out_dir}")
    if protoc.main(args + [str(proto)]) != 0:
        raise RuntimeError(f"protoc failed on {proto}")
    sys.path.insert(0, str(out_dir))
    return importlib.import_module(proto.stem + "_pb2")


@pytest.fixture(scope="session")
def everything_pb2(tmp_path_factory):
    return compile_proto(
        ROOT / "Tests/WireFixtures/Schema/everything.proto", tmp_path_factory.mktemp("pb")
    )


@pytest.fixture(scope="session")
def codec_interop():
    binary = swift_bin_path() / "codec-interop"
    if not binary.exists():
        subprocess.run(["swift", "build", "--product", "codec-interop"], cwd=ROOT, check=True)
    return binary


@pytest.fixture(scope="session")
def interop_pb2(tmp_path_factory):
    """gRPC's own interop protos (Debian grpc-proto), moved out of the `grpc` package name so
    that the generated modules do not clash with grpcio itself."""
    source = pathlib.Path("/usr/share/grpc-proto/grpc/testing")
    root = tmp_path_factory.mktemp("interop")
    package = root / "grpc_testing"
    package.mkdir()
    for name in ("empty.proto", "messages.proto", "test.proto"):
        text = (source / name).read_text().replace('import "grpc/testing/', 'import "grpc_testing/')
        (package / name).write_text(text)
    from grpc_tools import protoc

    args = ["protoc", f"-I{root}", f"--python_out={root}", f"--grpc_python_out={root}"]
    if protoc.main(args + [str(package / n) for n in ("empty.proto", "messages.proto", "test.proto")]) != 0:
        raise RuntimeError("protoc failed on the interop protos")
    sys.path.insert(0, str(root))
    modules = {n: importlib.import_module(f"grpc_testing.{n}") for n in ("empty_pb2", "messages_pb2", "test_pb2", "test_pb2_grpc")}
    return types.SimpleNamespace(**modules)


@pytest.fixture(scope="session")
def pb(tmp_path_factory):
    """badges.proto as exported, compiled for grpcio: messages, and `pb.grpc` the stubs."""
    module = compile_proto(ROOT / "Schema/proto/badges.proto", tmp_path_factory.mktemp("badges"), grpc=True)
    import badges_pb2_grpc

    module.grpc = badges_pb2_grpc
    return module


@pytest.fixture(scope="session")
def health_pb2(tmp_path_factory):
    return compile_proto(ROOT / "Schema/proto/health.proto", tmp_path_factory.mktemp("health"), grpc=True)


def make_certificate(directory, names="DNS:localhost,IP:127.0.0.1", rsa=False, stem="cert"):
    """A self-signed certificate (EC P-256, or RSA 2048) for the subjectAltName `names`."""
    directory.mkdir(parents=True, exist_ok=True)
    cert, key = directory / f"{stem}.pem", directory / f"{stem}.key"
    algorithm = ["-newkey", "rsa:2048"] if rsa else ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
    subprocess.run(
        ["openssl", "req", "-x509", *algorithm, "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2",
         "-subj", f"/CN={names.split(',')[0].split(':', 1)[1]}", "-addext", f"subjectAltName={names}"],
        check=True, capture_output=True,
    )
    return types.SimpleNamespace(cert=cert, key=key)


@pytest.fixture(scope="session")
def certificate(tmp_path_factory):
    """A self-signed certificate for localhost and 127.0.0.1, made for this test run."""
    return make_certificate(tmp_path_factory.mktemp("tls"))


class RunningServer:
    """`rpc-test-server` in a child process, stopped with SIGTERM at the end."""

    def __init__(self, *args):
        binary = swift_bin_path() / "rpc-test-server"
        if not binary.exists():
            subprocess.run(["swift", "build", "--product", "rpc-test-server"], cwd=ROOT, check=True)
        self.process = subprocess.Popen(
            [str(binary), *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        line = self.process.stdout.readline()
        if not line.startswith("listening on "):
            self.process.kill()
            raise RuntimeError(f"rpc-test-server did not start: {line!r}")
        self.address = line.split()[-1]
        self.port = int(self.address.rsplit(":", 1)[1])

    def stop(self, timeout=15):
        """SIGTERM, then the exit code; the rest of the output is kept for assertions."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise
        self.output = self.process.stdout.read()
        return code


@pytest.fixture(params=["tasks", "callbacks"])
def h2c_server(request):
    """Handlers as tasks (most routes) and as callbacks answered from another thread (the
    route kind badged's RecordActivity uses)."""
    server = RunningServer("--handlers", request.param)
    yield server
    assert server.stop() == 0


@pytest.fixture
def tls_server(certificate):
    server = RunningServer("--tls-cert", certificate.cert, "--tls-key", certificate.key)
    yield server
    assert server.stop() == 0


def write_records(path, records):
    with open(path, "wb") as f:
        for r in records:
            f.write(len(r).to_bytes(4, "little"))
            f.write(r)


def read_records(path):
    data = pathlib.Path(path).read_bytes()
    records, i = [], 0
    while i < len(data):
        n = int.from_bytes(data[i : i + 4], "little")
        records.append(data[i + 4 : i + 4 + n])
        i += 4 + n
    return records
