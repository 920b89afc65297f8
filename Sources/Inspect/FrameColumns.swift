import NetAddress
import PacketWire

/// One frame seen the way Wireshark's field export sees it: the columns of the
/// `.oracle.csv` files (`frame.number, frame.len, ip.src, ip.dst, ipv6.src,
/// ipv6.dst, ip.proto, ipv6.nxt, tcp.srcport, tcp.dstport, udp.srcport,
/// udp.dstport`), each a list with one value per protocol layer, outermost first.
///
/// Layers inside tunnels are decoded too: IP-in-IP and IPv6-in-IPv4, GRE (with
/// Ethernet, PPP/PPTP or IP inside), VXLAN on UDP 4789, and the datagram quoted by
/// an ICMP or ICMPv6 error. A field is listed when its bytes were captured, even
/// if the header around it is cut short, as Wireshark does.
public struct FrameColumns: Sendable, Equatable {
    public var number: Int
    public var wireLength: Int
    public var ipSource: [String] = []
    public var ipDestination: [String] = []
    public var ipv6Source: [String] = []
    public var ipv6Destination: [String] = []
    public var ipProtocol: [UInt8] = []
    public var ipv6NextHeader: [UInt8] = []
    public var tcpSourcePort: [UInt16] = []
    public var tcpDestinationPort: [UInt16] = []
    public var udpSourcePort: [UInt16] = []
    public var udpDestinationPort: [UInt16] = []
    /// Whether the outermost IP datagram is a fragment (first or later).
    public var outerFragment: FragmentPosition = .whole
    /// The outermost datagram's identification (names the datagram of a fragment).
    public var outerIdentification: UInt32 = 0

    /// The column names, in order (also the header of `inspect --packets`).
    public static let header = "frame.number,frame.len,ip.src,ip.dst,ipv6.src,ipv6.dst,ip.proto,ipv6.nxt,tcp.srcport,tcp.dstport,udp.srcport,udp.dstport"

    /// The most layers followed into tunnels.
    public static let maximumDepth = 8

    /// Dissects one frame.
    public init(number: Int, bytes: UnsafeRawBufferPointer, wireLength: Int, linkType: LinkType) {
        self.number = number
        self.wireLength = wireLength
        var info = PacketInfo()
        let wireEnd = max(wireLength, bytes.count)
        let (offset, etherType) = PacketParser.locateNetworkLayer(bytes, wireEnd: wireEnd, linkType: linkType, info: &info)
        if offset >= 0 && (etherType == EtherType.ipv4 || etherType == EtherType.ipv6) {
            addIP(bytes, at: offset, end: wireEnd, quoted: false, depth: 0)
        }
    }

    /// The CSV row, in the oracle's format (lists joined by `;`).
    public var csvRow: String {
        func join<T>(_ values: [T]) -> String { values.map { "\($0)" }.joined(separator: ";") }
        return [String(number), String(wireLength), join(ipSource), join(ipDestination), join(ipv6Source),
                join(ipv6Destination), join(ipProtocol), join(ipv6NextHeader), join(tcpSourcePort),
                join(tcpDestinationPort), join(udpSourcePort), join(udpDestinationPort)].joined(separator: ",")
    }

