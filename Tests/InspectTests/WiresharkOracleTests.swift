import Capture
import Foundation
import Inspect
import PacketWire
import TestSupport
import Testing

/// One row of a Wireshark oracle CSV (tshark -T fields, aggregator ';').
struct OracleRow: Equatable {
    var number: Int
    var wireLength: Int
    /// ip.src, ip.dst, ipv6.src, ipv6.dst, ip.proto, ipv6.nxt, tcp.srcport, tcp.dstport, udp.srcport, udp.dstport
    var columns: [[String]]

    init(csv line: Substring) {
        let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        number = Int(cells[0]) ?? -1
        wireLength = Int(cells[1]) ?? -1
        columns = cells.dropFirst(2).map { $0.isEmpty ? [] : $0.split(separator: ";").map(String.init) }
        while columns.count < 10 { columns.append([]) }
    }

    init(_ f: FrameColumns) {
        number = f.number
        wireLength = f.wireLength
        columns = [f.ipSource, f.ipDestination, f.ipv6Source, f.ipv6Destination,
                   f.ipProtocol.map(String.init), f.ipv6NextHeader.map(String.init),
                   f.tcpSourcePort.map(String.init), f.tcpDestinationPort.map(String.init),
                   f.udpSourcePort.map(String.init), f.udpDestinationPort.map(String.init)]
    }

    static let addressColumns = 0..<6
    static let portColumns = 6..<10
    var ports: [[String]] { Array(columns[Self.portColumns]) }
    /// The four port columns as one text, `tcp.src,tcp.dst,udp.src,udp.dst`.
    var portText: String { ports.map { $0.joined(separator: ";") }.joined(separator: ",") }
    var hasPorts: Bool { ports.contains { !$0.isEmpty } }
}

/// `dxemu inspect --packets` against Wireshark, frame by frame, on every valid
/// capture of ../shared/captures that has an oracle.
///
/// Every frame must agree exactly (wire length, every address, protocol and port,
/// outer layer first, including the layers dxemu decodes inside tunnels: IP-in-IP,
/// GRE, VXLAN, and datagrams quoted by ICMP errors) except in two cases that are
/// handled explicitly and counted:
///
/// 1. IP fragments. Wireshark reassembles: it shows the transport ports on the
///    fragment that completes the datagram, none on the others. dxemu reads what
///    is on the wire: the ports on the offset-0 fragment. Addresses and protocols
///    must still match on every fragment; the ports dxemu found on a datagram's
///    first fragment must be the ones Wireshark shows on its completing fragment
///    (same source, destination, protocol and identification; a datagram whose
///    fragments repeat in the capture is reassembled, and shown, once).
/// 2. Packets carried inside application payloads. Wireshark decodes whole frames
///    inside some application protocols (OpenFlow packet-in/packet-out); dxemu
///    stops at the transport layer. For frames of those protocols dxemu's values
///    must be the leading (outer) values of Wireshark's in every column.
@Suite("Wireshark oracle", .enabled(if: TestPaths.sharedCaptures != nil, Comment(rawValue: TestPaths.sharedAbsentMessage)))
struct WiresharkOracleTests {
    /// Transport ports of application protocols whose payload Wireshark decodes into
    /// nested packets and dxemu does not: OpenFlow (6633, 6653), sFlow (6343),
    /// L2TP (1701), Teredo (3544), CAPWAP (5246, 5247), TZSP (37008).
    static let packetCarryingApplicationPorts: Set<String> = ["6633", "6653", "6343", "1701", "3544", "5246", "5247", "37008"]

    static var oracleFiles: [ManifestEntry] {
        sharedManifest().filter { entry in
            entry.isValid && FileManager.default.fileExists(atPath: entry.path + ".oracle.csv")
        }
    }

    struct Outcome {
        var frames = 0
        var exact = 0
        var fragmentFrames: [Int] = []
        var nestedPayloadFrames: [Int] = []
        var mismatches: [String] = []
    }

    static func compare(_ entry: ManifestEntry) throws -> Outcome {
        try compare(path: entry.path)
    }

