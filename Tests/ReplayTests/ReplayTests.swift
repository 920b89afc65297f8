import Capture
import Emulator
import Foundation
import NetAddress
import PacketWire
import Replay
import SampleCaptures
import Scenario
import TestSupport
import Testing

let bundledCapture = TestPaths.projectCaptures.appendingPathComponent("securecart.pcap").path

func temporaryPath(_ name: String) -> String {
    Scratch.path("replay-\(name)")
}

/// Where tcpdump is, if installed (CI installs it; the tests that need it skip otherwise).
let tcpdumpPath: String? = ["/usr/bin/tcpdump", "/usr/sbin/tcpdump", "/usr/local/bin/tcpdump", "/usr/local/sbin/tcpdump"]
    .first { FileManager.default.isExecutableFile(atPath: $0) }

/// The IP total length of every record `tcpdump -v` prints for `path`.
func tcpdumpLengths(_ path: String) throws -> [Int] {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: tcpdumpPath!)
    p.arguments = ["-v", "-n", "-r", path]
    let out = Pipe()
    p.standardOutput = out
    p.standardError = Pipe()
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    var lengths: [Int] = []
    for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where line.contains(" IP") && line.contains("length ") {
        // "... proto ESP (50), length 200)"
        guard let r = line.range(of: "length ", options: .backwards) else { continue }
        lengths.append(Int(line[r.upperBound...].prefix { $0.isNumber }) ?? -1)
    }
    return lengths
}

@Suite struct ReplayTests {
    /// The bundled capture already uses the topology's addresses.
    @Test func bundledCaptureReplaysWithEveryFrameAccountedFor() throws {
        var options = ReplayOptions(scenario: Preset.recommended.scenario)
        options.scenario.failures = [FailureSpec(kind: .silent, target: "dx1", at: .seconds(2), duration: .seconds(3))]
        options.mapAddresses = false
        let r = try Replay.run(file: bundledCapture, options: options)
        #expect(r.framesRead == 1190)
        #expect(r.framesAccounted)
        #expect(r.run.accountingViolations == 0)
        let sent = r.run.groups.reduce(UInt64(0)) { $0 + $1.statistics.sent }
        let fates = r.run.groups.reduce(UInt64(0)) { $0 + $1.statistics.delivered + $1.statistics.drops.total }
        #expect(sent == UInt64(r.replayed) && fates == sent)
        // Its jumbo frames (9001 bytes, DF) do not fit the 8500-byte private VIF (AWS-FACTS §1.2).
        #expect(r.run.groups.contains { $0.statistics.drops[.mtuExceeded] > 0 })
    }

    @Test func mappingPutsTheOpenerOnPremAndIsDeterministicAndReversible() throws {
        var options = ReplayOptions(scenario: Preset.optionA.scenario)
        options.scenario.failures = []
        options.vpc2Ports = [443]
        let a = try Replay.run(file: bundledCapture, options: options)
        let b = try Replay.run(file: bundledCapture, options: options)
        #expect(a.addressMap == b.addressMap)
        #expect(!a.addressMap.isEmpty)
        // One mapping per (original address, site), each mapped address inside its site.
        let plan = AddressPlan()
        for m in a.addressMap {
            let mapped = try IPAddress(parsing: m.mapped)
            let prefixes: [IPPrefix] = m.site == .onPrem ? plan.prefixes(\.onPrem) : m.site == .vpc1 ? plan.prefixes(\.vpc1) : plan.prefixes(\.vpc2)
            #expect(prefixes.contains { $0.contains(mapped) }, "\(m)")
        }
        #expect(Set(a.addressMap.map { "\($0.original)|\($0.site)" }).count == a.addressMap.count)
        #expect(Set(a.addressMap.map(\.mapped)).count == a.addressMap.count, "no two originals share a mapped address")
        // The web servers (port 443) land in VPC-2.
        #expect(a.run.groups.contains { $0.to == .vpc2 && $0.statistics.sent > 0 })
        // Traffic starts on-prem or answers toward it: no VPC -> VPC groups.
        #expect(a.run.groups.allSatisfy { $0.from == .onPrem || $0.to == .onPrem })
    }

