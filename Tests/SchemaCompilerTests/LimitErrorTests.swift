import SchemaCompiler
import Testing

/// Field limits: each must fit its field, and every string, bytes and repeated field a request
/// can reach must have one.
@Suite("Field limits in the schema")
struct LimitErrorTests {
    private func errors(_ source: String) -> [String] { schemaErrors(source) }

    /// A schema whose message `M` is an rpc's request.
    private func request(_ body: String, extra: String = "") -> String {
        "package t\nmessage M {\n\(body)\n}\nmessage R {\n}\n\(extra)service S {\n  rpc Call(M) -> R\n}\n"
    }

    @Test func boundedRequestIsAccepted() throws {
        let source = request("""
              a: string = 1 [id]
              b: repeated string = 2 [name, max_items 10]
              c: int32 = 3 [range -5..5]
              d: bytes = 4 [max_bytes 100]
              e: optional string = 5 [text]
            """)
        let schema = try Compiler.check(source: source, file: "t.schema")
        let fields = schema.messages[0].fields
        #expect(fields[0].limits.text == .id)
        #expect(fields[1].limits == FieldLimits(text: .name, maxItems: 10))
        #expect(fields[2].limits.range == -5...5)
        #expect(fields[3].limits.text == .maxBytes(100))
        #expect(fields[4].limits.text == .text)
    }

    @Test func unboundedStringInARequest() {
        #expect(errors(request("  a: string = 1")) == [
            "t.schema:3:3: field 'a' of 'M' is part of rpc Call's request and needs a bound: [id], [name], [text] or [max_bytes N]",
        ])
    }

    @Test func unboundedListAndBytesInANestedMessage() {
        let source = request("  inner: N = 1", extra: "message N {\n  tags: repeated int32 = 1\n  blob: bytes = 2\n}\n")
        #expect(errors(source) == [
            "t.schema:8:3: field 'tags' of 'N' is part of rpc Call's request and needs a bound: [max_items N]",
            "t.schema:9:3: field 'blob' of 'N' is part of rpc Call's request and needs a bound: [max_bytes N]",
        ])
    }

    @Test func mapInARequest() {
        #expect(errors(request("  m: map<string, int32> = 1")) == [
            "t.schema:3:3: field 'm' of 'M' is part of rpc Call's request; maps cannot be bounded, so requests cannot hold them (use a repeated message)",
        ])
    }

    @Test func responsesNeedNoBounds() {
        let source = "package t\nmessage Q {\n}\nmessage R {\n  a: string = 1\n  b: repeated string = 2\n}\nservice S {\n  rpc Call(Q) -> R\n}\n"
        #expect(errors(source) == [])
    }

    @Test func limitsThatDoNotFitTheirField() {
        #expect(errors(request("  a: int32 = 1 [id]")) == ["t.schema:3:17: limit 'id' is for string fields; 'a' is not one"])
        #expect(errors(request("  a: string = 1 [id, max_items 3]")) == [
            "t.schema:3:22: limit 'max_items' is for repeated fields; 'a' is not one",
        ])
        #expect(errors(request("  a: string = 1 [range 1..2, id]")) == [
            "t.schema:3:18: limit 'range' is for integer fields; 'a' is not one",
        ])
        #expect(errors(request("  a: int32 = 1 [range 0..3000000000]")) == [
            "t.schema:3:17: range 0..3000000000 goes beyond what int32 holds",
        ])
        #expect(errors(request("  a: uint32 = 1 [range 5..4]")) == ["t.schema:3:18: range 5..4 is empty"])
        #expect(errors(request("  a: string = 1 [id, text]")) == ["t.schema:3:22: field 'a' has two byte limits"])
        #expect(errors(request("  a: repeated string = 1 [id, max_items 0]")) == [
            "t.schema:3:3: field 'a' of 'M' is part of rpc Call's request and needs a bound: [max_items N]",
            "t.schema:3:31: max_items must be at least 1",
        ])
    }

    @Test func unknownLimit() {
        #expect(errors(request("  a: string = 1 [short]")) == [
            "t.schema:3:18: unknown limit 'short' (known: id, name, text, max_bytes, max_items, range)",
        ])
    }

    @Test func limitsAppearInTheExportedProto() throws {
        let output = try Compiler.compile(source: request("  a: repeated string = 1 [id, max_items 10]\n  n: int32 = 2 [range 0..9]"), file: "t.schema")
        #expect(output.proto.contains("repeated string a = 1;  // limits: id: at most 128 bytes, no control characters; at most 10 items"))
        #expect(output.proto.contains("int32 n = 2;  // limits: 0 to 9"))
    }
}
