import Benchmark
import CPcapReadLoop
import Capture
import Foundation
import PacketWire
import SampleCaptures

/// Reading + parsing + flow-key extraction over a large capture, beside libpcap's
/// own read loop on the same file in the same run (the ceiling: ../shared/peers/pcapread).
///
/// The capture (2,000,000 packets by default, `DXEMU_BENCH_PACKETS` to change) is
/// generated once by `BulkCapture` into the temporary folder, or taken from
/// `DXEMU_BENCH_CAPTURE`. Each iteration is one pass over the whole file; the
/// `packetsPerSecond` metric is the rate of that pass.
let benchmarks: @Sendable () -> Void = {
    let environment = ProcessInfo.processInfo.environment
    let packets = Int(environment["DXEMU_BENCH_PACKETS"] ?? "") ?? 2_000_000
    let path = environment["DXEMU_BENCH_CAPTURE"]
        ?? FileManager.default.temporaryDirectory.appendingPathComponent("dxemu-bench-bulk-\(packets).pcap").path
    if !FileManager.default.fileExists(atPath: path) {
        do { try BulkCapture.write(to: path, packets: packets) } catch { fatalError("cannot write \(path): \(error)") }
    }
    let rate = BenchmarkMetric.custom("packets/s (M)", polarity: .prefersLarger, useScalingFactor: false)
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident, rate],
        warmupIterations: 1, maxDuration: .seconds(60), maxIterations: 7)

    Benchmark("Capture.LibpcapNextExLoop", configuration: configuration) { benchmark in
        var touch: UInt64 = 0
        benchmark.startMeasurement()
        let start = DispatchTime.now().uptimeNanoseconds
        let n = dxemu_pcap_read_loop(path, &touch)
        let elapsed = DispatchTime.now().uptimeNanoseconds - start
        benchmark.stopMeasurement()
        precondition(n == packets, "read \(n) packets")
        blackHole(touch)
        benchmark.measurement(rate, Int(Double(n) / Double(elapsed) * 1e9 / 1e6 * 1000))
    }

    Benchmark("Capture.DxemuReadParseFlowKey", configuration: configuration) { benchmark in
        benchmark.startMeasurement()
        let start = DispatchTime.now().uptimeNanoseconds
        let reader = try CaptureReader(path: path)
        var n = 0
        var digest: UInt64 = 0
        while let record = try reader.next() {
            var info = PacketInfo()
            PacketParser.parse(record.bytes, wireLength: record.wireLength, linkType: record.linkType, into: &info)
            let key = info.ip.flow
            digest &+= key.sourceLow ^ key.destinationLow ^ UInt64(key.sourcePort) << 16 ^ UInt64(key.destinationPort) ^ UInt64(key.ipProtocol)
            n += 1
        }
        let elapsed = DispatchTime.now().uptimeNanoseconds - start
        benchmark.stopMeasurement()
        precondition(n == packets, "read \(n) packets")
        blackHole(digest)
        benchmark.measurement(rate, Int(Double(n) / Double(elapsed) * 1e9 / 1e6 * 1000))
    }
}
