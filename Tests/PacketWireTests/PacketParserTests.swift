import NetAddress
import PacketWire
import Testing

func parse(_ bytes: [UInt8], wire: Int? = nil, link: LinkType = .ethernet) -> PacketInfo {
    bytes.withUnsafeBytes { PacketParser.parse($0, wireLength: wire ?? bytes.count, linkType: link) }
}

/// Changes bytes of a copy: `patch(frame, [offset: value, ...])`.
func patch(_ bytes: [UInt8], _ changes: [Int: UInt8]) -> [UInt8] {
    var copy = bytes
    for (offset, value) in changes { copy[offset] = value }
    return copy
}

@Suite("parsing real frames")
struct RealFrameTests {
    @Test func linuxCookedTCPSyn() {
        let info = parse(RealFrames.sllTCPSyn, link: .linuxSLL)
        #expect(info.malformed == .none)
        #expect(info.etherType == EtherType.ipv4)
        #expect(info.networkOffset == 16)
        #expect(info.ip.transportOffset == 36)
        #expect(info.ip.flow == FlowKey(source: IPv4Address(131, 155, 215, 69), destination: IPv4Address(137, 116, 81, 94),
                                        sourcePort: 46656, destinationPort: 80, ipProtocol: IPProtocol.tcp))
        #expect(info.ip.dontFragment)
        #expect(info.ip.hopLimit == 64)
        #expect(info.ip.length == 60)
        #expect(info.ip.fragment == .whole)
    }

    @Test func stackedVLANTags() {
        let info = parse(RealFrames.stackedVLANEcho)
        #expect(info.malformed == .none)
        #expect(info.vlanTags == 2)
        #expect(info.vlanID == 118)
        #expect(info.networkOffset == 22)
        #expect(info.ip.flow.ipProtocol == IPProtocol.icmp)
        #expect(info.ip.icmpType == 8)
        #expect(info.ip.flow.sourceIPv4 == IPv4Address(10, 118, 10, 1))
    }

    @Test func ipv6ICMPv6Error() {
        let info = parse(RealFrames.ipv6TimeExceeded)
        #expect(info.malformed == .none)
        #expect(info.ip.flow.ipVersion == 6)
        #expect(info.ip.flow.ipProtocol == IPProtocol.icmpv6)
        #expect(info.ip.icmpType == 3)
        #expect(info.ip.length == 40 + 0x44)
        #expect(info.ip.end == 122)
        #expect(info.ip.flow.sourceIPv6.description == "3ffe:507:0:1:260:97ff:fe07:69ea")
        #expect(info.ip.flow.destinationIPv6.description == "3ffe:507:0:1:200:86ff:fe05:80da")
    }

    @Test func firstFragmentKeepsPortsAndIsNotMalformed() {
        // The UDP length (8320) runs past this fragment: legal in a first fragment.
        let info = parse(RealFrames.firstFragmentHead, wire: 1514)
        #expect(info.malformed == .none)
        #expect(info.ip.fragment == .first)
        #expect(info.ip.flow.sourcePort == 789)
        #expect(info.ip.flow.destinationPort == 2049)
    }

    @Test func laterFragmentHasNoTransportHeader() {
        // Fragment offset 185 (1480 bytes), MF clear.
        let later = patch(RealFrames.firstFragmentHead, [20: 0x00, 21: 0xB9])
        let info = parse(later, wire: 1514)
        #expect(info.ip.fragment == .later)
        #expect(info.ip.transportOffset == -1)
        #expect(info.ip.flow.sourcePort == 0 && info.ip.flow.destinationPort == 0)
        #expect(info.ip.flow.ipProtocol == IPProtocol.udp)
        #expect(info.malformed == .none)
    }

    @Test func jumbogramLengthComesFromTheOption() {
        let info = parse(RealFrames.jumbogramHead, wire: 65590)
        #expect(info.malformed == .none)
        #expect(info.ip.length == 40 + 65536)
        #expect(info.ip.headerProtocol == IPProtocol.hopByHop)
        #expect(info.ip.flow.ipProtocol == IPProtocol.icmpv6)
        #expect(info.ip.icmpType == 128)
    }

    @Test func snapLengthCutIsNotMalformedOnTheWire() {
        // 40 captured bytes of a 76-byte frame: the TCP header is cut by the snap length.
        let cut = Array(RealFrames.sllTCPSyn.prefix(40))
        #expect(parse(cut, wire: 76, link: .linuxSLL).malformed == .headersCutBySnaplen)
        // The ports are still read: they were captured.
        #expect(parse(cut, wire: 76, link: .linuxSLL).ip.flow.destinationPort == 80)
    }
}

@Suite("malformed frames: each gets its own reason")
struct MalformedFrameTests {
    @Test func badIPVersion() {
        #expect(parse(patch(RealFrames.sllTCPSyn, [16: 0x55]), link: .linuxSLL).malformed == .badIPVersion)
        #expect(parse([0x75, 0, 0, 20], link: .raw).malformed == .badIPVersion)
    }

