import Capture
import DeterministicRandom
import NetAddress
import PacketWire

/// A small, deterministic capture of SecureCart-like traffic, the bundled demo
/// input (`captures/securecart.pcap`):
///
/// - on-prem 10.0.0.0/16 (IPv6 2001:db8:0::/48) talking to VPC-1 10.1.0.0/16
///   (2001:db8:1::/48: databases, DNS) and VPC-2 10.2.0.0/16 (2001:db8:2::/48: web apps);
/// - TCP sessions with DF set (handshake, requests, responses up to 1500-byte
///   datagrams, FIN), a bulk replication stream of 9001-byte jumbo datagrams to
///   VPC-1, UDP DNS, syslog and StatsD, and ICMP echo health checks;
/// - Ethernet frames from 60 bytes (padded minimum) to 9015 bytes, nanosecond
///   timestamps from 2026-01-01T00:00:00Z.
///
/// The same seed always gives the same bytes.
public enum SecureCartCapture {
    /// The seed of the committed capture.
    public static let defaultSeed: UInt64 = 1
    /// Time of the first packet: 2026-01-01T00:00:00Z in nanoseconds.
    public static let startTime: Int64 = 1_767_225_600 * 1_000_000_000

    /// One frame and its capture time.
    public struct Frame: Sendable {
        public var timestamp: Int64
        public var bytes: [UInt8]
    }

