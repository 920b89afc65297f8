import DeterministicRandom
import NetAddress
import PacketWire

/// When a source sends.
public enum ArrivalPattern: Sendable, Equatable {
    /// One packet every `interval`.
    case constantRate(interval: SimTime)
    /// Exponential gaps with mean `meanInterval` (a Poisson process).
    case poisson(meanInterval: SimTime)
    /// Alternates `on` periods, sending every `interval`, and silent `off`
    /// periods; both drawn from exponential distributions with these means
    /// when `exponential`, fixed otherwise.
    case onOff(on: SimTime, off: SimTime, interval: SimTime, exponential: Bool)

    /// Constant rate from packets per second.
    public static func packetsPerSecond(_ rate: Double) -> ArrivalPattern {
        .constantRate(interval: SimTime(nanoseconds: Int64((1e9 / rate).rounded())))
    }
}

/// How big a source's packets are (IP datagram bytes).
public enum PacketSizes: Sendable, Equatable {
    case fixed(Int)
    /// Uniform over a range.
    case uniform(ClosedRange<Int>)
    /// A weighted mix, e.g. simple IMIX `[(40, 7), (576, 4), (1500, 1)]`.
    case mix([Pair])

    public struct Pair: Sendable, Equatable {
        public var size: Int
        public var weight: Int
        public init(_ size: Int, _ weight: Int) { self.size = size; self.weight = weight }
    }

    /// The simple IMIX (7:4:1 of 40, 576 and 1500 bytes).
    public static let imix = PacketSizes.mix([Pair(40, 7), Pair(576, 4), Pair(1500, 1)])

    /// Smallest and largest size it can produce.
    public var range: ClosedRange<Int> {
        switch self {
        case let .fixed(s): return s...s
        case let .uniform(r): return r
        case let .mix(pairs): return (pairs.map(\.size).min() ?? 0)...(pairs.map(\.size).max() ?? 0)
        }
    }
}

/// One flow: its 5-tuple, its end hosts, and the group it is reported under.
public struct FlowSpec: Sendable {
    public var key: FlowKey
    public var source: NodeID
    public var destination: NodeID
    /// Report group (e.g. "on-prem -> VPC-1"): per-group time series.
    public var group: String
    /// Don't Fragment on its IPv4 packets (IPv6 is never fragmented in flight).
    public var dontFragment: Bool
    public var ttl: UInt8

    public init(key: FlowKey, source: NodeID, destination: NodeID, group: String, dontFragment: Bool = true, ttl: UInt8 = 64) {
        self.key = key
        self.source = source
        self.destination = destination
        self.group = group
        self.dontFragment = dontFragment
        self.ttl = ttl
    }
}

/// A synthetic sender of one flow.
public struct TrafficSpec: Sendable {
    public var flow: FlowSpec
    public var pattern: ArrivalPattern
    public var sizes: PacketSizes
    public var start: SimTime
    /// No packet at or after this time.
    public var stop: SimTime
    /// At most this many packets, or nil.
    public var maxPackets: Int?

    public init(flow: FlowSpec, pattern: ArrivalPattern, sizes: PacketSizes, start: SimTime = .zero,
                stop: SimTime = .never, maxPackets: Int? = nil) {
        self.flow = flow
        self.pattern = pattern
        self.sizes = sizes
        self.start = start
        self.stop = stop
        self.maxPackets = maxPackets
    }
}

/// A running source.
struct SourceState {
    var flow: UInt32
    var pattern: ArrivalPattern
    var sizes: PacketSizes
    var cumulativeWeights: [Int]
    var random: SeededGenerator
    var next: Int64
    var stop: Int64
    var remaining: Int
    /// On/off: end of the current on period.
    var onUntil: Int64 = .max

    init(flow: UInt32, spec: TrafficSpec, random: SeededGenerator) {
        self.flow = flow
        pattern = spec.pattern
        sizes = spec.sizes
        if case let .mix(pairs) = spec.sizes {
            var sum = 0
            cumulativeWeights = pairs.map { sum += $0.weight; return sum }
        } else {
            cumulativeWeights = []
        }
        self.random = random
        next = spec.start.nanoseconds
        stop = spec.stop.nanoseconds
        remaining = spec.maxPackets ?? .max
        if case let .onOff(on, _, _, exponential) = pattern {
            onUntil = next + (exponential ? exponentialSample(mean: on.nanoseconds) : on.nanoseconds)
        }
    }

    @inline(__always)
    mutating func exponentialSample(mean: Int64) -> Int64 {
        // Inverse transform; 1 - u is in (0, 1], so the log is finite.
        let u = 1 - random.nextUnit()
        return max(1, Int64((-Double(mean) * _log(u)).rounded()))
    }

    /// The size of the next packet.
    @inline(__always)
    mutating func nextSize() -> Int {
        switch sizes {
        case let .fixed(s):
            return s
        case let .uniform(r):
            return r.lowerBound + Int(random.next(below: UInt64(r.count)))
        case let .mix(pairs):
            let pick = Int(random.next(below: UInt64(cumulativeWeights.last ?? 1)))
            var i = 0
            while i < cumulativeWeights.count - 1 && pick >= cumulativeWeights[i] { i += 1 }
            return pairs[i].size
        }
    }

    /// Moves `next` to the time after the packet just sent.
    @inline(__always)
    mutating func advance() {
        switch pattern {
        case let .constantRate(interval):
            next &+= interval.nanoseconds
        case let .poisson(mean):
            next &+= exponentialSample(mean: mean.nanoseconds)
        case let .onOff(on, off, interval, exponential):
            next &+= interval.nanoseconds
            if next >= onUntil {
                let pause = exponential ? exponentialSample(mean: off.nanoseconds) : off.nanoseconds
                next = onUntil + pause
                onUntil = next + (exponential ? exponentialSample(mean: on.nanoseconds) : on.nanoseconds)
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
@inline(__always) func _log(_ x: Double) -> Double { Glibc.log(x) }
#elseif canImport(Darwin)
import Darwin
@inline(__always) func _log(_ x: Double) -> Double { Darwin.log(x) }
#endif
