import CacheHints
import DeterministicRandom
import NetAddress
import PacketWire
import RouteLookup

/// The discrete-event forwarding core: nodes joined by links, packets moving
/// hop by hop in virtual time.
///
/// - Time is integer nanoseconds; simultaneous events run in a fixed order
///   (control timers, then link arrivals by link index, then sources by index),
///   so the same seed and inputs always give the same results.
/// - Each link direction keeps its packets in a FIFO; only the head of each
///   link is in the event heap, so the heap holds one entry per busy link,
///   source and timer, however many packets are in flight.
/// - The per-packet path allocates nothing: packets are 32-byte values, link
///   FIFOs are reused ring buffers, routers cache each flow's decision until
///   their FIB changes.
/// - Every packet ends delivered or dropped with one ``DropReason``; see
///   ``FlowStatistics``.
///
/// Not thread-safe: one simulation runs on one thread.
public final class Simulation {
    /// Seed of every random choice (sources, loss models, jitter).
    public let seed: UInt64
    /// Width of the bins of the time series.
    public let binWidth: SimTime
    /// Current virtual time.
    @exclusivity(unchecked) public private(set) var now = SimTime.zero
    /// Events handled so far (packet arrivals, sends, timers).
    @exclusivity(unchecked) public private(set) var eventsProcessed: UInt64 = 0
    /// Packets on links (queued or propagating).
    @exclusivity(unchecked) public private(set) var packetsInFlight = 0

    // Hot tables in place-mutable storage (no copy-on-write checks per packet).
    @exclusivity(unchecked) var nodes = UnsafeTable<Node>()
    @exclusivity(unchecked) var channels = UnsafeTable<Channel>()
    @exclusivity(unchecked) var groups: [[Int32]] = []
    @exclusivity(unchecked) var flows = UnsafeTable<FlowState>(alignment: 64)
    /// Each flow's destination node, densely (4 bytes a flow): every router
    /// hop reads it, and with thousands of flows this table stays in the
    /// cache where the flow states would not.
    @exclusivity(unchecked) var flowDestinations = UnsafeTable<Int32>()
    /// Each flow's packets and bytes sent, densely (16 bytes a flow): a
    /// send counts here, not in the flow's state, so a packet that is
    /// dropped on its way touches one line of flow state, not two. The
    /// `sent` and `bytesSent` of ``FlowState/statistics`` stay 0; read
    /// them through ``statistics(of:)``.
    @exclusivity(unchecked) var flowSends = UnsafeTable<FlowSends>()
    /// Each flow's report group and the TTL and flags of its packets,
    /// densely (8 bytes a flow), for sends and drops.
    @exclusivity(unchecked) var flowTags = UnsafeTable<FlowTags>()
    @exclusivity(unchecked) var sources = UnsafeTable<SourceState>()
    /// The pending events: the links' next arrivals, and the rest.
    @exclusivity(unchecked) var linkSchedule = LinkSchedule()
    @exclusivity(unchecked) var heap = EventHeap()
    @exclusivity(unchecked) var timers: [((Simulation) -> Void)?] = []
    @exclusivity(unchecked) var groupNames: [String] = []
    @exclusivity(unchecked) var groupSeries = UnsafeTable<BinnedCounters>()
    @exclusivity(unchecked) var linkSeries = UnsafeTable<BinnedCounters>()
    @exclusivity(unchecked) var datagrams: [DatagramRecord] = [DatagramRecord(remaining: 0, dropReason: nil, size: 0)]
    @exclusivity(unchecked) var freeDatagrams: [UInt32] = []
    /// Per link index (grown on demand): the tap of a tapped link.
    @exclusivity(unchecked) var taps: [((Packet, Int64) -> Void)?] = []
    @exclusivity(unchecked) var tcp = UnsafeTable<TCPConnection>()
    private let random: SeededGenerator

    /// A simulation whose random choices all derive from `seed`.
    public init(seed: UInt64 = 1, binWidth: SimTime = .milliseconds(100)) {
        precondition(binWidth.nanoseconds > 0, "bin width must be positive")
        self.seed = seed
        self.binWidth = binWidth
        random = SeededGenerator(seed: seed)
    }

    deinit {
        for i in channels.indices {
            channels[i].ring.free()
            channels[i].verdicts.free()
        }
        for i in nodes.indices { nodes[i].routeCache.deallocate() }
        nodes.deallocate()
        channels.deallocate()
        flows.deallocate()
        flowDestinations.deallocate()
        flowSends.deallocate()
        flowTags.deallocate()
        sources.deallocate()
        groupSeries.deallocate()
        linkSeries.deallocate()
        heap.deallocate()
        linkSchedule.deallocate()
        tcp.deallocate()
    }

    // MARK: - Topology

    /// Adds a host or router.
    @discardableResult
    public func addNode(_ name: String, kind: NodeKind) -> NodeID {
        nodes.append(Node(name: name, kind: kind, index: nodes.count))
        for _ in 0..<flows.count { nodes[nodes.count - 1].routeCache.append(0) }
        return NodeID(index: Int32(nodes.count - 1))
    }

    /// Adds one direction of a link, from `from` to `to`.
    @discardableResult
    public func addLink(_ name: String, from: NodeID, to: NodeID, _ configuration: LinkConfiguration) -> LinkID {
        let id = channels.count
        channels.append(Channel(name: name, from: from.index, to: to.index, configuration: configuration,
                                random: random.derived(0x1000 + UInt64(id))))
        linkSeries.append(BinnedCounters(binWidth: binWidth))
        return LinkID(index: Int32(id))
    }

    /// Adds a link both ways (`reverse` defaults to the same configuration);
    /// returns (a -> b, b -> a).
    @discardableResult
    public func addLink(_ name: String, between a: NodeID, and b: NodeID, _ configuration: LinkConfiguration,
                        reverse: LinkConfiguration? = nil) -> (LinkID, LinkID) {
        (addLink(name, from: a, to: b, configuration), addLink(name + "'", from: b, to: a, reverse ?? configuration))
    }

    /// Sets the link a host sends everything on.
    public func setUplink(host: NodeID, link: LinkID) {
        precondition(channels[Int(link.index)].from == host.index, "the uplink must start at the host")
        nodes[Int(host.index)].uplink = link.index
    }

    /// A group of links for ECMP (one link: plain next hop).
    public func addNextHopGroup(_ links: [LinkID]) -> NextHopGroupID {
        precondition(!links.isEmpty && groups.count < Int(noRoute), "a next-hop group needs 1+ links")
        groups.append(links.map(\.index))
        return NextHopGroupID(index: UInt16(groups.count - 1))
    }

    /// Replaces the links of a group (e.g. an ECMP member lost); routes using it follow.
    public func setNextHopGroup(_ group: NextHopGroupID, _ links: [LinkID]) {
        precondition(!links.isEmpty, "a next-hop group needs 1+ links")
        groups[Int(group.index)] = links.map(\.index)
        for n in nodes.indices { nodes[n].fibVersion &+= 1 }
    }