    /// Builds every frame, in time order.
    public static func frames(seed: UInt64 = defaultSeed) -> [Frame] {
        var rng = SeededGenerator(seed: seed)
        var frames: [Frame] = []
        func v4(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) -> IPAddress { .v4(IPv4Address(a, b, c, d)) }
        func v6(_ site: UInt16, _ host: UInt16) -> IPAddress {
            .v6(IPv6Address(groups: [0x2001, 0x0db8, site, 0, 0, 0, 0, host]))
        }
        let onPremHosts = (0..<16).map { v4(10, 0, 1, UInt8(10 + $0)) }
        let databases: [(IPAddress, UInt16)] = [(v4(10, 1, 10, 5), 5432), (v4(10, 1, 10, 6), 3306), (v4(10, 1, 20, 7), 6379)]
        let webApps: [(IPAddress, UInt16)] = [(v4(10, 2, 1, 10), 443), (v4(10, 2, 1, 11), 8080)]
        let resolver = v4(10, 1, 0, 2)
        var nextPort: UInt16 = 40_000
        var ipID: UInt16 = 1

        func emit(_ time: Int64, _ spec: PacketSpec) {
            var spec = spec
            spec.identification = ipID
            ipID &+= 1
            var bytes = PacketBuilder.ethernetFrame(spec)
            if bytes.count < 60 { bytes += [UInt8](repeating: 0, count: 60 - bytes.count) }  // Ethernet minimum
            frames.append(Frame(timestamp: time, bytes: bytes))
        }

        /// A TCP session: handshake, `exchanges` request/response pairs, FIN/ACK teardown.
        func tcpSession(client: IPAddress, server: IPAddress, port: UInt16, start: Int64, exchanges: Int,
                        requestSize: ClosedRange<Int>, responseSegments: ClosedRange<Int>, mss: Int, rtt: Int64) {
            let cport = nextPort
            nextPort &+= 1
            var t = start
            var cseq = UInt32(truncatingIfNeeded: rng.next()), sseq = UInt32(truncatingIfNeeded: rng.next())
            func seg(_ from: IPAddress, _ to: IPAddress, _ sp: UInt16, _ dp: UInt16, _ seq: UInt32, _ ack: UInt32,
                     _ flags: UInt8, _ payload: Int) {
                emit(t, PacketSpec(source: from, destination: to,
                                   transport: .tcp(sourcePort: sp, destinationPort: dp, sequence: seq,
                                                   acknowledgement: ack, flags: flags, window: 65_000),
                                   payloadLength: payload))
            }
            let syn = TCPHeader.Flag.syn, ack = TCPHeader.Flag.ack, psh = TCPHeader.Flag.psh, fin = TCPHeader.Flag.fin
            seg(client, server, cport, port, cseq, 0, syn, 0); cseq &+= 1; t += rtt / 2
            seg(server, client, port, cport, sseq, cseq, syn | ack, 0); sseq &+= 1; t += rtt / 2
            seg(client, server, cport, port, cseq, sseq, ack, 0); t += 50_000
            for _ in 0..<exchanges {
                let request = Int(rng.next(below: UInt64(requestSize.count))) + requestSize.lowerBound
                seg(client, server, cport, port, cseq, sseq, psh | ack, request); cseq &+= UInt32(request); t += rtt / 2
                let segments = Int(rng.next(below: UInt64(responseSegments.count))) + responseSegments.lowerBound
                for i in 0..<segments {
                    let size = i == segments - 1 ? Int(rng.next(below: UInt64(mss))) + 1 : mss
                    seg(server, client, port, cport, sseq, cseq, (i == segments - 1 ? psh : 0) | ack, size)
                    sseq &+= UInt32(size); t += 12_000
                }
                t += rtt / 2
                seg(client, server, cport, port, cseq, sseq, ack, 0)
                t += Int64(rng.next(below: 40_000_000)) + 1_000_000
            }
            seg(client, server, cport, port, cseq, sseq, fin | ack, 0); cseq &+= 1; t += rtt / 2
            seg(server, client, port, cport, sseq, cseq, fin | ack, 0); sseq &+= 1; t += rtt / 2
            seg(client, server, cport, port, cseq, sseq, ack, 0)
        }

        let ms: Int64 = 1_000_000
        let dxRTT: Int64 = 4 * ms
        // Application servers query the databases in VPC-1 (1460-byte MSS: 1500-byte datagrams).
        for i in 0..<24 {
            let (db, port) = databases[i % databases.count]
            tcpSession(client: onPremHosts[i % onPremHosts.count], server: db, port: port,
                       start: startTime + Int64(i) * 350 * ms + Int64(rng.next(below: 100)) * ms,
                       exchanges: 3 + i % 4, requestSize: 40...600, responseSegments: 1...4, mss: 1460, rtt: dxRTT)
        }
        // Users' traffic from on-prem to the public apps in VPC-2.
        for i in 0..<10 {
            let (app, port) = webApps[i % webApps.count]
            tcpSession(client: onPremHosts[(i * 3) % onPremHosts.count], server: app, port: port,
                       start: startTime + 200 * ms + Int64(i) * 800 * ms, exchanges: 2 + i % 3,
                       requestSize: 200...900, responseSegments: 2...6, mss: 1460, rtt: dxRTT + 1 * ms)
        }
        // Nightly replication over a jumbo-frame DX path: 9001-byte datagrams (MSS 8961).
        tcpSession(client: v4(10, 0, 5, 20), server: v4(10, 1, 10, 5), port: 5432, start: startTime + 1_000 * ms,
                   exchanges: 4, requestSize: 100...200, responseSegments: 3...6, mss: 8961, rtt: dxRTT)
        // IPv6 sessions.
        tcpSession(client: v6(0, 0x10), server: v6(1, 0x5), port: 5432, start: startTime + 2_500 * ms,
                   exchanges: 3, requestSize: 60...400, responseSegments: 1...3, mss: 1440, rtt: dxRTT)
        tcpSession(client: v6(0, 0x11), server: v6(2, 0xa), port: 443, start: startTime + 4_000 * ms,
                   exchanges: 2, requestSize: 300...800, responseSegments: 2...4, mss: 1440, rtt: dxRTT + ms)
        // DNS lookups to the VPC-1 resolver (Route 53 Resolver inbound endpoint).
        for i in 0..<40 {
            let t = startTime + Int64(i) * 230 * ms + Int64(rng.next(below: 50)) * ms
            let client = onPremHosts[Int(rng.next(below: UInt64(onPremHosts.count)))]
            let port = UInt16(50_000 + i)
            let name = "db\(rng.next(below: 40)).vpc1.securecart.internal"
            let answer = IPv4Address(10, 1, 10, UInt8(5 + rng.next(below: 3)))
            let id = UInt16(truncatingIfNeeded: rng.next())
            emit(t, PacketSpec(source: client, destination: resolver, transport: .udp(sourcePort: port, destinationPort: 53),
                               payload: DNSMessage.query(id: id, name: name, type: 1)))
            emit(t + dxRTT, PacketSpec(source: resolver, destination: client, transport: .udp(sourcePort: 53, destinationPort: port),
                                       payload: DNSMessage.answer(id: id, name: name, address: answer)))
        }
        // Syslog and StatsD metrics from the VPC-2 apps back to on-prem collectors (DF clear).
        for i in 0..<60 {
            let t = startTime + Int64(i) * 150 * ms + Int64(rng.next(below: 20)) * ms
            let (app, _) = webApps[i % 2]
            var spec = PacketSpec(source: app, destination: v4(10, 0, 9, 9),
                                  transport: .udp(sourcePort: 514, destinationPort: 514),
                                  payloadLength: 80 + Int(rng.next(below: 1300)))
            spec.dontFragment = false
            emit(t, spec)
            var metric = PacketSpec(source: app, destination: v4(10, 0, 9, 10),
                                    transport: .udp(sourcePort: 8125, destinationPort: 8125), payloadLength: 30 + Int(rng.next(below: 200)))
            metric.dontFragment = false
            emit(t + 7 * ms, metric)
        }
        // IPv6 UDP: AAAA lookups over IPv6 to VPC-1.
        for i in 0..<8 {
            let t = startTime + 3_000 * ms + Int64(i) * 400 * ms
            let name = "api\(i).vpc1.securecart.internal"
            let id = UInt16(0x6000 + i)
            emit(t, PacketSpec(source: v6(0, 0x12), destination: v6(1, 0x2), transport: .udp(sourcePort: UInt16(53_000 + i), destinationPort: 53),
                               payload: DNSMessage.query(id: id, name: name, type: 28)))
            emit(t + dxRTT, PacketSpec(source: v6(1, 0x2), destination: v6(0, 0x12), transport: .udp(sourcePort: 53, destinationPort: UInt16(53_000 + i)),
                                       payload: DNSMessage.answer(id: id, name: name, address6: IPv6Address(groups: [0x2001, 0xdb8, 1, 0, 0, 0, 0, UInt16(0x100 + i)]))))
        }
        // Health checks: ICMP echo from the on-prem monitor to a VPC-1 host, every 500 ms.
        for i in 0..<20 {
            let t = startTime + Int64(i) * 500 * ms
            emit(t, PacketSpec(source: v4(10, 0, 9, 1), destination: v4(10, 1, 10, 5),
                               transport: .echo(identifier: 0x5c, sequence: UInt16(i), reply: false), payloadLength: 56))
            emit(t + dxRTT, PacketSpec(source: v4(10, 1, 10, 5), destination: v4(10, 0, 9, 1),
                                       transport: .echo(identifier: 0x5c, sequence: UInt16(i), reply: true), payloadLength: 56))
        }
        // Stable order: by time, then by generation order.
        return frames.enumerated().sorted { a, b in
            a.element.timestamp != b.element.timestamp ? a.element.timestamp < b.element.timestamp : a.offset < b.offset
        }.map(\.element)
    }

