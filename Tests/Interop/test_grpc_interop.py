"""A stock gRPC client (Python grpcio) against our server: gRPC's unary interop cases over
h2c and TLS, plus the receive limit, deadlines and cancellation."""
import time

import grpc
import pytest

ECHO_INITIAL = "x-grpc-test-echo-initial"
ECHO_TRAILING = "x-grpc-test-echo-trailing-bin"


def stub_for(pb, channel):
    return pb.test_pb2_grpc.TestServiceStub(channel)


@pytest.fixture
def channel(h2c_server):
    with grpc.insecure_channel(h2c_server.address) as channel:
        yield channel


@pytest.fixture
def tls_channel(tls_server, certificate):
    credentials = grpc.ssl_channel_credentials(root_certificates=certificate.cert.read_bytes())
    options = [("grpc.ssl_target_name_override", "localhost")]
    with grpc.secure_channel(f"localhost:{tls_server.port}", credentials, options) as channel:
        yield channel


def large_unary(pb, channel):
    request = pb.messages_pb2.SimpleRequest(
        response_size=314159, payload=pb.messages_pb2.Payload(body=bytes(271828)))
    response = stub_for(pb, channel).UnaryCall(request, timeout=10)
    assert response.payload.body == bytes(314159)


def test_empty_unary(interop_pb2, channel):
    response = stub_for(interop_pb2, channel).EmptyCall(interop_pb2.empty_pb2.Empty(), timeout=5)
    assert response == interop_pb2.empty_pb2.Empty()


def test_large_unary(interop_pb2, channel):
    large_unary(interop_pb2, channel)


def test_tls_empty_and_large_unary(interop_pb2, tls_channel):
    assert stub_for(interop_pb2, tls_channel).EmptyCall(interop_pb2.empty_pb2.Empty(), timeout=5) == interop_pb2.empty_pb2.Empty()
    large_unary(interop_pb2, tls_channel)


def test_status_code_and_message(interop_pb2, channel):
    request = interop_pb2.messages_pb2.SimpleRequest(
        response_status=interop_pb2.messages_pb2.EchoStatus(code=2, message="test status message"))
    with pytest.raises(grpc.RpcError) as error:
        stub_for(interop_pb2, channel).UnaryCall(request, timeout=5)
    assert error.value.code() == grpc.StatusCode.UNKNOWN
    assert error.value.details() == "test status message"


def test_special_status_message(interop_pb2, channel):
    message = "\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n"
    request = interop_pb2.messages_pb2.SimpleRequest(
        response_status=interop_pb2.messages_pb2.EchoStatus(code=2, message=message))
    with pytest.raises(grpc.RpcError) as error:
        stub_for(interop_pb2, channel).UnaryCall(request, timeout=5)
    assert error.value.code() == grpc.StatusCode.UNKNOWN
    assert error.value.details() == message


def test_custom_metadata(interop_pb2, channel):
    metadata = ((ECHO_INITIAL, "test_initial_metadata_value"), (ECHO_TRAILING, b"\x0a\x0b\x0a\x0b\x0a\x0b"))
    request = interop_pb2.messages_pb2.SimpleRequest(
        response_size=314159, payload=interop_pb2.messages_pb2.Payload(body=bytes(271828)))
    response, call = stub_for(interop_pb2, channel).UnaryCall.with_call(request, metadata=metadata, timeout=5)
    assert response.payload.body == bytes(314159)
    assert (ECHO_INITIAL, "test_initial_metadata_value") in call.initial_metadata()
    assert (ECHO_TRAILING, b"\x0a\x0b\x0a\x0b\x0a\x0b") in call.trailing_metadata()

    # On an error the answer is trailers-only (one HEADERS frame), so both keys come back
    # with the status, as gRPC C++ servers send them.
    failing = interop_pb2.messages_pb2.SimpleRequest(
        response_status=interop_pb2.messages_pb2.EchoStatus(code=2, message="boom"))
    with pytest.raises(grpc.RpcError) as error:
        stub_for(interop_pb2, channel).UnaryCall(failing, metadata=metadata, timeout=5)
    assert (ECHO_INITIAL, "test_initial_metadata_value") in error.value.trailing_metadata()
    assert (ECHO_TRAILING, b"\x0a\x0b\x0a\x0b\x0a\x0b") in error.value.trailing_metadata()


def test_unimplemented_method(interop_pb2, channel):
    call = channel.unary_unary("/grpc.testing.TestService/UnimplementedCall")
    with pytest.raises(grpc.RpcError) as error:
        call(b"", timeout=5)
    assert error.value.code() == grpc.StatusCode.UNIMPLEMENTED
    assert "UnimplementedCall" in error.value.details()


