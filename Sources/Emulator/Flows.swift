import PacketWire

/// Counters of one flow. Every packet its source sent ends in exactly one of
/// `delivered` or `drops`: `sent == delivered + drops.total` once nothing is in
/// flight (``Simulation/packetsInFlight`` is 0).
public struct FlowStatistics: Sendable, Equatable {
    // Fields touched by every packet come first (they share a cache line with
    // the hot part of the flow's state); per-reason drops and rare counters follow.
    public var sent: UInt64 = 0
    public var delivered: UInt64 = 0
    public var bytesSent: UInt64 = 0
    public var bytesDelivered: UInt64 = 0
    /// One-way latency of delivered packets, nanoseconds.
    public var latencySum: Int64 = 0
    public var latencyMin: Int64 = .max
    public var latencyMax: Int64 = 0
    public var firstDelivery: Int64 = -1
    public var lastDelivery: Int64 = -1
    /// The longest time between two consecutive deliveries, and when it began:
    /// the outage a failure caused, seen by this flow.
    public var longestGap: Int64 = 0
    public var longestGapStart: Int64 = -1
    /// Packets delivered after one with a higher sequence number.
    public var reordered: UInt64 = 0
    public var drops = DropCounts()
    /// ICMP "fragmentation needed" / "packet too big" sent toward the source by
    /// routers, and how many reached it.
    public var icmpTooBigSent: UInt64 = 0
    public var icmpTooBigReceived: UInt64 = 0
    /// Largest MTU a too-big message reported (the path MTU learnt), or 0.
    public var learntPathMTU: Int = 0

    public init() {}

    /// Packets with a fate.
    public var accountedFor: UInt64 { delivered + drops.total }
    /// Mean latency in nanoseconds (0 when nothing was delivered).
    public var meanLatency: Int64 { delivered == 0 ? 0 : latencySum / Int64(delivered) }
}

/// A flow's identity and counters, laid out for the cache: the simulation
/// keeps these in a 64-byte-aligned table and the stride is five whole lines
/// (checked by a test), so that with thousands of flows (a replayed capture)
///
/// - a synthetic source's send touches line 0 (the fields below),
/// - a delivery lines 0 and 1 (the delivery counters and latencies),
/// - a drop line 2 (the per-reason drops),
///
/// and the spec, which the per-packet path never reads, comes last. What
/// every hop or every packet reads lives in dense tables of the
/// simulation's: the destination node, the report group with the packets'
/// TTL and flags (``FlowTags``), and the packets and bytes sent (so `statistics.sent` and
/// `statistics.bytesSent` here stay 0: ``Simulation/statistics(of:)`` fills them).
struct FlowState {
    /// Copies of hot spec fields.
    let sourceNode: Int32
    var nextSequence: UInt32 = 0
    /// The closed-loop TCP connection this flow carries (data or ACKs), or -1.
    var tcp: Int32 = -1
    var tcpCarriesAcks = false
    private var storedSizeCap = Int32.max
    var highestDelivered: Int64 = -1
    var statistics = FlowStatistics()
    var spec: FlowSpec

    /// Where line 2, the per-reason drop counters, starts (see the layout
    /// above; `FlowLayoutTests` pins it).
    static let dropCountersOffset = 128

    /// Largest packet the source sends (TCP segments limited by a clamped MSS).
    var sizeCap: Int {
        @inline(__always) get { Int(storedSizeCap) }
        set { storedSizeCap = Int32(clamping: newValue) }
    }

    init(spec: FlowSpec) {
        self.spec = spec
        sourceNode = spec.source.index
    }
}

/// A flow's packets and bytes sent (see ``Simulation/flowSends``).
struct FlowSends {
    var packets: UInt64 = 0
    var bytes: UInt64 = 0
}

/// What a send and a drop read of a flow besides its counters (see
/// ``Simulation/flowTags``): its report group, and the TTL and
/// ``Packet/Flag`` bits its packets start with.
struct FlowTags {
    let group: Int32
    let ttl: UInt8
    let packetFlags: UInt8

    init(spec: FlowSpec, group: Int32) {
        self.group = group
        ttl = spec.ttl
        var flags: UInt8 = spec.dontFragment ? Packet.Flag.dontFragment : 0
        if spec.key.ipVersion == 6 { flags |= Packet.Flag.ipv6 | Packet.Flag.dontFragment }
        packetFlags = flags
    }
}

/// Bookkeeping of a fragmented datagram: delivered when every fragment is,
/// dropped (with the first fragment's reason) when any is not.
struct DatagramRecord {
    var remaining: Int32
    var dropReason: DropReason?
    var size: UInt32
}