    /// Installs (or replaces) a route in a router's FIB.
    public func setRoute(_ prefix: IPv4Prefix, at router: NodeID, via group: NextHopGroupID) {
        let n = Int(router.index)
        nodes[n].fib4.insert(IPv4Family.key(prefix.address), length: Int(prefix.length), nextHop: group.index)
        nodes[n].fibVersion &+= 1
    }

    public func setRoute(_ prefix: IPv6Prefix, at router: NodeID, via group: NextHopGroupID) {
        let n = Int(router.index)
        nodes[n].fib6.insert(IPv6Family.key(prefix.address), length: Int(prefix.length), nextHop: group.index)
        nodes[n].fibVersion &+= 1
    }

    /// Removes a route; returns whether it was there.
    @discardableResult
    public func removeRoute(_ prefix: IPv4Prefix, at router: NodeID) -> Bool {
        let n = Int(router.index)
        let removed = nodes[n].fib4.withdraw(IPv4Family.key(prefix.address), length: Int(prefix.length)) != noRoute
        nodes[n].fibVersion &+= 1
        return removed
    }

    @discardableResult
    public func removeRoute(_ prefix: IPv6Prefix, at router: NodeID) -> Bool {
        let n = Int(router.index)
        let removed = nodes[n].fib6.withdraw(IPv6Family.key(prefix.address), length: Int(prefix.length)) != noRoute
        nodes[n].fibVersion &+= 1
        return removed
    }

    /// The next-hop group a router would use for `address` now, or nil.
    public func route(at router: NodeID, for address: IPAddress) -> NextHopGroupID? {
        let n = Int(router.index)
        let hop: NextHop
        switch address {
        case let .v4(a): hop = nodes[n].fib4.lookup(IPv4Family.key(a))
        case let .v6(a): hop = nodes[n].fib6.lookup(IPv6Family.key(a))
        }
        return hop == noRoute ? nil : NextHopGroupID(index: hop)
    }

    /// Changes a link's state. Packets already on it meet the new state when
    /// they arrive: a cut or a black hole loses them.
    public func setLinkState(_ link: LinkID, _ state: LinkState) {
        precondition(!channels[Int(link.index)].delegated, "a delegated uplink cannot change")
        channels[Int(link.index)].state = state
        channels[Int(link.index)].refreshPlainSend()
    }

    public func linkState(_ link: LinkID) -> LinkState { channels[Int(link.index)].state }

    /// Changes a link's configuration from now on (packets already queued keep their times).
    public func reconfigure(_ link: LinkID, _ configuration: LinkConfiguration) {
        precondition(!channels[Int(link.index)].delegated, "a delegated uplink cannot change")
        channels[Int(link.index)].reconfigure(configuration)
    }

    public func configuration(of link: LinkID) -> LinkConfiguration { channels[Int(link.index)].configuration }

    /// Makes `link` a VPC peering connection that only carries traffic from
    /// `sources` to `destinations` (AWS-FACTS §4.1: no transitive, no edge-to-edge routing).
    public func setPeeringFilter(_ link: LinkID, _ filter: PeeringFilter?) {
        precondition(!channels[Int(link.index)].delegated, "a delegated uplink cannot change")
        channels[Int(link.index)].peering = filter
        channels[Int(link.index)].verdicts.clear()
        channels[Int(link.index)].refreshPlainSend()
    }
    public func name(of link: LinkID) -> String { channels[Int(link.index)].name }
    public func name(of node: NodeID) -> String { nodes[Int(node.index)].name }
    public func endpoints(of link: LinkID) -> (from: NodeID, to: NodeID) {
        (NodeID(index: channels[Int(link.index)].from), NodeID(index: channels[Int(link.index)].to))
    }
    public var linkIDs: [LinkID] { channels.indices.map { LinkID(index: Int32($0)) } }
    public var nodeIDs: [NodeID] { nodes.indices.map { NodeID(index: Int32($0)) } }

    /// Makes a router clamp the MSS of TCP connections through it (as `ip tcp
    /// adjust-mss` does): TCP flows whose end hosts sit behind it send segments
    /// of at most `mss` bytes (IP length mss + 40, or + 60 for IPv6).
    public func setMSSClamp(router: NodeID, mss: Int?) {
        nodes[Int(router.index)].mssClamp = mss
        for f in flows.indices { flows[f].sizeCap = sizeCap(for: flows[f].spec) }
    }

    private func sizeCap(for spec: FlowSpec) -> Int {
        guard spec.key.ipProtocol == IPProtocol.tcp else { return .max }
        var cap = Int.max
        for host in [spec.source.index, spec.destination.index] {
            let up = nodes[Int(host)].uplink
            guard up >= 0, let mss = nodes[Int(channels[Int(up)].to)].mssClamp else { continue }
            cap = min(cap, mss + (spec.key.ipVersion == 6 ? 60 : 40))
        }
        return cap
    }

    // MARK: - Traffic

    /// Registers a flow (no packets yet).
    @discardableResult
    public func addFlow(_ spec: FlowSpec) -> FlowID {
        let group: Int32
        if let g = groupNames.firstIndex(of: spec.group) {
            group = Int32(g)
        } else {
            groupNames.append(spec.group)
            groupSeries.append(BinnedCounters(binWidth: binWidth))
            group = Int32(groupNames.count - 1)
        }
        flows.append(FlowState(spec: spec))
        flowDestinations.append(spec.destination.index)
        flowSends.append(FlowSends())
        flowTags.append(FlowTags(spec: spec, group: group))
        flows[flows.count - 1].sizeCap = sizeCap(for: spec)
        for n in nodes.indices { nodes[n].routeCache.append(0) }
        return FlowID(index: Int32(flows.count - 1))
    }

    /// Adds a synthetic source and its flow.
    @discardableResult
    public func addSource(_ spec: TrafficSpec) -> FlowID {
        let flow = addFlow(spec.flow)
        let index = sources.count
        sources.append(SourceState(flow: UInt32(flow.index), spec: spec, random: random.derived(0x2000 + UInt64(index))))
        if sources[index].next < sources[index].stop && sources[index].remaining > 0 {
            heap.push(.init(time: sources[index].next, order: EventHeap.order(.source, index)))
        }
        return flow
    }

    /// Sends one packet of `flow` from its source host now (replay and TCP use this).
    public func send(flow: FlowID, size: Int) {
        let f = Int(flow.index)
        emit(flow: f, size: size, flags: flowTags[f].packetFlags, at: now.nanoseconds)
    }

