import Capture
import PacketWire

/// Packet and byte counters of one flow.
public struct FlowCounters: Sendable, Equatable {
    public var packets = 0
    public var wireBytes = 0
    /// Nanoseconds since the epoch of the first and last packet.
    public var firstTimestamp: Int64 = 0
    public var lastTimestamp: Int64 = 0
}

/// What `dxemu inspect` learns about one capture file.
public struct CaptureSummary: Sendable {
    public var path: String
    public var format: CaptureFormat
    /// Link type of the file's first interface.
    public var fileLinkType: LinkType?
    /// Records per link type (more than one entry for a mixed pcapng).
    public var linkTypes: [LinkType: Int] = [:]
    public var snapLength = 0
    /// Records read (after the BPF filter, when one is set).
    public var packets = 0
    /// Records that the BPF filter rejected.
    public var filteredOut = 0
    public var capturedBytes = 0
    public var wireBytes = 0
    public var firstTimestamp: Int64?
    public var lastTimestamp: Int64?
    public var ipv4Packets = 0
    public var ipv6Packets = 0
    /// Frames without IP: by EtherType (0 when the link layer names none).
    public var nonIPByEtherType: [UInt16: Int] = [:]
    /// IP packets by upper-layer protocol (index: protocol number).
    public var byIPProtocol = [Int](repeating: 0, count: 256)
    /// IP fragments (first and later).
    public var fragments = 0
    /// Frames carrying at least one VLAN tag.
    public var vlanTagged = 0
    /// Malformed frames by reason (index: `MalformedReason.rawValue`).
    public var malformed = [Int](repeating: 0, count: MalformedReason.allCases.count)
    /// Frames whose link type dxemu cannot parse.
    public var unsupportedLinkType = 0
    /// IPv4 headers whose checksum is wrong (counted only when checksums are verified).
    public var badIPv4Checksums: Int?
    /// Per-flow counters, directional 5-tuples.
    public var flows: [FlowKey: FlowCounters] = [:]
    /// Packets of flows first seen after ``CaptureInspector/flowLimit`` flows were tracked.
    public var packetsOfUntrackedFlows = 0
    /// The fault that stopped reading, if any; the counters cover the records before it.
    public var error: CaptureError?
    /// Records that break the format but could be read (see ``CaptureReader/recordFaults``).
    public var recordFaults: [CaptureError] = []
    public var recordFaultCount = 0
    /// The first malformed frame (other than headers cut by the snap length),
    /// with its record number and byte offset.
    public var firstMalformed: CaptureError?

    /// True when the file is not clean input: a read fault, a record fault, or a
    /// malformed frame. Headers cut by the capture's snap length do not count:
    /// the packets were fine on the wire.
    public var hasProblems: Bool {
        error != nil || recordFaultCount > 0 || firstMalformed != nil
    }

    public init(path: String, format: CaptureFormat) {
        self.path = path
        self.format = format
    }

    /// Time from the first to the last record, in nanoseconds.
    public var duration: Int64 {
        guard let first = firstTimestamp, let last = lastTimestamp else { return 0 }
        return last - first
    }

    /// Total malformed frames.
    public var malformedTotal: Int { malformed.dropFirst().reduce(0, +) }

    /// The `count` largest flows by packets, then bytes, then key order (deterministic).
    public func topFlows(_ count: Int) -> [(FlowKey, FlowCounters)] {
        flows.sorted { a, b in
            if a.value.packets != b.value.packets { return a.value.packets > b.value.packets }
            if a.value.wireBytes != b.value.wireBytes { return a.value.wireBytes > b.value.wireBytes }
            return a.key.sortKey < b.key.sortKey
        }.prefix(count).map { ($0.key, $0.value) }
    }
}

extension FlowKey {
    /// A total order for stable output.
    var sortKey: [UInt64] {
        [UInt64(ipVersion), sourceHigh, sourceLow, destinationHigh, destinationLow,
         UInt64(ipProtocol), UInt64(sourcePort), UInt64(destinationPort)]
    }
}

extension Array: @retroactive Comparable where Element == UInt64 {
    public static func < (lhs: [UInt64], rhs: [UInt64]) -> Bool { lhs.lexicographicallyPrecedes(rhs) }
}
