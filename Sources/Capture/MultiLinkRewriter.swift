import PacketWire
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Lets libpcap read pcapng files whose interfaces have different link types or
/// snap lengths, which libpcap 1.10 refuses ("an interface has a type 0
/// different from the type of the first interface").
///
/// The file is copied block by block into an anonymous temporary file in which
/// every interface description block says LINKTYPE_USER0 with snap length 0, and
/// every packet's data is prefixed with four bytes naming its interface's real
/// link type. libpcap still does all the reading (timestamps with per-interface
/// resolution, options, error checks); ``unwrap(_:)`` strips the prefix. Blocks
/// that look damaged are copied unchanged, so libpcap reports them as usual.
enum MultiLinkRewriter {
    /// The link type written into every interface description block.
    static let carrierLinkType: UInt16 = 147  // LINKTYPE_USER0
    /// Bytes added in front of every packet.
    static let prefixLength = 4
    /// Blocks larger than this are not rewritten (libpcap rejects them anyway).
    static let maximumBlockLength = 64 << 20

    static func isMixedInterfaceError(_ message: String) -> Bool {
        message.contains("different from the type of the first interface")
            || message.contains("different from the snapshot length of the first interface")
    }

    /// Restores a record's real link type and bytes.
    @inline(__always)
    static func unwrap(_ record: inout CaptureRecord) {
        guard record.bytes.count >= prefixLength else { return }
        record.linkType = LinkType(rawValue: record.bytes.loadUnaligned(as: UInt32.self).littleEndian)
        record.bytes = UnsafeRawBufferPointer(rebasing: record.bytes[prefixLength...])
        record.wireLength = max(record.wireLength - prefixLength, record.bytes.count)
    }

    /// Writes the rewritten copy of `path` to a temporary file, rewound and ready to read.
    static func rewrite(path: String) throws(CaptureError) -> UnsafeMutablePointer<FILE> {
        guard let input = fopen(path, "rb") else { throw CaptureError(path: path, reason: "cannot reopen the file") }
        defer { fclose(input) }
        guard let output = tmpfile() else { throw CaptureError(path: path, reason: "cannot create a temporary file") }
        var bigEndian = false
        var interfaces: [UInt32] = []
        var header = [UInt8](repeating: 0, count: 12)
        var body = [UInt8]()

        func u32(_ b: [UInt8], _ i: Int) -> UInt32 {
            bigEndian
                ? UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
                : UInt32(b[i + 3]) << 24 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 1]) << 8 | UInt32(b[i])
        }
        func u16(_ b: [UInt8], _ i: Int) -> UInt16 {
            bigEndian ? UInt16(b[i]) << 8 | UInt16(b[i + 1]) : UInt16(b[i + 1]) << 8 | UInt16(b[i])
        }
        func put32(_ b: inout [UInt8], _ i: Int, _ v: UInt32) {
            for k in 0..<4 {
                b[i + k] = UInt8(truncatingIfNeeded: bigEndian ? v >> (24 - 8 * UInt32(k)) : v >> (8 * UInt32(k)))
            }
        }
        func put16(_ b: inout [UInt8], _ i: Int, _ v: UInt16) {
            b[i] = UInt8(truncatingIfNeeded: bigEndian ? v >> 8 : v)
            b[i + 1] = UInt8(truncatingIfNeeded: bigEndian ? v : v >> 8)
        }
        func copyRest(_ already: [UInt8]) {
            _ = fwrite(already, 1, already.count, output)
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let got = fread(&chunk, 1, chunk.count, input)
                if got == 0 { break }
                _ = fwrite(chunk, 1, got, output)
            }
        }

        while true {
            let got = fread(&header, 1, 12, input)
            if got == 0 { break }
            guard got == 12 else { copyRest(Array(header.prefix(got))); break }
            if header[0] == 0x0A && header[1] == 0x0D && header[2] == 0x0D && header[3] == 0x0A {
                if header[8] == 0x1A && header[9] == 0x2B { bigEndian = true }
                else if header[8] == 0x4D && header[9] == 0x3C { bigEndian = false }
                interfaces.removeAll()
            }
            let type = u32(header, 0)
            let length = Int(u32(header, 4))
            guard length >= 12, length % 4 == 0, length <= maximumBlockLength else { copyRest(header); break }
            body = header + [UInt8](repeating: 0, count: length - 12)
            let rest = length - 12
            if rest > 0 {
                let read = body.withUnsafeMutableBytes { fread($0.baseAddress! + 12, 1, rest, input) }
                guard read == rest else { copyRest(Array(body.prefix(12 + read))); break }
            }
            switch type {
            case 1 where length >= 20:  // interface description block
                interfaces.append(UInt32(u16(body, 8)))
                put16(&body, 8, carrierLinkType)
                put32(&body, 12, 0)
            case 6 where length >= 32, 2 where length >= 32:  // enhanced / obsolete packet block
                let interface = type == 6 ? Int(u32(body, 8)) : Int(u16(body, 8))
                let real = interface < interfaces.count ? interfaces[interface] : 0xFFFF_FFFF
                put32(&body, 20, u32(body, 20) &+ 4)
                put32(&body, 24, u32(body, 24) &+ 4)
                body = grown(body, insertingAt: 28, linkType: real, newLength: UInt32(length + 4), put32: put32)
            case 3 where length >= 16:  // simple packet block: interface 0
                let real = interfaces.first ?? 0xFFFF_FFFF
                put32(&body, 8, u32(body, 8) &+ 4)
                body = grown(body, insertingAt: 12, linkType: real, newLength: UInt32(length + 4), put32: put32)
            default:
                break
            }
            _ = fwrite(body, 1, body.count, output)
        }
        fflush(output)
        rewind(output)
        return output
    }

    private static func grown(_ block: [UInt8], insertingAt offset: Int, linkType: UInt32, newLength: UInt32,
                              put32: (inout [UInt8], Int, UInt32) -> Void) -> [UInt8] {
        var out = Array(block[..<offset])
        out += [UInt8(truncatingIfNeeded: linkType), UInt8(truncatingIfNeeded: linkType >> 8),
                UInt8(truncatingIfNeeded: linkType >> 16), UInt8(truncatingIfNeeded: linkType >> 24)]
        out += block[offset...]
        put32(&out, 4, newLength)
        put32(&out, out.count - 4, newLength)
        return out
    }
}
