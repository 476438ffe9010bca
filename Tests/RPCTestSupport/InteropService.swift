import BadgeAPI
import RPCCore

/// gRPC's interop TestService, unary methods: sized payloads, a requested status echoed back,
/// and the two echo metadata keys. A `x-test-delay-ms` header delays the answer, for the
/// deadline, cancel and shutdown tests.
public struct InteropService: TestServiceHandler {
    public init() {}

    public func emptyCall(_ request: Empty, context: ServerContext) async throws -> Empty {
        try await prepare(context)
        return Empty()
    }

    public func unaryCall(_ request: SimpleRequest, context: ServerContext) async throws -> SimpleResponse {
        try await prepare(context)
        if let status = request.responseStatus, status.code != 0 {
            throw RPCError(code: StatusCode(rawValue: Int(status.code)), message: status.message)
        }
        var response = SimpleResponse()
        if request.responseSize > 0 {
            var payload = Payload()
            payload.body = [UInt8](repeating: 0, count: Int(request.responseSize))
            response.payload = payload
        }
        return response
    }

    private func prepare(_ context: ServerContext) async throws {
        for entry in context.metadata {
            if entry.name == "x-grpc-test-echo-initial" {
                context.response.initial.add(entry.name, bytes: entry.value)
            } else if entry.name == "x-grpc-test-echo-trailing-bin" {
                context.response.trailing.add(entry.name, bytes: entry.value)
            }
        }
        if let delay = context.metadata["x-test-delay-ms"].flatMap(Int.init) {
            try await Task.sleep(for: .milliseconds(delay))
        }
    }
}

/// Health/Check: SERVING for the server and for the services it has.
public struct HealthService: HealthHandler {
    let services: Set<String>

    public init(services: Set<String>) { self.services = services }

    public func check(_ request: HealthCheckRequest, context: ServerContext) async throws -> HealthCheckResponse {
        guard request.service.isEmpty || services.contains(request.service) else {
            throw RPCError(code: .notFound, message: "unknown service '\(request.service)'")
        }
        var response = HealthCheckResponse()
        response.status = .serving
        return response
    }
}
