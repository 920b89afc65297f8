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

    public init() {}

    /// Mean latency of the bin's deliveries, nanoseconds.
    public var meanLatency: Int64 { packets == 0 ? 0 : latencySum / Int64(packets) }
}

/// A series of fixed-width bins from time 0; grows with virtual time, not with
/// the number of packets.
public struct TimeSeries: Sendable, Equatable {
    public let binWidth: SimTime
    public private(set) var bins: [SeriesBin] = []

    public init(binWidth: SimTime) { self.binWidth = binWidth }

    @inline(__always)
    mutating func index(at time: Int64) -> Int {
        let i = Int(time / binWidth.nanoseconds)
        if i >= bins.count { bins.append(contentsOf: repeatElement(SeriesBin(), count: i - bins.count + 1)) }
        return i
    }

    @inline(__always)
    mutating func update(at time: Int64, _ body: (inout SeriesBin) -> Void) {
        let i = index(at: max(time, 0))
        body(&bins[i])
    }

    /// Pads the series to cover `time`.
    mutating func extend(to time: Int64) { _ = index(at: max(time - 1, 0)) }
}
