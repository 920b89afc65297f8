// swift-tools-version:6.1
// dxemu: a packet-level data-plane emulator for AWS Direct Connect / VPN failover.
//
// Modules depend one way (see "Layout" in README.md):
//   PacketWire, RouteLookup            leaves, no dependencies
//   Capture        -> CPcap, PacketWire
//   Inspect        -> Capture, PacketWire
//   Emulator       -> PacketWire, RouteLookup, DeterministicRandom, CacheHints (C: prefetch, spin pause)
//   ControlPlane   -> Emulator
//   Scenario       -> ControlPlane + Yams (SecureCart designs, presets, YAML files, runs)
//   Replay         -> Capture, Scenario, CacheHints (captured traffic through a design)
//   Report         -> Inspect, Scenario, Replay (text, JSON, CSV)
//   Sweep          -> Scenario, Report + Yams (sweep files, points, shards, merge)
//   dxemu (CLI)    -> everything above + swift-argument-parser
import PackageDescription

let package = Package(
    name: "dxemu",
    products: [
        .executable(name: "dxemu", targets: ["dxemu"]),
        .library(name: "NetAddress", targets: ["NetAddress"]),
        .library(name: "PacketWire", targets: ["PacketWire"]),
        .library(name: "RouteLookup", targets: ["RouteLookup"]),
        .library(name: "Capture", targets: ["Capture"]),
        .library(name: "Inspect", targets: ["Inspect"]),
        .library(name: "Emulator", targets: ["Emulator"]),
        .library(name: "ControlPlane", targets: ["ControlPlane"]),
        .library(name: "Scenario", targets: ["Scenario"]),
        .library(name: "Replay", targets: ["Replay"]),
        .library(name: "Report", targets: ["Report"]),
        .library(name: "Sweep", targets: ["Sweep"]),
        .library(name: "SampleCaptures", targets: ["SampleCaptures"]),
        .library(name: "DeterministicRandom", targets: ["DeterministicRandom"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CPcap",
            pkgConfig: "libpcap",
            providers: [.apt(["libpcap-dev"]), .brew(["libpcap"])]
        ),
        .target(name: "CacheHints"),
        .target(name: "NetAddress"),
        .target(name: "DeterministicRandom"),
        .target(name: "PacketWire", dependencies: ["NetAddress"]),
        .target(name: "RouteLookup", dependencies: ["NetAddress"]),
        .target(name: "Capture", dependencies: ["CPcap", "PacketWire"]),
        .target(name: "Emulator", dependencies: ["PacketWire", "RouteLookup", "NetAddress", "DeterministicRandom", "CacheHints"]),
        .target(name: "Inspect", dependencies: ["Capture", "PacketWire"]),
        .target(name: "ControlPlane", dependencies: ["Emulator", "NetAddress", "DeterministicRandom"]),
        .target(name: "Scenario", dependencies: ["Emulator", "ControlPlane", "PacketWire", "NetAddress", .product(name: "Yams", package: "Yams")]),
        .target(name: "Replay", dependencies: ["Capture", "Emulator", "Scenario", "PacketWire", "NetAddress", "CacheHints"]),
        .target(name: "SampleCaptures", dependencies: ["Capture", "PacketWire", "NetAddress", "DeterministicRandom"]),
        .target(name: "Report", dependencies: ["Inspect", "Capture", "PacketWire", "Scenario", "Emulator", "Replay"]),
        .target(name: "Sweep", dependencies: ["Scenario", "Report", "Emulator", "DeterministicRandom", .product(name: "Yams", package: "Yams")]),
        .executableTarget(
            name: "dxemu",
            dependencies: [
                "Capture", "PacketWire", "RouteLookup", "Inspect", "Report", "SampleCaptures", "Emulator", "Scenario", "Replay", "Sweep",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "NetAddressTests", dependencies: ["NetAddress"]),
        .testTarget(name: "PacketWireTests", dependencies: ["PacketWire", "NetAddress"]),
        .testTarget(name: "CaptureTests", dependencies: ["Capture", "PacketWire", "SampleCaptures", "TestSupport"]),
        .testTarget(name: "InspectTests", dependencies: ["Inspect", "Capture", "PacketWire", "TestSupport"]),
        .testTarget(name: "RouteLookupTests", dependencies: ["RouteLookup", "NetAddress", "TestSupport"]),
        .testTarget(name: "EmulatorTests", dependencies: ["Emulator", "PacketWire", "NetAddress", "DeterministicRandom", "TestSupport"]),
        .testTarget(name: "ControlPlaneTests", dependencies: ["ControlPlane", "Emulator", "Scenario", "PacketWire", "NetAddress", "TestSupport"]),
        .testTarget(name: "ScenarioTests", dependencies: ["Scenario", "Report", "Emulator", "ControlPlane", "PacketWire", "NetAddress", "DeterministicRandom", "TestSupport"],
                    exclude: ["Broken"]),
        .testTarget(name: "ReplayTests", dependencies: ["Replay", "DeterministicRandom", "NetAddress", "Scenario", "Emulator", "Capture", "PacketWire", "SampleCaptures", "TestSupport"]),
        .testTarget(name: "SweepTests", dependencies: ["Sweep", "Scenario", "TestSupport"]),
        .testTarget(name: "ReportTests", dependencies: ["Report", "Inspect", "Scenario", "Emulator"]),
        .testTarget(name: "dxemuTests", dependencies: ["dxemu", "TestSupport"]),
    ]
)
