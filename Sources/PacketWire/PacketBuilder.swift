import NetAddress

/// What to put in a packet built by ``PacketBuilder``: the value-type "Repr" side
/// of the views (smoltcp's split): parse with the views, emit with this.
public struct PacketSpec: Sendable {
    /// The transport header to emit.
    public enum Transport: Sendable {
        case tcp(sourcePort: UInt16, destinationPort: UInt16, sequence: UInt32, acknowledgement: UInt32,
                 flags: UInt8, window: UInt16)
        case udp(sourcePort: UInt16, destinationPort: UInt16)
        /// ICMP (IPv4) or ICMPv6 echo request or reply.
        case echo(identifier: UInt16, sequence: UInt16, reply: Bool)
        /// No transport header: `payloadLength` bytes of the given IP protocol.
        case raw(protocol: UInt8)
    }

    public var source: IPAddress
    public var destination: IPAddress
    public var transport: Transport
    /// Bytes after the transport header.
    public var payloadLength: Int
    /// The payload bytes; when nil, a deterministic pattern of `payloadLength` bytes.
    public var payload: [UInt8]?
    public var hopLimit: UInt8 = 64
    /// IPv4 Don't Fragment (ignored for IPv6).
    public var dontFragment = true
    /// IPv4 identification (ignored for IPv6).
    public var identification: UInt16 = 0
    /// An 802.1Q tag to insert, if any.
    public var vlanID: UInt16?
    public var sourceMAC: UInt64 = 0x02_00_00_00_00_01
    public var destinationMAC: UInt64 = 0x02_00_00_00_00_02

    public init(source: IPAddress, destination: IPAddress, transport: Transport, payloadLength: Int) {
        self.source = source
        self.destination = destination
        self.transport = transport
        self.payloadLength = payloadLength
    }

    /// A packet carrying exactly `payload`.
    public init(source: IPAddress, destination: IPAddress, transport: Transport, payload: [UInt8]) {
        self.init(source: source, destination: destination, transport: transport, payloadLength: payload.count)
        self.payload = payload
    }

    /// Length of the transport header.
    public var transportHeaderLength: Int {
        switch transport {
        case .tcp: return TCPHeader.minimumLength
        case .udp: return UDPHeader.length
        case .echo: return ICMPHeader.length
        case .raw: return 0
        }
    }

    /// Length of the IP datagram (header included).
    public var ipLength: Int {
        (source.version == 4 ? IPv4Header.minimumLength : IPv6Header.length) + transportHeaderLength + payloadLength
    }

    /// Length of the Ethernet frame (without FCS).
    public var frameLength: Int { 14 + (vlanID == nil ? 0 : 4) + ipLength }
}

/// Emits Ethernet frames or bare IP datagrams with correct lengths and checksums.
public enum PacketBuilder {
    /// An Ethernet II frame (optionally 802.1Q-tagged) around the datagram of `spec`.
    public static func ethernetFrame(_ spec: PacketSpec) -> [UInt8] {
        var frame = [UInt8](repeating: 0, count: spec.frameLength)
        frame.withUnsafeMutableBytes { b in
            for i in 0..<6 {
                b[i] = UInt8(truncatingIfNeeded: spec.destinationMAC >> (40 - 8 * UInt64(i)))
                b[6 + i] = UInt8(truncatingIfNeeded: spec.sourceMAC >> (40 - 8 * UInt64(i)))
            }
            var offset = 12
            if let vlan = spec.vlanID {
                b.setU16(offset, EtherType.vlan)
                b.setU16(offset + 2, vlan & 0x0FFF)
                offset += 4
            }
            b.setU16(offset, spec.source.version == 4 ? EtherType.ipv4 : EtherType.ipv6)
            emitDatagram(spec, into: UnsafeMutableRawBufferPointer(rebasing: b[(offset + 2)...]))
        }
        return frame
    }

