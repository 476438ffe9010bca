import BadgeAPI
import RPC
import RPCCore
import RPCTestSupport

/// A server for the transport's interop tests: gRPC's TestService and Health over h2c, or TLS
/// with `--tls-cert` and `--tls-key`. Prints `listening on HOST:PORT`; exits 0 after a graceful
/// shutdown on SIGTERM or SIGINT.
///
///     rpc-test-server [--port N] [--tls-cert FILE --tls-key FILE] [--max-receive BYTES] [--server-receive-budget BYTES]
///                     [--idle-timeout-ms N] [--first-request-timeout-ms N] [--handshake-timeout-ms N]
///                     [--grace-ms N] [--handlers tasks|callbacks]
///
/// `--handlers callbacks` mounts TestService as callback routes that answer from another
/// thread, the way badged's RecordActivity answers from its commit thread.

Signals.install()

var options: [String: String] = [:]
var arguments = CommandLine.arguments.dropFirst()
while let name = arguments.popFirst(), name.hasPrefix("--"), let value = arguments.popFirst() {
    options[String(name.dropFirst(2))] = value
}

var configuration = ServerConfiguration(port: Int(options["port"] ?? "0") ?? 0)
if let max = options["max-receive"].flatMap(Int.init) { configuration.limits.maxReceiveMessageSize = max }
if let budget = options["server-receive-budget"].flatMap(Int.init) { configuration.limits.serverReceiveBudget = budget }
if let idle = options["idle-timeout-ms"].flatMap(Int.init) { configuration.limits.idleTimeout = .milliseconds(idle) }
if let first = options["first-request-timeout-ms"].flatMap(Int.init) { configuration.limits.firstRequestTimeout = .milliseconds(first) }
if let handshake = options["handshake-timeout-ms"].flatMap(Int.init) { configuration.limits.handshakeTimeout = .milliseconds(handshake) }
if let certificate = options["tls-cert"], let key = options["tls-key"] {
    configuration.tls = try TLSContext.server(certificateFile: certificate, keyFile: key)
}
let grace = Duration.milliseconds(Int(options["grace-ms"] ?? "5000") ?? 5000)

var testRoutes = InteropService().routes
if options["handlers"] == "callbacks" {
    testRoutes = testRoutes.map { route in
        UnaryRoute(path: route.path) { bytes, context, reply in
            Task.detached {
                do {
                    let response = try await route.handle(bytes, context)
                    reply { response }
                } catch {
                    reply { throw error }
                }
            }
        }
    }
}
let routes = testRoutes + HealthService(services: [TestServicePaths.service]).routes
let server = try GRPCServer(configuration: configuration, routes: routes)
StandardOutput.line("listening on 127.0.0.1:\(server.port)")

let signal = await Signals.next()
StandardOutput.line("signal \(signal): shutting down")
await server.shutdown(grace: grace)
StandardOutput.line("stopped")
