"""A Python grpcio server of grpc.testing.TestService (unary methods), for running our client
against a stock gRPC server. Honours `x-test-delay-ms` like our test server, and answers
UnaryCall with the value of `x-test-echo` as the payload when a call sends it."""
import time
from concurrent import futures

import grpc


def serve(pb, port=0, credentials=None):
    class TestService(pb.test_pb2_grpc.TestServiceServicer):
        def _prepare(self, context):
            metadata = dict(context.invocation_metadata())
            if "x-test-delay-ms" in metadata:
                deadline = time.monotonic() + int(metadata["x-test-delay-ms"]) / 1000
                while time.monotonic() < deadline and context.is_active():
                    time.sleep(0.01)

        def EmptyCall(self, request, context):
            self._prepare(context)
            return pb.empty_pb2.Empty()

        def UnaryCall(self, request, context):
            self._prepare(context)
            if request.response_status.code != 0:
                context.abort(grpc.StatusCode(_code(request.response_status.code)), request.response_status.message)
            echo = dict(context.invocation_metadata()).get("x-test-echo")
            body = echo.encode() if echo is not None else bytes(request.response_size)
            return pb.messages_pb2.SimpleResponse(payload=pb.messages_pb2.Payload(body=body))

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16), options=[("grpc.so_reuseport", 0)])
    pb.test_pb2_grpc.add_TestServiceServicer_to_server(TestService(), server)
    address = f"127.0.0.1:{port}"
    bound = server.add_secure_port(address, credentials) if credentials else server.add_insecure_port(address)
    server.start()
    return server, bound


def _code(number):
    return next(code.value for code in grpc.StatusCode if code.value[0] == number)
