"""Shared fixtures for the interop tests: compiled protobuf stubs and built Swift tools."""
import importlib
import os
import pathlib
import subprocess
import sys

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
