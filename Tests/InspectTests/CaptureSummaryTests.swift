import Capture
import Foundation
import Inspect
import NetAddress
import PacketWire
import TestSupport
import Testing

/// Writes `frames` to a temporary Ethernet pcap and returns its path.
func temporaryCapture(_ name: String, _ frames: [[UInt8]], wireLengths: [Int]? = nil) throws -> String {
    let path = Scratch.path("inspect-\(name).pcap")
    let writer = try CaptureWriter(path: path, linkType: .ethernet)
    for (i, frame) in frames.enumerated() {
        writer.write(frame, timestamp: 1_000_000_000 + Int64(i) * 1_500, wireLength: wireLengths?[i])
    }
    try writer.close()
    return path
}

func udpFrame(_ src: UInt8, _ dst: UInt8, sport: UInt16, dport: UInt16, payload: Int = 20) -> [UInt8] {
    PacketBuilder.ethernetFrame(PacketSpec(source: .v4(IPv4Address(10, 0, 0, src)), destination: .v4(IPv4Address(10, 1, 0, dst)),
                                           transport: .udp(sourcePort: sport, destinationPort: dport), payloadLength: payload))
}

@Suite("capture summary")
struct CaptureSummaryTests {
    @Test func countsProtocolsFlowsAndTime() throws {
        var frames: [[UInt8]] = []
        for _ in 0..<5 { frames.append(udpFrame(1, 2, sport: 1000, dport: 53)) }
        for _ in 0..<3 { frames.append(udpFrame(3, 4, sport: 2000, dport: 123, payload: 100)) }
        frames.append([UInt8](repeating: 0xFF, count: 12) + [0x08, 0x06] + [UInt8](repeating: 0, count: 46))  // ARP
        let path = try temporaryCapture("counts", frames)
        defer { unlink(path) }
        let s = CaptureInspector.inspect(path: path)
        #expect(s.error == nil)
        #expect(s.packets == 9)
        #expect(s.ipv4Packets == 8)
        #expect(s.byIPProtocol[17] == 8)
        #expect(s.nonIPByEtherType[EtherType.arp] == 1)
        #expect(s.duration == 8 * 1_500)
        #expect(s.wireBytes == frames.map(\.count).reduce(0, +))
        let top = s.topFlows(2)
        #expect(top.count == 2)
        #expect(top[0].0.destinationPort == 53 && top[0].1.packets == 5)
        #expect(top[1].0.destinationPort == 123 && top[1].1.packets == 3)
        #expect(!s.hasProblems)
    }

    @Test func malformedFramesAreCountedByReasonAndTheFirstIsLocated() throws {
        let good = udpFrame(1, 2, sport: 1, dport: 2)
        var badIHL = good; badIHL[14] = 0x44
        var badLength = good; badLength[38] = 0; badLength[39] = 3
        var badVersion = good; badVersion[14] = 0x65
        let frames = [good, badIHL, badLength, badVersion, badLength]
        let path = try temporaryCapture("malformed", frames)
        defer { unlink(path) }
        let s = CaptureInspector.inspect(path: path)
        #expect(s.malformed[Int(MalformedReason.ipv4BadHeaderLength.rawValue)] == 1)
        #expect(s.malformed[Int(MalformedReason.udpBadLength.rawValue)] == 2)
        #expect(s.malformed[Int(MalformedReason.badIPVersion.rawValue)] == 1)
        #expect(s.malformedTotal == 4)
        #expect(s.hasProblems)
        // Record 2 starts after the 24-byte file header and record 1 (16 + frame).
        #expect(s.firstMalformed?.record == 2)
        #expect(s.firstMalformed?.byteOffset == 24 + 16 + good.count)
        #expect(s.firstMalformed?.reason.contains("IPv4 header length (IHL) below 5") == true)
    }

    @Test func snapLengthCutsAreNotProblems() throws {
        let frame = udpFrame(1, 2, sport: 1, dport: 2)
        let path = try temporaryCapture("snapped", [Array(frame.prefix(30))], wireLengths: [frame.count])
        defer { unlink(path) }
        let s = CaptureInspector.inspect(path: path)
        #expect(s.malformed[Int(MalformedReason.headersCutBySnaplen.rawValue)] == 1)
        #expect(!s.hasProblems)
    }

    @Test func checksumVerificationCountsBadHeaders() throws {
        var bad = udpFrame(1, 2, sport: 1, dport: 2)
        bad[24] ^= 0xFF
        let path = try temporaryCapture("checksums", [udpFrame(1, 2, sport: 1, dport: 2), bad])
        defer { unlink(path) }
        #expect(CaptureInspector.inspect(path: path, options: .init(verifyChecksums: true)).badIPv4Checksums == 1)
        #expect(CaptureInspector.inspect(path: path).badIPv4Checksums == nil)
    }

    @Test func tunnelsAreDecodedIntoLayers() throws {
        // IPv4 GRE carrying IPv4 UDP: two IP layers, GRE then UDP.
        let inner = PacketBuilder.datagram(PacketSpec(source: .v4(IPv4Address(192, 168, 0, 1)), destination: .v4(IPv4Address(192, 168, 0, 2)),
                                                      transport: .udp(sourcePort: 5, destinationPort: 6), payloadLength: 4))
        var outer = PacketBuilder.ethernetFrame(PacketSpec(source: .v4(IPv4Address(10, 0, 0, 1)), destination: .v4(IPv4Address(10, 1, 0, 1)),
                                                           transport: .raw(protocol: IPProtocol.gre), payloadLength: 4 + inner.count))
        outer.replaceSubrange(34..<38, with: [0x00, 0x00, 0x08, 0x00])
        outer.replaceSubrange(38..<(38 + inner.count), with: inner)
        let columns = outer.withUnsafeBytes { FrameColumns(number: 1, bytes: $0, wireLength: outer.count, linkType: .ethernet) }
        #expect(columns.ipSource == ["10.0.0.1", "192.168.0.1"])
        #expect(columns.ipProtocol == [47, 17])
        #expect(columns.udpDestinationPort == [6])
        #expect(columns.csvRow == "1,\(outer.count),10.0.0.1;192.168.0.1,10.1.0.1;192.168.0.2,,,47;17,,,,5,6")
    }
}
