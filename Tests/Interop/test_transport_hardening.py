"""Bad input over raw sockets: after each attack the server must still answer a normal call
on a new connection, and the attack itself must get a clear, bounded reaction."""
import socket
import struct
import time

import grpc
import h2.events
import h2.settings
import pytest

from conftest import RunningServer
from h2_raw import PREFACE, RawClient, connection_over, frame, grpc_message, push_bodies, stream_ended, wait_closed

HEADERS, DATA, RST_STREAM, SETTINGS, CONTINUATION = 0x1, 0x0, 0x3, 0x4, 0x9
END_STREAM, END_HEADERS = 0x1, 0x4


def assert_server_answers(interop_pb2, port):
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = interop_pb2.test_pb2_grpc.TestServiceStub(channel)
        assert stub.EmptyCall(interop_pb2.empty_pb2.Empty(), timeout=5) == interop_pb2.empty_pb2.Empty()


def test_garbage_instead_of_preface(interop_pb2, h2c_server):
    sock = socket.create_connection(("127.0.0.1", h2c_server.port), timeout=5)
    sock.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n" + bytes(range(256)) * 4)
    assert wait_closed(sock), "the server kept a connection that sent garbage"
    sock.close()
    assert_server_answers(interop_pb2, h2c_server.port)


def test_malformed_frame(interop_pb2, h2c_server):
    sock = socket.create_connection(("127.0.0.1", h2c_server.port), timeout=5)
    # A SETTINGS frame must be a multiple of six bytes long: FRAME_SIZE_ERROR.
    sock.sendall(PREFACE + frame(SETTINGS, 0, 0, b"") + frame(SETTINGS, 0, 0, b"\x00\x01\x00"))
    received = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        received += chunk
    goaway = received.find(b"\x07\x00\x00\x00\x00\x00")  # type GOAWAY, no flags, stream 0
    assert goaway >= 0, "no GOAWAY before the close"
    error_code = struct.unpack(">I", received[goaway + 10 : goaway + 14])[0]
    assert error_code == 0x6  # FRAME_SIZE_ERROR
    sock.close()
    assert_server_answers(interop_pb2, h2c_server.port)


def test_header_list_over_the_limit(interop_pb2, h2c_server):
    client = RawClient(h2c_server.port)
    client.start()
    stream = client.conn.get_next_available_stream_id()
    extra = [(f"x-filler-{i}", "v" * 1000) for i in range(20)]  # about 21 KB against 16 KB
    client.conn.send_headers(stream, client.request_headers(extra=extra), end_stream=False)
    client.conn.send_data(stream, grpc_message(b""), end_stream=True)
    client.flush()
    assert client.pump(stream_ended(stream))
    fields = client.headers_of(stream)
    assert fields.get("grpc-status") == "8"  # RESOURCE_EXHAUSTED
    assert "exceed the limit of 16384 bytes" in fields.get("grpc-message", "")
    client.close()
    assert_server_answers(interop_pb2, h2c_server.port)


def test_huge_header_value(interop_pb2, h2c_server):
    client = RawClient(h2c_server.port)
    client.start()
    stream = client.conn.get_next_available_stream_id()
    client.conn.send_headers(stream, client.request_headers(extra=[("x-huge", "h" * 200_000)]), end_stream=True)
    client.flush()
    # The stream is refused or the connection ended; either way nothing hangs.
    assert client.pump(lambda events: stream_ended(stream)(events) or connection_over(events))
    client.close()
    assert_server_answers(interop_pb2, h2c_server.port)


def test_rapid_reset_burst(interop_pb2, h2c_server):
    client = RawClient(h2c_server.port)
    client.start()
    for _ in range(3000):
        stream = client.conn.get_next_available_stream_id()
        client.conn.send_headers(stream, client.request_headers(), end_stream=False)
        client.conn.reset_stream(stream)
    try:
        client.flush()
    except (BrokenPipeError, ConnectionResetError):
        pass
    # nghttp2's reset rate limit (CVE-2023-44487) ends the connection with GOAWAY.
    assert client.pump(connection_over, timeout=10), "the server tolerated a rapid-reset flood"
    client.close()
    assert_server_answers(interop_pb2, h2c_server.port)


def test_continuation_flood(interop_pb2, h2c_server):
    sock = socket.create_connection(("127.0.0.1", h2c_server.port), timeout=5)
    # HEADERS without END_HEADERS, then endless CONTINUATION frames (CVE-2024-28182).
    block = b"\x83\x86"  # :method POST, :scheme http (HPACK static table)
    flood = frame(HEADERS, 0, 1, block) + b"".join(frame(CONTINUATION, 0, 1, b"\x40\x01a\x01b") for _ in range(1000))
    try:
        sock.sendall(PREFACE + frame(SETTINGS, 0, 0, b"") + flood)
    except (BrokenPipeError, ConnectionResetError):
        pass
    assert wait_closed(sock), "the server kept reading CONTINUATION frames"
    sock.close()
    assert_server_answers(interop_pb2, h2c_server.port)