    /// Compares `path` with `path.oracle.csv`.
    static func compare(path: String) throws -> Outcome {
        var ours: [FrameColumns] = []
        let summary = CaptureInspector.inspect(path: path) { ours.append($0) }
        var outcome = Outcome()
        if let error = summary.error { outcome.mismatches.append("read error: \(error)") }
        let oracleText = try String(contentsOfFile: path + ".oracle.csv", encoding: .utf8)
        let oracle = oracleText.split(separator: "\n").map(OracleRow.init(csv:))
        if ours.count != oracle.count {
            outcome.mismatches.append("dxemu read \(ours.count) frames, Wireshark \(oracle.count)")
        }
        // Fragment bookkeeping: datagram key -> ports dxemu saw on the first fragment,
        // and ports Wireshark showed on any fragment of it.
        var firstFragmentPorts: [String: [String]] = [:]
        var oraclePortsOnFragments: [String: [String]] = [:]
        for (mine, theirs) in zip(ours, oracle) {
            outcome.frames += 1
            let row = OracleRow(mine)
            if row.number != theirs.number || row.wireLength != theirs.wireLength {
                outcome.mismatches.append("frame \(theirs.number): number/length \(row.number)/\(row.wireLength) vs \(theirs.number)/\(theirs.wireLength)")
                continue
            }
            if row == theirs { outcome.exact += 1; continue }
            if mine.outerFragment != .whole {
                // Case 1: addresses and protocols exact; ports checked per datagram below.
                outcome.fragmentFrames.append(row.number)
                if Array(row.columns[OracleRow.addressColumns]) != Array(theirs.columns[OracleRow.addressColumns]) {
                    outcome.mismatches.append("frame \(row.number) (fragment): \(row.columns) vs \(theirs.columns)")
                }
                let key = "\(row.columns[0])\(row.columns[1])\(row.columns[2])\(row.columns[3])\(row.columns[4])\(row.columns[5])#\(mine.outerIdentification)"
                if mine.outerFragment == .first { firstFragmentPorts[key, default: []].append(row.portText) }
                if theirs.hasPorts { oraclePortsOnFragments[key, default: []].append(theirs.portText) }
                continue
            }
            // Case 2: Wireshark went deeper inside an application payload.
            let isPrefix = zip(row.columns, theirs.columns).allSatisfy { mine, theirs in
                mine.count <= theirs.count && Array(theirs.prefix(mine.count)) == mine
            }
            let application = (row.ports.joined()).contains { Self.packetCarryingApplicationPorts.contains($0) }
            if isPrefix && application {
                outcome.nestedPayloadFrames.append(row.number)
                continue
            }
            outcome.mismatches.append("frame \(row.number): dxemu \(row.columns) vs Wireshark \(theirs.columns)")
        }
        for (key, ports) in firstFragmentPorts {
            let shown = oraclePortsOnFragments[key] ?? []
            // Wireshark shows the ports on the completing fragment, once per
            // reassembly: a datagram whose fragments appear again in the capture is
            // not reassembled twice, and one that lacks a fragment never completes.
            if !(shown.isEmpty || (Set(shown) == Set(ports) && shown.count <= ports.count)) {
                outcome.mismatches.append("datagram \(key): dxemu ports \(ports), Wireshark \(shown)")
            }
        }
        for (key, shown) in oraclePortsOnFragments where firstFragmentPorts[key] == nil {
            outcome.mismatches.append("datagram \(key): Wireshark shows ports \(shown) but dxemu saw no first fragment")
        }
        return outcome
    }

    @Test func everyFrameAgreesWithWireshark() throws {
        let files = Self.oracleFiles
        #expect(files.count >= 20)
        var report: [String] = []
        for entry in files {
            let outcome = try Self.compare(entry)
            #expect(outcome.mismatches.isEmpty, "\(entry.file): \(outcome.mismatches.prefix(5))")
            #expect(outcome.frames == entry.capinfosPackets, "\(entry.file)")
            if !outcome.fragmentFrames.isEmpty || !outcome.nestedPayloadFrames.isEmpty {
                report.append("\(entry.file): \(outcome.frames) frames, \(outcome.exact) exact, fragments \(outcome.fragmentFrames), nested application payloads \(outcome.nestedPayloadFrames)")
            }
        }
        // Say which frames the two explicit rules covered.
        for line in report { print("oracle rule applied: \(line)") }
    }

    /// The explicit rules must not swallow whole files: pin where they apply today.
    @Test func explicitRulesCoverOnlyTheExpectedFrames() throws {
        // The three captures must be there: a missing row fails the test
        // rather than leaving it nothing to check.
        let manifest = sharedManifest()
        let fragments = try #require(manifest.first(where: { $0.file == "pcapplusplus__ip4_fragments.pcap" }))
        let fragmentOutcome = try Self.compare(fragments)
        #expect(fragmentOutcome.nestedPayloadFrames.isEmpty)
        #expect(fragmentOutcome.fragmentFrames.count >= 10 && fragmentOutcome.fragmentFrames.count < fragmentOutcome.frames)
        let openflow = try #require(manifest.first(where: { $0.file == "tcpdump__of13_ericsson.pcapng" }))
        let openflowOutcome = try Self.compare(openflow)
        #expect(openflowOutcome.nestedPayloadFrames.count == 4)
        #expect(openflowOutcome.exact == openflowOutcome.frames - 4)
        let tunnels = try #require(manifest.first(where: { $0.file == "zeek__vxlan-encapsulated-http.pcap" }))
        let tunnelOutcome = try Self.compare(tunnels)
        #expect(tunnelOutcome.exact == tunnelOutcome.frames)
    }
}

/// The same comparison on the project's own captures/ (our SecureCart capture and
/// the permissive third-party ones): runs everywhere, ../shared or not.
@Suite("Wireshark oracle on captures/")
struct ProjectCaptureOracleTests {
    static var files: [String] {
        let folders = [TestPaths.projectCaptures, TestPaths.projectCaptures.appendingPathComponent("third-party")]
        return folders.flatMap { folder in
            ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
                .filter { $0.hasSuffix(".oracle.csv") }
                .map { folder.appendingPathComponent(String($0.dropLast(".oracle.csv".count))).path }
        }.sorted()
    }

    @Test func everyFrameAgreesWithWireshark() throws {
        let files = Self.files
        #expect(files.count >= 10)
        for path in files {
            let outcome = try WiresharkOracleTests.compare(path: path)
            #expect(outcome.mismatches.isEmpty, "\(path): \(outcome.mismatches.prefix(5))")
            #expect(outcome.nestedPayloadFrames.isEmpty, "\(path)")
            if path.hasSuffix("securecart.pcap") { #expect(outcome.exact == 1190) }
        }
    }
}
