/// For each service: a handler protocol the server implements, the routes that adapt it to
/// request and response bytes, and a client stub over any `UnaryTransport`.
extension SwiftPrinter {
    func printService(_ s: Service, _ p: inout CodePrinter) {
        let qualified = "\(schema.package).\(s.name)"
        p.line("/// The paths of `\(qualified)`'s methods, as gRPC routes them.")
        p.block("public enum \(s.name)Paths {") { p in
            p.line("public static let service = \"\(qualified)\"")
            for rpc in s.rpcs {
                p.line("public static let \(SwiftTypes.methodName(rpc.name)) = \"/\(qualified)/\(rpc.name)\"")
            }
        }
        p.line()
        p.doc(s.doc)
        p.block("public protocol \(s.name)Handler: Sendable {") { p in
            for rpc in s.rpcs {
                p.doc(rpc.doc)
                p.line("func \(SwiftTypes.methodName(rpc.name))(_ request: \(SwiftTypes.swiftName(rpc.input)), context: ServerContext) async throws -> \(SwiftTypes.swiftName(rpc.output))")
            }
        }
        p.line()
        p.block("extension \(s.name)Handler {") { p in
            p.line("/// The routes a server mounts to serve this handler.")
            p.block("public var routes: [UnaryRoute] {") { p in
                p.block("[", closing: "]") { p in
                    for rpc in s.rpcs {
                        let method = SwiftTypes.methodName(rpc.name)
                        p.block("UnaryRoute(path: \(s.name)Paths.\(method)) { bytes, context in", closing: "},") { p in
                            p.line("let request = try \(SwiftTypes.swiftName(rpc.input))(rpcRequest: bytes, what: \"\(rpc.name) request\")")
                            p.line("return try await self.\(method)(request, context: context).serializedBytes(headroom: UnaryRoute.responseHeadroom)")
                        }
                    }
                }
            }
        }
        p.line()
        p.doc(s.doc)
        p.block("public struct \(s.name)Client: Sendable {") { p in
            p.line("public let transport: any UnaryTransport")
            p.line()
            p.line("public init(transport: any UnaryTransport) { self.transport = transport }")
            for rpc in s.rpcs {
                let method = SwiftTypes.methodName(rpc.name)
                p.line()
                p.doc(rpc.doc)
                p.block("public func \(method)(_ request: \(SwiftTypes.swiftName(rpc.input)), options: CallOptions = CallOptions()) async throws -> \(SwiftTypes.swiftName(rpc.output)) {") { p in
                    p.line("let bytes = try await transport.unary(path: \(s.name)Paths.\(method), request: request.serializedBytes(), options: options)")
                    p.line("return try \(SwiftTypes.swiftName(rpc.output))(rpcPayload: bytes, what: \"\(rpc.name) response\")")
                }
                p.line()
                p.line("/// `\(method)` answered through `completion` instead of awaited (see `UnaryTransport`).")
                p.block("public func \(method)(_ request: \(SwiftTypes.swiftName(rpc.input)), options: CallOptions = CallOptions(), completion: @escaping @Sendable (Result<\(SwiftTypes.swiftName(rpc.output)), RPCError>) -> Void) {") { p in
                    p.block("transport.unary(path: \(s.name)Paths.\(method), request: request.serializedBytes(), options: options) { result in") { p in
                        p.line("completion(result.flatMap { bytes in Result { () throws(RPCError) in try \(SwiftTypes.swiftName(rpc.output))(rpcPayload: bytes, what: \"\(rpc.name) response\") } })")
                    }
                }
            }
        }
    }
}
