import ArgumentParser
import Capture
import Inspect
import PacketWire
import Report
import SampleCaptures
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `dxemu inspect`: what a capture holds, and per-frame Wireshark-style rows.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Summarise capture files: format, link types, protocols, flows, malformed frames.",
        discussion: """
        With no FILE, inspects the bundled SecureCart capture (captures/securecart.pcap,
        regenerated in a temporary file when it is not found).
        A file that cannot be read to the end is reported with the records read before
        the fault, and the command exits with code 1.
        """
    )

    @Argument(help: "pcap or pcapng files ('-' reads standard input).")
    var files: [String] = []

    @Flag(name: .long, help: "Print the report as JSON (schema dxemu.inspect, docs/inspect-json.md).")
    var json = false

    @Flag(name: .long, help: "Print one CSV row per frame in the Wireshark oracle columns instead of the summary.")
    var packets = false

    @Flag(name: .long, help: "With --packets: print the column names first.")
    var header = false

    @Option(name: .long, help: "Keep only frames that match this BPF filter (tcpdump syntax).")
    var filter: String?

    @Flag(name: .long, help: "Verify IPv4 header checksums.")
    var checksums = false

    mutating func validate() throws {
        if json && packets { throw ValidationError("--json and --packets cannot be combined") }
        if header && !packets { throw ValidationError("--header only applies to --packets") }
    }

    func run() throws {
        var paths = files
        if paths.isEmpty { paths = [try DefaultCapture.path()] }
        let options = CaptureInspector.Options(filter: filter, verifyChecksums: checksums)
        var summaries: [CaptureSummary] = []
        if packets && header { Output.line(FrameColumns.header) }
        for path in paths {
            if packets && paths.count > 1 { Output.line("# \(path)") }
            let summary = CaptureInspector.inspect(path: path, options: options,
                                                   eachFrame: packets ? { Output.line($0.csvRow) } : nil)
            summaries.append(summary)
            if !json && !packets { Output.write(InspectReport.text(summary)) }
        }
        if json { Output.line(InspectReport.json(summaries).serialized()) }
        let troubled = summaries.filter(\.hasProblems)
        guard !troubled.isEmpty else { return }
        Output.flush()
        for s in troubled {
            if let error = s.error {
                Output.error("dxemu: \(error) (\(s.packets) records read before the fault)")
            }
            if let fault = s.recordFaults.first {
                let more = s.recordFaultCount > 1 ? " (and \(s.recordFaultCount - 1) more record faults)" : ""
                Output.error("dxemu: \(fault)\(more)")
            }
            if let first = s.firstMalformed {
                let more = s.malformedTotal - s.malformed[Int(MalformedReason.headersCutBySnaplen.rawValue)] - 1
                Output.error("dxemu: \(first)\(more > 0 ? " (and \(more) more malformed frames)" : "")")
            }
        }
        throw ExitCode(1)
    }
}

/// Where the bundled capture is, for commands run without a file.
enum DefaultCapture {
    static let relativePath = "captures/securecart.pcap"

    /// The committed capture when run from the repository, else a fresh copy
    /// generated with the same seed (identical bytes) in a temporary file.
    static func path() throws -> String {
        if access(relativePath, R_OK) == 0 { return relativePath }
        let temporary = "/tmp/dxemu-securecart-\(getpid()).pcap"
        do {
            _ = try SecureCartCapture.write(to: temporary)
        } catch {
            throw InputError("cannot generate the default capture: \(error)")
        }
        atexit { unlink("/tmp/dxemu-securecart-\(getpid()).pcap") }
        return temporary
    }
}