    @Test func badIHL() {
        #expect(parse(patch(RealFrames.sllTCPSyn, [16: 0x44]), link: .linuxSLL).malformed == .ipv4BadHeaderLength)
    }

    @Test func totalLengthBeyondFrame() {
        #expect(parse(patch(RealFrames.sllTCPSyn, [18: 0x01, 19: 0x00]), link: .linuxSLL).malformed == .ipv4TotalLengthBeyondFrame)
    }

    @Test func totalLengthSmallerThanHeader() {
        #expect(parse(patch(RealFrames.sllTCPSyn, [18: 0x00, 19: 0x10]), link: .linuxSLL).malformed == .ipv4TotalLengthTooSmall)
    }

    @Test func truncatedIPv4Header() {
        #expect(parse(Array(RealFrames.sllTCPSyn.prefix(16 + 19)), link: .linuxSLL).malformed == .ipv4TruncatedHeader)
    }

    @Test func tcpBadDataOffset() {
        #expect(parse(patch(RealFrames.sllTCPSyn, [48: 0x40]), link: .linuxSLL).malformed == .tcpBadDataOffset)
        #expect(parse(patch(RealFrames.sllTCPSyn, [48: 0xF0]), link: .linuxSLL).malformed == .tcpBadDataOffset)
    }

    @Test func truncatedTCPHeader() {
        // Total length 30: 10 bytes of TCP header inside the datagram.
        #expect(parse(patch(RealFrames.sllTCPSyn, [19: 30]), link: .linuxSLL).malformed == .tcpTruncatedHeader)
    }

    @Test func udpBadLength() {
        #expect(parse(patch(RealFrames.dnsQuery, [38: 0, 39: 4])).malformed == .udpBadLength)
        #expect(parse(patch(RealFrames.dnsQuery, [38: 0, 39: 200])).malformed == .udpBadLength)
        #expect(parse(RealFrames.dnsQuery).malformed == .none)
    }

    @Test func truncatedUDPHeader() {
        #expect(parse(patch(RealFrames.dnsQuery, [17: 24])).malformed == .udpTruncatedHeader)
    }

    @Test func truncatedIPv6Header() {
        #expect(parse(Array(RealFrames.ipv6TimeExceeded.prefix(14 + 39))).malformed == .ipv6TruncatedHeader)
    }

    @Test func ipv6PayloadLengthBeyondFrame() {
        #expect(parse(patch(RealFrames.ipv6TimeExceeded, [18: 0x01])).malformed == .ipv6PayloadLengthBeyondFrame)
    }

    @Test func truncatedIPv6ExtensionHeader() {
        // Next header: destination options (60); its length byte says 8 x (15+1) = 128 bytes,
        // more than the 68-byte payload.
        let frame = patch(RealFrames.ipv6TimeExceeded, [20: 60, 54: 58, 55: 15])
        #expect(parse(frame).malformed == .ipv6TruncatedExtensionHeader)
    }

    @Test func badJumbogram() {
        // Replace the Jumbo Payload option (type C2) by PadN: payload length 0 with no jumbo option.
        #expect(parse(patch(RealFrames.jumbogramHead, [56: 0x01]), wire: 65590).malformed == .ipv6BadJumbogram)
        // Jumbo length below 65,536 is forbidden (RFC 2675 §2).
        #expect(parse(patch(RealFrames.jumbogramHead, [58: 0, 59: 0, 60: 0x05]), wire: 65590).malformed == .ipv6BadJumbogram)
    }

    @Test func truncatedLinkHeaders() {
        #expect(parse(Array(RealFrames.dnsQuery.prefix(10))).malformed == .truncatedLinkHeader)
        #expect(parse(Array(RealFrames.stackedVLANEcho.prefix(16))).malformed == .truncatedLinkHeader)
        #expect(parse(Array(RealFrames.sllTCPSyn.prefix(12)), link: .linuxSLL).malformed == .truncatedLinkHeader)
        #expect(parse([2, 0], link: .null).malformed == .truncatedLinkHeader)
    }

    @Test func emptyFrameDoesNotCrash() {
        for link in [LinkType.ethernet, .linuxSLL, .linuxSLL2, .null, .loop, .raw, .ipv4, .ipv6, .ppp, .ieee80211, .ieee80211Radiotap] {
            #expect(parse([], link: link).ip.flow.ipVersion == 0)
        }
    }

    @Test func everyPrefixOfARealFrameParsesWithoutCrashing() {
        for frame in [RealFrames.sllTCPSyn, RealFrames.stackedVLANEcho, RealFrames.ipv6TimeExceeded, RealFrames.jumbogramHead] {
            for n in 0...frame.count {
                let info = parse(Array(frame.prefix(n)), wire: n, link: frame == RealFrames.sllTCPSyn ? .linuxSLL : .ethernet)
                #expect(n == frame.count || n < 14 || info.malformed != .none || !info.isIP || frame == RealFrames.jumbogramHead)
            }
        }
    }
}

