import NetAddress
@testable import PacketWire
import Testing

/// The parser's plain path (untagged Ethernet, IPv4 without options or
/// fragments, TCP or UDP) against the general parse it stands in for: the
/// same `PacketInfo`, field for field, on valid frames and on mutants of
/// them, cut or not, with wire lengths above and below the captured bytes.
@Suite("parser plain path")
struct PlainPathTests {
    static func general(_ bytes: [UInt8], wire: Int) -> PacketInfo {
        var info = PacketInfo()
        bytes.withUnsafeBytes { PacketParser.parseGeneral($0, wireEnd: max(wire, bytes.count), linkType: .ethernet, into: &info) }
        return info
    }

    static func plainPathTakes(_ bytes: [UInt8], wire: Int) -> Bool {
        var info = PacketInfo()
        return bytes.withUnsafeBytes { PacketParser.parsePlainEthernetIPv4($0, wireEnd: max(wire, bytes.count), into: &info) }
    }

    static func frames() -> [[UInt8]] {
        let a = IPAddress.v4(IPv4Address(0x0A00_0001)), b = IPAddress.v4(IPv4Address(0x0A01_0002))
        var out: [[UInt8]] = []
        for size in [0, 1, 18, 100, 1_400] {
            var tcp = PacketSpec(source: a, destination: b, transport: .tcp(sourcePort: 40_000, destinationPort: 443, sequence: 7,
                                                                          acknowledgement: 9, flags: 0x18, window: 512), payloadLength: size)
            tcp.identification = UInt16(size)
            out.append(PacketBuilder.ethernetFrame(tcp))
            var udp = PacketSpec(source: b, destination: a, transport: .udp(sourcePort: 53, destinationPort: 5_353), payloadLength: size)
            udp.dontFragment = size % 2 == 0
            out.append(PacketBuilder.ethernetFrame(udp))
        }
        return out
    }

    @Test func validFramesTakeThePlainPathWithTheGeneralResult() {
        for frame in Self.frames() {
            #expect(Self.plainPathTakes(frame, wire: frame.count))
            #expect(String(describing: parse(frame)) == String(describing: Self.general(frame, wire: frame.count)))
        }
    }

    @Test func mutantsParseAsTheGeneralPathParsesThem() {
        var noise = TestNoise(state: 0x2545_F491_4F6C_DD1D)
        var plainTaken = 0
        for (n, original) in Self.frames().enumerated() {
            for _ in 0..<4_000 {
                var frame = original
                // Mostly the header bytes the plain path reads (12...60), sometimes anywhere.
                for _ in 0...Int(noise.next() % 3) {
                    let at = noise.next() % 4 == 0 ? Int(noise.next() % UInt64(frame.count)) : 12 + Int(noise.next() % 50)
                    if at < frame.count { frame[at] = UInt8(truncatingIfNeeded: noise.next()) }
                }
                if noise.next() % 4 == 0 { frame = Array(frame.prefix(Int(noise.next() % UInt64(frame.count + 1)))) }
                let wire = noise.next() % 3 == 0 ? frame.count + Int(noise.next() % 64) : frame.count
                if Self.plainPathTakes(frame, wire: wire) { plainTaken += 1 }
                #expect(String(describing: parse(frame, wire: wire)) == String(describing: Self.general(frame, wire: wire)),
                        "frame \(n): \(frame.prefix(64))")
            }
        }
        // Both paths were exercised.
        #expect(plainTaken > 1_000 && plainTaken < 38_000)
    }
}