    /// Writes the capture to `path` (nanosecond pcap, Ethernet).
    public static func write(to path: String, seed: UInt64 = defaultSeed) throws(CaptureError) -> Int {
        let writer = try CaptureWriter(path: path, linkType: .ethernet, snapLength: 65_535)
        let all = frames(seed: seed)
        for frame in all { writer.write(frame.bytes, timestamp: frame.timestamp) }
        try writer.close()
        return all.count
    }
}

/// Minimal, well-formed DNS messages (RFC 1035) for the sample capture.
enum DNSMessage {
    static func name(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        for label in text.split(separator: ".") {
            out.append(UInt8(label.utf8.count))
            out += Array(label.utf8)
        }
        return out + [0]
    }

    static func header(id: UInt16, flags: UInt16, answers: UInt16) -> [UInt8] {
        [UInt8(id >> 8), UInt8(id & 0xFF), UInt8(flags >> 8), UInt8(flags & 0xFF), 0, 1, UInt8(answers >> 8), UInt8(answers & 0xFF), 0, 0, 0, 0]
    }

    static func query(id: UInt16, name text: String, type: UInt16) -> [UInt8] {
        header(id: id, flags: 0x0100, answers: 0) + name(text) + [UInt8(type >> 8), UInt8(type & 0xFF), 0, 1]
    }

    static func answer(id: UInt16, name text: String, address: IPv4Address) -> [UInt8] {
        let r = address.rawValue
        return header(id: id, flags: 0x8180, answers: 1) + name(text) + [0, 1, 0, 1]
            + [0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4]
            + [UInt8(r >> 24), UInt8(r >> 16 & 0xFF), UInt8(r >> 8 & 0xFF), UInt8(r & 0xFF)]
    }

    static func answer(id: UInt16, name text: String, address6: IPv6Address) -> [UInt8] {
        var rdata: [UInt8] = []
        for word in [address6.high, address6.low] { for k in 0..<8 { rdata.append(UInt8(truncatingIfNeeded: word >> (56 - 8 * UInt64(k)))) } }
        return header(id: id, flags: 0x8180, answers: 1) + name(text) + [0, 28, 0, 1]
            + [0xC0, 0x0C, 0, 28, 0, 1, 0, 0, 0, 60, 0, 16] + rdata
    }
}
