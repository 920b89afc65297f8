import CacheHints
import DeterministicRandom
import NetAddress

/// What one direction of a link does to packets. Plain values with defaults;
/// AWS numbers come from the scenario layer, which cites AWS-FACTS.
public struct LinkConfiguration: Sendable, Equatable {
    /// Serialisation rate.
    public var bandwidth: BitRate
    /// One-way propagation delay.
    public var delay: SimTime
    /// Extra delay drawn uniformly in [0, jitter] per packet; never reorders
    /// (a packet never arrives before the one sent ahead of it).
    public var jitter: SimTime = .zero
    /// Random loss.
    public var loss: LossModel = .none
    /// Largest IP datagram carried, in bytes (the inner MTU on a tunnel).
    public var mtu: Int = 1500
    /// Bytes added to every packet on the wire (outer IP + ESP on a VPN tunnel).
    public var overheadBytes: Int = 0
    /// ESP padding (RFC 4303): when not 0, the packet plus its 2-byte ESP
    /// trailer is padded to a multiple of this many bytes (4 with AES-GCM,
    /// AWS-FACTS §2.4), adding 0-3 bytes to `overheadBytes`.
    public var espAlignment: Int = 0
    /// At most this many packets per second (a VPN tunnel's ~140,000), or nil.
    public var packetsPerSecond: Int? = nil
    /// Bytes a packet of `size` bytes gets on the wire: `overheadBytes`,
    /// plus the ESP padding of `espAlignment`.
    @inline(__always)
    func overhead(forSize size: Int) -> Int {
        var overhead = overheadBytes
        if espAlignment > 0 {
            let rest = (size &+ 2) % espAlignment
            if rest != 0 { overhead &+= espAlignment &- rest }
        }
        return overhead
    }

    /// Drop-tail limits of the egress queue (the packet in transmission counts).
    public var queuePackets: Int = 10_000
    public var queueBytes: Int = 64 << 20
    /// Whether a DF packet over the MTU triggers an ICMP "fragmentation needed"
    /// (IPv6: "packet too big") back to its source.
    public var sendsICMPTooBig: Bool = false

    public init(bandwidth: BitRate, delay: SimTime) {
        self.bandwidth = bandwidth
        self.delay = delay
    }
}

/// Whether a link carries traffic.
public enum LinkState: UInt8, Sendable {
    /// Carries traffic.
    case up
    /// Carrier lost (fibre cut, device off): packets are dropped on sending and
    /// those on the wire are lost; the ends see the interface go down.
    case down
    /// Interfaces up, data silently lost (a grey failure): only a liveness
    /// protocol (BFD, BGP hold timer) notices.
    case blackhole
}

/// A packet on a link: waiting, being sent or propagating.
struct InFlight {
    var packet: Packet
    /// Virtual time it reaches the far end.
    var arrival: Int64
    /// Virtual time its last bit leaves the sender.
    var transmitted: Int64
}

/// Counters of one direction of a link.
public struct LinkStatistics: Sendable, Equatable {
    public var packetsSent: UInt64 = 0
    /// Wire bytes (with encapsulation overhead).
    public var bytesSent: UInt64 = 0
    public var packetsDelivered: UInt64 = 0
    public var drops = DropCounts()
    /// Fragments made because a datagram exceeded the MTU.
    public var fragmentsCreated: UInt64 = 0
    public var maxQueuePackets: Int = 0
    public var maxQueueBytes: Int = 0
    /// Sum and maximum of the time packets waited before transmission.
    public var queueDelaySum: Int64 = 0
    public var queueDelayMax: Int64 = 0

    public init() {}
}

/// The sending side every link has, whoever drives it (the ``Simulation``
/// for its channels, a ``HostUplinkSender`` for a host uplink a replay's
/// reader thread sends on): serialisation at the link's rate or the rate
/// cap's spacing, the drop-tail rule, FIFO transmission and arrival times,
/// and the counters of each packet taken or refused.
struct Egress {
    /// Picoseconds per byte at the configured rate (serialisation without a division).
    private(set) var picosecondsPerByte: Int64 = 0
    /// Minimum spacing of packets under the packet-rate cap, or 0.
    private(set) var packetSpacing: Int64 = 0
    /// When the last queued packet finishes transmission, and its arrival.
    var lastTransmitted: Int64 = 0
    var lastArrival: Int64 = 0

    init(_ configuration: LinkConfiguration) { setRates(configuration) }

    mutating func setRates(_ configuration: LinkConfiguration) {
        picosecondsPerByte = Egress.picoseconds(configuration.bandwidth)
        packetSpacing = Egress.spacing(configuration.packetsPerSecond)
    }

