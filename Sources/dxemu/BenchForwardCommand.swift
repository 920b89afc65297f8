import ArgumentParser
import Emulator
import Scenario

/// `dxemu bench forward`: packets simulated per wall-clock second on the
/// SecureCart path, in the scenario of ../shared/peers/ns3 (same options,
/// same output line, so the two can be compared in one run).
struct BenchForwardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forward",
        abstract: "Forwarding rate of the emulator on the ns-3 yardstick scenario (H -> R ==DX== G -> V1, DX failure).",
        discussion: """
        Prints 'dxemu sent=... received=... lost=... expected_lost=... events=... run_s=...
        sim_pkts_per_wall_s=... events_per_wall_s=...' like ../shared/peers/ns3's securecart.
        """
    )

    @Option(help: "Packets per second.") var rate: Double = 100_000
    @Option(help: "UDP payload bytes.") var size = 1000
    @Option(help: "Seconds of traffic.") var duration: Double = 20
    @Option(name: .customLong("failAt"), help: "Time DX goes silent (s).") var failAt: Double = 5
    @Option(help: "Detection + convergence delay (s).") var detect: Double = 0.9
    @Option(help: "Runs (the best and median are printed).") var repeats = 1

    func run() throws {
        var yard = NS3Yardstick()
        yard.rate = rate
        yard.payload = size
        yard.duration = duration
        yard.failAt = failAt
        yard.detect = detect
        var times: [Double] = []
        var line = ""
        for _ in 0..<max(repeats, 1) {
            let setupStart = Clock.nanoseconds()
            let built = yard.build()
            let start = Clock.nanoseconds()
            built.simulation.run(until: built.end)
            let end = Clock.nanoseconds()
            let s = built.simulation.statistics(of: built.flow)
            let runSeconds = Double(end - start) / 1e9
            times.append(runSeconds)
            guard built.simulation.accountingViolations().isEmpty else { throw InputError("accounting invariant broken (bug)") }
            line = "dxemu sent=\(s.sent) received=\(s.delivered) lost=\(s.sent - s.delivered) "
                + "expected_lost=\(fixed(rate * detect, 0)) events=\(built.simulation.eventsProcessed) "
                + "setup_s=\(fixed(Double(start - setupStart) / 1e9, 3)) run_s=\(fixed(runSeconds, 3)) "
                + "sim_pkts_per_wall_s=\(fixed(Double(s.sent) / runSeconds, 0)) "
                + "events_per_wall_s=\(fixed(Double(built.simulation.eventsProcessed) / runSeconds, 0)) "
                + "drops=\(DropReason.allCases.filter { s.drops[$0] > 0 }.map { "\($0.key):\(s.drops[$0])" }.joined(separator: ","))"
            if repeats > 1 { Output.line(line); Output.flush() }
        }
        if repeats <= 1 { Output.line(line) } else {
            let sorted = times.sorted()
            Output.line("dxemu runs=\(times.count) run_s_best=\(fixed(sorted[0], 3)) run_s_median=\(fixed(sorted[sorted.count / 2], 3))")
        }
    }
}
