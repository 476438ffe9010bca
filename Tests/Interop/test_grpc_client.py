"""Our gRPC client (rpc-interop-client) against a stock server, Python grpcio, over h2c and TLS."""
import subprocess

import grpc
import pytest

from conftest import swift_bin_path, ROOT
from python_test_server import serve


def run_client(*args):
    binary = swift_bin_path() / "rpc-interop-client"
    if not binary.exists():
        subprocess.run(["swift", "build", "--product", "rpc-interop-client"], cwd=ROOT, check=True)
    result = subprocess.run([str(binary), *map(str, args)], capture_output=True, text=True, timeout=120)
    return result.returncode, result.stdout + result.stderr


CASES = ["empty_unary", "large_unary", "status_code_and_message", "special_status_message",
         "unimplemented_method", "unimplemented_service", "deadline_exceeded", "cancel", "concurrent_calls", "metadata_per_call",
         "completion_unary", "completion_status", "completion_deadline", "completion_unreachable"]


def test_our_client_against_grpcio_h2c(interop_pb2):
    server, port = serve(interop_pb2)
    try:
        code, output = run_client("--address", f"127.0.0.1:{port}", *CASES)
    finally:
        server.stop(0)
    for case in CASES:
        assert f"PASS {case}" in output, output
    assert code == 0, output


def test_our_client_against_grpcio_tls(interop_pb2, certificate):
    credentials = grpc.ssl_server_credentials([(certificate.key.read_bytes(), certificate.cert.read_bytes())])
    server, port = serve(interop_pb2, credentials=credentials)
    try:
        code, output = run_client("--address", f"127.0.0.1:{port}", "--tls-ca", certificate.cert,
                                  "--server-name", "localhost", "empty_unary", "large_unary", "status_code_and_message")
    finally:
        server.stop(0)
    assert code == 0, output
    assert output.count("PASS") == 3, output


def test_our_client_reports_an_unreachable_server():
    code, output = run_client("--address", "127.0.0.1:1", "empty_unary")
    assert code == 1
    assert "FAIL empty_unary" in output and "UNAVAILABLE" in output, output