    @Test func pacingSetsTheVirtualTimeline() throws {
        var options = ReplayOptions(scenario: Preset.baseline.scenario)
        options.scenario.failures = []
        options.mapAddresses = false
        options.pacing = .packetsPerSecond(1000)
        let r = try Replay.run(file: bundledCapture, options: options)
        // 1143 IP packets at 1000 pps from 1 ms: the last at 1 ms + 1.142 s.
        #expect(r.run.duration == SimTime(nanoseconds: 1_000_000 + 1_142_000_000))
        options.pacing = .original(speed: 2)
        options.loops = 3
        let looped = try Replay.run(file: bundledCapture, options: options)
        #expect(looped.framesRead == 3 * 1190)
        #expect(looped.framesAccounted)
        options.loops = 1
        let once = try Replay.run(file: bundledCapture, options: options)
        #expect(looped.run.duration.nanoseconds > 2 * once.run.duration.nanoseconds)
    }

    @Test func filterKeepsOnlyMatchingFrames() throws {
        var options = ReplayOptions(scenario: Preset.baseline.scenario)
        options.scenario.failures = []
        options.filter = "udp"
        let r = try Replay.run(file: bundledCapture, options: options)
        #expect(r.filteredOut > 0)
        #expect(r.framesRead + r.filteredOut == 1190)
        #expect(r.run.groups.flatMap(\.flowResults).allSatisfy { $0.key.ipProtocol == IPProtocol.udp })
    }

    @Test func sameReplayTwiceGivesTheSameResult() throws {
        var options = ReplayOptions(scenario: Preset.optionB.scenario)
        options.scenario.failures = [FailureSpec(kind: .silent, target: "dx1", at: .seconds(1), duration: .seconds(4))]
        let a = try Replay.run(file: bundledCapture, options: options)
        let b = try Replay.run(file: bundledCapture, options: options)
        #expect(a.run.groups.map(\.statistics) == b.run.groups.map(\.statistics))
        #expect(a.run.timeline.map(\.text) == b.run.timeline.map(\.text))
    }

