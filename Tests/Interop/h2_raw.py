"""Raw HTTP/2 for the hardening tests: a client on a plain socket, driven by the `h2`
library where frames are well-formed and by hand-made bytes where they must not be."""
import socket
import struct
import time

import h2.config
import h2.connection
import h2.events
import h2.exceptions

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def frame(frame_type, flags, stream_id, payload):
    """One HTTP/2 frame: 24-bit length, type, flags, stream id, payload."""
    return struct.pack(">I", len(payload))[1:] + bytes([frame_type, flags]) + struct.pack(">I", stream_id) + payload


def grpc_message(payload):
    return b"\x00" + struct.pack(">I", len(payload)) + payload


class RawClient:
    def __init__(self, port, timeout=5.0, source=None):
        """`source`: the local address to connect from (a 127.x.y.z), to be another peer."""
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout, source_address=(source, 0) if source else None)
        self.conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
        self.events = []

    def start(self):
        self.conn.initiate_connection()
        self.flush()

    def flush(self):
        data = self.conn.data_to_send()
        if data:
            self.sock.sendall(data)

    def request_headers(self, path="/grpc.testing.TestService/EmptyCall", content_type="application/grpc", extra=()):
        return [(":method", "POST"), (":scheme", "http"), (":path", path), (":authority", "localhost"),
                ("content-type", content_type), ("te", "trailers"), *extra]

    def pump(self, until, timeout=5.0):
        """Reads until `until(events)` holds, the peer closes, or the timeout; returns whether it held."""
        deadline = time.monotonic() + timeout
        while not until(self.events):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            self.sock.settimeout(remaining)
            try:
                data = self.sock.recv(65536)
            except (socket.timeout, TimeoutError):
                return False
            except ConnectionResetError:
                self.events.append("closed")
                return until(self.events)
            if not data:
                self.events.append("closed")
                return until(self.events)
            try:
                self.events.extend(self.conn.receive_data(data))
            except Exception as error:  # the peer may legitimately send what h2 rejects afterwards
                self.events.append(error)
            self.flush()
        return True

    def headers_of(self, stream_id):
        """All header fields the stream received (response headers and trailers), as a dict."""
        fields = {}
        for event in self.events:
            if isinstance(event, (h2.events.ResponseReceived, h2.events.TrailersReceived)) and event.stream_id == stream_id:
                fields.update(dict(event.headers))
        return fields

    def close(self):
        self.sock.close()


def stream_ended(stream_id):
    return lambda events: any(
        isinstance(e, (h2.events.StreamEnded, h2.events.StreamReset)) and e.stream_id == stream_id for e in events
    ) or "closed" in events


def connection_over(events):
    return "closed" in events or any(isinstance(e, h2.events.ConnectionTerminated) for e in events)


def wait_closed(sock, timeout=5.0):
    """True when the peer closes the socket within the timeout (bytes before that are read and dropped)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sock.settimeout(max(deadline - time.monotonic(), 0.01))
        try:
            if not sock.recv(65536):
                return True
        except (socket.timeout, TimeoutError):
            return False
        except ConnectionResetError:
            return True
    return False


def push_bodies(clients, streams, per_stream, seconds):
    """Sends body bytes on every open stream of `clients` (`streams[i]` holds client i's
    stream ids) as fast as flow control allows, at most `per_stream` each, for `seconds`,
    reading what the server sends meanwhile; returns how many bytes were sent in all."""
    sent = 0
    remaining = {(i, sid): per_stream for i, ids in enumerate(streams) for sid in ids}
    chunk = b"\x00" * 16384
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and remaining:
        progressed = False
        for (i, sid), left in list(remaining.items()):
            conn = clients[i].conn
            try:
                window = min(conn.local_flow_control_window(sid), conn.max_outbound_frame_size, left)
                if window > 0:
                    conn.send_data(sid, chunk[:window])
            except (h2.exceptions.StreamClosedError, h2.exceptions.ProtocolError, KeyError):
                del remaining[(i, sid)]
                continue
            if window > 0:
                remaining[(i, sid)] = left - window
                sent += window
                progressed = True
                if remaining[(i, sid)] == 0:
                    del remaining[(i, sid)]
        for client in clients:
            try:
                client.flush()
            except OSError:
                pass
            client.pump(lambda events: False, timeout=0.01)
        if not progressed:
            time.sleep(0.05)
    return sent


def was_reset(client, stream_id):
    return any(isinstance(e, h2.events.StreamReset) and e.stream_id == stream_id for e in client.events)


def open_streams(port, connections, streams, path, extra=(), announce=None, source=None):
    """`connections` raw clients (from `source`, when given) with `streams` request streams
    each, headers sent and the body left open (its gRPC prefix announcing `announce` bytes,
    when given); returns the clients and, for each, its stream ids."""
    clients, ids = [], []
    for _ in range(connections):
        client = RawClient(port, source=source)
        client.start()
        opened = []
        for _ in range(streams):
            sid = client.conn.get_next_available_stream_id()
            client.conn.send_headers(sid, client.request_headers(path=path, extra=extra), end_stream=False)
            if announce is not None:
                client.conn.send_data(sid, b"\x00" + struct.pack(">I", announce))
            opened.append(sid)
        client.flush()
        clients.append(client)
        ids.append(opened)
    return clients, ids
