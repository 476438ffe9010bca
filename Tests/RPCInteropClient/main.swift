import RPC
import RPCCore
import RPCTestSupport
import Synchronization

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

/// Waits for a call made through a completion, and fails unless the completion ran exactly once.
/// A request the interop server answers with this status instead of a response.
func failing(code: Int32, message: String) -> SimpleRequest {
    var request = SimpleRequest()
    var status = EchoStatus()
    status.code = code
    status.message = message
    request.responseStatus = status
    return request
}

@MainActor
func viaCompletion<T: Sendable>(_ start: (@escaping @Sendable (Result<T, RPCError>) -> Void) -> Void) async throws -> T {
    let calls = Mutex(0)
    let result: Result<T, RPCError> = await withCheckedContinuation { answered in
        start { result in
            if calls.withLock({ $0 += 1; return $0 }) == 1 { answered.resume(returning: result) }
        }
    }
    try await Task.sleep(for: .milliseconds(50))  // room for a second, wrong, answer
    let count = calls.withLock { $0 }
    try expect(count == 1, "the completion ran \(count) times")
    return try result.get()
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
        let request = failing(code: 2, message: "test status message")
        try await expectError(.unknown, message: "test status message") { _ = try await client.unaryCall(request) }
    }),
    ("special_status_message", {
        let text = "\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n"
        let request = failing(code: 2, message: text)
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
    ("completion_unary", {
        var request = SimpleRequest()
        request.responseSize = 1000
        let response = try await viaCompletion { client.unaryCall(request, options: CallOptions(timeout: .seconds(5)), completion: $0) }
        try expect(response.payload?.body.count == 1000, "wrong payload size \(response.payload?.body.count ?? 0)")
    }),
    ("completion_status", {
        let request = failing(code: 9, message: "not now")
        try await expectError(.failedPrecondition, message: "not now") {
            _ = try await viaCompletion { client.unaryCall(request, completion: $0) }
        }
    }),
    ("completion_deadline", {
        var metadata = Metadata()
        metadata.add("x-test-delay-ms", "3000")
        try await expectError(.deadlineExceeded) {
            _ = try await viaCompletion { client.emptyCall(Empty(), options: CallOptions(metadata: metadata, timeout: .milliseconds(200)), completion: $0) }
        }
    }),
    ("completion_unreachable", {
        // Port 1 refuses: the call fails before it leaves, and still answers once.
        let unreachable = TestServiceClient(transport: GRPCClient(host: "127.0.0.1", port: 1))
        try await expectError(.unavailable) { _ = try await viaCompletion { unreachable.emptyCall(Empty(), completion: $0) } }
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
    ("metadata_per_call", {
        // Each call's own metadata reaches the server, on one connection whose header blocks
        // are reused per path, deadline and metadata: 80 kinds (more than it keeps), each sent
        // three times, with and without a deadline, concurrently.
        let kinds = (0..<80).map { i -> CallOptions in
            var metadata = Metadata()
            metadata.add("x-test-echo", "kind-\(i)")
            return CallOptions(metadata: metadata, timeout: i % 2 == 0 ? .seconds(10) : nil)
        }
        try await withThrowingTaskGroup(of: (sent: String, echoed: String).self) { group in
            for round in 0..<3 {
                for (i, options) in kinds.enumerated() {
                    group.addTask {
                        // A fresh copy in the second round: equal metadata, other storage.
                        let options = round == 1 ? CallOptions(metadata: options.metadata, timeout: options.timeout) : options
                        let body = try await client.unaryCall(SimpleRequest(), options: options).payload?.body ?? []
                        return ("kind-\(i)", String(decoding: body, as: UTF8.self))
                    }
                }
            }
            var answers = 0
            for try await (sent, echoed) in group {
                try expect(sent == echoed, "sent x-test-echo: \(sent), the server saw \(echoed)")
                answers += 1
            }
            try expect(answers == 240, "\(answers) answers to 240 calls")
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
