import SchemaCompiler
import Testing

/// One test per schema mistake, each asserting the exact `file:line:column: message`.
@Suite("Schema mistakes")
struct SchemaErrorTests {
    private func errors(_ source: String) -> [String] { schemaErrors(source) }

    private func message(_ body: String) -> String {
        "package t\nmessage M {\n\(body)\n}\n"
    }

    @Test func duplicateFieldNumber() {
        #expect(errors(message("  a: int32 = 1\n  b: string = 1")) == [
            "t.schema:4:15: field number 1 is already used by field 'a'",
        ])
    }

    @Test func fieldNumberZero() {
        #expect(errors(message("  a: int32 = 0")) == ["t.schema:3:14: field number 0 is invalid: field numbers start at 1"])
    }

    @Test func negativeFieldNumber() {
        #expect(errors(message("  a: int32 = -4")) == ["t.schema:3:14: field number -4 is invalid: field numbers start at 1"])
    }

    @Test func fieldNumberTooLarge() {
        #expect(errors(message("  a: int32 = 536870912")) == [
            "t.schema:3:14: field number 536870912 is larger than the maximum 536870911",
        ])
    }

    @Test func fieldNumberInProtobufsRange() {
        #expect(errors(message("  a: int32 = 19500")) == [
            "t.schema:3:14: field number 19500 is in the range 19000..19999 that protobuf reserves for itself",
        ])
    }

    @Test func reusedReservedNumber() {
        #expect(errors(message("  reserved 2, 5..9\n  a: int32 = 7")) == ["t.schema:4:14: field number 7 is reserved"])
    }

    @Test func reusedReservedName() {
        #expect(errors(message("  reserved \"old\"\n  old: int32 = 1")) == ["t.schema:4:3: field name 'old' is reserved"])
    }

    @Test func overlappingReservedRanges() {
        #expect(errors(message("  reserved 1..5, 4")) == ["t.schema:3:18: reserved range 4..4 overlaps 1..5"])
    }

    @Test func unknownType() {
        #expect(errors(message("  a: Missing = 1")) == ["t.schema:3:6: unknown type 'Missing'"])
    }

    @Test func duplicateTypeName() {
        #expect(errors("package t\nmessage A {}\nenum A { X = 0 }\n") == [
            "t.schema:3:6: duplicate type name 'A' (first defined at t.schema:2:9)",
        ])
    }

    @Test func duplicateNestedTypeName() {
        #expect(errors(message("  message N {}\n  message N {}")) == [
            "t.schema:4:11: duplicate type name 'M.N' (first defined at t.schema:3:11)",
        ])
    }

    @Test func duplicateFieldName() {
        #expect(errors(message("  a: int32 = 1\n  a: int64 = 2")) == ["t.schema:4:3: duplicate field name 'a'"])
    }

    @Test func fieldNamesClashingInSwift() {
        #expect(errors(message("  foo_bar: int32 = 1\n  fooBar: int64 = 2")) == [
            "t.schema:4:3: field 'fooBar' becomes 'fooBar' in Swift, which clashes with 'foo_bar'",
        ])
    }

    @Test func badMapKeys() {
        #expect(errors(message("  a: map<double, string> = 1")) == [
            "t.schema:3:10: invalid map key type 'double': keys must be an integer type, bool or string",
        ])
        #expect(errors(message("  a: map<bytes, string> = 1")) == [
            "t.schema:3:10: invalid map key type 'bytes': keys must be an integer type, bool or string",
        ])
        #expect(errors(message("  a: map<M, string> = 1")) == [
            "t.schema:3:10: invalid map key type 'M': keys must be an integer type, bool or string",
        ])
    }

    @Test func repeatedMap() {
        #expect(errors(message("  a: repeated map<string, string> = 1")) == [
            "t.schema:3:6: map fields cannot be optional or repeated",
        ])
    }

    @Test func labelInOneof() {
        #expect(errors(message("  oneof o {\n    a: repeated int32 = 1\n  }")) == [
            "t.schema:4:8: fields in a oneof cannot be optional or repeated",
        ])
    }

    @Test func enumMustStartAtZero() {
        #expect(errors("package t\nenum E {\n  A = 1\n}\n") == [
            "t.schema:3:3: the first value of enum 'E' must be 0, protobuf's default",
        ])
    }

    @Test func duplicateEnumNumber() {
        #expect(errors("package t\nenum E {\n  A = 0\n  B = 0\n}\n") == [
            "t.schema:4:3: enum value number 0 is already used by 'A'",
        ])
    }

    @Test func enumValueNamesShareTheirScope() {
        #expect(errors("package t\nenum E { E_ZERO = 0 NONE = 1 }\nenum F { NONE = 0 }\n") == [
            "t.schema:3:10: enum value 'NONE' clashes with the value of enum 'E' in the same scope (protobuf scopes enum values beside their enum)",
        ])
    }

    @Test func rpcTypeMustBeAMessage() {
        #expect(errors("package t\nenum E { A = 0 }\nmessage M {}\nservice S {\n  rpc Go(E) -> M\n}\n") == [
            "t.schema:5:10: request type 'E' is an enum; an rpc takes and returns messages",
        ])
    }

    @Test func duplicateRPC() {
        #expect(errors("package t\nmessage M {}\nservice S {\n  rpc Go(M) -> M\n  rpc Go(M) -> M\n}\n") == [
            "t.schema:5:7: duplicate rpc name 'Go' in service 'S'",
        ])
    }

    @Test func typeShadowingSwift() {
        #expect(errors("package t\nmessage String {}\n") == [
            "t.schema:2:9: type name 'String' would shadow a Swift type the generated code uses",
        ])
    }

    @Test func syntaxErrorsNameWhatWasExpected() {
        #expect(errors("message M {}") == ["t.schema:1:1: expected 'package' declaration, found 'message'"])
        #expect(errors(message("  a int32 = 1")) == ["t.schema:3:5: expected ':', found 'int32'"])
        #expect(errors(message("  a: int32 = 1;")) == ["t.schema:3:15: expected a field, 'oneof', 'message', 'enum', 'reserved' or '}', found ';'"])
        #expect(errors("package t\nmessage M {\n  a: string = \"x\"\n}") == ["t.schema:3:15: expected a field number, found \"x\""])
        #expect(errors("package t\nmessage M { a: int32 = 1 ") == ["t.schema:2:26: expected a field, 'oneof', 'message', 'enum', 'reserved' or '}', found end of file"])
        #expect(errors("package t\n@") == ["t.schema:2:1: unexpected character '@'"])
    }

    @Test func everyMistakeIsReportedInOrder() {
        let found = errors(message("  a: Nope = 1\n  b: int32 = 0\n  c: int32 = 19000"))
        #expect(found == [
            "t.schema:3:6: unknown type 'Nope'",
            "t.schema:4:14: field number 0 is invalid: field numbers start at 1",
            "t.schema:5:14: field number 19000 is in the range 19000..19999 that protobuf reserves for itself",
        ])
    }

    @Test func keywordsAreEscapedNotRejected() throws {
        let output = try Compiler.compile(source: message("  class: string = 1\n  self: int32 = 2\n  default: bool = 3"), file: "t.schema")
        #expect(output.swift.contains("public var `class`: String = \"\""))
        #expect(output.swift.contains("public var `self`: Int32 = 0"))
        #expect(output.swift.contains("writer.writeNonDefault(self.`default`, field: 3, as: WireBool.self)"))
    }

    @Test func renderedErrorShowsTheLine() {
        let source = message("  a: Missing = 1")
        do {
            _ = try Compiler.check(source: source, file: "t.schema")
            Issue.record("expected an error")
        } catch {
            #expect(error.errors[0].rendered(source: source) == "t.schema:3:6: unknown type 'Missing'\n  a: Missing = 1\n     ^")
        }
    }
}

@Suite("Keywords as names")
struct KeywordNameTests {
    @Test func schemaKeywordsWorkAsFieldNames() throws {
        let source = "package t\nmessage M {\n  message: string = 1\n  enum: int32 = 2\n  reserved: bool = 3\n  oneof: bytes = 4\n}\n"
        let schema = try Compiler.check(source: source, file: "t.schema")
        #expect(schema.messages[0].fields.map(\.name) == ["message", "enum", "reserved", "oneof"])
    }
}