    /// The bare IP datagram of `spec` (for raw-IP link types and tunnels).
    public static func datagram(_ spec: PacketSpec) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: spec.ipLength)
        bytes.withUnsafeMutableBytes { emitDatagram(spec, into: $0) }
        return bytes
    }

    /// Writes the datagram of `spec` at the start of `b` (at least `spec.ipLength` bytes).
    public static func emitDatagram(_ spec: PacketSpec, into b: UnsafeMutableRawBufferPointer) {
        let l4: Int
        let proto: UInt8
        switch spec.transport {
        case .tcp: proto = IPProtocol.tcp
        case .udp: proto = IPProtocol.udp
        case .echo: proto = spec.source.version == 4 ? IPProtocol.icmp : IPProtocol.icmpv6
        case let .raw(p): proto = p
        }
        let transportLength = spec.transportHeaderLength + spec.payloadLength
        var pseudo = InternetChecksum()
        switch (spec.source, spec.destination) {
        case let (.v4(s), .v4(d)):
            b.setU8(0, 0x45)
            b.setU8(1, 0)
            b.setU16(2, UInt16(spec.ipLength))
            b.setU16(4, spec.identification)
            b.setU16(6, spec.dontFragment ? IPv4Header.dontFragmentBit : 0)
            b.setU8(8, spec.hopLimit)
            b.setU8(9, proto)
            b.setU16(10, 0)
            b.setU32(12, s.rawValue)
            b.setU32(16, d.rawValue)
            let sum = InternetChecksum.sum(UnsafeRawBufferPointer(rebasing: b[0..<20])).finalized
            b.setU16(10, sum)
            l4 = 20
            pseudo = InternetChecksum.pseudoHeader(source: s, destination: d, protocol: proto, length: transportLength)
        case let (.v6(s), .v6(d)):
            b.setU32(0, 0x6000_0000)
            b.setU16(4, UInt16(truncatingIfNeeded: transportLength))
            b.setU8(6, proto)
            b.setU8(7, spec.hopLimit)
            for (offset, word) in [(8, s.high), (16, s.low), (24, d.high), (32, d.low)] {
                b.storeBytes(of: word.bigEndian, toByteOffset: offset, as: UInt64.self)
            }
            l4 = 40
            pseudo = InternetChecksum.pseudoHeader(source: s, destination: d, nextHeader: proto, length: transportLength)
        default:
            preconditionFailure("source and destination must be of the same IP version")
        }
        // Payload: a deterministic byte pattern, so checksums cover real data.
        let payloadStart = l4 + spec.transportHeaderLength
        if let payload = spec.payload {
            for i in 0..<min(payload.count, spec.payloadLength) { b.setU8(payloadStart + i, payload[i]) }
        } else {
            for i in 0..<spec.payloadLength { b.setU8(payloadStart + i, UInt8(truncatingIfNeeded: i &* 7 &+ 1)) }
        }
        let segment = UnsafeMutableRawBufferPointer(rebasing: b[l4..<(l4 + transportLength)])
        switch spec.transport {
        case let .tcp(sp, dp, seq, ack, flags, window):
            segment.setU16(0, sp); segment.setU16(2, dp)
            segment.setU32(4, seq); segment.setU32(8, ack)
            segment.setU8(12, 0x50); segment.setU8(13, flags)
            segment.setU16(14, window); segment.setU16(16, 0); segment.setU16(18, 0)
            let sum = InternetChecksum.sum(UnsafeRawBufferPointer(segment), initial: pseudo).finalized
            segment.setU16(16, sum)
        case let .udp(sp, dp):
            segment.setU16(0, sp); segment.setU16(2, dp)
            segment.setU16(4, UInt16(truncatingIfNeeded: transportLength)); segment.setU16(6, 0)
            var sum = InternetChecksum.sum(UnsafeRawBufferPointer(segment), initial: pseudo).finalized
            if sum == 0 { sum = 0xFFFF }  // RFC 768: zero means "no checksum"
            segment.setU16(6, sum)
        case let .echo(identifier, sequence, reply):
            let v4 = spec.source.version == 4
            segment.setU8(0, v4 ? (reply ? 0 : 8) : (reply ? 129 : 128))
            segment.setU8(1, 0); segment.setU16(2, 0)
            segment.setU16(4, identifier); segment.setU16(6, sequence)
            let initial = v4 ? InternetChecksum() : pseudo  // ICMPv6 covers a pseudo-header, ICMPv4 does not
            segment.setU16(2, InternetChecksum.sum(UnsafeRawBufferPointer(segment), initial: initial).finalized)
        case .raw:
            break
        }
    }
}
