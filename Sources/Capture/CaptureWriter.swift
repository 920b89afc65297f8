import CPcap
import PacketWire
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a pcap file with nanosecond timestamps (magic `a1b23c4d`) through
/// libpcap's `pcap_dump`, readable by tcpdump and Wireshark.
public final class CaptureWriter {
    /// The file being written.
    public let path: String
    /// Link type of every record.
    public let linkType: LinkType
    /// Records written so far.
    public private(set) var recordsWritten = 0

    private let dead: OpaquePointer
    private var dumper: OpaquePointer?

    /// Creates (or truncates) `path`. `snapLength` is recorded in the file header;
    /// longer frames are cut to it.
    public init(path: String, linkType: LinkType, snapLength: Int = 262_144) throws(CaptureError) {
        self.path = path
        self.linkType = linkType
        // pcap_open_dead takes a DLT value: LINKTYPE_RAW (101) is DLT_RAW here.
        let dlt = linkType == .raw || linkType == .rawLegacy14 ? Int32(DLT_RAW) : Int32(bitPattern: linkType.rawValue)
        guard let p = pcap_open_dead_with_tstamp_precision(dlt, Int32(snapLength),
                                                           UInt32(PCAP_TSTAMP_PRECISION_NANO)) else {
            throw CaptureError(path: path, reason: "libpcap cannot write link type \(linkType)")
        }
        guard let d = pcap_dump_open(p, path) else {
            // Thrown before every property is set, so deinit does not run: close here.
            let message = String(cString: pcap_geterr(p))
            pcap_close(p)
            throw CaptureError(path: path, reason: "cannot create the file (libpcap: \(message))")
        }
        dead = p
        dumper = d
    }

    deinit {
        if let dumper { pcap_dump_close(dumper) }
        pcap_close(dead)
    }

    /// Appends one frame. `timestamp` is in nanoseconds since the Unix epoch;
    /// `wireLength` defaults to the captured length.
    public func write(_ bytes: UnsafeRawBufferPointer, timestamp: Int64, wireLength: Int? = nil) {
        guard let dumper else { return }
        var header = pcap_pkthdr()
        let seconds = timestamp >= 0 ? timestamp / 1_000_000_000 : (timestamp - 999_999_999) / 1_000_000_000
        header.ts.tv_sec = Int(seconds)
        header.ts.tv_usec = Int(timestamp - seconds * 1_000_000_000)
        header.caplen = UInt32(bytes.count)
        header.len = UInt32(max(wireLength ?? bytes.count, bytes.count))
        let user = UnsafeMutableRawPointer(dumper).assumingMemoryBound(to: UInt8.self)
        pcap_dump(user, &header, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self))
        recordsWritten += 1
    }

    /// Convenience for byte arrays.
    public func write(_ bytes: [UInt8], timestamp: Int64, wireLength: Int? = nil) {
        bytes.withUnsafeBytes { write($0, timestamp: timestamp, wireLength: wireLength) }
    }

    /// Flushes and closes the file, reporting a write failure (a full disk, say).
    public func close() throws(CaptureError) {
        guard let d = dumper else { return }
        dumper = nil
        let failed = pcap_dump_flush(d) != 0 || ferror(pcap_dump_file(d)) != 0
        pcap_dump_close(d)
        if failed { throw CaptureError(path: path, reason: "write failed: \(String(cString: strerror(errno)))") }
    }
}
