import PacketWire

/// The sending side of a host's uplink, run away from the simulation (by a
/// replay's reader thread), with the same arithmetic as the simulation's own
/// enqueue: MTU (fragmenting or dropping), drop-tail limits, serialisation,
/// the packet-rate cap, propagation delay, and the link's counters and series.
///
/// It is exact because only the host sends on its uplink and the link never
/// changes during the run (``Simulation/delegateUplink(of:)`` checks what it
/// can and forbids the rest): a packet's fate on the link depends only on
/// the packets sent before it. The simulation then takes each packet at its
/// arrival at the far end (``Simulation/arrive(flow:size:sequence:created:dontFragment:datagram:sentSize:on:at:)``)
/// or records its drop (``Simulation/recordHostDrop(flow:size:sequence:created:dontFragment:datagram:sentSize:reason:tooBig:at:)``), and at the end takes the counters
/// back (``Simulation/adoptUplink(_:)``).
public struct HostUplinkSender: @unchecked Sendable {
    public let link: LinkID
    /// The heap order of the link's arrivals: of two events at one instant,
    /// the lower order runs first.
    public let arrivalOrder: UInt64
    let configuration: LinkConfiguration
    var egress: Egress
    /// The packets not yet transmitted, FIFO.
    var pending = RingBuffer<Transmission>()
    var queuedBytes = 0
    var statistics = LinkStatistics()
    var series: BinnedCounters

    init(link: LinkID, configuration: LinkConfiguration, binWidth: SimTime) {
        self.link = link
        arrivalOrder = EventHeap.order(.link, Int(link.index))
        self.configuration = configuration
        egress = Egress(configuration)
        series = BinnedCounters(binWidth: binWidth)
    }

    /// What became of one packet (or fragment) handed to the link.
    public enum Fate: Equatable {
        /// On the wire: when it arrives at the far end.
        case arrives(at: Int64)
        case dropped(DropReason)
        /// Over the MTU with DF set: dropped as `mtuExceeded`; `reported`
        /// when the link answers with an ICMP "fragmentation needed"
        /// (counted on the flow: a host sends none itself).
        case tooBig(reported: Bool)
        /// Fragmented (RFC 791): the pieces' sizes and fates are in ``fragments``.
        case fragmented
    }

    /// The fragments of the last packet whose fate was `fragmented`.
    public private(set) var fragments: [(size: Int, fate: Fate)] = []

    /// Sends one packet of `size` bytes at `t` (times never go back).
    /// `dontFragment` is the IP header's DF bit (always set for IPv6). It
    /// allocates nothing unless the packet is fragmented.
    public mutating func send(size: Int, dontFragment: Bool, at t: Int64) -> Fate {
        let mtu = configuration.mtu
        if size <= mtu { return enqueue(size: size, at: t) }
        if dontFragment {
            recordLinkDrop(.mtuExceeded, at: t)
            return .tooBig(reported: configuration.sendsICMPTooBig)
        }
        let pieces = Fragmentation.fragments(totalLength: size, mtu: mtu)
        guard !pieces.isEmpty else {
            recordLinkDrop(.mtuExceeded, at: t)
            return .dropped(.mtuExceeded)
        }
        return fragment(pieces, at: t)
    }

    /// Sends the pieces of a fragmented packet (out of the way of `send`).
    @inline(never)
    private mutating func fragment(_ pieces: [Fragmentation.Fragment], at t: Int64) -> Fate {
        statistics.fragmentsCreated &+= UInt64(pieces.count)
        fragments.removeAll(keepingCapacity: true)
        for piece in pieces { fragments.append((piece.totalLength, enqueue(size: piece.totalLength, at: t))) }
        return .fragmented
    }

    /// ``Simulation``'s enqueue for this link (no loss model, no jitter, no tap).
    @inline(__always)
    private mutating func enqueue(size: Int, at t: Int64) -> Fate {
        if egress.lastTransmitted <= t {
            pending.removeAll()
            queuedBytes = 0
        } else {
            while !pending.isEmpty && pending.first.pointee.end <= t { queuedBytes &-= pending.removeFirst().wire }
        }
        let wire = size &+ configuration.overhead(forSize: size)
        let serialisation = egress.serialisation(wire: wire)
        let queued = pending.count
        if let refusal = egress.refusal(wire: wire, serialisation: serialisation, queued: queued, queuedBytes: queuedBytes, limits: configuration) {
            recordLinkDrop(refusal, at: t)
            return .dropped(refusal)
        }
        let (start, transmitted, arrival) = egress.take(serialisation: serialisation, at: t, delay: configuration.delay.nanoseconds)
        queuedBytes &+= wire
        pending.append(Transmission(end: transmitted, wire: wire))
        Egress.countTaken(size: size, wire: wire, waited: start &- t, queued: queued &+ 1, queuedBytes: queuedBytes, at: t,
                          statistics: &statistics, series: &series)
        return .arrives(at: arrival)
    }

    private mutating func recordLinkDrop(_ reason: DropReason, at t: Int64) {
        Egress.countDropped(reason, at: t, statistics: &statistics, series: &series)
    }

    func free() { pending.free() }
}

/// A packet on a delegated uplink not yet transmitted: when its
/// transmission ends, and its bytes on the wire.
struct Transmission {
    var end: Int64
    var wire: Int
}
