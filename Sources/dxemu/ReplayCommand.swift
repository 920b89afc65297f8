import ArgumentParser
import Emulator
import Report
import Replay
import Scenario

/// `dxemu replay`: captured traffic through a design, across a failure.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay a capture through a design and report what the network did to every packet.",
        discussion: """
        The capture is streamed (constant memory however long it is). By default its
        addresses are mapped onto the topology: the side that opens each connection
        (the sender of a TCP SYN; for other traffic the first sender) goes to on-prem,
        its peer to VPC-1 (or VPC-2 when its port is in --vpc2-ports). The mapping is
        deterministic and listed in the report. Non-IP and malformed frames are counted
        with their reason. With no failure option the scenario's own failures apply
        (none for a preset): add e.g. --fail dx1 --mode silent --at 2s.
        """
    )

    @Argument(help: "A pcap or pcapng file.")
    var file: String

    @Option(name: .long, help: "A preset or scenario file (default: recommended).")
    var scenario: String?

    @Flag(name: .customLong("no-map"), help: "Keep the capture's addresses (they must lie in the design's site prefixes).")
    var noMap = false

    @Option(name: .customLong("vpc2-ports"), help: "Comma-separated server ports whose servers go to VPC-2 (e.g. 80,443).")
    var vpc2Ports: String?

    @Option(name: .long, help: "Replay at this multiple of the capture's own pace (2 = twice as fast).")
    var speed: Double?

    @Option(name: .long, help: "Replay at a fixed packet rate.")
    var pps: Double?

    @Option(name: .long, help: "Replay at a fixed bit rate (IP bytes), in megabits per second.")
    var mbps: Double?

    @Flag(name: .customLong("top-speed"), help: "Replay back to back at the data-centre LAN's 100 Gbps.")
    var topSpeed = false

    @Option(name: .long, help: "Replay the file this many times.")
    var loop = 1

    @Option(name: .long, help: "Replay only frames that match this BPF filter (tcpdump syntax).")
    var filter: String?

    @Option(name: .long, parsing: .singleValue,
            help: "Write what crossed a connection to a pcap: LINK=FILE (dx1, vpn1-t1, vpc-peering, ...). Repeatable.")
    var capture: [String] = []

    @Option(name: .customLong("capture-snaplen"), help: "Bytes kept per packet in --capture files.")
    var captureSnapLength = 256

    @Flag(name: .customLong("closed-loop"), help: "Replay TCP as closed-loop connections: captured segments are application writes, the TCP model sends them.")
    var closedLoop = false

    @Option(name: .customLong("congestion-control"), help: "With --closed-loop: cubic or reno.")
    var congestionControl = "cubic"

    @Option(name: .customLong("min-rto"), help: "With --closed-loop: the minimum retransmission timeout (default 200ms, Linux).")
    var minRTO: String?

    @OptionGroup var failure: FailureOptions
    @OptionGroup var options: RunOptions

    mutating func validate() throws {
        let pacings = [speed != nil, pps != nil, mbps != nil, topSpeed].filter { $0 }.count
        if pacings > 1 { throw ValidationError("choose one of --speed, --pps, --mbps, --top-speed") }
        if loop < 1 { throw ValidationError("--loop must be at least 1") }
        if captureSnapLength < 64 || captureSnapLength > 262_144 { throw ValidationError("--capture-snaplen must be in 64...262144") }
    }

    func run() throws {
        var (spec, preset, requested) = try ScenarioSource.load(scenario)
        try failure.apply(to: &spec)
        if let seed = options.seed { spec.seed = seed }
        if options.duration != nil { throw InputError("--duration does not apply to replay: the capture sets the length") }
        var replay = ReplayOptions(scenario: spec)
        replay.mapAddresses = !noMap
        if let vpc2Ports {
            for item in vpc2Ports.split(separator: ",") {
                guard let port = UInt16(item.trimmingCharacters(in: .whitespaces)) else {
                    throw InputError("--vpc2-ports: '\(item)' is not a port number")
                }
                replay.vpc2Ports.insert(port)
            }
        }
        if let speed { replay.pacing = .original(speed: speed) }
        if let pps { replay.pacing = .packetsPerSecond(pps) }
        if let mbps { replay.pacing = .megabitsPerSecond(mbps) }
        if topSpeed { replay.pacing = .lineRate }
        replay.loops = loop
        if closedLoop {
            var tcp = TCPConfiguration()
            guard let cc = CongestionControl(rawValue: congestionControl) else {
                throw InputError("--congestion-control '\(congestionControl)' is not one of cubic, reno")
            }
            tcp.congestionControl = cc
            if let minRTO {
                guard let t = QuantityParser.time(minRTO), t.nanoseconds > 0 else { throw InputError("--min-rto '\(minRTO)' is not a positive time") }
                tcp.minimumRTO = t
            }
            replay.closedLoopTCP = tcp
        }
        replay.filter = filter
        replay.captureSnapLength = captureSnapLength
        for item in capture {
            guard let eq = item.firstIndex(of: "="), eq != item.startIndex, item.index(after: eq) != item.endIndex else {
                throw InputError("--capture '\(item)' must be LINK=FILE")
            }
            replay.captures.append((String(item[..<eq]), String(item[item.index(after: eq)...])))
        }
        let progress = ProgressLine()
        replay.progress = { packets, now in
            progress.update { "dxemu replay: \(packets) packets sent, \(RunReport.seconds(now.nanoseconds)) of virtual time" }
        }
        let result: ReplayResult
        do {
            defer { progress.finish() }
            result = try Replay.run(file: file, options: replay)
        } catch let e as ReplayError {
            throw InputError(e.description)
        }
        if !options.quiet { Output.write(ReplayReport.text(result, preset: preset)) }
        if let path = options.json ?? requested.json {
            try ScenarioSource.write(ReplayReport.json(result, preset: preset).serialized() + "\n", to: path)
        }
        if let dir = options.csv ?? requested.csv { try ScenarioSource.writeCSV(RunReport.csv(result.run), into: dir) }
        if let path = options.html {
            try ScenarioSource.write(HTMLReport.render(result.run, preset: preset, title: "dxemu replay",
                                                       text: ReplayReport.text(result, preset: preset)), to: path)
        }
        try ScenarioSource.finish(result.run)
        var faults: [String] = []
        if let error = result.captureError {
            faults.append("dxemu: \(error) (\(result.framesRead) records read before the fault)")
        }
        if let first = result.firstMalformed {
            let more = result.malformedFrames - 1
            faults.append("dxemu: \(first)\(more > 0 ? " (and \(more) more malformed frames)" : "")")
        }
        if let fault = result.recordFaults.first {
            let more = result.recordFaultCount > 1 ? " (and \(result.recordFaultCount - 1) more record faults)" : ""
            faults.append("dxemu: \(fault)\(more)")
        }
        if !faults.isEmpty {
            Output.flush()
            for f in faults { Output.error(f) }
            throw ExitCode(1)
        }
    }
}
