// swift-tools-version: 6.1
// Micro benchmarks of Mimic's translator (ordo-one/benchmark). A package of its own so that the
// main package's `swift test` does not build the benchmark harness. Run from this folder:
//   swift package benchmark
import PackageDescription

let package = Package(
    name: "MimicBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "Mimic", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "Translator",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "MimicKit", package: "Mimic"),
            ],
            path: "Translator",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ],
    swiftLanguageModes: [.v5]
)
