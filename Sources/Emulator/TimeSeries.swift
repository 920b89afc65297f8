/// One time bin of a series.
public struct SeriesBin: Sendable, Equatable {
    /// Packets delivered (groups) or sent (links) in the bin.
    public var packets: UInt64 = 0
    public var bytes: UInt64 = 0
    public var drops = DropCounts()
    public var latencySum: Int64 = 0
    public var latencyMax: Int64 = 0
    /// Largest queue seen on a link in the bin (packets).
    public var queueMax: Int = 0
    /// Links: bytes of the packets sent, without the link's encapsulation
    /// overhead (what a VPN tunnel carries before encryption).
    public var innerBytes: UInt64 = 0
    /// Metered links (``Simulation/meterArrivals(_:)``): bytes of the packets
    /// that arrived, without overhead (after decryption); 0 elsewhere.
    public var innerBytesArrived: UInt64 = 0

    public init() {}

    /// Mean latency of the bin's deliveries, nanoseconds.
    public var meanLatency: Int64 { packets == 0 ? 0 : latencySum / Int64(packets) }
}

/// A series of fixed-width bins from time 0.
public struct TimeSeries: Sendable, Equatable {
    public let binWidth: SimTime
    public var bins: [SeriesBin]

    public init(binWidth: SimTime, bins: [SeriesBin] = []) {
        self.binWidth = binWidth
        self.bins = bins
    }
}

/// Running counters that close a ``SeriesBin`` each time virtual time crosses a
/// bin boundary. Per packet it costs one comparison and the counter updates:
/// the bin is the difference of the running totals at its two ends.
struct BinnedCounters {
    let binWidth: Int64
    var packets: UInt64 = 0
    var bytes: UInt64 = 0
    var drops = DropCounts()
    var latencySum: Int64 = 0
    var innerBytes: UInt64 = 0
    var innerBytesArrived: UInt64 = 0
    /// Maxima within the current bin.
    var binLatencyMax: Int64 = 0
    var binQueueMax = 0
    /// End of the current bin.
    var binEnd: Int64
    /// Totals at the start of the current bin.
    var startPackets: UInt64 = 0
    var startBytes: UInt64 = 0
    var startDrops = DropCounts()
    var startLatencySum: Int64 = 0
    var startInnerBytes: UInt64 = 0
    var startInnerBytesArrived: UInt64 = 0
    var closed: [SeriesBin] = []

    init(binWidth: SimTime) {
        self.binWidth = binWidth.nanoseconds
        binEnd = binWidth.nanoseconds
    }

    /// Closes bins until `t` falls in the current one (times never go back).
    @inline(__always)
    mutating func advance(to t: Int64) {
        if t >= binEnd { roll(to: t) }
    }

    private mutating func roll(to t: Int64) {
        while t >= binEnd {
            closed.append(currentBin)
            startPackets = packets
            startBytes = bytes
            startDrops = drops
            startLatencySum = latencySum
            startInnerBytes = innerBytes
            startInnerBytesArrived = innerBytesArrived
            binLatencyMax = 0
            binQueueMax = 0
            binEnd += binWidth
        }
    }

    /// The largest queue of any bin so far (packets).
    var largestQueue: Int { closed.reduce(binQueueMax) { max($0, $1.queueMax) } }

    /// The bin still open.
    var currentBin: SeriesBin {
        var bin = SeriesBin()
        bin.packets = packets - startPackets
        bin.bytes = bytes - startBytes
        for r in DropReason.allCases { bin.drops[r] = drops[r] - startDrops[r] }
        bin.latencySum = latencySum - startLatencySum
        bin.latencyMax = binLatencyMax
        bin.queueMax = binQueueMax
        bin.innerBytes = innerBytes - startInnerBytes
        bin.innerBytesArrived = innerBytesArrived - startInnerBytesArrived
        return bin
    }

    /// Every bin up to `end` (the open one included when it has started).
    func series(until end: Int64) -> TimeSeries {
        var copy = self
        copy.advance(to: max(end - 1, 0))
        return TimeSeries(binWidth: SimTime(nanoseconds: binWidth), bins: copy.closed + [copy.currentBin])
    }
}
