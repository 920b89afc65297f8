// swift-tools-version:6.1
// dxemu's benchmarks: a package of their own so the root stays lean
// (see ../shared/docs/SWIFT-NOTES.md). Run from this folder, release build:
//   swift package benchmark                       # everything
//   swift package benchmark --filter Capture      # one group
import PackageDescription

let package = Package(
    name: "dxemu-benchmarks",
    dependencies: [
        .package(name: "dxemu", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
    ],
    targets: [
        // The yardstick: a plain C loop over pcap_next_ex, like ../shared/peers/pcapread.
        .target(name: "CPcapReadLoop", linkerSettings: [.linkedLibrary("pcap")]),
        .executableTarget(
            name: "CaptureBenchmarks",
            dependencies: [
                "CPcapReadLoop",
                .product(name: "Capture", package: "dxemu"),
                .product(name: "PacketWire", package: "dxemu"),
                .product(name: "SampleCaptures", package: "dxemu"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/CaptureBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "LookupBenchmarks",
            dependencies: [
                .product(name: "RouteLookup", package: "dxemu"),
                .product(name: "DeterministicRandom", package: "dxemu"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/LookupBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "ForwardBenchmarks",
            dependencies: [
                .product(name: "Emulator", package: "dxemu"),
                .product(name: "Scenario", package: "dxemu"),
                .product(name: "Replay", package: "dxemu"),
                .product(name: "SampleCaptures", package: "dxemu"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/ForwardBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