def test_unimplemented_service(interop_pb2, channel):
    call = channel.unary_unary("/grpc.testing.UnimplementedService/UnimplementedCall")
    with pytest.raises(grpc.RpcError) as error:
        call(b"", timeout=5)
    assert error.value.code() == grpc.StatusCode.UNIMPLEMENTED
    assert "grpc.testing.UnimplementedService" in error.value.details()


def test_message_over_the_receive_limit(interop_pb2, channel):
    request = interop_pb2.messages_pb2.SimpleRequest(
        payload=interop_pb2.messages_pb2.Payload(body=bytes(5 * 1024 * 1024)))
    with pytest.raises(grpc.RpcError) as error:
        stub_for(interop_pb2, channel).UnaryCall(request, timeout=10)
    assert error.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "exceeds the limit of 4194304 bytes" in error.value.details()
    # The connection is still good for the next call.
    assert stub_for(interop_pb2, channel).EmptyCall(interop_pb2.empty_pb2.Empty(), timeout=5) is not None


def test_deadline_exceeded(interop_pb2, channel):
    started = time.monotonic()
    with pytest.raises(grpc.RpcError) as error:
        stub_for(interop_pb2, channel).EmptyCall(
            interop_pb2.empty_pb2.Empty(), metadata=(("x-test-delay-ms", "3000"),), timeout=0.3)
    assert error.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert time.monotonic() - started < 2


def test_client_cancel(interop_pb2, channel, h2c_server):
    future = stub_for(interop_pb2, channel).EmptyCall.future(
        interop_pb2.empty_pb2.Empty(), metadata=(("x-test-delay-ms", "3000"),), timeout=10)
    time.sleep(0.2)
    assert future.cancel()
    assert future.cancelled()
    # The server carries on: a call right after is answered at once.
    started = time.monotonic()
    stub_for(interop_pb2, channel).EmptyCall(interop_pb2.empty_pb2.Empty(), timeout=5)
    assert time.monotonic() - started < 1


def test_health_check(health_pb2, h2c_server):
    import health_pb2_grpc

    with grpc.insecure_channel(h2c_server.address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        response = stub.Check(health_pb2.HealthCheckRequest(), timeout=5)
        assert response.status == health_pb2.HealthCheckResponse.SERVING
        response = stub.Check(health_pb2.HealthCheckRequest(service="grpc.testing.TestService"), timeout=5)
        assert response.status == health_pb2.HealthCheckResponse.SERVING
        with pytest.raises(grpc.RpcError) as error:
            stub.Check(health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=5)
        assert error.value.code() == grpc.StatusCode.NOT_FOUND


def test_graceful_shutdown(interop_pb2):
    """SIGTERM: the call in flight finishes, a new call gets UNAVAILABLE, the server exits 0."""
    from conftest import RunningServer

    server = RunningServer("--grace-ms", "5000")
    with grpc.insecure_channel(server.address) as channel:
        stub = stub_for(interop_pb2, channel)
        stub.EmptyCall(interop_pb2.empty_pb2.Empty(), timeout=5)  # connect first
        in_flight = stub.EmptyCall.future(
            interop_pb2.empty_pb2.Empty(), metadata=(("x-test-delay-ms", "1500"),), timeout=10)
        time.sleep(0.3)
        server.process.send_signal(__import__("signal").SIGTERM)
        time.sleep(0.3)
        with pytest.raises(grpc.RpcError) as error:
            stub.EmptyCall(interop_pb2.empty_pb2.Empty(), timeout=5, wait_for_ready=False)
        assert error.value.code() == grpc.StatusCode.UNAVAILABLE
        assert in_flight.result() == interop_pb2.empty_pb2.Empty()
    assert server.stop() == 0
    assert "stopped" in server.output


def test_shutdown_grace_period_is_bounded(interop_pb2):
    """A call that outlives the grace period does not keep the server up."""
    from conftest import RunningServer

    server = RunningServer("--grace-ms", "300")
    with grpc.insecure_channel(server.address) as channel:
        stub = stub_for(interop_pb2, channel)
        stuck = stub.EmptyCall.future(
            interop_pb2.empty_pb2.Empty(), metadata=(("x-test-delay-ms", "30000"),), timeout=60)
        time.sleep(0.3)
        started = time.monotonic()
        assert server.stop(timeout=10) == 0
        assert time.monotonic() - started < 3
        with pytest.raises(grpc.RpcError) as error:
            stuck.result()
        assert error.value.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED, grpc.StatusCode.INTERNAL)
