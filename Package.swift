// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Picket",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "picket", targets: ["picket"]),
        .executable(name: "picket-bench", targets: ["PicketBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.2"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        .target(
            name: "PicketCore",
            dependencies: [.product(name: "HeapModule", package: "swift-collections"), .product(name: "DequeModule", package: "swift-collections")]
        ),
        .target(
            name: "PicketConfig",
            dependencies: ["PicketCore", .product(name: "Yams", package: "Yams")]
        ),
        .target(name: "CPicketLinux"),
        .target(name: "CPicketMalloc"),
        .target(
            name: "PicketProbes",
            dependencies: [
                "PicketCore", "CPicketLinux",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
            ]
        ),
        .target(
            name: "PicketPassive",
            dependencies: ["PicketCore", .product(name: "NIOConcurrencyHelpers", package: "swift-nio")]
        ),
        .target(
            name: "PicketRender",
            dependencies: ["PicketCore", .product(name: "Mustache", package: "swift-mustache")]
        ),
        .target(
            name: "PicketNginx",
            dependencies: ["PicketCore"]
        ),
        .target(
            name: "PicketHTTPClient",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .target(
            name: "PicketDocker",
            dependencies: [
                "PicketCore", "PicketHTTPClient",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "PicketStore",
            dependencies: [
                "PicketCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .target(
            name: "PicketFleet",
            dependencies: [
                "PicketCore", "PicketStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .target(
            name: "PicketRuntime",
            dependencies: [
                "PicketCore", "PicketConfig", "PicketProbes", "PicketRender", "PicketNginx", "PicketDocker", "PicketStore", "PicketPassive", "PicketHTTPClient",
                "PicketFleet", "CPicketMalloc",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [
                .embedInCode("Dashboard/dashboard.html"), .embedInCode("Dashboard/dashboard.css"), .embedInCode("Dashboard/dashboard.js"),
            ]
        ),
        .executableTarget(
            name: "picket",
            dependencies: [
                "PicketRuntime", "PicketConfig", "PicketCore", "PicketHTTPClient", "PicketStore", "PicketFleet",
                // Linked here as well as through PicketRuntime: its malloc policy is set before main (malloc_policy.c).
                "CPicketMalloc",
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "PicketBench",
            dependencies: [
                "PicketRuntime", "PicketCore", "PicketProbes", "PicketRender", "PicketNginx", "PicketStore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "PicketTestSupport",
            dependencies: [
                "PicketNginx", "PicketConfig",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/PicketTestSupport"
        ),
        .testTarget(name: "PicketCoreTests", dependencies: ["PicketCore"]),
        .testTarget(
            name: "PicketConfigTests",
            dependencies: ["PicketConfig", "PicketCore", "PicketNginx", "PicketTestSupport", .product(name: "Yams", package: "Yams")]
        ),
        .testTarget(
            name: "PicketAdapterTests",
            dependencies: [
                "PicketProbes", "PicketRender", "PicketNginx", "PicketCore", "PicketConfig", "PicketDocker", "PicketStore", "PicketTestSupport",
                "PicketPassive", "PicketFleet",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            exclude: ["Golden"]
        ),
        .testTarget(
            name: "PicketIntegrationTests",
            dependencies: [
                "PicketRuntime", "PicketConfig", "PicketCore", "PicketNginx", "PicketTestSupport", "PicketHTTPClient",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            exclude: ["Scripts"]
        ),
    ]
)
