import ArgumentParser
import Capture
import PacketWire
import Replay
import Scenario
#if canImport(Glibc)
import Glibc
#endif

/// `dxemu bench`: measurements of the hot paths, printed in the peers' formats.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure dxemu's hot paths (release build).",
        subcommands: [BenchReadCommand.self, BenchLookupCommand.self, BenchUpdatesCommand.self, BenchTraceCommand.self, BenchForwardCommand.self, BenchReplayCommand.self]
    )
}

/// `dxemu bench read FILE`: read + parse + flow-key rate, like ../shared/peers/pcapread.
struct BenchReadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "read",
        abstract: "Read, parse and extract flow keys from a capture; print the rate.",
        discussion: "Prints `DXEMUREAD packets=N mpps_median=X ...` after one warm-up pass and REPS timed passes."
    )

    @Argument(help: "A capture file.")
    var file: String

    @Option(name: [.customShort("R"), .long], help: "Timed passes.")
    var reps = 5

    func run() throws {
        var rates: [Double] = []
        var result = FlowKeyScan.Result()
        for pass in 0...max(reps, 1) {
            let start = Clock.nanoseconds()
            do {
                result = try FlowKeyScan.scan(path: file)
            } catch {
                throw InputError("\(error)")
            }
            let elapsed = Clock.nanoseconds() - start
            if pass > 0 { rates.append(Double(result.packets) / Double(elapsed) * 1e3) }
        }
        rates.sort()
        Output.line("DXEMUREAD packets=\(result.packets) reps=\(rates.count) mpps_median=\(format(rates[rates.count / 2])) "
                    + "mpps_min=\(format(rates.first!)) mpps_max=\(format(rates.last!)) ip=\(result.ipPackets) "
                    + "malformed=\(result.malformed) digest=\(result.digest)")
    }

    private func format(_ x: Double) -> String {
        let hundredths = Int((x * 100).rounded())
        return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)"
    }
}

/// Monotonic time for measurements.
enum Clock {
    static func nanoseconds() -> Int64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Int64(t.tv_sec) * 1_000_000_000 + Int64(t.tv_nsec)
    }
}

/// `dxemu bench replay FILE`: a whole replay at top speed (read, parse, map,
/// forward through the recommended design), the rate in captured packets per
/// wall second; beside `bench read` and libpcap's own loop.
struct BenchReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay a capture at top speed through the default design; print the rate.",
        discussion: "Prints `DXEMUREPLAY packets=N mpps_median=X ...` after one warm-up pass and REPS timed passes."
    )

    @Argument(help: "A capture file.")
    var file: String

    @Option(name: [.customShort("R"), .long], help: "Timed passes.")
    var reps = 3

    @Option(name: .long, help: "Pacing: top (back to back at 100 Gbps) or original (the capture's timestamps).")
    var pacing = "top"

    func run() throws {
        var rates: [Double] = []
        var last: ReplayResult?
        for pass in 0...max(reps, 1) {
            var options = ReplayOptions(scenario: Preset.recommended.scenario)
            options.scenario.failures = []
            options.pacing = pacing == "original" ? .original(speed: 1) : .lineRate
            let start = Clock.nanoseconds()
            let result: ReplayResult
            do {
                result = try Replay.run(file: file, options: options)
            } catch {
                throw InputError("\(error)")
            }
            let elapsed = Clock.nanoseconds() - start
            if pass > 0 { rates.append(Double(result.framesRead) / Double(elapsed) * 1e3) }
            last = result
        }
        rates.sort()
        let r = last!
        let delivered = r.run.groups.reduce(UInt64(0)) { $0 + $1.statistics.delivered }
        Output.line("DXEMUREPLAY packets=\(r.framesRead) reps=\(rates.count) mpps_median=\(format(rates[rates.count / 2])) "
                    + "mpps_min=\(format(rates.first!)) mpps_max=\(format(rates.last!)) replayed=\(r.replayed) "
                    + "delivered=\(delivered) events=\(r.run.events)")
    }

    private func format(_ x: Double) -> String {
        let hundredths = Int((x * 100).rounded())
        return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)"
    }
}
