import Foundation
import SchemaCompiler
import Testing

/// The printers' output for `Golden/library.schema` against the committed expectations.
/// Re-record with `RECORD_GOLDENS=1 swift test --filter GoldenTests` and review the diff.
@Suite("Golden output")
struct GoldenTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    private func check(_ actual: String, against name: String) throws {
        let url = Self.directory.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["RECORD_GOLDENS"] == "1" {
            try actual.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        #expect(actual == expected, "\(name) differs from the printer's output; re-record if intended")
    }

    private func compileLibrary() throws -> Compiler.Output {
        let source = try String(contentsOf: Self.directory.appendingPathComponent("library.schema"), encoding: .utf8)
        return try Compiler.compile(source: source, file: "library.schema")
    }

    @Test func swiftOutput() throws {
        try check(try compileLibrary().swift, against: "library.swift.golden")
    }

    @Test func protoOutput() throws {
        try check(try compileLibrary().proto, against: "library.proto.golden")
    }

    @Test func modelResolvesNamesAndRecursion() throws {
        let schema = try compileLibrary().schema
        let book = try #require(schema.messages.first { $0.name.path == ["Book"] })
        let copies = try #require(book.fields.first { $0.name == "copies_by_branch" })
        guard case .map(.string, .message(let copy)) = copies.type else {
            Issue.record("copies_by_branch is not map<string, Copy>")
            return
        }
        #expect(copy.fullName == "golden.library.Book.Copy")
        #expect(book.fields.first { $0.name == "sequel" }?.isRecursive == true)
        #expect(book.fields.first { $0.name == "donor" }?.oneof == 0)
        #expect(book.fields.first { $0.name == "isbn" }?.doc == ["The ISBN."])
        #expect(schema.services.first?.rpcs.map(\.name) == ["Lend", "Describe"])
    }
}
