import Foundation
import SchemaCompiler
import Testing

/// The committed generated files must be what schemac makes of the committed schemas today.
/// When this fails, run `scripts/generate` and commit the result.
@Suite("Generated code is fresh")
struct GeneratedCodeIsFresh {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// (schema folder, Swift output folder, proto output folder)
    static let outputs = [
        ("Schema", "Sources/BadgeAPI", "Schema/proto"),
        ("Tests/WireFixtures/Schema", "Tests/WireFixtures", "Tests/WireFixtures/Schema"),
        ("Tests/RPCTestSupport/Schema", "Tests/RPCTestSupport", "Tests/RPCTestSupport/Schema"),
        ("Benchmarks/Echo", "Benchmarks/EchoServer", "Benchmarks/Echo"),
    ]

    @Test(arguments: outputs)
    func outputsMatchSchemas(schemaDir: String, swiftDir: String, protoDir: String) throws {
        let directory = Self.root.appendingPathComponent(schemaDir)
        let schemas = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".schema") }
        #expect(!schemas.isEmpty)
        for file in schemas {
            let base = String(file.dropLast(".schema".count))
            let source = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            let output = try Compiler.compile(source: source, file: file)
            let swift = try String(contentsOf: Self.root.appendingPathComponent("\(swiftDir)/\(base).swift"), encoding: .utf8)
            let proto = try String(contentsOf: Self.root.appendingPathComponent("\(protoDir)/\(base).proto"), encoding: .utf8)
            #expect(swift == output.swift, "\(swiftDir)/\(base).swift is stale: run scripts/generate")
            #expect(proto == output.proto, "\(protoDir)/\(base).proto is stale: run scripts/generate")
            if schemaDir == "Schema" && !output.cli.isEmpty {
                let cli = try String(contentsOf: Self.root.appendingPathComponent("Sources/badgectl/\(base)+commands.swift"), encoding: .utf8)
                #expect(cli == output.cli, "Sources/badgectl/\(base)+commands.swift is stale: run scripts/generate")
            }
        }
    }
}
