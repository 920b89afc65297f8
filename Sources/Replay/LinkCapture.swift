import Capture
import Emulator
import PacketWire

/// Writes what crosses one connection (both directions) to a pcap file, as
/// raw IP, timestamped in emulated time (nanoseconds from the start of the
/// run). The emulator carries packet metadata, not payloads, so the headers
/// are rebuilt from the flow's mapped 5-tuple: IPv4/IPv6, then TCP, UDP or
/// ICMP. The payload is opaque (zeros). Each record keeps the packet's real
/// length as its wire length and at most `snapLength` captured bytes.
///
/// On a VPN tunnel a packet appears as the tunnel carries it: an outer IPv4
/// header from the customer gateway to the AWS endpoint (or back), protocol 50,
/// an ESP header (SPI, sequence number, 8-byte IV), then the encrypted inner
/// packet, trailer and ICV. It is as many bytes longer as the link's ESP
/// overhead: 54 plus 0-3 bytes of padding (AWS-FACTS §2.4).
final class LinkCapture {
    let name: String
    let path: String
    private let writer: CaptureWriter
    private let snapLength: Int
    private var buffer: [UInt8]
    private var espSequence: UInt32 = 0
    private(set) var packets = 0

    /// Outer addresses of the tunnel (TEST-NET-2 for the customer gateway,
    /// TEST-NET-3 for the AWS endpoints) and its SPI.
    private let customerEndpoint: UInt32
    private let awsEndpoint: UInt32
    private let spi: UInt32

    init(name: String, path: String, snapLength: Int, tunnelNumber: Int) throws(CaptureError) {
        self.name = name
        self.path = path
        self.snapLength = snapLength
        writer = try CaptureWriter(path: path, linkType: .raw, snapLength: snapLength)
        buffer = [UInt8](repeating: 0, count: max(snapLength, 128))
        customerEndpoint = 0xC633_6401  // 198.51.100.1
        awsEndpoint = 0xCB00_7100 | UInt32(truncatingIfNeeded: 1 + tunnelNumber & 0x7F)  // 203.0.113.x
        spi = 0xC0DE_0000 | UInt32(truncatingIfNeeded: tunnelNumber & 0xFFFF)
    }

    /// Records one packet the link put on the wire at `time` (`towardAWS`
    /// chooses the outer addresses on a tunnel).
    /// `icmp`: the flow's ICMP type and code (nil: echo request).
    func record(_ p: Packet, key: FlowKey, time: Int64, towardAWS: Bool, icmp: (type: UInt8, code: UInt8)? = nil) {
        let total = Int(p.size) + Int(p.overhead)
        let captured = min(total, snapLength)
        buffer.withUnsafeMutableBytes { raw in
            for i in 0..<captured { raw[i] = 0 }
            var offset = 0
            if p.overhead > 0 {
                let (src, dst) = towardAWS ? (customerEndpoint, awsEndpoint) : (awsEndpoint, customerEndpoint)
                offset = LinkCapture.ipv4Header(raw, at: 0, limit: captured, source: src, destination: dst, length: total,
                                                protocol: IPProtocol.esp, ttl: 64, dontFragment: true, identification: UInt16(truncatingIfNeeded: espSequence))
                espSequence &+= 1
                LinkCapture.store32(raw, offset, spi, limit: captured)
                LinkCapture.store32(raw, offset + 4, espSequence, limit: captured)
                LinkCapture.store32(raw, offset + 8, 0, limit: captured)  // IV (opaque)
                LinkCapture.store32(raw, offset + 12, espSequence, limit: captured)
                // The inner packet is encrypted: opaque bytes.
            } else {
                LinkCapture.innerPacket(raw, at: 0, limit: captured, key: key, size: Int(p.size), ttl: p.ttl,
                                        dontFragment: p.dontFragment, sequence: p.sequence, icmp: icmp)
            }
            writer.write(UnsafeRawBufferPointer(rebasing: raw[0..<captured]), timestamp: time, wireLength: total)
        }
        packets += 1
    }

    func close() throws(CaptureError) { try writer.close() }

    // MARK: - Header building

    static func store16(_ b: UnsafeMutableRawBufferPointer, _ at: Int, _ v: UInt16, limit: Int) {
        guard at + 2 <= limit else { return }
        b[at] = UInt8(v >> 8); b[at + 1] = UInt8(v & 0xFF)
    }

    static func store32(_ b: UnsafeMutableRawBufferPointer, _ at: Int, _ v: UInt32, limit: Int) {
        store16(b, at, UInt16(v >> 16), limit: limit)
        store16(b, at + 2, UInt16(v & 0xFFFF), limit: limit)
    }

    static func store64(_ b: UnsafeMutableRawBufferPointer, _ at: Int, _ v: UInt64, limit: Int) {
        store32(b, at, UInt32(v >> 32), limit: limit)
        store32(b, at + 4, UInt32(v & 0xFFFF_FFFF), limit: limit)
    }