    /// Sends one packet of `flow` now with its own Don't Fragment bit (a
    /// replayed packet keeps the bit it had in the capture).
    public func send(flow: FlowID, size: Int, dontFragment: Bool) {
        let f = Int(flow.index)
        emit(flow: f, size: size, flags: Simulation.flags(flowTags[f].packetFlags, dontFragment: dontFragment), at: now.nanoseconds)
    }

    /// A flow's packet flags with the DF bit a replayed packet had (IPv6 keeps DF).
    static func flags(_ flags: UInt8, dontFragment: Bool) -> UInt8 {
        dontFragment || flags & Packet.Flag.ipv6 != 0 ? flags | Packet.Flag.dontFragment : flags & ~Packet.Flag.dontFragment
    }

    /// Calls `tap` for every packet link `link` accepts for transmission, with
    /// the time its first bit goes on the wire; `nil` removes the tap. Taps
    /// are for per-link captures: they cost nothing on links without one.
    public func setTap(_ link: LinkID, _ tap: ((Packet, Int64) -> Void)?) {
        let l = Int(link.index)
        precondition(!channels[l].delegated, "a delegated uplink cannot change")
        if taps.count <= l { taps += Array(repeating: nil, count: l + 1 - taps.count) }
        taps[l] = tap
        channels[Int(link.index)].tapped = tap != nil
    }

    /// Counts the bytes of the packets that arrive over `link` (without its
    /// overhead) in the link's series, for metrics measured at the receiving
    /// end (CloudWatch's TunnelDataIn). Off by default: it costs a little per arrival.
    public func meterArrivals(_ link: LinkID) {
        precondition(!channels[Int(link.index)].delegated, "a delegated uplink cannot change")
        channels[Int(link.index)].metered = true
    }

    // MARK: - Control

    /// Runs `action` at virtual time `time` (before packets of the same instant).
    public func schedule(at time: SimTime, _ action: @escaping (Simulation) -> Void) {
        precondition(time >= now, "cannot schedule in the past")
        timers.append(action)
        heap.push(.init(time: time.nanoseconds, order: EventHeap.order(.timer, timers.count - 1)))
    }

    /// Drops the pending control timers and the taps. Their closures may hold
    /// objects that hold this simulation (a control plane, a capture writer),
    /// which would otherwise keep each other alive after the last run. Call
    /// it when no more runs follow; ``ScenarioRun`` does when it is freed.
    public func releaseCallbacks() {
        for i in timers.indices { timers[i] = nil }
        taps.removeAll()
        for i in channels.indices { channels[i].tapped = false }
    }

    /// Runs every event up to and including `end`; `now` ends at `end`.
    ///
    /// Link arrivals and source emissions, the per-packet events, are handled
    /// inside this loop (no call per event); the per-hop path below is inlined
    /// and keeps every rare case (drops, fragments, ICMP, peering, loss,
    /// jitter, taps, TCP) in functions of its own, out of the way.
    public func run(until end: SimTime) {
        runEvents(through: EventHeap.Entry.lastKey(at: end.nanoseconds))
        now = max(now, end)
    }

    /// Runs every event whose key (time, order) is not above `last`. Out of
    /// line: the loop with the whole per-hop path inlined is large, and its
    /// callers (``run(until:)``, an arrival fed from a reader) are hot.
    @inline(never)
    private func runEvents(through last: UInt128) {
        while true {
            let key = firstKey
            if key > last { break }
            let top = EventHeap.Entry(key: key)
            now = SimTime(nanoseconds: top.time)
            step(top.order, at: top.time, last: last)
        }
    }

    /// The key of the next event, link arrival or other
    /// (``LinkSchedule/none`` when nothing is pending).
    @inline(__always)
    private var firstKey: UInt128 { min(linkSchedule.firstKey, heap.firstKey) }

    /// Runs the entity whose event comes first (order `order`, due at `time`).
    @inline(__always)
    private func step(_ order: UInt64, at time: Int64, last: UInt128) {
        let id = EventHeap.id(of: order)
        // Tests in order of frequency (a jump table costs more than two).
        let kind = EventHeap.kind(of: order)
        if kind == .link {
            arrivals(on: id, last: last)
        } else if kind == .source {
            emissions(from: id, last: last)
        } else {
            _ = heap.pop()
            eventsProcessed &+= 1
            if kind == .timer { runTimer(id) } else { tcpTimer(id, at: time) }
        }
    }

    /// Runs every event that comes before an arrival at `time` on the link
    /// of heap order `order`: those before `time`, and those at `time` that
    /// the heap orders first (timers, arrivals on links of lower index).
    @inline(__always)
    private func run(before time: Int64, order: UInt64) {
        // Keys are unique: below (time, order) is at most one less.
        runEvents(through: EventHeap.Entry(time: time, order: order).key &- 1)
    }

    /// Whether an event comes before an arrival at `time` on the link of
    /// heap order `order` (one before `time`, or one at `time` that the heap
    /// orders first): the check that spares a call to
    /// ``run(before:order:)`` when there is nothing to run, the usual case
    /// when packets come faster than the links deliver them.
    @inline(__always)
    private func hasEvent(before time: Int64, order: UInt64) -> Bool {
        firstKey < EventHeap.Entry(time: time, order: order).key
    }

    @inline(never)
    private func runTimer(_ id: Int) {
        let action = timers[id]
        timers[id] = nil
        action?(self)
    }

    /// The entity at the top of the heap, whose next event is at `next` (none
    /// when `hasNext` is false), either runs again at once (true: it still
    /// comes before everything else, its key not above `last`), or goes back
    /// into the heap or leaves it (false).
    @inline(__always)
    private func continueWith(_ hasNext: Bool, _ next: Int64, _ order: UInt64, last: UInt128) -> Bool {
        guard hasNext else {
            _ = heap.pop()
            return false
        }
        let e = EventHeap.Entry(time: next, order: order)
        if e.key > last {
            heap.replaceFirst(with: e)
            return false
        }
        return heap.updateTop(e) && e.key < linkSchedule.firstKey
    }

    /// The same for the link in front of the schedule, whose next arrival
    /// is at `next`.
    @inline(__always)
    private func continueLink(_ hasNext: Bool, _ next: Int64, _ order: UInt64, last: UInt128) -> Bool {
        guard hasNext else {
            linkSchedule.removeFirst()
            return false
        }
        let e = EventHeap.Entry(time: next, order: order)
        return linkSchedule.updateFirst(e) && e.key <= last && e.key < heap.firstKey
    }

