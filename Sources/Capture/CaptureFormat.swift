/// The container format of a capture file, read from its first four bytes.
public enum CaptureFormat: Sendable, Equatable, CustomStringConvertible {
    /// Classic pcap (`a1b2c3d4` microseconds, `a1b23c4d` nanoseconds).
    case pcap(nanosecond: Bool, bigEndian: Bool)
    /// pcapng (section header block `0a0d0d0a`).
    case pcapng
    /// Something else: the four magic bytes as a big-endian number.
    case unknown(magic: UInt32)

    /// Identifies the format from the first four bytes of a file.
    public init(magic bytes: [UInt8]) {
        guard bytes.count >= 4 else { self = .unknown(magic: 0); return }
        let be = UInt32(bytes[0]) << 24 | UInt32(bytes[1]) << 16 | UInt32(bytes[2]) << 8 | UInt32(bytes[3])
        switch be {
        case 0xA1B2_C3D4: self = .pcap(nanosecond: false, bigEndian: true)
        case 0xD4C3_B2A1: self = .pcap(nanosecond: false, bigEndian: false)
        case 0xA1B2_3C4D: self = .pcap(nanosecond: true, bigEndian: true)
        case 0x4D3C_B2A1: self = .pcap(nanosecond: true, bigEndian: false)
        case 0x0A0D_0D0A: self = .pcapng
        default: self = .unknown(magic: be)
        }
    }

    /// `pcap (nanosecond, big-endian)`, `pcapng`, ...
    public var description: String {
        switch self {
        case let .pcap(ns, be): return "pcap (\(ns ? "nanosecond" : "microsecond"), \(be ? "big" : "little")-endian)"
        case .pcapng: return "pcapng"
        case let .unknown(magic): return "unknown (magic 0x\(String(magic, radix: 16)))"
        }
    }

    /// A short stable name for JSON: `pcap`, `pcap-ns`, `pcapng`, `unknown`.
    public var key: String {
        switch self {
        case let .pcap(ns, _): return ns ? "pcap-ns" : "pcap"
        case .pcapng: return "pcapng"
        case .unknown: return "unknown"
        }
    }
}
