import RPC
import RPCCore
import RPCTestSupport

/// Our gRPC client running gRPC's unary interop cases (and a few of ours) against any server
/// of grpc.testing.TestService; the interop tests point it at a Python grpcio server.
///
///     rpc-interop-client --address HOST:PORT [--tls-ca FILE --server-name NAME] [CASE...]
///
/// Prints `PASS case` or `FAIL case: reason` per case; exits 1 when any case failed.

struct CaseFailure: Error, CustomStringConvertible {
    var description: String
}

func expect(_ condition: Bool, _ message: @autoclosure () -> String) throws {
    if !condition { throw CaseFailure(description: message()) }
}

@MainActor
func expectError(_ code: StatusCode, message: String? = nil, _ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as RPCError {
        try expect(error.code == code, "expected \(code), got \(error)")
        if let message { try expect(error.message == message, "expected message \(message.debugDescription), got \(error.message.debugDescription)") }
        return
    }
    throw CaseFailure(description: "expected \(code), the call succeeded")
}

var options: [String: String] = [:]
var cases: [String] = []
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    if argument.hasPrefix("--"), let value = arguments.popFirst() {
        options[String(argument.dropFirst(2))] = value
    } else {
        cases.append(argument)
    }
}
guard let address = options["address"], let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else {
    print("usage: rpc-interop-client --address HOST:PORT [--tls-ca FILE --server-name NAME] [CASE...]")
    exit(2)
}
let host = String(address[..<colon])
let tls = try options["tls-ca"].map { try TLSContext.client(trustedCertificates: $0, serverName: options["server-name"]) }
let transport = GRPCClient(host: host, port: port, tls: tls)
let client = TestServiceClient(transport: transport)

let all: [(String, () async throws -> Void)] = [
    ("empty_unary", {
        _ = try await client.emptyCall(Empty(), options: CallOptions(timeout: .seconds(5)))
    }),
    ("large_unary", {
        var request = SimpleRequest()
        request.responseSize = 314_159
        var payload = Payload()
        payload.body = [UInt8](repeating: 0, count: 271_828)
        request.payload = payload
        let response = try await client.unaryCall(request, options: CallOptions(timeout: .seconds(10)))
        try expect(response.payload?.body == [UInt8](repeating: 0, count: 314_159), "wrong payload size \(response.payload?.body.count ?? 0)")
    }),
    ("status_code_and_message", {
        var request = SimpleRequest()
        var status = EchoStatus()
        status.code = 2
        status.message = "test status message"
        request.responseStatus = status
        try await expectError(.unknown, message: "test status message") { _ = try await client.unaryCall(request) }
    }),
    ("special_status_message", {
        let text = "\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n"
        var request = SimpleRequest()
        var status = EchoStatus()
        status.code = 2
        status.message = text
        request.responseStatus = status
        try await expectError(.unknown, message: text) { _ = try await client.unaryCall(request) }
    }),
    ("unimplemented_method", {
        try await expectError(.unimplemented) {
            _ = try await transport.unary(path: "/grpc.testing.TestService/UnimplementedCall", request: [], options: CallOptions())
        }
    }),
    ("unimplemented_service", {
        try await expectError(.unimplemented) {
            _ = try await transport.unary(path: "/grpc.testing.UnimplementedService/UnimplementedCall", request: [], options: CallOptions())
        }
    }),
    ("deadline_exceeded", {
        var metadata = Metadata()
        metadata.add("x-test-delay-ms", "3000")
        let started = ContinuousClock.now
        try await expectError(.deadlineExceeded) {
            _ = try await client.emptyCall(Empty(), options: CallOptions(metadata: metadata, timeout: .milliseconds(200)))
        }
        try expect(ContinuousClock.now - started < .seconds(2), "the deadline fired late")
    }),
    ("cancel", {
        var metadata = Metadata()
        metadata.add("x-test-delay-ms", "3000")
        let call = Task { try await client.emptyCall(Empty(), options: CallOptions(metadata: metadata)) }
        try await Task.sleep(for: .milliseconds(100))
        let started = ContinuousClock.now
        call.cancel()
        do {
            _ = try await call.value
            throw CaseFailure(description: "the cancelled call succeeded")
        } catch let error as RPCError {
            try expect(error.code == .cancelled, "expected CANCELLED, got \(error)")
        }
        try expect(ContinuousClock.now - started < .seconds(1), "cancelling took too long")
    }),
    ("concurrent_calls", {
        // Many calls at once share the connection as streams.
        try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<200 {
                group.addTask {
                    var request = SimpleRequest()
                    request.responseSize = Int32(i)
                    return try await client.unaryCall(request, options: CallOptions(timeout: .seconds(10))).payload?.body.count ?? 0
                }
            }
            var sizes: [Int] = []
            for try await size in group { sizes.append(size) }
            try expect(sizes.sorted() == Array(0..<200), "responses do not match requests")
        }
    }),
]

var failed = 0
for (name, run) in all where cases.isEmpty || cases.contains(name) {
    do {
        try await run()
        print("PASS \(name)")
    } catch {
        failed += 1
        print("FAIL \(name): \(error)")
    }
}
transport.close()
exit(failed == 0 ? 0 : 1)

import Glibc