    /// Delivers the head packets of link `l` while they come before every other
    /// event, then gives the link its next place in the schedule (or takes it
    /// out, when it is empty).
    @inline(__always)
    private func arrivals(on l: Int, last: UInt128) {
        let order = EventHeap.order(.link, l)
        let ch = channels.base + l
        while true {
            // The head, read in place: the packet, and when it arrives.
            let head = ch.pointee.ring.first
            var packet = head.pointee.packet
            let t = head.pointee.arrival
            ch.pointee.ring.discardFirst()
            if ch.pointee.ring.count > Simulation.arrivalLookahead {
                // More packets on the link: fetch what a later arrival will
                // touch, and the ring entries after it.
                // With a few flows their states stay in the cache and the
                // fetch is pure cost.
                if flows.count > Simulation.flowsInCache {
                    let ahead = ch.pointee.ring.address(of: Simulation.arrivalLookahead)
                    fetchArrival(flow: Int(ahead.pointee.packet.flow), at: ch.pointee.to)
                }
                dxemu_prefetch_for_write(ch.pointee.ring.address(of: 2 &* Simulation.arrivalLookahead))
            }
            eventsProcessed &+= 1
            packetsInFlight &-= 1
            if ch.pointee.sentPrefix > 0 {
                ch.pointee.sentPrefix &-= 1
            } else {
                ch.pointee.queuedBytes &-= Int(packet.size) &+ Int(packet.overhead)
            }
            now = SimTime(nanoseconds: t)
            if ch.pointee.state == .up {
                ch.pointee.statistics.packetsDelivered &+= 1
                if ch.pointee.metered { meterArrival(packet, on: l, at: t) }
                // The link's overhead stays in `packet.overhead`: nothing
                // reads it before the next enqueue sets that link's.
                receive(&packet, at: ch.pointee.to, now: t)
            } else {
                drop(packet, ch.pointee.state == .down ? .linkDown : .blackholed, link: l, now: t)
            }
            let more = ch.pointee.ring.count > 0
            if !continueLink(more, more ? ch.pointee.ring.first.pointee.arrival : 0, order, last: last) { return }
        }
    }

    /// How many packets ahead of a link's head arrival their cache lines are fetched.
    static let arrivalLookahead = 4

    /// Up to this many flows, their states (a few cache lines each) stay in
    /// the L1/L2 cache and arrivals fetch nothing ahead.
    static let flowsInCache = 256

    /// Starts loading what a packet of flow `f` fed to node `n` from a
    /// reader will touch: the flow's send counters and the node's
    /// route-cache word for the flow. A hint: results do not depend on it.
    @inline(__always)
    private func fetchHop(flow f: Int, at n: Int32) {
        dxemu_prefetch_for_write(flowSends.base + f)
        dxemu_prefetch_for_write(nodes[Int(n)].routeCache.base + f)
    }

    /// Starts loading what a link arrival of a packet of flow `f` at node
    /// `n` will touch: at a router, the route-cache word (the flow state is
    /// not read); at a host, a delivery, the flow's first two lines (the
    /// delivery counters and latencies, see ``FlowState``). A hint.
    @inline(__always)
    private func fetchArrival(flow f: Int, at n: Int32) {
        let node = nodes.base + Int(n)
        if node.pointee.kind == .router {
            dxemu_prefetch_for_write(node.pointee.routeCache.base + f)
        } else {
            let state = UnsafeRawPointer(flows.base + f)
            dxemu_prefetch_for_write(state)
            dxemu_prefetch_for_write(state + 64)
        }
    }

    @inline(never)
    private func meterArrival(_ p: Packet, on l: Int, at t: Int64) {
        let series = linkSeries.base + l
        series.pointee.advance(to: t)
        series.pointee.innerBytesArrived &+= UInt64(p.size)
    }

    /// Sends the packets of source `s` while they come before every other
    /// event, then puts the source back in the heap (or out, when it is done).
    @inline(__always)
    private func emissions(from s: Int, last: UInt128) {
        let order = EventHeap.order(.source, s)
        let source = sources.base + s
        while true {
            let t = source.pointee.next
            eventsProcessed &+= 1
            now = SimTime(nanoseconds: t)
            let size = source.pointee.nextSize()
            source.pointee.remaining &-= 1
            source.pointee.advance()
            let f = Int(source.pointee.flow)
            emit(flow: f, size: size, flags: flowTags[f].packetFlags, at: t)
            let next = source.pointee.next
            let more = source.pointee.remaining > 0 && next < source.pointee.stop
            if !continueWith(more, next, order, last: last) { return }
        }
    }

    /// Creates a packet of `flow` with the ``Packet/Flag`` bits `flags` at
    /// its source host and sends it on the uplink.
    @inline(__always)
    private func emit(flow f: Int, size requested: Int, flags: UInt8, at t: Int64) {
        let flow = flows.base + f
        let size = min(requested, flow.pointee.sizeCap)
        let sequence = flow.pointee.nextSequence
        flow.pointee.nextSequence &+= 1
        countSent(flow: f, size: size)
        let packet = Packet(flow: UInt32(truncatingIfNeeded: f), size: UInt32(truncatingIfNeeded: size), sequence: sequence,
                            created: t, ttl: flowTags[f].ttl, flags: flags)
        let uplink = nodes[Int(flow.pointee.sourceNode)].uplink
        if uplink < 0 {
            drop(packet, .noRoute, link: -1, now: t)
        } else {
            transmit(packet, on: Int(uplink), now: t)
        }
    }

    /// Counts one packet (a datagram, `size` bytes) as sent by flow `f`'s host.
    @inline(__always)
    func countSent(flow f: Int, size: Int) {
        let sends = flowSends.base + f
        sends.pointee.packets &+= 1
        sends.pointee.bytes &+= UInt64(size)
    }

    // MARK: - Forwarding

    /// A packet reaches node `n`.
    @inline(__always)
    private func receive(_ p: inout Packet, at n: Int32, now t: Int64) {
        if p.isICMPError {
            receiveICMPError(p, at: n, now: t)
            return
        }
        let f = Int(p.flow)
        if n == flowDestinations[f] {
            deliver(p, now: t)
            return
        }
        let node = nodes.base + Int(n)
        if endsHere(p, at: node, now: t) { return }
        p.ttl &-= 1
        let link = routedLink(at: Int(n), flow: f)
        if link < 0 {
            drop(p, .noRoute, link: -1, now: t)
        } else {
            transmit(p, on: Int(link), now: t)
        }
    }

    /// An ICMP error reaches node `n`: counted at its flow's source,
    /// forwarded toward the source elsewhere (out of the usual packet's way).
    @inline(never)
    private func receiveICMPError(_ p: Packet, at n: Int32, now t: Int64) {
        if icmpReachedSource(p, at: n) { return }
        if endsHere(p, at: nodes.base + Int(n), now: t) { return }
        var forwarded = p
        forwarded.ttl &-= 1
        let link = routeTowardSource(at: Int(n), flow: Int(p.flow))
        if link < 0 {
            drop(forwarded, .noRoute, link: -1, now: t)
        } else {
            transmitOutOfLine(forwarded, on: Int(link), now: t)
        }
    }

