import Capture
import PacketWire

/// Reads a capture to the end (or to its first fault) and summarises it.
public struct CaptureInspector {
    /// The most flows tracked individually; later flows are only counted in bulk,
    /// so memory stays bounded on captures with millions of flows.
    public static let flowLimit = 1_000_000

    /// What to do besides counting.
    public struct Options: Sendable {
        /// A BPF filter expression (tcpdump syntax), or nil.
        public var filter: String?
        /// Verify IPv4 header checksums (costs a pass over every header).
        public var verifyChecksums = false
        public init(filter: String? = nil, verifyChecksums: Bool = false) {
            self.filter = filter
            self.verifyChecksums = verifyChecksums
        }
    }

    /// Inspects `path`. `eachFrame`, when given, receives every frame's
    /// Wireshark-style columns in file order. Faults are returned in
    /// `summary.error`, never thrown, so what was read before them is kept.
    public static func inspect(path: String, options: Options = Options(),
                               eachFrame: ((FrameColumns) -> Void)? = nil) -> CaptureSummary {
        let reader: CaptureReader
        do {
            reader = try CaptureReader(path: path)
        } catch {
            var summary = CaptureSummary(path: path, format: CaptureFormat(magic: []))
            summary.error = error
            return summary
        }
        var summary = CaptureSummary(path: path, format: reader.format)
        summary.fileLinkType = reader.linkType
        summary.snapLength = reader.snapLength
        if options.verifyChecksums { summary.badIPv4Checksums = 0 }
        do {
            if let filter = options.filter { try reader.setFilter(filter) }
            while let record = try reader.next() {
                add(record, to: &summary, options: options)
                if let eachFrame {
                    eachFrame(FrameColumns(number: record.number, bytes: record.bytes,
                                           wireLength: record.wireLength, linkType: record.linkType))
                }
            }
        } catch {
            summary.error = error
        }
        summary.filteredOut = reader.recordsFilteredOut
        summary.snapLength = reader.snapLength
        summary.recordFaults = reader.recordFaults
        summary.recordFaultCount = reader.recordFaultCount
        if var first = summary.firstMalformed, let record = first.record {
            first.byteOffset = reader.byteOffset(ofRecord: record)
            summary.firstMalformed = first
        }
        return summary
    }

    static func add(_ record: CaptureRecord, to s: inout CaptureSummary, options: Options) {
        s.packets += 1
        s.capturedBytes += record.bytes.count
        s.wireBytes += record.wireLength
        if s.firstTimestamp == nil { s.firstTimestamp = record.timestamp }
        s.lastTimestamp = record.timestamp
        s.linkTypes[record.linkType, default: 0] += 1
        guard record.linkType.isSupported else {
            s.unsupportedLinkType += 1
            return
        }
        let info = PacketParser.parse(record.bytes, wireLength: record.wireLength, linkType: record.linkType)
        if info.vlanTags > 0 { s.vlanTagged += 1 }
        s.malformed[Int(info.malformed.rawValue)] += 1
        if info.malformed != .none && info.malformed != .headersCutBySnaplen && s.firstMalformed == nil {
            s.firstMalformed = CaptureError(path: s.path, record: record.number,
                                            reason: "malformed frame: \(info.malformed) (\(record.bytes.count) bytes captured, \(record.wireLength) on the wire)")
        }
        guard info.isIP else {
            if info.malformed == .none || info.etherType != 0 {
                s.nonIPByEtherType[info.etherType, default: 0] += 1
            }
            return
        }
        if info.ip.flow.ipVersion == 4 { s.ipv4Packets += 1 } else { s.ipv6Packets += 1 }
        s.byIPProtocol[Int(info.ip.flow.ipProtocol)] += 1
        if info.ip.fragment != .whole { s.fragments += 1 }
        if options.verifyChecksums && info.ip.flow.ipVersion == 4 {
            let o = Int(info.networkOffset)
            let header = IPv4Header(unchecked: UnsafeRawBufferPointer(rebasing: record.bytes[o...]))
            if header.headerLength >= 20 && o + header.headerLength <= record.bytes.count && !header.checksumIsValid {
                s.badIPv4Checksums! += 1
            }
        }
        let key = info.ip.flow
        if s.flows.count < flowLimit || s.flows[key] != nil {
            var counters = s.flows[key] ?? FlowCounters(firstTimestamp: record.timestamp)
            counters.packets += 1
            counters.wireBytes += record.wireLength
            counters.lastTimestamp = record.timestamp
            s.flows[key] = counters
        } else {
            s.packetsOfUntrackedFlows += 1
        }
    }
}
