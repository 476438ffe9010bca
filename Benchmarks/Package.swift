// swift-tools-version:6.0
import Foundation
import PackageDescription

// The benchmarks live in their own package so that swift-protobuf, the peer they are compared
// with, never becomes a dependency of the service. The parent package is named by its folder.
let parent = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "badges-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0"),
    ],
    targets: [
        .executableTarget(
            name: "CodecBenchmark",
            dependencies: [
                .product(name: "BadgeAPI", package: parent),
                .product(name: "Wire", package: parent),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "CodecBenchmark"
        ),
        .executableTarget(
            name: "LedgerBenchmark",
            dependencies: [
                .product(name: "Badges", package: parent),
                .product(name: "BadgeStore", package: parent),
            ],
            path: "LedgerBenchmark"
        ),
        .executableTarget(
            name: "EchoServer",
            dependencies: [
                .product(name: "RPC", package: parent),
                .product(name: "RPCCore", package: parent),
                .product(name: "Wire", package: parent),
            ],
            path: "EchoServer"
        ),
    ]
)