    /// Whether a packet that is not for `node` ends there, dropped: at a
    /// host (no route onward) or at a router where its TTL runs out.
    @inline(__always)
    private func endsHere(_ p: Packet, at node: UnsafeMutablePointer<Node>, now t: Int64) -> Bool {
        guard node.pointee.kind != .router || p.ttl <= 1 else { return false }
        drop(p, node.pointee.kind != .router ? .noRoute : .ttlExpired, link: -1, now: t)
        return true
    }

    /// Whether an ICMP error has reached its flow's source, where it is
    /// counted (elsewhere it is forwarded toward the source).
    @inline(never)
    private func icmpReachedSource(_ p: Packet, at n: Int32) -> Bool {
        let f = Int(p.flow)
        guard n == flows[f].spec.source.index else { return false }
        flows[f].statistics.icmpTooBigReceived &+= 1
        let reported = Int(p.sequence)
        let learnt = flows[f].statistics.learntPathMTU
        flows[f].statistics.learntPathMTU = learnt == 0 ? reported : min(learnt, reported)
        return true
    }

    /// The link router `n` sends flow `f` on, or -1: its cached decision
    /// while the router's FIB is unchanged, else a fresh one (cached).
    @inline(__always)
    private func routedLink(at n: Int, flow f: Int) -> Int32 {
        let node = nodes.base + n
        let cached = node.pointee.routeCache[f]
        if UInt32(truncatingIfNeeded: cached >> 32) == node.pointee.fibVersion {
            return Int32(truncatingIfNeeded: cached & 0xFFFF_FFFF) &- 1
        }
        return route(at: n, flow: f)
    }

    /// The link router `n` sends flow `f` on, or -1, decided afresh and
    /// cached until the FIB changes.
    @inline(never)
    private func route(at n: Int, flow f: Int) -> Int32 {
        let version = nodes[n].fibVersion
        let link = decide(at: n, key: flows[f].spec.key)
        nodes[n].routeCache[f] = UInt64(version) << 32 | UInt64(UInt32(bitPattern: link &+ 1))
        return link
    }

    private func routeTowardSource(at n: Int, flow f: Int) -> Int32 {
        decide(at: n, key: flows[f].spec.key.reversed)
    }

    /// A fresh FIB decision for the destination of `key`.
    private func decide(at n: Int, key: FlowKey) -> Int32 {
        let hop: NextHop
        if key.ipVersion == 6 {
            hop = nodes[n].fib6.lookup(IPv6Family.key(key.destinationIPv6))
        } else {
            hop = nodes[n].fib4.lookup(IPv4Family.key(key.destinationIPv4))
        }
        guard hop != noRoute else { return -1 }
        let members = groups[Int(hop)]
        if members.count == 1 { return members[0] }
        return members[FlowHash.member(key, seed: nodes[n].hashSeed, count: members.count)]
    }

    /// For the TCP engine (another file): send on a link, or drop for want of one.
    func transmitSegment(_ p: Packet, on l: Int, now t: Int64) { transmitOutOfLine(p, on: l, now: t) }
    func dropSegment(_ p: Packet, now t: Int64) { drop(p, .noRoute, link: -1, now: t) }

    /// Puts a packet on link `l`: MTU, loss, queue, then its transmission and
    /// arrival times (FIFO: serialisation after the previous packet). The
    /// usual case (a link not down, no loss model, no peering rule or one
    /// that already allowed the flow, the packet within the MTU) goes
    /// straight to the queue; the rest is checked in
    /// ``transmitChecked(_:on:now:)``.
    @inline(__always)
    private func transmit(_ p: Packet, on l: Int, now t: Int64) {
        let ch = channels.base + l
        if Int(p.size) <= ch.pointee.configuration.mtu
            && (ch.pointee.plainSend || (ch.pointee.peeringSend && !p.isICMPError && ch.pointee.verdicts.allows(Int(p.flow)))) {
            enqueue(p, on: l, now: t)
        } else {
            transmitChecked(p, on: l, now: t)
        }
    }

    @inline(never)
    private func transmitOutOfLine(_ p: Packet, on l: Int, now t: Int64) { transmit(p, on: l, now: t) }

    @inline(never)
    private func transmitChecked(_ p: Packet, on l: Int, now t: Int64) {
        if channels[l].state == .down {
            drop(p, .linkDown, link: l, now: t)
            return
        }
        if channels[l].peering != nil && !peeringAllows(p, on: l) {
            drop(p, .nonTransitivePeering, link: l, now: t)
            return
        }
        let mtu = channels[l].configuration.mtu
        if Int(p.size) > mtu {
            if p.dontFragment || p.isICMPError {
                drop(p, .mtuExceeded, link: l, now: t)
                if channels[l].configuration.sendsICMPTooBig && !p.isICMPError { sendTooBig(for: p, link: l, now: t) }
                return
            }
            fragment(p, on: l, now: t)
            return
        }
        if losesPacket(on: l) {
            drop(p, .lossModel, link: l, now: t)
            return
        }
        enqueue(p, on: l, now: t)
    }

    /// Steps link `l`'s loss model for one packet; true when it is lost.
    private func losesPacket(on l: Int) -> Bool {
        channels[l].loss.model != .none && channels[l].loss.loses()
    }

    /// The peering rule for this packet's flow on link `l`, decided once per flow.
    private func peeringAllows(_ p: Packet, on l: Int) -> Bool {
        let f = Int(p.flow)
        if p.isICMPError {
            let key = flows[f].spec.key
            return channels[l].peering!.allows(source: Simulation.address(key, source: false), destination: Simulation.address(key, source: true))
        }
        var verdict = channels[l].verdicts[f]
        if verdict == 0 {
            let key = flows[f].spec.key
            verdict = channels[l].peering!.allows(source: Simulation.address(key, source: true),
                                                  destination: Simulation.address(key, source: false)) ? 1 : 2
            channels[l].verdicts.set(f, verdict)
        }
        return verdict == 1
    }

    static func address(_ key: FlowKey, source: Bool) -> IPAddress {
        if key.ipVersion == 6 { return .v6(source ? key.sourceIPv6 : key.destinationIPv6) }
        return .v4(source ? key.sourceIPv4 : key.destinationIPv4)
    }

