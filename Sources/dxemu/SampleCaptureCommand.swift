import ArgumentParser
import SampleCaptures

/// `dxemu sample-capture`: writes the deterministic SecureCart demo capture.
struct SampleCaptureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample-capture",
        abstract: "Write the SecureCart sample capture (deterministic: same seed, same bytes)."
    )

    @Option(name: [.short, .long], help: "Output pcap file.")
    var output = "captures/securecart.pcap"

    @Option(name: .long, help: "Random seed.")
    var seed: UInt64 = SecureCartCapture.defaultSeed

    @Option(name: .long, help: "Instead, write this many packets of 4,096 flows for throughput runs (like ../shared/peers/pcapread's gen_capture.py).")
    var bulk: Int?

    func run() throws {
        do {
            if let bulk {
                guard bulk > 0 else { throw InputError("--bulk must be a positive number of packets") }
                try BulkCapture.write(to: output, packets: bulk, seed: seed)
                Output.line("wrote \(bulk) frames to \(output)")
                return
            }
            let count = try SecureCartCapture.write(to: output, seed: seed)
            Output.line("wrote \(count) frames to \(output)")
        } catch let error as InputError {
            throw error
        } catch {
            throw InputError("\(error)")
        }
    }
}