def test_half_sent_message(interop_pb2, h2c_server):
    client = RawClient(h2c_server.port)
    client.start()
    stream = client.conn.get_next_available_stream_id()
    client.conn.send_headers(stream, client.request_headers(), end_stream=False)
    # The prefix announces 100 bytes; 10 come, then the stream ends.
    client.conn.send_data(stream, b"\x00" + struct.pack(">I", 100) + bytes(10), end_stream=True)
    client.flush()
    assert client.pump(stream_ended(stream))
    fields = client.headers_of(stream)
    assert fields.get("grpc-status") == "13"  # INTERNAL
    assert "truncated" in fields.get("grpc-message", "")

    # And one that stops mid-message and hangs up.
    stream = client.conn.get_next_available_stream_id()
    client.conn.send_headers(stream, client.request_headers(), end_stream=False)
    client.conn.send_data(stream, b"\x00" + struct.pack(">I", 100) + bytes(10), end_stream=False)
    client.flush()
    client.close()
    assert_server_answers(interop_pb2, h2c_server.port)


def test_wrong_content_type_is_415(interop_pb2, h2c_server):
    client = RawClient(h2c_server.port)
    client.start()
    stream = client.conn.get_next_available_stream_id()
    client.conn.send_headers(stream, client.request_headers(content_type="application/json"), end_stream=True)
    client.flush()
    assert client.pump(stream_ended(stream))
    assert client.headers_of(stream).get(":status") == "415"
    client.close()


def test_server_enforces_grpc_timeout(interop_pb2, h2c_server):
    client = RawClient(h2c_server.port)
    client.start()
    stream = client.conn.get_next_available_stream_id()
    headers = client.request_headers(extra=[("grpc-timeout", "200m"), ("x-test-delay-ms", "3000")])
    client.conn.send_headers(stream, headers, end_stream=False)
    client.conn.send_data(stream, grpc_message(b""), end_stream=True)
    client.flush()
    started = time.monotonic()
    assert client.pump(stream_ended(stream))
    assert client.headers_of(stream).get("grpc-status") == "4"  # DEADLINE_EXCEEDED
    assert time.monotonic() - started < 1.5
    client.close()


def test_compressed_message_is_refused(interop_pb2, h2c_server):
    client = RawClient(h2c_server.port)
    client.start()
    stream = client.conn.get_next_available_stream_id()
    client.conn.send_headers(stream, client.request_headers(extra=[("grpc-encoding", "gzip")]), end_stream=False)
    client.conn.send_data(stream, b"\x01\x00\x00\x00\x00", end_stream=True)
    client.flush()
    assert client.pump(stream_ended(stream))
    fields = client.headers_of(stream)
    assert fields.get("grpc-status") == "12"  # UNIMPLEMENTED
    assert "compression 'gzip' is not supported" in fields.get("grpc-message", "")
    client.close()


def test_idle_and_silent_connections_are_closed(interop_pb2):
    server = RunningServer("--idle-timeout-ms", "300", "--first-request-timeout-ms", "300", "--handshake-timeout-ms", "300")
    try:
        # Silent: never sends the preface.
        silent = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        started = time.monotonic()
        assert wait_closed(silent, timeout=3)
        assert time.monotonic() - started < 2
        silent.close()
        # Unused: a proper HTTP/2 connection that never opens a stream gets GOAWAY and a close.
        client = RawClient(server.port)
        client.start()
        assert client.pump(connection_over, timeout=3)
        assert any(isinstance(e, h2.events.ConnectionTerminated) for e in client.events)
        client.close()
        # Idle: one call, then nothing; PINGs do not count as use.
        client = RawClient(server.port)
        client.start()
        stream = client.conn.get_next_available_stream_id()
        client.conn.send_headers(stream, client.request_headers(), end_stream=False)
        client.conn.send_data(stream, grpc_message(b""), end_stream=True)
        client.flush()
        assert client.pump(stream_ended(stream))
        assert client.headers_of(stream).get("grpc-status") == "0"
        started = time.monotonic()
        for _ in range(10):
            client.conn.ping(b"12345678")
            client.flush()
            if client.pump(connection_over, timeout=0.1):
                break
        assert client.pump(connection_over, timeout=3)
        assert time.monotonic() - started < 2
        assert any(isinstance(e, h2.events.ConnectionTerminated) for e in client.events)
        client.close()
        assert_server_answers(interop_pb2, server.port)
    finally:
        assert server.stop() == 0