    /// Queues a packet that passed the link's checks: drop-tail limits, then
    /// its transmission and arrival times, counters and series.
    @inline(__always)
    private func enqueue(_ packet: Packet, on l: Int, now t: Int64) {
        var p = packet
        let ch = channels.base + l
        ch.pointee.advance(to: t)
        p.overhead = UInt16(truncatingIfNeeded: ch.pointee.configuration.overhead(forSize: Int(p.size)))
        let wire = Int(p.size) &+ Int(p.overhead)
        let serialisation = ch.pointee.egress.serialisation(wire: wire)
        let queuedBytes = ch.pointee.queuedBytes
        let queued = ch.pointee.queuedPackets
        if let refusal = ch.pointee.egress.refusal(wire: wire, serialisation: serialisation, queued: queued, queuedBytes: queuedBytes,
                                                   limits: ch.pointee.configuration) {
            drop(p, refusal, link: l, now: t)
            return
        }
        var delay = ch.pointee.configuration.delay.nanoseconds
        if ch.pointee.configuration.jitter.nanoseconds > 0 { delay &+= jitter(on: l) }
        let (start, transmitted, arrival) = ch.pointee.egress.take(serialisation: serialisation, at: t, delay: delay)
        ch.pointee.queuedBytes = queuedBytes &+ wire
        let wasEmpty = ch.pointee.ring.count == 0
        ch.pointee.ring.append(InFlight(packet: p, arrival: arrival, transmitted: transmitted))
        packetsInFlight &+= 1
        Egress.countTaken(size: Int(p.size), wire: wire, waited: start &- t, queued: queued &+ 1, queuedBytes: queuedBytes &+ wire, at: t,
                          statistics: &ch.pointee.statistics, series: &(linkSeries.base + l).pointee)
        if wasEmpty { linkSchedule.insert(.init(time: arrival, order: EventHeap.order(.link, l))) }
        if ch.pointee.tapped { tap(p, on: l, at: start) }
    }

    /// Extra delay drawn uniformly in [0, jitter] on link `l`.
    @inline(never)
    private func jitter(on l: Int) -> Int64 {
        let jitter = channels[l].configuration.jitter.nanoseconds
        return Int64(channels[l].jitterRandom.next(below: UInt64(jitter) &+ 1))
    }

    @inline(never)
    private func tap(_ p: Packet, on l: Int, at start: Int64) { taps[l]?(p, start) }

    /// RFC 791 fragmentation of an IPv4 datagram without DF over link `l`.
    @inline(never)
    private func fragment(_ p: Packet, on l: Int, now t: Int64) {
        let pieces = Fragmentation.fragments(totalLength: Int(p.size), mtu: channels[l].configuration.mtu)
        guard !pieces.isEmpty else {
            drop(p, .mtuExceeded, link: l, now: t)
            return
        }
        var record = p.datagram
        if record == 0 {
            record = allocateDatagram(size: p.size, fragments: pieces.count)
        } else {
            datagrams[Int(record)].remaining += Int32(pieces.count - 1)
        }
        channels[l].statistics.fragmentsCreated &+= UInt64(pieces.count)
        for piece in pieces {
            var fragment = p
            fragment.size = UInt32(piece.totalLength)
            fragment.datagram = record
            if losesPacket(on: l) {
                drop(fragment, .lossModel, link: l, now: t)
                continue
            }
            enqueue(fragment, on: l, now: t)
        }
    }

    private func allocateDatagram(size: UInt32, fragments: Int) -> UInt32 {
        let record = DatagramRecord(remaining: Int32(fragments), dropReason: nil, size: size)
        if let reused = freeDatagrams.popLast() {
            datagrams[Int(reused)] = record
            return reused
        }
        datagrams.append(record)
        return UInt32(datagrams.count - 1)
    }

    /// Sends ICMP "fragmentation needed" (IPv4, 56 bytes) or "packet too big"
    /// (IPv6) from the router at the start of link `l` back to the flow's source.
    @inline(never)
    private func sendTooBig(for p: Packet, link l: Int, now t: Int64) {
        let f = Int(p.flow)
        let router = Int(channels[l].from)
        flows[f].statistics.icmpTooBigSent &+= 1
        let size = p.isIPv6 ? min(1280, 48 + Int(p.size)) : 56
        var message = Packet(flow: p.flow, size: UInt32(size), sequence: UInt32(channels[l].configuration.mtu),
                             created: t, ttl: 64, flags: Packet.Flag.icmpError | (p.flags & Packet.Flag.ipv6))
        let back = nodes[router].kind == .router ? routeTowardSource(at: router, flow: f) : -1
        if back >= 0 {
            message.overhead = 0
            transmitOutOfLine(message, on: Int(back), now: t)
        }
    }

    // MARK: - Fates

    @inline(__always)
    private func deliver(_ p: Packet, now t: Int64) {
        var bytes = UInt64(p.size)
        if p.datagram != 0 {
            guard let whole = reassembled(p, now: t) else { return }
            bytes = whole
        }
        let flow = flows.base + Int(p.flow)
        let latency = t &- p.created
        flow.pointee.statistics.delivered &+= 1
        flow.pointee.statistics.bytesDelivered &+= bytes
        flow.pointee.statistics.latencySum &+= latency
        if latency < flow.pointee.statistics.latencyMin { flow.pointee.statistics.latencyMin = latency }
        if latency > flow.pointee.statistics.latencyMax { flow.pointee.statistics.latencyMax = latency }
        if Int64(p.sequence) < flow.pointee.highestDelivered {
            flow.pointee.statistics.reordered &+= 1
        } else {
            flow.pointee.highestDelivered = Int64(p.sequence)
        }
        let previous = flow.pointee.statistics.lastDelivery
        if previous < 0 {
            flow.pointee.statistics.firstDelivery = t
        } else if t &- previous > flow.pointee.statistics.longestGap {
            flow.pointee.statistics.longestGap = t &- previous
            flow.pointee.statistics.longestGapStart = previous
        }
        flow.pointee.statistics.lastDelivery = t
        let series = groupSeries.base + Int(flowTags[Int(p.flow)].group)
        series.pointee.advance(to: t)
        series.pointee.packets &+= 1
        series.pointee.bytes &+= bytes
        series.pointee.latencySum &+= latency
        if latency > series.pointee.binLatencyMax { series.pointee.binLatencyMax = latency }
        if flow.pointee.tcp >= 0 { tcpDelivered(p, connection: Int(flow.pointee.tcp), ack: flow.pointee.tcpCarriesAcks, now: t) }
    }

    /// A fragment arrived: the datagram's size once it is whole and none of
    /// its fragments was lost, nil otherwise (a lost one is dropped with the
    /// first fragment's reason when the last fragment comes).
    @inline(never)
    private func reassembled(_ p: Packet, now t: Int64) -> UInt64? {
        let r = Int(p.datagram)
        datagrams[r].remaining -= 1
        guard datagrams[r].remaining == 0 else { return nil }
        freeDatagrams.append(p.datagram)
        if let reason = datagrams[r].dropReason {
            recordDrop(flow: Int(p.flow), reason, now: t)
            return nil
        }
        return UInt64(datagrams[r].size)
    }

    @inline(never)
    private func drop(_ p: Packet, _ reason: DropReason, link l: Int, now t: Int64) {
        if l >= 0 { Egress.countDropped(reason, at: t, statistics: &channels[l].statistics, series: &linkSeries[l]) }
        if p.isICMPError { return }  // control messages are not flow traffic
        if p.datagram != 0 {
            let r = Int(p.datagram)
            if datagrams[r].dropReason == nil { datagrams[r].dropReason = reason }
            datagrams[r].remaining -= 1
            guard datagrams[r].remaining == 0 else { return }
            freeDatagrams.append(p.datagram)
        }
        recordDrop(flow: Int(p.flow), datagramReason(p) ?? reason, now: t)
    }

