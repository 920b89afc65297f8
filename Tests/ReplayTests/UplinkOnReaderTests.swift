import Capture
import Emulator
import Foundation
import NetAddress
import PacketWire
@testable import Replay
import SampleCaptures
import Scenario
import TestSupport
import Testing

/// The reader thread sends on the hosts' uplinks (``HostUplinkSender``) and
/// hands the simulation each packet's fate there, merged into the event
/// order. That must change nothing: every replay here runs both ways and
/// the whole results must agree, counter for counter and bin for bin.
@Suite struct UplinkOnReaderTests {
    /// Everything a run reports, as text (the structures hold no dictionaries).
    static func fingerprint(_ r: ReplayResult) -> String {
        var parts = ["replayed \(r.replayed) frames \(r.framesRead) not \(r.notReplayed) events \(r.run.events)",
                     "accounting \(r.run.accountingViolations)"]
        parts.append("\(r.run.groups)")
        parts.append("\(r.run.links)")
        parts.append("\(r.run.timeline)")
        parts.append("\(r.run.convergence)")
        parts.append("\(r.addressMap)")
        return parts.joined(separator: "\n")
    }

    static func bothWays(_ path: String, _ options: ReplayOptions) throws -> (onReader: ReplayResult, inSimulation: ReplayResult) {
        var off = options
        off.hostUplinksOnReader = false
        return (try Replay.run(file: path, options: options), try Replay.run(file: path, options: off))
    }

    /// A capture with packets the 9,001-byte LAN must fragment (no DF), drop
    /// (DF, and IPv6), and carry, both ways between on-prem and VPC-1.
    static func writeOversized(_ path: String) throws {
        let writer = try CaptureWriter(path: path, linkType: .ethernet)
        let a = IPAddress.v4(try IPv4Address(parsing: "192.0.2.1")), b = IPAddress.v4(try IPv4Address(parsing: "198.51.100.7"))
        let a6 = IPAddress.v6(try IPv6Address(parsing: "2001:db8::1")), b6 = IPAddress.v6(try IPv6Address(parsing: "2001:db8:1::7"))
        var t: Int64 = 0
        for i in 0..<3_000 {
            var spec: PacketSpec
            switch i % 6 {
            case 0: spec = PacketSpec(source: a, destination: b, transport: .udp(sourcePort: 4000, destinationPort: 53), payloadLength: 12_000)
                spec.dontFragment = false
            case 1: spec = PacketSpec(source: a, destination: b, transport: .udp(sourcePort: 4001, destinationPort: 53), payloadLength: 12_000)
            case 2: spec = PacketSpec(source: b, destination: a, transport: .udp(sourcePort: 53, destinationPort: 4000), payloadLength: 1_400)
            case 3: spec = PacketSpec(source: a6, destination: b6, transport: .udp(sourcePort: 4002, destinationPort: 443), payloadLength: 10_000)
            case 4: spec = PacketSpec(source: a, destination: b, transport: .udp(sourcePort: 4003, destinationPort: 5432), payloadLength: 8_900)
                spec.dontFragment = false
            default: spec = PacketSpec(source: a, destination: b, transport: .udp(sourcePort: 4004 + UInt16(i % 50), destinationPort: 443), payloadLength: 64)
            }
            spec.identification = UInt16(truncatingIfNeeded: i)
            writer.write(PacketBuilder.ethernetFrame(spec), timestamp: t)
            t += 700
        }
        try writer.close()
    }

    @Test func oversizedPacketsFragmentedAndDroppedAlike() throws {
        let path = Scratch.path("uplink-oversized.pcap")
        defer { unlink(path) }
        try Self.writeOversized(path)
        for pacing in [Pacing.lineRate, .original(speed: 1), .packetsPerSecond(3_000_000)] {
            var options = ReplayOptions(scenario: Preset.recommended.scenario)
            options.pacing = pacing
            let (on, off) = try Self.bothWays(path, options)
            #expect(on.uplinksOnReader >= 2 && off.uplinksOnReader == 0)
            #expect(on.run.accountingViolations == 0 && on.framesAccounted)
            #expect(Self.fingerprint(on) == Self.fingerprint(off), "pacing \(pacing)")
            let lan = on.run.links.first { $0.name == "onprem-lan" }
            #expect((lan?.statistics.fragmentsCreated ?? 0) > 0, "the test should fragment on the LAN")
        }
    }

