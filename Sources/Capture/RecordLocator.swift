#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds where the Nth record of a capture starts, so that an error message can
/// name the byte offset of the fault. Used only after libpcap reported a fault:
/// it walks record and block headers, never the packet data.
enum RecordLocator {
    /// Byte offset of record `number` (1-based), or nil when it cannot be told
    /// (standard input, unknown format).
    static func offset(ofRecord number: Int, inFile path: String, format: CaptureFormat) -> Int? {
        guard path != "-", let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        switch format {
        case let .pcap(_, bigEndian):
            return pcapOffset(file, number: number, bigEndian: bigEndian)
        case .pcapng:
            return pcapngOffset(file, number: number)
        case .unknown:
            return nil
        }
    }

    private static func read(_ file: UnsafeMutablePointer<FILE>, at offset: Int, count: Int) -> [UInt8]? {
        guard fseeko(file, off_t(offset), SEEK_SET) == 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: count)
        guard fread(&buffer, 1, count, file) == count else { return nil }
        return buffer
    }

    private static func u32(_ b: [UInt8], _ i: Int, bigEndian: Bool) -> UInt32 {
        bigEndian
            ? UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
            : UInt32(b[i + 3]) << 24 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 1]) << 8 | UInt32(b[i])
    }

    private static func pcapOffset(_ file: UnsafeMutablePointer<FILE>, number: Int, bigEndian: Bool) -> Int? {
        var position = 24
        var index = 1
        while index < number {
            guard let header = read(file, at: position, count: 16) else { return position }
            position += 16 + Int(u32(header, 8, bigEndian: bigEndian))
            index += 1
        }
        return position
    }

    private static func pcapngOffset(_ file: UnsafeMutablePointer<FILE>, number: Int) -> Int? {
        var position = 0
        var bigEndian = false
        var packets = 0
        while true {
            guard let header = read(file, at: position, count: 12) else { return position }
            if header[0] == 0x0A && header[1] == 0x0D && header[2] == 0x0D && header[3] == 0x0A {
                bigEndian = header[8] == 0x1A  // byte-order magic 0x1A2B3C4D
            }
            let type = u32(header, 0, bigEndian: bigEndian)
            let length = Int(u32(header, 4, bigEndian: bigEndian))
            if type == 6 || type == 3 || type == 2 {
                packets += 1
                if packets == number { return position }
            }
            guard length >= 12 else { return position }
            position += length
        }
    }
}