    private func datagramReason(_ p: Packet) -> DropReason? {
        p.datagram == 0 ? nil : datagrams[Int(p.datagram)].dropReason
    }

    private func recordDrop(flow f: Int, _ reason: DropReason, now t: Int64) {
        flows[f].statistics.drops.increment(reason)
        let g = Int(flowTags[f].group)
        groupSeries[g].advance(to: t)
        groupSeries[g].drops.increment(reason)
    }

    // MARK: - Host uplinks sent on elsewhere (replay)

    /// Hands the sending side of `host`'s uplink to a ``HostUplinkSender``
    /// (a replay's reader thread runs it), or nil when that would not be
    /// exact: a synthetic source or a TCP connection (they send from hosts
    /// too), an MSS clamp (it would change the sizes sent), or an uplink
    /// that is down, lossy, jittered, filtered, tapped, metered or already
    /// used. Until ``adoptUplink(_:)``, the link must not change (a
    /// precondition), and its packets enter through ``arrive(flow:size:sequence:created:dontFragment:datagram:sentSize:on:at:)``
    /// and ``recordHostDrop(flow:size:sequence:created:dontFragment:datagram:sentSize:reason:tooBig:at:)``.
    public func delegateUplink(of host: NodeID) -> HostUplinkSender? {
        guard sources.isEmpty, tcp.isEmpty, !nodes.elements.contains(where: { $0.mssClamp != nil }) else { return nil }
        let l = Int(nodes[Int(host.index)].uplink)
        guard l >= 0, nodes[Int(host.index)].kind != .router else { return nil }
        let c = channels[l]
        guard c.state == .up, c.peering == nil, c.loss.model == .none, c.configuration.jitter.nanoseconds == 0,
              !c.tapped, !c.metered, !c.delegated, c.ring.count == 0,
              c.statistics == LinkStatistics(), linkSeries[l].packets == 0 else { return nil }
        channels[l].delegated = true
        return HostUplinkSender(link: LinkID(index: Int32(l)), configuration: c.configuration, binWidth: binWidth)
    }

    /// Takes back a delegated uplink: its counters and series become the link's.
    public func adoptUplink(_ sender: HostUplinkSender) {
        let l = Int(sender.link.index)
        precondition(channels[l].delegated, "adoptUplink(_:) takes back a delegated uplink")
        var statistics = sender.statistics
        statistics.packetsDelivered = channels[l].statistics.packetsDelivered
        channels[l].statistics = statistics
        linkSeries[l] = sender.series
        channels[l].egress = sender.egress
        channels[l].delegated = false
        sender.free()
    }

    /// A fragment record for a datagram a delegated uplink fragmented.
    public func beginDatagram(size: Int, fragments: Int) -> UInt32 {
        allocateDatagram(size: UInt32(size), fragments: fragments)
    }

    /// The packet as its host made it (the flags of ``send(flow:size:dontFragment:)``).
    private func hostPacket(flow f: Int, size: Int, sequence: UInt32, created: Int64, dontFragment: Bool, datagram: UInt32) -> Packet {
        var p = Packet(flow: UInt32(truncatingIfNeeded: f), size: UInt32(truncatingIfNeeded: size), sequence: sequence,
                       created: created, ttl: flowTags[f].ttl, flags: Simulation.flags(flowTags[f].packetFlags, dontFragment: dontFragment))
        p.datagram = datagram
        return p
    }

    /// A packet sent on a delegated uplink arrives at the link's far end at
    /// `time`: the events before it run first (as the heap would order them),
    /// then the arrival itself, as ``run(until:)`` would handle it.
    ///
    /// `sentSize` is the size the packet counts for in the flow's packets
    /// sent (the whole datagram's, on its first fragment; nil on the others).
    ///
    /// Runs of plain arrivals go through ``arriveRun(_:count:flowOfDirection:directions:uplinks:lookahead:)``,
    /// which also fetches the flows of packets a few places on.
    public func arrive(flow: FlowID, size: Int, sequence: UInt32, created: Int64, dontFragment: Bool, datagram: UInt32,
                       sentSize: Int?, on link: LinkID, at time: Int64) {
        arrive(flow: Int(flow.index), size: size, sequence: sequence, created: created, dontFragment: dontFragment, datagram: datagram,
               sentSize: sentSize ?? -1, on: Int(link.index), at: time, upcoming: -1)
    }

    /// Feeds the run of arrivals at the start of `items` (up to `count`):
    /// those of kind ``ReplayWork/Kind/arrival`` that are not fragments of
    /// a datagram the reader split. Each goes as
    /// ``arrive(flow:size:sequence:created:dontFragment:datagram:sentSize:on:at:)``
    /// would take it, in one call for the run instead of one per packet.
    ///
    /// `flowOfDirection` (`directions` entries) gives an item's flow by its
    /// direction (every item's flow exists), `uplinks` its link by its
    /// sender; the flow of the item `lookahead` places on (when it has one)
    /// is fetched into the cache meanwhile. Returns how many items it took,
    /// how many of them count as packets sent, and the latest send time.
    public func arriveRun(_ items: UnsafePointer<ReplayWork>, count: Int, flowOfDirection: UnsafePointer<Int32>, directions: Int,
                          uplinks: UnsafePointer<LinkID>, lookahead: Int) -> (taken: Int, counted: Int, latest: Int64) {
        var k = 0
        var counted = 0
        var latest = Int64.min
        while k < count {
            let w = items + k
            guard w.pointee.kind == .arrival, w.pointee.datagram == 0 else { break }
            var upcoming = -1
            if k &+ lookahead < count {
                let d = Int(items[k &+ lookahead].direction)
                if d < directions { upcoming = Int(flowOfDirection[d]) }
            }
            let counts = w.pointee.counts
            assert(Int(w.pointee.direction) < directions && flowOfDirection[Int(w.pointee.direction)] >= 0,
                   "an arrival's flow is made before it")
            arrive(flow: Int(flowOfDirection[Int(w.pointee.direction)]), size: Int(w.pointee.size), sequence: w.pointee.sequence,
                   created: w.pointee.time, dontFragment: w.pointee.dontFragment, datagram: 0,
                   sentSize: counts ? Int(w.pointee.datagramSize) : -1, on: Int(uplinks[Int(w.pointee.sender)].index),
                   at: w.pointee.arrival, upcoming: upcoming)
            if counts { counted &+= 1 }
            latest = max(latest, w.pointee.time)
            k &+= 1
        }
        return (k, counted, latest)
    }