    /// The reader thread hands packets over in chunks of 4,096 through a
    /// queue four chunks deep: 60,000 packets fill it many times over (the
    /// reader waits on the simulation). Every frame must still arrive once, in
    /// order, and two runs must agree exactly.
    @Test func readerThreadHandsOverEveryPacketInOrder() throws {
        let path = temporaryPath("bulk.pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try BulkCapture.write(to: path, packets: 60_000, seed: 3)
        var options = ReplayOptions(scenario: Preset.recommended.scenario)
        options.scenario.failures = []
        options.pacing = .packetsPerSecond(200_000)
        let a = try Replay.run(file: path, options: options)
        #expect(a.framesRead == 60_000)
        #expect(a.replayed == 60_000 && a.framesAccounted)
        #expect(a.run.accountingViolations == 0)
        // Paced at 200,000 pps: the last packet enters at (60,000 - 1) / 200,000 s after the start.
        #expect(a.run.duration == options.start + .nanoseconds(Int64((59_999.0 * 1e9 / 200_000).rounded())))
        let b = try Replay.run(file: path, options: options)
        #expect(a.run.groups.map(\.statistics) == b.run.groups.map(\.statistics))
        #expect(a.addressMap == b.addressMap)
    }

    /// On a VPN tunnel each packet is the inner packet plus the ESP overhead:
    /// 54 bytes and 0-3 of padding to a 4-byte boundary (AWS-FACTS §2.4). The
    /// oracle is tcpdump reading both captures.
    @Test(.enabled(if: tcpdumpPath != nil, Comment(rawValue: "tcpdump is not installed: skipping the read-back test")))
    func perLinkCapturesReadBackInTcpdumpWithTheESPOverhead() throws {
        var design = SecureCartDesign(name: "vpn-only", dx: [], vpn: [VPNConnection(name: "vpn1")])
        design.jumboFrames = false
        var spec = ScenarioSpec(name: "vpn-only", design: design, traffic: [], failures: [])
        spec.duration = .seconds(60)
        var options = ReplayOptions(scenario: spec)
        options.mapAddresses = false
        options.pacing = .packetsPerSecond(2000)
        // Start after the VPN sessions are up (30 s establish, §2.6).
        options.start = .seconds(31)
        let lan = temporaryPath("lan.pcap"), t1 = temporaryPath("t1.pcap"), t2 = temporaryPath("t2.pcap")
        defer { unlink(lan); unlink(t1); unlink(t2) }
        options.captures = [("onprem-lan", lan), ("vpn1-t1", t1), ("vpn1-t2", t2)]
        options.filter = "src net 10.0.0.0/16 and dst net 10.1.0.0/16 and not (ip[6:2] & 0x4000 != 0 and greater 1460)"
        let r = try Replay.run(file: bundledCapture, options: options)
        #expect(r.replayed > 100)
        let written = Dictionary(uniqueKeysWithValues: r.captures.map { ($0.link, $0.packets) })
        let inner = try tcpdumpLengths(lan)
        let outer = try tcpdumpLengths(t1) + tcpdumpLengths(t2)
        #expect(inner.count == written["onprem-lan"]! && inner.count == r.replayed)
        #expect(outer.count == written["vpn1-t1"]! + written["vpn1-t2"]!)
        // Everything from the LAN crossed a tunnel (one way, nothing back).
        #expect(outer.count == inner.count)
        let expected = inner.map { $0 + 54 + (4 - ($0 + 2) % 4) % 4 }
        #expect(outer.sorted() == expected.sorted())
    }

    /// A ping keeps its ICMP types in a per-link capture: the requests one
    /// way, the replies the other (tcpdump is the oracle).
    @Test(.enabled(if: tcpdumpPath != nil, Comment(rawValue: "tcpdump is not installed: skipping the read-back test")))
    func perLinkCapturesKeepTheICMPTypes() throws {
        let path = temporaryPath("ping.pcap"), lan = temporaryPath("ping-lan.pcap")
        defer { unlink(path); unlink(lan) }
        let writer = try CaptureWriter(path: path, linkType: .ethernet)
        let a = IPAddress.v4(try IPv4Address(parsing: "192.0.2.1")), b = IPAddress.v4(try IPv4Address(parsing: "198.51.100.7"))
        for i in 0..<3 {
            writer.write(PacketBuilder.ethernetFrame(PacketSpec(source: a, destination: b, transport: .echo(identifier: 7, sequence: UInt16(i), reply: false),
                                                                payloadLength: 56)), timestamp: Int64(i) * 1_000_000_000)
            writer.write(PacketBuilder.ethernetFrame(PacketSpec(source: b, destination: a, transport: .echo(identifier: 7, sequence: UInt16(i), reply: true),
                                                                payloadLength: 56)), timestamp: Int64(i) * 1_000_000_000 + 5_000_000)
        }
        try writer.close()
        var options = ReplayOptions(scenario: Preset.recommended.scenario)
        options.captures = [("onprem-lan", lan)]
        let r = try Replay.run(file: path, options: options)
        #expect(r.replayed == 6 && r.framesAccounted)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tcpdumpPath!)
        p.arguments = ["-n", "-r", lan]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = Pipe()
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(text.components(separatedBy: "ICMP echo request").count - 1 == 3, "\(text)")
        #expect(text.components(separatedBy: "ICMP echo reply").count - 1 == 3, "\(text)")
    }

    @Test func unknownCaptureLinkIsAClearError() {
        var options = ReplayOptions(scenario: Preset.baseline.scenario)
        options.captures = [("dx9", temporaryPath("x.pcap"))]
        #expect { try Replay.run(file: bundledCapture, options: options) } throws: {
            ($0 as? ReplayError)?.description.contains("'dx9' is not a link of the design") == true
        }
    }
}

/// Every valid capture in ../shared replays through the topology with every
/// frame accounted for; libpcap's count (capinfos) is the oracle for frames read.
@Suite struct SharedCaptureReplayTests {
    static let valid = sharedManifest().filter(\.isValid)

