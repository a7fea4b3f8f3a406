// swift-tools-version:6.1
// Precis: the instrument controller on the bench box. See ARCHITECTURE.md in the
// steering repository for the targets and the direction of imports.
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
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
    ],
    targets: [
        .target(name: "PrecisCore"),
        .target(name: "PrecisSignal", dependencies: [
            "PrecisCore",
            .product(name: "RealModule", package: "swift-numerics"),
        ]),
        .target(name: "PrecisFormats", dependencies: ["PrecisCore"]),
        .target(name: "PrecisDrivers", dependencies: [
            "PrecisCore",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "PrecisReplay", dependencies: ["PrecisCore", "PrecisDrivers"]),
        .target(name: "PrecisStore", dependencies: [
            "PrecisCore",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        .target(name: "PrecisRuntime", dependencies: [
            "PrecisCore", "PrecisSignal", "PrecisFormats", "PrecisDrivers", "PrecisReplay", "PrecisStore",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "precis", dependencies: [
            "PrecisRuntime", "PrecisCore",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "PrecisCoreTests", dependencies: ["PrecisCore"]),
        .testTarget(name: "PrecisSignalTests", dependencies: ["PrecisSignal", "PrecisCore"]),
        .testTarget(name: "PrecisFormatsTests", dependencies: ["PrecisFormats", "PrecisSignal", "PrecisCore"]),
        .testTarget(name: "PrecisDriversTests", dependencies: ["PrecisDrivers", "PrecisReplay", "PrecisSignal", "PrecisCore"]),
        .testTarget(name: "PrecisReplayTests", dependencies: ["PrecisReplay", "PrecisDrivers", "PrecisCore"]),
        .testTarget(name: "PrecisStoreTests", dependencies: ["PrecisStore", "PrecisCore"]),
        .testTarget(name: "PrecisRuntimeTests", dependencies: ["PrecisRuntime", "PrecisStore", "PrecisReplay", "PrecisCore"]),
        .testTarget(name: "CLITests", dependencies: ["PrecisCore"]),
        .testTarget(name: "Conformance", dependencies: ["PrecisSignal", "PrecisFormats", "PrecisDrivers", "PrecisCore"],
                    exclude: ["python", "Fixtures", "requirements.txt"]),
    ]
)