    @Test func failuresDuringAReplayAlike() throws {
        let path = Scratch.path("uplink-bulk.pcap")
        defer { unlink(path) }
        try BulkCapture.write(to: path, packets: 40_000, seed: 5)
        let failures: [FailureSpec] = [FailureSpec(kind: .silent, target: "dx1", at: .microseconds(300)),
                                       FailureSpec(kind: .cut, target: "dx1", at: .microseconds(200), duration: .microseconds(400)),
                                       FailureSpec(kind: .flapping, target: "dx2", at: .microseconds(100))]
        for (design, failure) in [(Preset.recommended, failures[0]), (.recommended, failures[1]), (.optionC, failures[2]), (.tgw, failures[0])] {
            var options = ReplayOptions(scenario: design.scenario)
            options.scenario.failures = [failure]
            options.pacing = .lineRate
            let (on, off) = try Self.bothWays(path, options)
            #expect(on.uplinksOnReader >= 1)
            #expect(on.run.accountingViolations == 0)
            #expect(Self.fingerprint(on) == Self.fingerprint(off), "\(design) \(failure.kind)")
        }
    }

    @Test func theBundledCaptureAlike() throws {
        var options = ReplayOptions(scenario: Preset.recommended.scenario)
        options.scenario.failures = [FailureSpec(kind: .silent, target: "dx1", at: .milliseconds(400))]
        options.loops = 2
        let (on, off) = try Self.bothWays(bundledCapture, options)
        #expect(on.uplinksOnReader >= 2)
        #expect(Self.fingerprint(on) == Self.fingerprint(off))
    }

    /// Where the reader must not send (closed-loop TCP, a device failure
    /// that cuts a host's link, a tapped uplink), the simulation does.
    @Test func notUsedWhereItWouldNotBeExact() throws {
        var options = ReplayOptions(scenario: Preset.recommended.scenario)
        options.scenario.failures = [FailureSpec(kind: .device, target: "customer-router", at: .milliseconds(100))]
        #expect(try Replay.run(file: bundledCapture, options: options).uplinksOnReader == 0)
        options = ReplayOptions(scenario: Preset.recommended.scenario)
        options.closedLoopTCP = TCPConfiguration()
        #expect(try Replay.run(file: bundledCapture, options: options).uplinksOnReader == 0)
        let lan = temporaryPath("tapped-lan.pcap")
        defer { unlink(lan) }
        options = ReplayOptions(scenario: Preset.recommended.scenario)
        options.captures = [("onprem-lan", lan)]
        let tapped = try Replay.run(file: bundledCapture, options: options)
        let untapped = try Replay.run(file: bundledCapture, options: ReplayOptions(scenario: Preset.recommended.scenario))
        #expect(tapped.uplinksOnReader == untapped.uplinksOnReader - 1)  // every host's but on-prem's, which is tapped
    }
}

/// The same sameness on every valid capture of ../shared/captures: real
/// traffic has what made-up captures lack (IP lengths of 0 from segmentation
/// offload, odd link types, both directions at once).
@Suite struct SharedCapturesUplinkOnReaderTests {
    @Test("a shared capture gives the same results with the uplinks on the reader",
          .enabled(if: TestPaths.sharedCaptures != nil, Comment(rawValue: TestPaths.sharedAbsentMessage)),
          arguments: SharedCaptureReplayTests.valid.map(\.file))
    func sameResults(_ file: String) throws {
        let entry = SharedCaptureReplayTests.valid.first { $0.file == file }!
        var options = ReplayOptions(scenario: Preset.recommended.scenario)
        options.scenario.failures = [FailureSpec(kind: .silent, target: "dx1", at: .milliseconds(50), duration: .milliseconds(500))]
        options.pacing = .packetsPerSecond(20_000)
        let (on, off) = try UplinkOnReaderTests.bothWays(entry.path, options)
        #expect(on.run.accountingViolations == 0, "\(file)")
        #expect(UplinkOnReaderTests.fingerprint(on) == UplinkOnReaderTests.fingerprint(off), "\(file)")
    }
}
