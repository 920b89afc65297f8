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
        subcommands: [BenchReadCommand.self]
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
        var packets = 0
        var digest: UInt64 = 0
        for pass in 0...max(reps, 1) {
            let start = Clock.nanoseconds()
            do {
                let reader = try CaptureReader(path: file)
                packets = 0
                while let record = try reader.next() {
                    var info = PacketInfo()
                    PacketParser.parse(record.bytes, wireLength: record.wireLength, linkType: record.linkType, into: &info)
                    let key = info.ip.flow
                    digest &+= key.sourceLow ^ key.destinationLow ^ UInt64(key.sourcePort) << 16
                        ^ UInt64(key.destinationPort) ^ UInt64(key.ipProtocol)
                    packets += 1
                }
            } catch {
                throw InputError("\(error)")
            }
            let elapsed = Clock.nanoseconds() - start
            if pass > 0 { rates.append(Double(packets) / Double(elapsed) * 1e3) }
        }
        rates.sort()
        Output.line("DXEMUREAD packets=\(packets) reps=\(rates.count) mpps_median=\(format(rates[rates.count / 2])) "
                    + "mpps_min=\(format(rates.first!)) mpps_max=\(format(rates.last!)) digest=\(digest)")
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
