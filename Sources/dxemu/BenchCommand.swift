import ArgumentParser
import Capture
import PacketWire
#if canImport(Glibc)
import Glibc
#endif

/// `dxemu bench`: measurements of the hot paths, printed in the peers' formats.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure dxemu's hot paths (release build).",
        subcommands: [BenchReadCommand.self, BenchLookupCommand.self, BenchUpdatesCommand.self, BenchTraceCommand.self, BenchForwardCommand.self]
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
