/// Accumulates generated text line by line with the current indentation.
struct CodePrinter {
    private(set) var text = ""
    private var indentation = ""
    private let unit: String

    init(indentUnit: String = "    ") { unit = indentUnit }

    mutating func line(_ s: String = "") {
        text += s.isEmpty ? "\n" : indentation + s + "\n"
    }

    /// Prints `opening`, the body one level deeper, then `closing`.
    mutating func block(_ opening: String, closing: String = "}", _ body: (inout CodePrinter) -> Void) {
        line(opening)
        indented(body)
        line(closing)
    }

    /// A Swift `switch`: cases stand at the switch's own indentation, as Swift style has them.
    mutating func switchBlock(_ opening: String, _ body: (inout CodePrinter) -> Void) {
        line(opening)
        body(&self)
        line("}")
    }

    mutating func indented(_ body: (inout CodePrinter) -> Void) {
        indentation += unit
        body(&self)
        indentation.removeLast(unit.count)
    }

    /// Doc comment lines with the given marker (`///` for Swift, `//` for .proto).
    mutating func doc(_ lines: [String], marker: String = "///") {
        for l in lines { line(l.isEmpty ? marker : "\(marker) \(l)") }
    }
}
