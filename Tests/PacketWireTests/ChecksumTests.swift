import NetAddress
import PacketWire
import Testing

@Suite("Internet checksum")
struct ChecksumTests {
    /// RFC 1071 §3 worked example: the sum of 0001 f203 f4f5 f6f7 is ddf2.
    @Test func rfc1071Example() {
        let bytes: [UInt8] = [0x00, 0x01, 0xF2, 0x03, 0xF4, 0xF5, 0xF6, 0xF7]
        let sum = bytes.withUnsafeBytes { InternetChecksum.sum($0) }
        #expect(sum.finalized == ~UInt16(0xDDF2))
    }

    @Test func oddLengthPadsWithZero() {
        let odd: [UInt8] = [0x12, 0x34, 0x56]
        let even: [UInt8] = [0x12, 0x34, 0x56, 0x00]
        #expect(odd.withUnsafeBytes { InternetChecksum.sum($0) }.finalized == even.withUnsafeBytes { InternetChecksum.sum($0) }.finalized)
        #expect(odd.withUnsafeBytes { InternetChecksum.sum($0) }.finalized == ~UInt16(0x1234 + 0x5600))
    }

    /// Checksums that real stacks wrote: recomputing them with the field zeroed
    /// must give the captured value, and verifying must give 0.
    @Test func ipv4HeaderChecksumOfARealPacket() {
        RealFrames.sllTCPSyn.withUnsafeBytes { frame in
            let header = IPv4Header(unchecked: UnsafeRawBufferPointer(rebasing: frame[16...]))
            #expect(header.checksum == 0xDB5F)
            #expect(header.checksumIsValid)
        }
        let broken = patch(RealFrames.sllTCPSyn, [26: 0xDB, 27: 0x60])
        broken.withUnsafeBytes { frame in
            #expect(!IPv4Header(unchecked: UnsafeRawBufferPointer(rebasing: frame[16...])).checksumIsValid)
        }
    }

    @Test func tcpChecksumOfARealSegment() {
        var frame = RealFrames.sllTCPSyn
        let pseudo = InternetChecksum.pseudoHeader(source: IPv4Address(131, 155, 215, 69),
                                                   destination: IPv4Address(137, 116, 81, 94),
                                                   protocol: IPProtocol.tcp, length: 40)
        #expect(frame.withUnsafeBytes { InternetChecksum.sum(UnsafeRawBufferPointer(rebasing: $0[36...]), initial: pseudo).finalized } == 0)
        frame[52] = 0; frame[53] = 0
        #expect(frame.withUnsafeBytes { InternetChecksum.sum(UnsafeRawBufferPointer(rebasing: $0[36...]), initial: pseudo).finalized } == 0x50C4)
    }

    @Test func udpChecksumOfARealDatagram() {
        var frame = RealFrames.dnsQuery
        let pseudo = InternetChecksum.pseudoHeader(source: IPv4Address(10, 0, 0, 1), destination: IPv4Address(10, 0, 0, 138),
                                                   protocol: IPProtocol.udp, length: 40)
        frame[40] = 0; frame[41] = 0
        #expect(frame.withUnsafeBytes { InternetChecksum.sum(UnsafeRawBufferPointer(rebasing: $0[34...]), initial: pseudo).finalized } == 0x5F9C)
    }

    @Test func icmpv6ChecksumUsesTheIPv6PseudoHeader() throws {
        let frame = RealFrames.ipv6TimeExceeded
        let pseudo = InternetChecksum.pseudoHeader(source: try IPv6Address(parsing: "3ffe:507:0:1:260:97ff:fe07:69ea"),
                                                   destination: try IPv6Address(parsing: "3ffe:507:0:1:200:86ff:fe05:80da"),
                                                   nextHeader: IPProtocol.icmpv6, length: 0x44)
        #expect(frame.withUnsafeBytes { InternetChecksum.sum(UnsafeRawBufferPointer(rebasing: $0[54...]), initial: pseudo).finalized } == 0)
    }
}

@Suite("packet builder")
struct PacketBuilderTests {
    @Test("built frames parse back with valid checksums", arguments: [4, 6])
    func roundTrip(version: Int) throws {
        let (s, d): (IPAddress, IPAddress) = version == 4
            ? (.v4(IPv4Address(10, 0, 1, 1)), .v4(IPv4Address(10, 1, 10, 5)))
            : (.v6(try IPv6Address(parsing: "2001:db8::1")), .v6(try IPv6Address(parsing: "2001:db8:1::5")))
        for transport in [PacketSpec.Transport.tcp(sourcePort: 40000, destinationPort: 5432, sequence: 7, acknowledgement: 9, flags: 0x18, window: 1000),
                          .udp(sourcePort: 53000, destinationPort: 53), .echo(identifier: 1, sequence: 2, reply: false)] {
            var spec = PacketSpec(source: s, destination: d, transport: transport, payloadLength: 101)
            spec.vlanID = 42
            let frame = PacketBuilder.ethernetFrame(spec)
            #expect(frame.count == spec.frameLength)
            let info = parse(frame)
            #expect(info.malformed == .none)
            #expect(info.vlanID == 42)
            #expect(Int(info.ip.length) == spec.ipLength)
            let l4 = Int(info.ip.transportOffset)
            let length = frame.count - l4
            let pseudo: InternetChecksum
            switch (s, d) {
            case let (.v4(a), .v4(b)): pseudo = .pseudoHeader(source: a, destination: b, protocol: info.ip.flow.ipProtocol, length: length)
            case let (.v6(a), .v6(b)): pseudo = .pseudoHeader(source: a, destination: b, nextHeader: info.ip.flow.ipProtocol, length: length)
            default: Issue.record("mixed families"); return
            }
            let initial = info.ip.flow.ipProtocol == IPProtocol.icmp ? InternetChecksum() : pseudo
            #expect(frame.withUnsafeBytes { InternetChecksum.sum(UnsafeRawBufferPointer(rebasing: $0[l4...]), initial: initial).finalized } == 0)
            if version == 4 {
                frame.withUnsafeBytes { #expect(IPv4Header(unchecked: UnsafeRawBufferPointer(rebasing: $0[18...])).checksumIsValid) }
            }
        }
    }

    @Test func flowKeyReversesAndPrints() {
        let key = FlowKey(source: IPv4Address(10, 0, 0, 1), destination: IPv4Address(10, 1, 0, 2), sourcePort: 1000,
                          destinationPort: 443, ipProtocol: IPProtocol.tcp)
        #expect(key.reversed.sourceIPv4 == IPv4Address(10, 1, 0, 2))
        #expect(key.reversed.sourcePort == 443)
        #expect(key.reversed.reversed == key)
        #expect(key.description == "tcp 10.0.0.1:1000 > 10.1.0.2:443")
        #expect(MemoryLayout<FlowKey>.size <= 40)
    }
}