    /// ``arrive(flow:size:sequence:created:dontFragment:datagram:sentSize:on:at:)``
    /// in plain integers (`sentSize` -1 for none); `upcoming` (-1: none) is
    /// the flow of a packet a few places on, fetched into the cache
    /// meanwhile (a hint; the results do not depend on it).
    @inline(__always)
    private func arrive(flow f: Int, size: Int, sequence: UInt32, created: Int64, dontFragment: Bool, datagram: UInt32,
                        sentSize: Int, on l: Int, at time: Int64, upcoming u: Int) {
        if u >= 0 && u < flows.count {
            // The hop's lines, and the one a drop touches (see FlowState).
            fetchHop(flow: u, at: channels[l].to)
            dxemu_prefetch_for_write(UnsafeRawPointer(flows.base + u) + FlowState.dropCountersOffset)
        }
        if sentSize >= 0 { countSent(flow: f, size: sentSize) }
        let order = EventHeap.order(.link, l)
        if hasEvent(before: time, order: order) { run(before: time, order: order) }
        now = SimTime(nanoseconds: time)
        eventsProcessed &+= 1
        channels[l].statistics.packetsDelivered &+= 1
        var p = hostPacket(flow: f, size: size, sequence: sequence, created: created, dontFragment: dontFragment, datagram: datagram)
        receive(&p, at: channels[l].to, now: time)
    }

    /// A packet a delegated uplink dropped when its host sent it at `time`
    /// (the link's own counters are the sender's): the events up to `time`
    /// run first, as they did before a ``send(flow:size:dontFragment:)``.
    public func recordHostDrop(flow: FlowID, size: Int, sequence: UInt32, created: Int64, dontFragment: Bool, datagram: UInt32,
                               sentSize: Int?, reason: DropReason, tooBig: Bool, at time: Int64) {
        // run(until:) when something is due by `time` (the call is the cost).
        if firstKey <= EventHeap.Entry.lastKey(at: time) { run(until: SimTime(nanoseconds: time)) }
        now = max(now, SimTime(nanoseconds: time))
        let f = Int(flow.index)
        if let sentSize { countSent(flow: f, size: sentSize) }
        if tooBig { flows[f].statistics.icmpTooBigSent &+= 1 }
        drop(hostPacket(flow: f, size: size, sequence: sequence, created: created, dontFragment: dontFragment, datagram: datagram),
             reason, link: -1, now: time)
    }

    // MARK: - Results

    /// Where a flow's packets go now, hop by hop through the FIBs.
    public struct Path: Sendable, Equatable {
        public var links: [LinkID]
        /// Why the walk stopped short of the destination (nil: it arrived).
        public var stop: DropReason?
    }

    /// The links a packet of `flow` would take now, hop by hop through the FIBs:
    /// to the destination, or to where it would be dropped (no route, a
    /// peering filter that refuses it, a loop longer than 32 hops).
    public func path(of flow: FlowID) -> Path {
        let f = Int(flow.index)
        let key = flows[f].spec.key
        var links: [LinkID] = []
        links.reserveCapacity(8)
        var link = nodes[Int(flows[f].sourceNode)].uplink
        if link < 0 { return Path(links: [], stop: .noRoute) }
        while links.count < 32 {
            links.append(LinkID(index: link))
            if let filter = channels[Int(link)].peering,
               !filter.allows(source: Simulation.address(key, source: true), destination: Simulation.address(key, source: false)) {
                return Path(links: links, stop: .nonTransitivePeering)
            }
            let n = Int(channels[Int(link)].to)
            if n == Int(flowDestinations[f]) { return Path(links: links, stop: nil) }
            if nodes[n].kind != .router { return Path(links: links, stop: .noRoute) }
            // The decision a packet would get (a replay asks this of
            // thousands of flows at the end: most are cached).
            link = routedLink(at: n, flow: f)
            if link < 0 { return Path(links: links, stop: .noRoute) }
        }
        return Path(links: links, stop: .ttlExpired)
    }

    public func statistics(of flow: FlowID) -> FlowStatistics { statistics(ofFlow: Int(flow.index)) }

    /// Flow `f`'s counters, the sends (kept apart) included.
    func statistics(ofFlow f: Int) -> FlowStatistics {
        var s = flows[f].statistics
        s.sent = flowSends[f].packets
        s.bytesSent = flowSends[f].bytes
        return s
    }
    public func statistics(of link: LinkID) -> LinkStatistics {
        let l = Int(link.index)
        var s = channels[l].statistics
        s.packetsSent = linkSeries[l].packets
        s.bytesSent = linkSeries[l].bytes
        s.maxQueuePackets = linkSeries[l].largestQueue
        return s
    }
    public func spec(of flow: FlowID) -> FlowSpec { flows[Int(flow.index)].spec }
    public var flowIDs: [FlowID] { flows.indices.map { FlowID(index: Int32($0)) } }
    public var groupNamesInOrder: [String] { groupNames }

    /// Delivered traffic of a report group, binned, up to `now`.
    public func series(group: String) -> TimeSeries? {
        groupNames.firstIndex(of: group).map { groupSeries[$0].series(until: now.nanoseconds) }
    }

    /// Traffic sent on a link, binned, up to `now`.
    public func series(link: LinkID) -> TimeSeries { linkSeries[Int(link.index)].series(until: now.nanoseconds) }

    /// Totals over every flow.
    public var totals: FlowStatistics {
        var t = FlowStatistics()
        for f in flows.indices {
            let s = statistics(ofFlow: f)
            t.sent += s.sent
            t.delivered += s.delivered
            t.drops.add(s.drops)
            t.bytesSent += s.bytesSent
            t.bytesDelivered += s.bytesDelivered
        }
        return t
    }

    /// Checks the accounting invariant: every packet sent is delivered, dropped
    /// with a reason, or still on a link. Returns the flows that break it.
    public func accountingViolations() -> [FlowID] {
        var inFlightByFlow = [Int](repeating: 0, count: flows.count)
        for c in channels.elements {
            for i in 0..<c.ring.count where !c.ring[i].packet.isICMPError && c.ring[i].packet.datagram == 0 {
                inFlightByFlow[Int(c.ring[i].packet.flow)] += 1
            }
        }
        var pendingDatagrams = [Int](repeating: 0, count: flows.count)
        var seen = Set<UInt32>()
        for c in channels.elements {
            for i in 0..<c.ring.count where c.ring[i].packet.datagram != 0 && !c.ring[i].packet.isICMPError {
                if seen.insert(c.ring[i].packet.datagram).inserted { pendingDatagrams[Int(c.ring[i].packet.flow)] += 1 }
            }
        }
        return flows.indices.compactMap { i in
            let s = statistics(ofFlow: i)
            return s.sent == s.accountedFor + UInt64(inFlightByFlow[i] + pendingDatagrams[i]) ? nil : FlowID(index: Int32(i))
        }
    }
}