@Suite("link types")
struct LinkTypeTests {
    static let datagram = Array(RealFrames.sllTCPSyn[16...])

    @Test func rawIPByVersionNibble() {
        #expect(parse(Self.datagram, link: .raw).ip.flow.destinationPort == 80)
        #expect(parse(Self.datagram, link: .rawLegacy12).ip.flow.ipVersion == 4)
        #expect(parse(Self.datagram, link: .rawLegacy14).ip.flow.ipVersion == 4)
        #expect(parse(Array(RealFrames.ipv6TimeExceeded[14...]), link: .raw).ip.flow.ipVersion == 6)
        #expect(parse(Self.datagram, link: .ipv4).ip.flow.ipVersion == 4)
        #expect(parse(Array(RealFrames.ipv6TimeExceeded[14...]), link: .ipv6).ip.flow.ipVersion == 6)
    }

    @Test func bsdLoopbackInEitherByteOrder() {
        #expect(parse([2, 0, 0, 0] + Self.datagram, link: .null).ip.flow.ipVersion == 4)
        #expect(parse([0, 0, 0, 2] + Self.datagram, link: .null).ip.flow.ipVersion == 4)
        for family: UInt8 in [10, 24, 28, 30] {
            #expect(parse([family, 0, 0, 0] + Array(RealFrames.ipv6TimeExceeded[14...]), link: .null).ip.flow.ipVersion == 6)
        }
        #expect(parse([0, 0, 0, 2] + Self.datagram, link: .loop).ip.flow.ipVersion == 4)
        #expect(parse([99, 0, 0, 0] + Self.datagram, link: .null).isIP == false)
    }

    @Test func linuxSLL2() {
        var header = [UInt8](repeating: 0, count: 20)
        header[0] = 0x08; header[1] = 0x00
        #expect(parse(header + Self.datagram, link: .linuxSLL2).ip.flow.destinationPort == 80)
    }

    @Test func pppWithAndWithoutAddressControl() {
        #expect(parse([0xFF, 0x03, 0x00, 0x21] + Self.datagram, link: .ppp).ip.flow.destinationPort == 80)
        #expect(parse([0x00, 0x21] + Self.datagram, link: .ppp).ip.flow.destinationPort == 80)
        #expect(parse([0x21] + Self.datagram, link: .pppHDLC).ip.flow.destinationPort == 80)
    }

    @Test func ethernetLLCSNAPAndPPPoEAndMPLS() {
        let macs = [UInt8](repeating: 0x02, count: 12)
        let snap = macs + [0x00, 0x40, 0xAA, 0xAA, 0x03, 0, 0, 0, 0x08, 0x00] + Self.datagram
        #expect(parse(snap).ip.flow.destinationPort == 80)
        let pppoe = macs + [0x88, 0x64, 0x11, 0x00, 0x00, 0x01, 0x00, 0x3E, 0x00, 0x21] + Self.datagram
        #expect(parse(pppoe).ip.flow.destinationPort == 80)
        let mpls = macs + [0x88, 0x47, 0x00, 0x01, 0x00, 0x40, 0x00, 0x02, 0x01, 0x40] + Self.datagram
        #expect(parse(mpls).ip.flow.destinationPort == 80)
    }

    @Test func ieee80211DataFrameWithRadiotap() {
        // radiotap (8 bytes), QoS data frame (26 bytes), LLC/SNAP, IPv4.
        let radiotap: [UInt8] = [0, 0, 8, 0, 0, 0, 0, 0]
        var dot11 = [UInt8](repeating: 0, count: 26)
        dot11[0] = 0x88  // type data, subtype QoS data
        dot11[1] = 0x01  // to DS
        let frame = radiotap + dot11 + [0xAA, 0xAA, 0x03, 0, 0, 0, 0x08, 0x00] + Self.datagram
        #expect(parse(frame, link: .ieee80211Radiotap).ip.flow.destinationPort == 80)
        // A protected frame hides its payload.
        var protected = frame
        protected[9] |= 0x40
        #expect(parse(protected, link: .ieee80211Radiotap).isIP == false)
        // A beacon (management) carries no network layer.
        var beacon = frame
        beacon[8] = 0x80
        #expect(parse(beacon, link: .ieee80211Radiotap).isIP == false)
    }

    @Test func nonIPFramesKeepTheirEtherType() {
        let arp = [UInt8](repeating: 0xFF, count: 12) + [0x08, 0x06] + [UInt8](repeating: 0, count: 28)
        let info = parse(arp)
        #expect(info.etherType == EtherType.arp)
        #expect(!info.isIP)
        #expect(info.malformed == .none)
    }

    @Test func unsupportedLinkTypeIsNamed() {
        #expect(!LinkType(rawValue: 147).isSupported)
        #expect(LinkType(rawValue: 147).description == "LINKTYPE_147 (147)")
        #expect(LinkType.linuxSLL2.description == "LINUX_SLL2 (276)")
    }
}
