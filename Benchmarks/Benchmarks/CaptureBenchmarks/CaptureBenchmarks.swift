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
/// `Mpps x 10` metric is the packet rate of that pass, in units of 100,000 packets/s.
let benchmarks: @Sendable () -> Void = {
    let environment = ProcessInfo.processInfo.environment
    let packets = Int(environment["DXEMU_BENCH_PACKETS"] ?? "") ?? 2_000_000
    let path = environment["DXEMU_BENCH_CAPTURE"]
        ?? FileManager.default.temporaryDirectory.appendingPathComponent("dxemu-bench-bulk-\(packets).pcap").path
    if !FileManager.default.fileExists(atPath: path) {
        do { try BulkCapture.write(to: path, packets: packets) } catch { fatalError("cannot write \(path): \(error)") }
    }
    let rate = BenchmarkMetric.custom("Mpps x 10", polarity: .prefersLarger, useScalingFactor: false)
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
        benchmark.measurement(rate, Int(Double(n) / Double(elapsed) * 1e4))
    }

    Benchmark("Capture.DxemuReadParseFlowKey", configuration: configuration) { benchmark in
        benchmark.startMeasurement()
        let start = DispatchTime.now().uptimeNanoseconds
        let result = try FlowKeyScan.scan(path: path)
        let elapsed = DispatchTime.now().uptimeNanoseconds - start
        benchmark.stopMeasurement()
        precondition(result.packets == packets, "read \(result.packets) packets")
        blackHole(result.digest)
        benchmark.measurement(rate, Int(Double(result.packets) / Double(elapsed) * 1e4))
    }
}
