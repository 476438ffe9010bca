/// The pipeline: source text -> tokens -> syntax tree -> checked schema -> printed outputs.
public enum Compiler {
    public struct Output: Sendable {
        public var schema: Schema
        public var swift: String
        public var proto: String
        /// badgectl commands for the schema's services; empty when it has none.
        public var cli: String
    }

    /// Parses and checks one schema file.
    /// - Throws: `SchemaErrors` listing every mistake, each with its location.
    public static func check(source: String, file: String) throws(SchemaErrors) -> Schema {
        do {
            return try Checker.check(try Parser.parse(source, file: file))
        } catch let errors as SchemaErrors {
            throw errors
        } catch let error as SchemaError {
            throw SchemaErrors(errors: [error])
        } catch {
            fatalError("unexpected error from the schema compiler: \(error)")
        }
    }

    public static func compile(source: String, file: String) throws(SchemaErrors) -> Output {
        let schema = try check(source: source, file: file)
        return Output(
            schema: schema,
            swift: SwiftPrinter(schema: schema).render(),
            proto: ProtoPrinter(schema: schema).render(),
            cli: schema.services.isEmpty ? "" : CLIPrinter(schema: schema).render())
    }
}
