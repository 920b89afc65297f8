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
    let picosecondsPerByte: Int64
    let packetSpacing: Int64
    var lastTransmitted: Int64 = 0
    var lastArrival: Int64 = 0
    /// Ends of transmission and wire sizes of the packets not yet transmitted, FIFO.
    var pending = TransmissionRing()
    var queuedBytes = 0
    var statistics = LinkStatistics()
    var series: BinnedCounters

    init(link: LinkID, configuration: LinkConfiguration, binWidth: SimTime) {
        self.link = link
        arrivalOrder = EventHeap.order(.link, Int(link.index))
        self.configuration = configuration
        picosecondsPerByte = Channel.picoseconds(configuration.bandwidth)
        packetSpacing = Channel.spacing(configuration.packetsPerSecond)
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
        statistics.fragmentsCreated &+= UInt64(pieces.count)
        fragments.removeAll(keepingCapacity: true)
        for piece in pieces { fragments.append((piece.totalLength, enqueue(size: piece.totalLength, at: t))) }
        return .fragmented
    }

    /// ``Simulation``'s enqueue for this link (no loss model, no jitter, no tap).
    private mutating func enqueue(size: Int, at t: Int64) -> Fate {
        if lastTransmitted <= t {
            pending.removeAll()
            queuedBytes = 0
        } else {
            while pending.count > 0 && pending.headEnd <= t { queuedBytes &-= pending.removeFirst() }
        }
        let wire = size &+ configuration.overhead(forSize: size)
        let serialisation = (Int64(wire) &* picosecondsPerByte &+ 999) / 1000
        let queued = pending.count
        if queued >= configuration.queuePackets || queuedBytes &+ wire > configuration.queueBytes {
            let reason: DropReason = packetSpacing > serialisation ? .ppsLimit : .queueFull
            recordLinkDrop(reason, at: t)
            return .dropped(reason)
        }
        let start = max(t, lastTransmitted)
        let transmitted = start &+ max(serialisation, packetSpacing)
        let arrival = max(transmitted &+ configuration.delay.nanoseconds, lastArrival)
        lastTransmitted = transmitted
        lastArrival = arrival
        queuedBytes &+= wire
        pending.append(end: transmitted, wire: wire)
        let waited = start &- t
        statistics.queueDelaySum &+= waited
        if waited > statistics.queueDelayMax { statistics.queueDelayMax = waited }
        if queuedBytes > statistics.maxQueueBytes { statistics.maxQueueBytes = queuedBytes }
        series.advance(to: t)
        series.packets &+= 1
        series.bytes &+= UInt64(wire)
        series.innerBytes &+= UInt64(size)
        if queued &+ 1 > series.binQueueMax { series.binQueueMax = queued &+ 1 }
        return .arrives(at: arrival)
    }

    private mutating func recordLinkDrop(_ reason: DropReason, at t: Int64) {
        statistics.drops.increment(reason)
        series.advance(to: t)
        series.drops.increment(reason)
    }

    func free() { pending.free() }
}

/// A growable FIFO of (end of transmission, wire bytes), in manual memory.
struct TransmissionRing {
    private var ends = UnsafeMutablePointer<Int64>.allocate(capacity: 64)
    private var wires = UnsafeMutablePointer<Int>.allocate(capacity: 64)
    private var capacity = 64
    private var head = 0
    private(set) var count = 0

    /// The oldest entry's end of transmission (the ring must not be empty).
    @inline(__always) var headEnd: Int64 { ends[head] }

    @inline(__always)
    mutating func append(end: Int64, wire: Int) {
        if count == capacity { grow() }
        let i = (head &+ count) & (capacity &- 1)
        ends[i] = end
        wires[i] = wire
        count &+= 1
    }

    /// Removes the oldest entry and returns its wire bytes.
    @inline(__always)
    mutating func removeFirst() -> Int {
        let w = wires[head]
        head = (head &+ 1) & (capacity &- 1)
        count &-= 1
        return w
    }

    mutating func removeAll() {
        head = 0
        count = 0
    }

    private mutating func grow() {
        let fresh = capacity * 2
        let e = UnsafeMutablePointer<Int64>.allocate(capacity: fresh)
        let w = UnsafeMutablePointer<Int>.allocate(capacity: fresh)
        for k in 0..<count {
            e[k] = ends[(head + k) & (capacity - 1)]
            w[k] = wires[(head + k) & (capacity - 1)]
        }
        ends.deallocate()
        wires.deallocate()
        ends = e
        wires = w
        capacity = fresh
        head = 0
    }

    func free() {
        ends.deallocate()
        wires.deallocate()
    }
}
