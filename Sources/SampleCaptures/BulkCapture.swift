import Capture
import DeterministicRandom
import NetAddress
import PacketWire

/// A large capture for throughput benchmarks, made like ../shared/peers/pcapread's
/// `gen_capture.py`: Ethernet/IPv4 from on-prem 10.0.0.0/16 to VPC-1 10.1.0.0/16,
/// 4,096 TCP and UDP flows, wire sizes 64 to 9001 bytes, each frame captured up to
/// 96 bytes (headers are what parsing and replay need), nanosecond timestamps.
public enum BulkCapture {
    /// Bytes kept of each frame.
    public static let snapLength = 96

    /// Writes `packets` frames to `path`; the same seed gives the same file.
    public static func write(to path: String, packets: Int, seed: UInt64 = 1) throws(CaptureError) {
        var rng = SeededGenerator(seed: seed)
        struct Flow { var source: UInt32; var destination: UInt32; var proto: UInt8; var sport: UInt16; var dport: UInt16 }
        let ports: [UInt16] = [443, 5432, 3306, 53, 8080]
        let flows = (0..<4096).map { _ in
            Flow(source: 0x0A00_0000 | UInt32(rng.next(below: 1 << 16)), destination: 0x0A01_0000 | UInt32(rng.next(below: 1 << 16)),
                 proto: rng.next(below: 2) == 0 ? IPProtocol.tcp : IPProtocol.udp,
                 sport: UInt16(1024 + rng.next(below: 64511)), dport: ports[Int(rng.next(below: UInt64(ports.count)))])
        }
        let sizes = [64, 64, 64, 576, 1500, 1500, 1500, 9001]
        let writer = try CaptureWriter(path: path, linkType: .ethernet, snapLength: 65_535)
        var time: Int64 = 1_700_000_000 * 1_000_000_000
        var frame = [UInt8](repeating: 0, count: snapLength)
        for i in 0..<packets {
            let flow = flows[Int(rng.next(below: UInt64(flows.count)))]
            let size = sizes[Int(rng.next(below: UInt64(sizes.count)))]
            let spec = PacketSpec(source: .v4(IPv4Address(flow.source)), destination: .v4(IPv4Address(flow.destination)),
                                  transport: flow.proto == IPProtocol.tcp
                                      ? .tcp(sourcePort: flow.sport, destinationPort: flow.dport, sequence: UInt32(truncatingIfNeeded: i),
                                             acknowledgement: 0, flags: TCPHeader.Flag.ack, window: 65_535)
                                      : .udp(sourcePort: flow.sport, destinationPort: flow.dport),
                                  payloadLength: 0)
            // Headers only (checksums over the headers alone), lengths of the full frame.
            let headers = PacketBuilder.ethernetFrame(spec)
            let captured = min(size, snapLength)
            for k in 0..<captured { frame[k] = k < headers.count ? headers[k] : 0 }
            let ipLength = UInt16(size - 14)
            frame[16] = UInt8(ipLength >> 8); frame[17] = UInt8(ipLength & 0xFF)
            frame[18] = UInt8(truncatingIfNeeded: i >> 8); frame[19] = UInt8(truncatingIfNeeded: i)
            if flow.proto == IPProtocol.udp {
                let udpLength = UInt16(size - 34)
                frame[38] = UInt8(udpLength >> 8); frame[39] = UInt8(udpLength & 0xFF)
            }
            fixIPv4Checksum(&frame)
            time += Int64(200 + rng.next(below: 19_800))
            frame.withUnsafeBytes { writer.write(UnsafeRawBufferPointer(rebasing: $0[0..<captured]), timestamp: time, wireLength: size) }
        }
        try writer.close()
    }

    static func fixIPv4Checksum(_ frame: inout [UInt8]) {
        frame[24] = 0; frame[25] = 0
        let sum = frame.withUnsafeBytes { InternetChecksum.sum(UnsafeRawBufferPointer(rebasing: $0[14..<34])).finalized }
        frame[24] = UInt8(sum >> 8); frame[25] = UInt8(sum & 0xFF)
    }
}