    /// Nanoseconds between packets under a rate cap, rounded up so the cap is never exceeded.
    static func spacing(_ packetsPerSecond: Int?) -> Int64 {
        guard let pps = packetsPerSecond, pps > 0 else { return 0 }
        return (1_000_000_000 + Int64(pps) - 1) / Int64(pps)
    }

    static func picoseconds(_ rate: BitRate) -> Int64 {
        (8_000_000_000_000 + rate.bitsPerSecond / 2) / max(rate.bitsPerSecond, 1)
    }

    /// Nanoseconds to put `wire` bytes on the link, rounded up.
    @inline(__always)
    func serialisation(wire: Int) -> Int64 { (Int64(wire) &* picosecondsPerByte &+ 999) / 1000 }

    /// Why a queue holding `queued` packets of `queuedBytes` refuses `wire`
    /// more bytes (drop-tail on either limit; `ppsLimit` when the rate cap,
    /// not the bandwidth, is what holds packets back), or nil.
    @inline(__always)
    func refusal(wire: Int, serialisation: Int64, queued: Int, queuedBytes: Int, limits: LinkConfiguration) -> DropReason? {
        guard queued >= limits.queuePackets || queuedBytes &+ wire > limits.queueBytes else { return nil }
        return packetSpacing > serialisation ? .ppsLimit : .queueFull
    }

    /// Takes a packet offered at `t`: it starts when the link is free, takes
    /// its serialisation (or the rate cap's spacing), arrives `delay` later,
    /// never before the packet ahead of it (FIFO).
    @inline(__always)
    mutating func take(serialisation: Int64, at t: Int64, delay: Int64) -> (start: Int64, transmitted: Int64, arrival: Int64) {
        let start = max(t, lastTransmitted)
        let transmitted = start &+ max(serialisation, packetSpacing)
        let arrival = max(transmitted &+ delay, lastArrival)
        lastTransmitted = transmitted
        lastArrival = arrival
        return (start, transmitted, arrival)
    }

    /// The counters of a packet taken at `t` after waiting `waited`, with
    /// `queued` packets and `queuedBytes` bytes in the queue counting it.
    @inline(__always)
    static func countTaken(size: Int, wire: Int, waited: Int64, queued: Int, queuedBytes: Int, at t: Int64,
                           statistics: inout LinkStatistics, series: inout BinnedCounters) {
        // Packets and bytes sent and the longest queue are the series' own
        // running totals and bin maxima (see `Simulation.statistics(of:)`).
        statistics.queueDelaySum &+= waited
        if waited > statistics.queueDelayMax { statistics.queueDelayMax = waited }
        if queuedBytes > statistics.maxQueueBytes { statistics.maxQueueBytes = queuedBytes }
        series.advance(to: t)
        series.packets &+= 1
        series.bytes &+= UInt64(wire)
        series.innerBytes &+= UInt64(size)
        if queued > series.binQueueMax { series.binQueueMax = queued }
    }

    /// The link's counters of a packet it dropped at `t`.
    @inline(__always)
    static func countDropped(_ reason: DropReason, at t: Int64, statistics: inout LinkStatistics, series: inout BinnedCounters) {
        statistics.drops.increment(reason)
        series.advance(to: t)
        series.drops.increment(reason)
    }
}

/// One direction of a link: its configuration, state, the FIFO of packets in
/// flight (a ring buffer reused for the whole run: no allocation per packet),
/// and its counters.
struct Channel {
    let name: String
    let from: Int32
    let to: Int32
    var configuration: LinkConfiguration
    var state: LinkState = .up
    var egress: Egress
    var loss: LossState
    var jitterRandom: SeededGenerator
    /// Ring of packets in flight, ordered by arrival (= by transmission).
    var ring = RingBuffer<InFlight>()
    /// Entries at the head of the ring whose transmission is over (propagating).
    var sentPrefix = 0
    /// When the first entry after `sentPrefix` finishes transmission, or
    /// earlier: transmission times never decrease along the link, so a value
    /// read from an entry that has since left is still a lower bound. While
    /// it is later than now the queue count cannot change, and ``advance(to:)``
    /// need not read the ring (with a full queue that entry is thousands of
    /// packets back and out of the cache).
    var sendingUntil: Int64 = 0
    var queuedBytes = 0
    var statistics = LinkStatistics()
    /// VPC peering rule (AWS-FACTS §4.1): only traffic from `sources` to
    /// `destinations` may cross; nil when the link is not a peering connection.
    var peering: PeeringFilter?
    /// Whether a tap records what this link transmits.
    var tapped = false
    /// Whether arrivals are counted in the link's series (``Simulation/meterArrivals(_:)``).
    var metered = false
    /// Whether a ``HostUplinkSender`` sends on this link for now (the link
    /// must not change meanwhile; see ``Simulation/delegateUplink(of:)``).
    var delegated = false
    /// Whether a packet within the MTU may go straight to the queue: the link
    /// is not down, has no peering rule and no loss model (kept current by
    /// every change to those).
    var plainSend = true
    /// The same, but with a peering rule: a packet may go straight to the
    /// queue once its flow's verdict is known to be "allowed".
    var peeringSend = false
    /// Per flow, what the peering rule decided (manual memory: the
    /// ``Simulation`` frees it).
    var verdicts = VerdictTable()