def test_client_that_never_reads_responses(interop_pb2, h2c_server):
    """Flow-control abuse: a client that keeps its receive window shut while asking for
    large responses. The server stops buffering past its outbound limit and says why."""
    client = RawClient(h2c_server.port)
    client.conn.local_settings = h2.settings.Settings(client=True, initial_values={h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 0})
    client.start()
    request = interop_pb2.messages_pb2.SimpleRequest(response_size=1024 * 1024).SerializeToString()
    streams = []
    for _ in range(20):
        stream = client.conn.get_next_available_stream_id()
        client.conn.send_headers(stream, client.request_headers(path="/grpc.testing.TestService/UnaryCall"), end_stream=False)
        client.conn.send_data(stream, grpc_message(request), end_stream=True)
        streams.append(stream)
    client.flush()
    refused = lambda events: sum(
        1 for e in events if isinstance(e, h2.events.ResponseReceived) and dict(e.headers).get("grpc-status") == "8")
    assert client.pump(lambda events: refused(events) >= 10, timeout=10)
    messages = [dict(e.headers).get("grpc-message", "") for e in client.events
                if isinstance(e, h2.events.ResponseReceived) and dict(e.headers).get("grpc-status") == "8"]
    assert all("still unread" in m for m in messages)
    client.close()
    assert_server_answers(interop_pb2, h2c_server.port)


def test_long_status_messages_are_cut(interop_pb2, h2c_server):
    """A handler's message may echo what the client sent; it goes back cut to 1 KiB, so that
    the error's headers always fit and are sent at once."""
    with grpc.insecure_channel(f"127.0.0.1:{h2c_server.port}") as channel:
        stub = interop_pb2.test_pb2_grpc.TestServiceStub(channel)
        message = "é" * 2000  # 4000 bytes of UTF-8, 12000 percent-encoded
        status = interop_pb2.messages_pb2.EchoStatus(code=3, message=message)
        with pytest.raises(grpc.RpcError) as error:
            stub.UnaryCall(interop_pb2.messages_pb2.SimpleRequest(response_status=status), timeout=5)
    details = error.value.details()
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert details == "é" * 510 + "...", details[:40]


def test_request_limits_from_the_schema(interop_pb2, h2c_server):
    """The interop schema bounds EchoStatus.message to a text of 4 KiB: past it the request is
    refused before the handler runs, naming the field."""
    with grpc.insecure_channel(f"127.0.0.1:{h2c_server.port}") as channel:
        stub = interop_pb2.test_pb2_grpc.TestServiceStub(channel)
        status = interop_pb2.messages_pb2.EchoStatus(code=3, message="x" * 4097)
        with pytest.raises(grpc.RpcError) as error:
            stub.UnaryCall(interop_pb2.messages_pb2.SimpleRequest(response_status=status), timeout=5)
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.value.details() == "response_status.message is 4097 bytes long; the limit for a text is 4096 bytes"


def test_server_budget_for_request_bytes(interop_pb2):
    """Unfinished bodies fill the server's request budget (4 MiB here): past nine tenths of it
    large requests are refused (RESOURCE_EXHAUSTED) while small ones still get through, and
    all is well once the bodies' connection goes."""
    server = RunningServer("--server-receive-budget", str(4 << 20))
    try:
        hog = RawClient(server.port)
        hog.start()
        streams = []
        for _ in range(2):  # 3.7 MB in all: just under nine tenths of the budget
            sid = hog.conn.get_next_available_stream_id()
            hog.conn.send_headers(sid, hog.request_headers(path="/grpc.testing.TestService/UnaryCall"), end_stream=False)
            hog.conn.send_data(sid, b"\x00" + struct.pack(">I", 1_850_000))
            streams.append(sid)
        hog.flush()
        assert push_bodies([hog], [streams], 1_850_000, seconds=10) == 2 * 1_850_000
        time.sleep(0.3)
        with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            stub = interop_pb2.test_pb2_grpc.TestServiceStub(channel)
            large = interop_pb2.messages_pb2.SimpleRequest(payload=interop_pb2.messages_pb2.Payload(body=bytes(200_000)))
            with pytest.raises(grpc.RpcError) as error:
                stub.UnaryCall(large, timeout=5)
            assert error.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            assert "near its limit of 4194304" in error.value.details()
            assert stub.EmptyCall(interop_pb2.empty_pb2.Empty(), timeout=5) == interop_pb2.empty_pb2.Empty()
            hog.close()
            time.sleep(0.3)
            assert stub.UnaryCall(large, timeout=5) == interop_pb2.messages_pb2.SimpleResponse()
    finally:
        assert server.stop() == 0


def test_ping_and_settings_floods_end_the_connection(interop_pb2, h2c_server):
    """A client that sends PINGs and SETTINGS without ever reading the acknowledgements makes
    the server queue replies it cannot send; nghttp2 ends such a connection instead of
    queueing without bound."""
    for flood in (frame(0x6, 0, 0, b"12345678"), frame(SETTINGS, 0, 0, b"")):
        sock = socket.create_connection(("127.0.0.1", h2c_server.port), timeout=5)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        try:
            sock.sendall(PREFACE + frame(SETTINGS, 0, 0, b""))
            for _ in range(200):
                sock.sendall(flood * 100)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server has hung up: what the test wants
        assert wait_closed(sock, timeout=10), "the server kept answering a flood nobody read"
        sock.close()
    assert_server_answers(interop_pb2, h2c_server.port)
