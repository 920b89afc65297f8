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

    func run() throws {
        do {
            let count = try SecureCartCapture.write(to: output, seed: seed)
            Output.line("wrote \(count) frames to \(output)")
        } catch {
            throw InputError("\(error)")
        }
    }
}