    init(name: String, from: Int32, to: Int32, configuration: LinkConfiguration, random: SeededGenerator) {
        self.name = name
        self.from = from
        self.to = to
        self.configuration = configuration
        egress = Egress(configuration)
        loss = LossState(model: configuration.loss, random: random.derived(1))
        jitterRandom = random.derived(2)
        refreshPlainSend()
    }

    mutating func refreshPlainSend() {
        plainSend = state != .down && peering == nil && loss.model == .none
        peeringSend = state != .down && peering != nil && loss.model == .none
    }

    mutating func reconfigure(_ configuration: LinkConfiguration) {
        self.configuration = configuration
        egress.setRates(configuration)
        loss.model = configuration.loss
        refreshPlainSend()
    }

    /// Moves packets whose transmission ended by `now` out of the queue count.
    @inline(__always)
    mutating func advance(to now: Int64) {
        if egress.lastTransmitted <= now {
            // Everything has left: the usual case on a link that keeps up.
            sentPrefix = ring.count
            queuedBytes = 0
            return
        }
        if sendingUntil > now { return }
        while sentPrefix < ring.count {
            let entry = ring[sentPrefix]
            if entry.transmitted > now {
                sendingUntil = entry.transmitted
                // The walk resumes here later: fetch a few entries on meanwhile.
                dxemu_prefetch_for_write(ring.address(of: sentPrefix &+ 4))
                break
            }
            queuedBytes &-= Int(entry.packet.size) &+ Int(entry.packet.overhead)
            sentPrefix &+= 1
        }
    }

    /// Packets waiting or being transmitted.
    @inline(__always) var queuedPackets: Int { ring.count &- sentPrefix }
}

/// What a VPC peering connection lets through: packets whose source is in the
/// sending VPC and whose destination is in the receiving VPC. Anything else
/// would be transitive or edge-to-edge routing, which AWS does not do
/// (AWS-FACTS §4.1), and is dropped as ``DropReason/nonTransitivePeering``.
public struct PeeringFilter: Sendable {
    public var sources: [IPPrefix]
    public var destinations: [IPPrefix]

    public init(sources: [IPPrefix], destinations: [IPPrefix]) {
        self.sources = sources
        self.destinations = destinations
    }

    func allows(source: IPAddress, destination: IPAddress) -> Bool {
        sources.contains { $0.contains(source) } && destinations.contains { $0.contains(destination) }
    }
}

/// Per flow, what a link's peering rule decided: 0 not yet, 1 allowed, 2
/// refused (forward direction), in manually managed memory so the per-packet
/// check is one bounds test and one byte.
struct VerdictTable {
    private(set) var bytes: UnsafeMutablePointer<UInt8>?
    private(set) var count = 0

    /// Whether flow `f` is known to be allowed.
    @inline(__always)
    func allows(_ f: Int) -> Bool { f < count && bytes.unsafelyUnwrapped[f] == 1 }

    subscript(f: Int) -> UInt8 { f < count ? bytes.unsafelyUnwrapped[f] : 0 }

    mutating func set(_ f: Int, _ verdict: UInt8) {
        if f >= count { grow(to: max(f + 1, count * 2, 64)) }
        bytes.unsafelyUnwrapped[f] = verdict
    }

    /// Forgets every verdict (the rule changed).
    mutating func clear() {
        if let bytes { bytes.update(repeating: 0, count: count) }
    }

    private mutating func grow(to capacity: Int) {
        let fresh = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        fresh.initialize(repeating: 0, count: capacity)
        if let bytes {
            fresh.update(from: bytes, count: count)
            bytes.deallocate()
        }
        bytes = fresh
        count = capacity
    }

    func free() { bytes?.deallocate() }
}
