import Foundation
import SchemaCompiler

/// schemac: compiles schema files to Swift and to an equivalent .proto, and the services'
/// command-line commands (badgectl).
///
///     schemac [--swift-out DIR] [--proto-out DIR] [--cli-out DIR] FILE.schema...
///
/// Mistakes are printed as `file:line:column: message` with the offending line; the exit
/// status is 1 when there were any, 2 for bad usage.

let usage = "usage: schemac [--swift-out DIR] [--proto-out DIR] [--cli-out DIR] FILE.schema..."

var swiftOut: String?
var protoOut: String?
var cliOut: String?
var inputs: [String] = []
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--swift-out": swiftOut = arguments.popFirst()
    case "--proto-out": protoOut = arguments.popFirst()
    case "--cli-out": cliOut = arguments.popFirst()
    case "-h", "--help":
        print(usage)
        exit(0)
    default:
        if argument.hasPrefix("-") {
            FileHandle.standardError.write(Data("schemac: unknown option '\(argument)'\n\(usage)\n".utf8))
            exit(2)
        }
        inputs.append(argument)
    }
}
guard !inputs.isEmpty else {
    FileHandle.standardError.write(Data("\(usage)\n".utf8))
    exit(2)
}

func write(_ text: String, to directory: String, name: String) throws {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    try text.write(toFile: (directory as NSString).appendingPathComponent(name), atomically: true, encoding: .utf8)
}

var failed = false
for input in inputs {
    guard let source = try? String(contentsOfFile: input, encoding: .utf8) else {
        FileHandle.standardError.write(Data("schemac: cannot read '\(input)'\n".utf8))
        failed = true
        continue
    }
    let base = ((input as NSString).lastPathComponent as NSString).deletingPathExtension
    do {
        let output = try Compiler.compile(source: source, file: (input as NSString).lastPathComponent)
        if let swiftOut { try write(output.swift, to: swiftOut, name: base + ".swift") }
        if let protoOut { try write(output.proto, to: protoOut, name: base + ".proto") }
        if let cliOut, !output.cli.isEmpty { try write(output.cli, to: cliOut, name: base + "+commands.swift") }
    } catch let errors as SchemaErrors {
        for error in errors.errors {
            FileHandle.standardError.write(Data((error.rendered(source: source) + "\n").utf8))
        }
        failed = true
    } catch {
        FileHandle.standardError.write(Data("schemac: \(error)\n".utf8))
        failed = true
    }
}
exit(failed ? 1 : 0)
