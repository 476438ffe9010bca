// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "badges",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "schemac", targets: ["schemac"]),
        .executable(name: "badged", targets: ["badged"]),
        .executable(name: "badgectl", targets: ["badgectl"]),
        .executable(name: "badges-load", targets: ["badges-load"]),
        .library(name: "Wire", targets: ["Wire"]),
        .library(name: "BadgeAPI", targets: ["BadgeAPI"]),
        .library(name: "RPCCore", targets: ["RPCCore"]),
        .library(name: "RPC", targets: ["RPC"]),
        .library(name: "Badges", targets: ["Badges"]),
        .library(name: "BadgeStore", targets: ["BadgeStore"]),
        .library(name: "Crypto", targets: ["Crypto"]),
    ],
    dependencies: [
        // Latency percentiles for the load generator.
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        // Codec runtime: bytes in, bytes out, no I/O.
        .target(name: "Wire", path: "Sources/Wire"),
        // What generated services need from a transport: status codes, errors, metadata, routes.
        .target(name: "RPCCore", dependencies: ["Wire"], path: "Sources/RPCCore"),
        // C libraries, wrapped by RPC alone.
        .systemLibrary(name: "CNghttp2", path: "Sources/CNghttp2", pkgConfig: "libnghttp2", providers: [.apt(["libnghttp2-dev"])]),
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .target(name: "CLinux", path: "Sources/CLinux"),
        // HMAC-SHA256, SHA-256, random bytes (OpenSSL) and base64url: tokens, keys, derived names.
        .target(name: "Crypto", dependencies: ["COpenSSL"], path: "Sources/Crypto"),
        // gRPC over HTTP/2: event loops, connections, TLS, server and client.
        .target(name: "RPC", dependencies: ["RPCCore", "Wire", "CNghttp2", "COpenSSL", "CLinux"], path: "Sources/RPC"),
        // The badge domain: catalog, evaluation, progress. Pure Swift, no I/O.
        .target(name: "Badges", path: "Sources/Badges", resources: [.copy("Catalog")]),
        // Durable state: SQLite (WAL) behind a group committer, or PostgreSQL shared by servers.
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CPostgres", path: "Sources/CPostgres", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .target(name: "BadgeStore", dependencies: ["Badges", "CSQLite", "CPostgres", "CLinux", "Crypto"], path: "Sources/BadgeStore"),
        // E-mail digests: scheduling, the outbox, SMTP through libcurl.
        .systemLibrary(name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .target(name: "Digests", dependencies: ["Badges", "BadgeStore", "CCurl", "Crypto"], path: "Sources/Digests"),
        // The service: RPCs mapped onto the ledger, tokens checked; and its executable.
        .target(name: "BadgeServer", dependencies: ["BadgeAPI", "Badges", "BadgeStore", "Crypto", "RPC", "RPCCore", "Wire"], path: "Sources/BadgeServer"),
        // Linked with jemalloc: a call allocates on an event loop and is freed on the committer's
        // thread, which glibc's arenas handle poorly (RecordActivity: 12.6 against 14.9 µs of
        // server CPU per call, alternating runs; see the README's Benchmarks).
        .executableTarget(name: "badged", dependencies: ["BadgeServer", "BadgeStore", "Badges", "Crypto", "Digests", "RPC", "RPCCore", "Wire"], path: "Sources/badged",
                          linkerSettings: [.linkedLibrary("jemalloc")]),
        // badgectl: commands generated from the schema over a small runtime.
        .target(name: "CommandLineRPC", dependencies: ["RPCCore", "Wire"], path: "Sources/CommandLineRPC"),
        .executableTarget(name: "badgectl", dependencies: ["BadgeAPI", "BadgeServer", "CommandLineRPC", "RPC", "RPCCore", "Wire"], path: "Sources/badgectl"),
        // The load generator for RecordActivity.
        .executableTarget(
            name: "badges-load",
            dependencies: ["BadgeAPI", "BadgeServer", "RPC", "RPCCore", "Wire", .product(name: "Histogram", package: "hdrhistogram-swift")],
            path: "Sources/badges-load"),
        // The schema compiler: a library and a thin executable.
        .target(name: "SchemaCompiler", path: "Codegen/SchemaCompiler"),
        .executableTarget(name: "schemac", dependencies: ["SchemaCompiler"], path: "Codegen/schemac"),
        // Swift generated from Schema/ by schemac (committed; a test checks it is fresh).
        .target(name: "BadgeAPI", dependencies: ["Wire", "RPCCore"], path: "Sources/BadgeAPI"),

        // Test support: messages covering every field kind, and a tool the protobuf
        // interop tests drive from Python.
        .target(name: "WireFixtures", dependencies: ["Wire"], path: "Tests/WireFixtures", exclude: ["Schema"]),
        .executableTarget(name: "codec-interop", dependencies: ["Badges", "Wire", "WireFixtures"], path: "Tests/CodecInterop"),
        .target(name: "RPCTestSupport", dependencies: ["RPCCore", "Wire", "BadgeAPI"], path: "Tests/RPCTestSupport", exclude: ["Schema"]),
        .executableTarget(name: "rpc-test-server", dependencies: ["RPC", "RPCCore", "RPCTestSupport"], path: "Tests/RPCTestServer"),
        .executableTarget(name: "ledger-crash-child", dependencies: ["Badges", "BadgeStore", "RPCCore"], path: "Tests/LedgerCrashChild"),
        .executableTarget(name: "rpc-interop-client", dependencies: ["RPC", "RPCCore", "RPCTestSupport"], path: "Tests/RPCInteropClient"),

        .testTarget(name: "WireTests", dependencies: ["Wire", "WireFixtures"]),
        .testTarget(name: "RPCTests", dependencies: ["RPC"]),
        .testTarget(name: "BadgesTests", dependencies: ["Badges", "BadgeStore", "Digests"]),
        .testTarget(name: "SchemaCompilerTests", dependencies: ["SchemaCompiler"], exclude: ["Golden"]),
    ]
)
