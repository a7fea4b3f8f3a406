// swift-tools-version:6.1
// Precis: the instrument controller on the bench box. ARCHITECTURE.md (beside this file)
// maps the targets and the direction of imports.
import Foundation
import PackageDescription

let package = Package(
    name: "Precis",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "precis", targets: ["precis"]),
        .library(name: "PrecisCore", targets: ["PrecisCore"]),
        .library(name: "PrecisSignal", targets: ["PrecisSignal"]),
        .library(name: "PrecisFormats", targets: ["PrecisFormats"]),
        .library(name: "PrecisDrivers", targets: ["PrecisDrivers"]),
        .library(name: "PrecisReplay", targets: ["PrecisReplay"]),
        .library(name: "PrecisStore", targets: ["PrecisStore"]),
        .library(name: "PrecisRuntime", targets: ["PrecisRuntime"]),
        .library(name: "PrecisUSB", targets: ["PrecisUSB"]),
        .library(name: "PrecisUpload", targets: ["PrecisUpload"]),
        .library(name: "PrecisKiosk", targets: ["PrecisKiosk"]),
        .library(name: "PrecisCrypt4GH", targets: ["PrecisCrypt4GH"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-atomics", from: "1.3.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // Imported directly (PrecisUpload's TLS and HTTP/1 types, the kiosk's HTTP types), so named here too.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    ],
    targets: [
        .target(name: "PrecisCore"),
        .target(name: "CVectorMath"),
        .target(name: "PrecisSignal", dependencies: [
            "PrecisCore",
            "CVectorMath",
            .product(name: "RealModule", package: "swift-numerics"),
        ]),
        .target(name: "PrecisFormats", dependencies: ["PrecisCore", "CZlib"]),
        .target(name: "PrecisDrivers", dependencies: [
            "PrecisCore",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "PrecisReplay", dependencies: ["PrecisCore", "PrecisDrivers"]),
        .systemLibrary(name: "CLibUSB", pkgConfig: "libusb-1.0", providers: [.apt(["libusb-1.0-0-dev"])]),
        .systemLibrary(name: "CUdev", pkgConfig: "libudev", providers: [.apt(["libudev-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CSodium", pkgConfig: "libsodium", providers: [.apt(["libsodium-dev"])]),
        // Crypt4GH (GA4GH) encryption of files for the centre; every primitive is libsodium's.
        .target(name: "PrecisCrypt4GH", dependencies: ["PrecisCore", "CSodium"]),
        .target(name: "PrecisUSB", dependencies: [
            "PrecisCore", "CLibUSB", "CUdev",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Atomics", package: "swift-atomics"),
        ]),
        .target(name: "PrecisStore", dependencies: [
            "PrecisCore",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .target(name: "PrecisUpload", dependencies: [
            "PrecisCore", "PrecisStore", "PrecisFormats", "PrecisCrypt4GH", "CZlib",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .target(name: "PrecisRuntime", dependencies: [
            "PrecisCore", "PrecisSignal", "PrecisFormats", "PrecisDrivers", "PrecisReplay", "PrecisStore", "PrecisUSB",
            "PrecisUpload", "PrecisCrypt4GH",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Atomics", package: "swift-atomics"),
        ], plugins: ["DeviceTablePlugin"]),
        // The family registry's USB side is generated from Firmware-Protocols/*/device.json at build time.
        .executableTarget(name: "DeviceTableGenerator"),
        .plugin(name: "DeviceTablePlugin", capability: .buildTool(), dependencies: ["DeviceTableGenerator"]),
        .target(name: "PrecisKiosk", dependencies: [
            "PrecisRuntime", "PrecisCore", "PrecisStore",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "_CryptoExtras", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
        ], resources: [.copy("Page"), .copy("systemd")]),
        .executableTarget(name: "precis", dependencies: [
            "PrecisKiosk", "PrecisRuntime", "PrecisCore", "PrecisStore", "PrecisUpload", "PrecisFormats",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        .target(name: "PrecisTestSupport", dependencies: ["PrecisCore", "PrecisStore"], path: "Tests/Support"),
        .target(name: "CTestPty", path: "Tests/CTestPty"),
        .testTarget(name: "PrecisCoreTests", dependencies: ["PrecisCore"]),
        .testTarget(name: "PrecisSignalTests", dependencies: ["PrecisSignal", "CVectorMath", "PrecisCore", "PrecisReplay"]),
        .testTarget(name: "PrecisFormatsTests", dependencies: ["PrecisFormats", "PrecisSignal", "PrecisCore"]),
        .testTarget(name: "PrecisDriversTests", dependencies: ["PrecisDrivers", "PrecisReplay", "PrecisSignal", "PrecisCore"]),
        .testTarget(name: "PrecisReplayTests", dependencies: ["PrecisReplay", "PrecisDrivers", "PrecisCore"]),
        .testTarget(name: "PrecisStoreTests", dependencies: [
            "PrecisStore", "PrecisCore", .product(name: "GRDB", package: "GRDB.swift"),
        ], exclude: ["Fixtures"]),
        .testTarget(name: "PrecisRuntimeTests", dependencies: ["PrecisRuntime", "PrecisStore", "PrecisReplay", "PrecisDrivers",
                                                              "PrecisSignal", "PrecisFormats", "PrecisCore", "PrecisTestSupport", "PrecisCrypt4GH"]),
        .testTarget(name: "PrecisUSBTests", dependencies: ["PrecisUSB", "PrecisCore", "PrecisFormats", "CLibUSB",
                                                          "PrecisTestSupport", "CTestPty"],
                    exclude: ["Fixtures", "tools"]),
        .testTarget(name: "PrecisUploadTests", dependencies: ["PrecisUpload", "PrecisStore", "PrecisFormats", "PrecisCore", "PrecisTestSupport",
                                                             "PrecisCrypt4GH"],
                    exclude: ["centre"]),
        .testTarget(name: "PrecisCrypt4GHTests", dependencies: ["PrecisCrypt4GH", "PrecisCore"]),
        .testTarget(name: "CLITests", dependencies: ["PrecisCore", "PrecisTestSupport"]),
        .testTarget(name: "PrecisKioskTests", dependencies: [
            "PrecisKiosk", "PrecisRuntime", "PrecisStore", "PrecisCore", "PrecisTestSupport",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
        .testTarget(name: "Conformance", dependencies: ["PrecisSignal", "PrecisFormats", "PrecisDrivers", "PrecisReplay", "PrecisCore",
                                                      "PrecisRuntime", "PrecisUpload", "PrecisStore", "PrecisTestSupport",
                                                      "PrecisCrypt4GH",
                                                      .product(name: "Crypto", package: "swift-crypto")],
                    exclude: ["python", "Fixtures", "requirements.txt"]),
    ]
)

// Benchmarks (Benchmarks/, package-benchmark's convention) are built only when asked:
// `make bench` sets PRECIS_BENCHMARKS=1, so `make test` and CI never build the harness.
if ProcessInfo.processInfo.environment["PRECIS_BENCHMARKS"] == "1" {
    package.dependencies.append(
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]))
    let suites: [(name: String, dependencies: [Target.Dependency])] = [
        ("LateralFlowBenchmarks", ["PrecisSignal", "PrecisDrivers", "PrecisReplay", "PrecisCore"]),
        ("CalibrationBenchmarks", ["PrecisSignal", "PrecisCore"]),
        ("UploadBenchmarks", ["PrecisUpload", "PrecisStore", "PrecisCore"]),
        ("QPCRBenchmarks", ["PrecisSignal", "PrecisFormats", "PrecisRuntime", "PrecisCore"]),
        ("SequencingBenchmarks", ["PrecisSignal", "PrecisFormats", "PrecisRuntime", "PrecisDrivers", "PrecisReplay",
                                  "PrecisStore", "PrecisCore"]),
        ("Crypt4GHBenchmarks", ["PrecisCrypt4GH"]),
        ("InboxBenchmarks", ["PrecisUpload", "PrecisStore", "PrecisFormats", "PrecisCrypt4GH", "PrecisCore", "PrecisTestSupport"]),
    ]
    for suite in suites {
        package.targets.append(.executableTarget(
            name: suite.name,
            dependencies: suite.dependencies + [.product(name: "Benchmark", package: "benchmark")],
            path: "Benchmarks/\(suite.name)",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]))
    }
}

// Every reader of outside input, as one static library for the libFuzzer harness
// (Tests/Fuzz/ReaderFuzzer, one binary whose target PRECIS_FUZZ_TARGET picks), built only
// when asked: `make fuzz` sets PRECIS_FUZZ=1, builds it with sanitizer coverage and links the
// harness with swiftc -sanitize=fuzzer. The readers live in these five targets (none of them
// pulls in SQLite, TLS or HTTP), so the instrumented build stays small.
if ProcessInfo.processInfo.environment["PRECIS_FUZZ"] == "1" {
    package.products.append(.library(name: "PrecisFuzzTargets", type: .static,
                                     targets: ["PrecisDrivers", "PrecisCore", "PrecisFormats", "PrecisReplay", "PrecisCrypt4GH"]))
}
