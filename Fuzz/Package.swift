// swift-tools-version:6.1
// libFuzzer targets for dxemu's parsers and capture reader (see ../docs/fuzzing.md).
//
//   swift build -c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING
//   .build/release/PacketFuzzer -max_total_time=60 corpus/
//
// The executable's own main hands control to libFuzzer (LLVMFuzzerRunDriver):
// SwiftPM links its own main, so a bare LLVMFuzzerTestOneInput would build,
// run and exit 0 without fuzzing (SWIFT-NOTES, "fuzzing trap").
import PackageDescription

let package = Package(
    name: "dxemu-fuzz",
    dependencies: [.package(name: "dxemu", path: "..")],
    targets: [
        .target(name: "CFuzzerDriver"),
        .executableTarget(
            name: "PacketFuzzer",
            dependencies: [
                "CFuzzerDriver",
                .product(name: "PacketWire", package: "dxemu"),
                .product(name: "Inspect", package: "dxemu"),
            ]
        ),
        .executableTarget(
            name: "CaptureFuzzer",
            dependencies: [
                "CFuzzerDriver",
                .product(name: "Capture", package: "dxemu"),
            ]
        ),
    ]
)
