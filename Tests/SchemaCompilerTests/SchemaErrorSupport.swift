import SchemaCompiler

/// The mistakes the compiler reports for `source` (as file `t.schema`), each as
/// `file:line:column: message`; empty when it compiles.
func schemaErrors(_ source: String) -> [String] {
    do {
        _ = try Compiler.check(source: source, file: "t.schema")
        return []
    } catch {
        return error.errors.map(\.summary)
    }
}
