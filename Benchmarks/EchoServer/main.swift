import RPC
import RPCCore

/// Our server for the transport benchmark: echoes the request. Prints `listening on ...`.
///
///     EchoServer [--port N] [--loops N]

struct EchoService: EchoHandler {
    func echo(_ request: EchoMessage, context: ServerContext) async throws -> EchoMessage {
        request
    }
}

Signals.install()
var port = 0
var loops = System.coreCount
var arguments = CommandLine.arguments.dropFirst()
while let name = arguments.popFirst(), let value = arguments.popFirst() {
    if name == "--port" { port = Int(value) ?? 0 }
    if name == "--loops" { loops = Int(value) ?? loops }
}
let server = try GRPCServer(configuration: ServerConfiguration(port: port, eventLoops: loops), routes: EchoService().routes)
StandardOutput.line("listening on 127.0.0.1:\(server.port)")
_ = await Signals.next()
await server.shutdown(grace: .seconds(1))
