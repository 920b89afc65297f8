import Benchmark
import Emulator
import Foundation
import Replay
import SampleCaptures
import Scenario

/// The forwarding core and a whole replay. Setup (building the network,
/// writing the capture) is outside the measurement of Forward. The
/// benchmark package's malloc counter reads 0 on this machine, so allocations
/// per packet are measured by `make bench-allocs` (an LD_PRELOAD counter).
/// For the ns-3 comparison use `dxemu bench forward` beside
/// ../shared/peers/ns3; for libpcap's read rate, `make bench-read`.
let benchmarks: @Sendable () -> Void = {
    let config = Benchmark.Configuration(metrics: [.wallClock, .throughput, .peakMemoryResident],
                                         warmupIterations: 1, scalingFactor: .mega, maxDuration: .seconds(20), maxIterations: 10)

    // H -> R ==DX== G -> V1, 1000-byte UDP at 1M packets per second, no failure.
    for seconds in [1.0, 2.0] {
        Benchmark("Forward.SecureCartPath.\(Int(seconds))M", configuration: config) { benchmark in
            var yard = NS3Yardstick()
            yard.rate = 1_000_000
            yard.duration = seconds
            yard.failAt = 1_000
            let built = yard.build()
            benchmark.startMeasurement()
            built.simulation.run(until: built.end)
            benchmark.stopMeasurement()
            precondition(built.simulation.statistics(of: built.flow).delivered == UInt64(seconds * 1_000_000))
        }
    }

    // A whole replay (read, parse, map, pace, forward) of 1M packets of 4,096
    // flows at line rate through the recommended design.
    let capture = FileManager.default.temporaryDirectory.appendingPathComponent("dxemu-bench-replay-\(getpid()).pcap").path
    Benchmark("Replay.Bulk.1M", configuration: config, closure: { _ in
        var options = ReplayOptions(scenario: Preset.recommended.scenario)
        options.scenario.failures = []
        options.pacing = .lineRate
        let result = try Replay.run(file: capture, options: options)
        precondition(result.framesAccounted && result.framesRead == 1_000_000)
    }, setup: {
        try BulkCapture.write(to: capture, packets: 1_000_000, seed: 1)
    }, teardown: {
        try? FileManager.default.removeItem(atPath: capture)
    })
}