    @Test(.enabled(if: TestPaths.sharedCaptures != nil, Comment(rawValue: TestPaths.sharedAbsentMessage)))
    func thereAreSharedCaptures() { #expect(Self.valid.count > 10) }

    @Test("a shared capture replays with its counts adding up",
          .enabled(if: TestPaths.sharedCaptures != nil, Comment(rawValue: TestPaths.sharedAbsentMessage)), arguments: valid.map(\.file))
    func sharedCaptureReplays(_ file: String) throws {
        let entry = Self.valid.first { $0.file == file }!
        var options = ReplayOptions(scenario: Preset.recommended.scenario)
        options.scenario.failures = [FailureSpec(kind: .silent, target: "dx1", at: .milliseconds(50), duration: .milliseconds(500))]
        // Fixed pacing: some captures span years between their first and last frames.
        options.pacing = .packetsPerSecond(20_000)
        let r = try Replay.run(file: entry.path, options: options)
        if let n = entry.capinfosPackets { #expect(r.framesRead == n, "\(file)") }
        #expect(r.captureError == nil)
        #expect(r.framesAccounted, "\(file)")
        #expect(r.run.accountingViolations == 0)
        let fates = r.run.groups.reduce(UInt64(0)) { $0 + $1.statistics.delivered + $1.statistics.drops.total }
        #expect(fates == UInt64(r.replayed), "\(file)")
    }
}

/// Closed-loop replay: the capture's TCP segments become application writes
/// on emulated TCP connections, which stall across a failure and resume.
@Suite struct ClosedLoopReplayTests {
    @Test func capturedTCPBecomesClosedLoopConnections() throws {
        var options = ReplayOptions(scenario: Preset.optionAPassive.scenario)
        options.scenario.failures = [FailureSpec(kind: .silent, target: "dx1", at: .seconds(2), duration: .seconds(3))]
        options.mapAddresses = false
        options.closedLoopTCP = TCPConfiguration()
        let r = try Replay.run(file: bundledCapture, options: options)
        #expect(r.framesAccounted)
        #expect(r.writtenToTCP > 0)
        #expect(r.notReplayed.contains { $0.reason.hasPrefix("TCP without payload") })
        #expect(r.run.accountingViolations == 0)
        let tcp = r.run.groups.filter { $0.tcp != nil && $0.from == .onPrem && $0.to == .vpc1 }
        #expect(!tcp.isEmpty)
        // Connections with data outstanding across the failure wait for BFD
        // (0.6-0.9 s) plus the next RTO firing: longer than the detection.
        let stall = tcp.map { $0.tcp!.longestStall }.max()!
        #expect(stall > 600_000_000 && stall < 2_500_000_000, "\(stall)")
        // Every write reaches its receiver in the end (the failure was repaired).
        let written = r.run.groups.compactMap(\.tcp).reduce(Int64(0)) { $0 + $1.bytesDelivered }
        #expect(written > 0)
    }
}

/// Frames that are not replayed are counted by reason, in the report's words.
@Suite struct NotReplayedTests {
    @Test func everyReasonIsCountedAndWorded() throws {
        let path = temporaryPath("not-replayed.pcap")
        let writer = try CaptureWriter(path: path, linkType: .ethernet)
        let udp = PacketSpec(source: .v4(try IPv4Address(parsing: "192.0.2.1")), destination: .v4(try IPv4Address(parsing: "198.51.100.1")),
                             transport: .udp(sourcePort: 4000, destinationPort: 53), payloadLength: 20)
        let good = PacketBuilder.ethernetFrame(udp)
        var arp = good
        arp[12] = 0x08; arp[13] = 0x06  // EtherType ARP
        var lldp = good
        lldp[12] = 0x88; lldp[13] = 0xCC  // EtherType LLDP
        var badIHL = good
        badIHL[14] = 0x44  // IPv4, IHL 4: malformed
        let frames = [good, arp, arp, lldp, badIHL, good, arp]
        for (i, f) in frames.enumerated() { writer.write(f, timestamp: Int64(i) * 1_000_000) }
        try writer.close()
        var options = ReplayOptions(scenario: Preset.recommended.scenario)
        options.mapAddresses = false  // 192.0.2.1 is in no site of the design
        let r = try Replay.run(file: path, options: options)
        #expect(r.framesRead == 7 && r.replayed == 0 && r.framesAccounted)
        let counts = Dictionary(uniqueKeysWithValues: r.notReplayed.map { ($0.reason, $0.count) })
        #expect(counts == ["non-IP (EtherType 0x0806)": 3, "non-IP (EtherType 0x88cc)": 1,
                           "malformed: \(MalformedReason.ipv4BadHeaderLength)": 1,
                           "addresses outside the topology's sites (--no-map)": 2], "\(counts)")
        #expect(r.notReplayed.first?.reason == "non-IP (EtherType 0x0806)", "most frequent first")
    }
}