    /// A 20-byte IPv4 header with its checksum; returns the offset after it.
    @discardableResult
    static func ipv4Header(_ b: UnsafeMutableRawBufferPointer, at o: Int, limit: Int, source: UInt32, destination: UInt32,
                           length: Int, protocol proto: UInt8, ttl: UInt8, dontFragment: Bool, identification: UInt16) -> Int {
        guard o + 20 <= limit else { return o + 20 }
        b[o] = 0x45; b[o + 1] = 0
        store16(b, o + 2, UInt16(clamping: length), limit: limit)
        store16(b, o + 4, identification, limit: limit)
        store16(b, o + 6, dontFragment ? 0x4000 : 0, limit: limit)
        b[o + 8] = ttl; b[o + 9] = proto
        store16(b, o + 10, 0, limit: limit)
        store32(b, o + 12, source, limit: limit)
        store32(b, o + 16, destination, limit: limit)
        let sum = InternetChecksum.sum(UnsafeRawBufferPointer(rebasing: b[o..<(o + 20)])).finalized
        store16(b, o + 10, sum, limit: limit)
        return o + 20
    }

    /// The packet as the flow sends it: IP header, then the transport header.
    static func innerPacket(_ b: UnsafeMutableRawBufferPointer, at o: Int, limit: Int, key: FlowKey, size: Int, ttl: UInt8,
                            dontFragment: Bool, sequence: UInt32, icmp: (type: UInt8, code: UInt8)? = nil) {
        var t: Int
        if key.ipVersion == 6 {
            guard o + 40 <= limit else { return }
            b[o] = 0x60
            store16(b, o + 4, UInt16(clamping: max(size - 40, 0)), limit: limit)
            b[o + 6] = key.ipProtocol; b[o + 7] = ttl
            store64(b, o + 8, key.sourceHigh, limit: limit); store64(b, o + 16, key.sourceLow, limit: limit)
            store64(b, o + 24, key.destinationHigh, limit: limit); store64(b, o + 32, key.destinationLow, limit: limit)
            t = o + 40
        } else {
            t = ipv4Header(b, at: o, limit: limit, source: UInt32(truncatingIfNeeded: key.sourceLow),
                           destination: UInt32(truncatingIfNeeded: key.destinationLow), length: size, protocol: key.ipProtocol,
                           ttl: ttl, dontFragment: dontFragment, identification: UInt16(truncatingIfNeeded: sequence))
        }
        switch key.ipProtocol {
        case IPProtocol.tcp where size - (t - o) >= 20:
            store16(b, t, key.sourcePort, limit: limit); store16(b, t + 2, key.destinationPort, limit: limit)
            store32(b, t + 4, sequence, limit: limit)
            if t + 13 < limit { b[t + 12] = 0x50; b[t + 13] = 0x18 }  // data offset 5, PSH+ACK
            store16(b, t + 14, 65_535, limit: limit)
        case IPProtocol.udp where size - (t - o) >= 8:
            store16(b, t, key.sourcePort, limit: limit); store16(b, t + 2, key.destinationPort, limit: limit)
            store16(b, t + 4, UInt16(clamping: size - (t - o)), limit: limit)
        case IPProtocol.icmp where size - (t - o) >= 8, IPProtocol.icmpv6 where size - (t - o) >= 8:
            // The type and code the flow's first packet had (default: echo request).
            let (type, code) = icmp ?? (key.ipProtocol == IPProtocol.icmp ? 8 : 128, 0)
            if t + 1 < limit { b[t] = type; b[t + 1] = code }
            store16(b, t + 6, UInt16(truncatingIfNeeded: sequence), limit: limit)
        default:
            return
        }
        // The transport checksum over the pseudo-header, the header and the
        // (all-zero, so contributing nothing) payload: tcpdump finds it right.
        let headerBytes = key.ipProtocol == IPProtocol.tcp ? 20 : 8
        guard t + headerBytes <= limit else { return }
        let l4Length = size - (t - o)
        var sum = InternetChecksum()
        if key.ipProtocol != IPProtocol.icmp {
            if key.ipVersion == 6 {
                for word in [key.sourceHigh, key.sourceLow, key.destinationHigh, key.destinationLow] {
                    sum = sum.adding(UInt32(word >> 32)).adding(UInt32(word & 0xFFFF_FFFF))
                }
            } else {
                sum = sum.adding(UInt32(truncatingIfNeeded: key.sourceLow)).adding(UInt32(truncatingIfNeeded: key.destinationLow))
            }
            sum = sum.adding(UInt32(l4Length)).adding(UInt16(key.ipProtocol))
        }
        sum = InternetChecksum.sum(UnsafeRawBufferPointer(rebasing: b[t..<(t + headerBytes)]), initial: sum)
        var value = sum.finalized
        if key.ipProtocol == IPProtocol.udp && value == 0 { value = 0xFFFF }
        let at = key.ipProtocol == IPProtocol.tcp ? t + 16 : key.ipProtocol == IPProtocol.udp ? t + 6 : t + 2
        store16(b, at, value, limit: limit)
    }
}
