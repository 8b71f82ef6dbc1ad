// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "easel",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "easel", targets: ["easel"]),
        .executable(name: "GeminiSimulator", targets: ["GeminiSimulator"]),
        .library(name: "Gemini", targets: ["Gemini"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/vapor/multipart-kit.git", from: "4.7.1"),
    ],
    targets: [
        // Gemini REST client: wire types, transport, retries, streaming. Knows nothing of Easel.
        .target(
            name: "Gemini",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // zlib from the system (Debian: zlib1g-dev), for PNG encoding.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        // JPEG (libjpeg-turbo) and WebP (libwebp) from the system (Debian: libjpeg-dev, libwebp-dev),
        // behind a C shim that turns libjpeg's longjmp errors into return codes.
        .target(
            name: "CImageCodecs",
            linkerSettings: [.linkedLibrary("jpeg"), .linkedLibrary("webp")]
        ),
        // Image codecs and downscaling (previews): PNG on the system zlib, JPEG and WebP.
        .target(name: "ImageKit", dependencies: ["CZlib", "CImageCodecs"], swiftSettings: swiftSettings),
        // A local stand-in for Google's Gemini API, for tests, benchmarks and demos. Never production.
        .target(
            name: "GeminiSimulatorKit",
            dependencies: [
                "Gemini",
                "ImageKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                // HTTPParserError: the one error that makes the server close a connection unanswered.
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "GeminiSimulator",
            dependencies: [
                "GeminiSimulatorKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // Speed and memory of the Gemini client against same-run baselines (deploy/bench.sh).
        .executableTarget(
            name: "EaselBench",
            dependencies: [
                "Gemini",
                "EaselStore",
                "GeminiSimulatorKit",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Domain types and rules. No I/O.
        .target(
            name: "EaselCore",
            swiftSettings: swiftSettings
        ),
        // PostgreSQL: migrator and repositories.
        .target(
            name: "EaselStore",
            dependencies: [
                "EaselCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The Hummingbird application.
        .target(
            name: "EaselServer",
            dependencies: [
                "EaselCore",
                "EaselStore",
                "Gemini",
                "ImageKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                // HTTPParserError: a request that is not valid HTTP (a body cut short) is the client's fault.
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "easel",
            dependencies: [
                "EaselServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Shared test helpers: a throwaway database per test, cloned from a migrated template.
        .target(
            name: "EaselTestSupport",
            dependencies: [
                "EaselStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/EaselTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GeminiTests",
            dependencies: [
                "Gemini",
                "GeminiSimulatorKit",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ImageKitTests",
            dependencies: ["ImageKit", "EaselTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EaselCoreTests",
            dependencies: ["EaselCore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EaselStoreTests",
            dependencies: ["EaselStore", "EaselTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EaselServerTests",
            dependencies: [
                "EaselServer",
                "EaselTestSupport",
                "GeminiSimulatorKit",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