    private mutating func addIP(_ b: UnsafeRawBufferPointer, at offset: Int, end: Int, quoted: Bool, depth: Int) {
        guard depth < FrameColumns.maximumDepth, offset < b.count else { return }
        let n = b.count
        let layer = PacketParser.parseIP(b, at: offset, wireEnd: end, expectedVersion: 0, quoted: quoted)
        switch b.loadBigEndian(UInt8.self, at: offset) >> 4 {
        case 4:
            // Wireshark stops before the addresses when IHL or total length is bogus.
            if layer.malformed == .ipv4BadHeaderLength || layer.malformed == .ipv4TotalLengthTooSmall {
                return
            }
            if offset + 10 <= n { ipProtocol.append(b.loadBigEndian(UInt8.self, at: offset + IPv4Header.Field.protocol)) }
            if offset + 16 <= n { ipSource.append(IPv4Address(b.loadBigEndian(UInt32.self, at: offset + IPv4Header.Field.source)).description) }
            if offset + 20 <= n { ipDestination.append(IPv4Address(b.loadBigEndian(UInt32.self, at: offset + IPv4Header.Field.destination)).description) }
        case 6:
            if offset + 7 <= n { ipv6NextHeader.append(b.loadBigEndian(UInt8.self, at: offset + IPv6Header.Field.nextHeader)) }
            if offset + 24 <= n { ipv6Source.append(IPv6Address(high: b.loadBigEndian(UInt64.self, at: offset + 8), low: b.loadBigEndian(UInt64.self, at: offset + 16)).description) }
            if offset + 40 <= n { ipv6Destination.append(IPv6Address(high: b.loadBigEndian(UInt64.self, at: offset + 24), low: b.loadBigEndian(UInt64.self, at: offset + 32)).description) }
        default:
            return
        }
        if depth == 0 {
            outerFragment = layer.fragment
            outerIdentification = layer.identification
        }
        guard layer.fragment != .later, layer.transportOffset >= 0 else { return }
        let l4 = Int(layer.transportOffset)
        let payloadEnd = Int(layer.end)
        let portsPresent = l4 + 4 <= n && l4 + 4 <= max(payloadEnd, quoted ? n : payloadEnd)
        switch layer.flow.ipProtocol {
        case IPProtocol.tcp:
            if portsPresent {
                tcpSourcePort.append(b.loadBigEndian(UInt16.self, at: l4))
                tcpDestinationPort.append(b.loadBigEndian(UInt16.self, at: l4 + 2))
            }
        case IPProtocol.udp:
            guard portsPresent else { return }
            let source = b.loadBigEndian(UInt16.self, at: l4), destination = b.loadBigEndian(UInt16.self, at: l4 + 2)
            udpSourcePort.append(source)
            udpDestinationPort.append(destination)
            if destination == UDPHeader.vxlanPort || source == UDPHeader.vxlanPort {
                addEthernet(b, at: l4 + UDPHeader.length + 8, end: payloadEnd, depth: depth)
            }
        case IPProtocol.icmp:
            if l4 + 8 <= n, ICMPHeader.v4QuotesDatagram(type: b.loadBigEndian(UInt8.self, at: l4)) {
                addIP(b, at: l4 + ICMPHeader.length, end: max(payloadEnd, n), quoted: true, depth: depth + 1)
            }
        case IPProtocol.icmpv6:
            if l4 + 8 <= n, ICMPHeader.v6QuotesDatagram(type: b.loadBigEndian(UInt8.self, at: l4)) {
                addIP(b, at: l4 + ICMPHeader.length, end: max(payloadEnd, n), quoted: true, depth: depth + 1)
            }
        case IPProtocol.ipInIP, IPProtocol.ipv6:
            addIP(b, at: l4, end: payloadEnd, quoted: quoted, depth: depth + 1)
        case IPProtocol.gre:
            guard l4 + GREHeader.minimumLength <= n else { return }
            let gre = GREHeader(unchecked: UnsafeRawBufferPointer(rebasing: b[l4...]))
            guard let length = gre.headerLength, l4 + length < n else { return }
            let inner = l4 + length
            switch gre.protocolType {
            case EtherType.ipv4, EtherType.ipv6:
                addIP(b, at: inner, end: payloadEnd, quoted: quoted, depth: depth + 1)
            case EtherType.transparentEthernet:
                addEthernet(b, at: inner, end: payloadEnd, depth: depth)
            case EtherType.ppp:
                var scratch = PacketInfo()
                let (o, t) = PacketParser.ppp(b, at: inner, wireEnd: payloadEnd, info: &scratch)
                if o >= 0 && (t == EtherType.ipv4 || t == EtherType.ipv6) {
                    addIP(b, at: o, end: payloadEnd, quoted: quoted, depth: depth + 1)
                }
            default:
                break
            }
        default:
            break
        }
    }

    private mutating func addEthernet(_ b: UnsafeRawBufferPointer, at offset: Int, end: Int, depth: Int) {
        guard offset < b.count else { return }
        var scratch = PacketInfo()
        let (o, t) = PacketParser.ethernet(b, at: offset, wireEnd: end, info: &scratch)
        if o >= 0 && (t == EtherType.ipv4 || t == EtherType.ipv6) {
            addIP(b, at: o, end: end, quoted: false, depth: depth + 1)
        }
    }
}
