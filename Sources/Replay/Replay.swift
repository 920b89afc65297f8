import Capture
import Dispatch
import Emulator
import NetAddress
import PacketWire
import Scenario

/// How replayed packets are spaced in virtual time.
public enum Pacing: Sendable, Equatable {
    /// The capture's own timestamps, divided by `speed` (2 = twice as fast).
    case original(speed: Double)
    /// A fixed packet rate.
    case packetsPerSecond(Double)
    /// A fixed bit rate (IP bytes), packets back to back at that rate.
    case megabitsPerSecond(Double)
    /// As fast as the data-centre LAN (100 Gbps) carries them.
    case lineRate
}

/// What to replay and how.
public struct ReplayOptions: Sendable {
    /// The design and failures; its own synthetic traffic is left out.
    public var scenario: ScenarioSpec
    /// Map the capture's addresses onto the topology (false: keep them; a
    /// packet whose addresses are outside every site is counted and not replayed).
    public var mapAddresses = true
    /// Servers on these ports are placed in VPC-2 instead of VPC-1.
    public var vpc2Ports: Set<UInt16> = []
    public var pacing: Pacing = .original(speed: 1)
    public var loops = 1
    /// BPF filter (tcpdump syntax), applied by libpcap.
    public var filter: String?
    /// Per-link captures: connection name (dx1, vpn1-t1, vpc-peering, ...) -> pcap path.
    public var captures: [(link: String, path: String)] = []
    /// Captured bytes per record in the per-link captures.
    public var captureSnapLength = 256
    /// When the first packet enters the network.
    public var start = SimTime.milliseconds(1)
    /// Closed-loop TCP: each direction of a captured TCP connection becomes a
    /// TCP sender whose application writes the captured segments at their
    /// times; the emulator's TCP decides when they cross the network (and
    /// makes its own ACKs). nil replays TCP packets as they are (open loop).
    public var closedLoopTCP: TCPConfiguration? = nil
    /// Called after every chunk (up to 4,096 packets) with the packets sent so far
    /// and the virtual time reached (for a progress line).
    public var progress: (@Sendable (_ packets: Int, _ now: SimTime) -> Void)? = nil
    /// Whether the reader thread may send on the hosts' uplinks itself (see
    /// ``HostUplinkSender``): the same results, less work for the simulation
    /// thread. Off only to check that sameness.
    var hostUplinksOnReader = true

    public init(scenario: ScenarioSpec) {
        self.scenario = scenario
    }
}

/// A fault that stops a replay before it starts (unknown link name, ...).
public struct ReplayError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// One mapped address, for reversing the mapping in the report. The
/// addresses are kept as numbers and written out when asked for (a replay
/// maps thousands; a text report shows six).
public struct AddressMapping: Sendable, Equatable {
    let originalAddress: AddressMapper.FlowKeyAddress
    let mappedAddress: AddressMapper.FlowKeyAddress
    public var site: Site
    /// The capture's address.
    public var original: String { AddressMapper.text(originalAddress) }
    /// The address it became in the topology.
    public var mapped: String { AddressMapper.text(mappedAddress) }
}

/// What a replay did with every frame, and what the network did with every packet.
public struct ReplayResult: Sendable {
    public var file: String
    /// Frames read from the capture (after the BPF filter), over all loops.
    public var framesRead = 0
    /// Frames the BPF filter left out.
    public var filteredOut = 0
    /// IP packets sent into the network.
    public var replayed = 0
    /// TCP segments handed to closed-loop senders (their packets are the TCP model's).
    public var writtenToTCP = 0
    /// Frames not sent, by reason (non-IP, malformed: ..., outside the topology).
    public var notReplayed: [(reason: String, count: Int)] = []
    /// Packets whose timestamp went backwards (sent at the previous packet's time).
    public var timestampsBackwards = 0
    public var addressMap: [AddressMapping] = []
    /// Per-link captures written: link, path, packets.
    public var captures: [(link: String, path: String, packets: Int)] = []
    /// The fault that stopped reading, if any (the run covers what was read).
    public var captureError: CaptureError?
    /// The first malformed frame (located as `dxemu inspect` locates it) and
    /// how many there were; they are counted in `notReplayed` too.
    public var firstMalformed: CaptureError?
    public var malformedFrames = 0
    /// Record faults libpcap reported and reading went on past.
    public var recordFaults: [CaptureError] = []
    public var recordFaultCount = 0
    public var run: RunResult
    /// How many host uplinks the reader thread sent on (see ``HostUplinkSender``).
    var uplinksOnReader = 0

    /// Frames read = replayed + not replayed.
    public var framesAccounted: Bool { framesRead == replayed + writtenToTCP + notReplayed.reduce(0) { $0 + $1.count } }
}

/// Replays a capture through a SecureCart design, streaming: one frame is
/// read, mapped and sent into the simulation before the next is read.
public enum Replay {
    public static func run(file: String, options: ReplayOptions) throws -> ReplayResult {
        var spec = options.scenario
        spec.traffic = []
        // The replay's length is known only at the end: validate failures
        // against a long horizon and let the feeder set the real duration.
        spec.duration = max(spec.duration, .seconds(1_000_000))
        let scenario: ScenarioRun
        do { scenario = try ScenarioRun(spec) } catch let e as ScenarioError { throw ReplayError(e.message) }
        var feeder = try Feeder(file: file, options: options, scenario: scenario)
        scenario.start()
        feeder.startCaptures()
        let end = try feeder.feed(file: file)
        let run = scenario.finish(at: end)
        var result = feeder.result(run: run)
        for c in feeder.captures {
            do { try c.close() } catch { throw ReplayError(error.description) }
            result.captures.append((c.name, c.path, c.packets))
        }
        return result
    }
}

/// The simulation side of a replay: takes the packets a ``FrameSource``
/// reads on another thread and sends them into the network at their times.
struct Feeder {
    let file: String
    let options: ReplayOptions
    let scenario: ScenarioRun
    let sim: Simulation
    /// One direction of a captured conversation: where it was mapped, and
    /// the TCP connection that carries it (made on first use; an open-loop
    /// direction's flow is in `flowOfDirection`).
    struct Direction {
        var plan: DirectionPlan
        var connection: TCPConnectionID?
    }
    var directions: [Direction] = []
    /// Each direction's emulator flow index, or -1 before its first packet:
    /// the per-packet read (4 bytes a direction, where a ``Direction`` is a
    /// whole plan and would miss the cache with thousands of them).
    var flowOfDirection: [Int32] = []
    /// How many work items ahead an arrival's flow counters are fetched into the cache.
    static let lookahead = 6
    /// The host uplinks the reader sends on, by its sender index.
    var uplinks: [LinkID] = []
    var written = 0
    var replayed = 0
    /// Frames the simulation side could not send (a full TCP send buffer).
    var notReplayed: [String: Int] = [:]
    /// The reader's account, once it has finished.
    var source: FrameSource?
    var captures: [LinkCapture] = []
    var taps: [(link: LinkID, capture: Int, towardAWS: Bool)] = []
    /// Group labels made so far (see ``groupLabel(from:to:)``).
    var groupLabels: [(from: Site, to: Site, label: String)] = []
    /// ICMP type and code per emulator flow of the replay, for the taps.
    let icmpByFlow = ICMPBook()

    init(file: String, options: ReplayOptions, scenario: ScenarioRun) throws {
        self.file = file
        self.options = options
        self.scenario = scenario
        sim = scenario.network.simulation
        guard options.loops >= 1 else { throw ReplayError("--loop must be at least 1") }
        switch options.pacing {
        case let .original(speed) where !(speed > 0 && speed.isFinite): throw ReplayError("--speed must be a positive number")
        case let .packetsPerSecond(r) where !(r > 0 && r.isFinite): throw ReplayError("--pps must be a positive number")
        case let .megabitsPerSecond(r) where !(r > 0 && r.isFinite): throw ReplayError("--mbps must be a positive number")
        default: break
        }
        // Resolve the per-link captures before anything runs: a connection or
        // link name (dx1, vpn1-t1, vpc-peering, onprem-lan, ...) takes both
        // directions; a direction's own name (dx1') only that one.
        let net = scenario.network
        let tunnels = net.vpnLinks.keys.sorted()
        for (link, path) in options.captures {
            let directions = sim.linkIDs.filter { l in
                let name = sim.name(of: l)
                return name == link || name == link + "'"
            }
            guard !directions.isEmpty else {
                let names = Set(sim.linkIDs.map { sim.name(of: $0) }.filter { !$0.hasSuffix("'") }).sorted()
                throw ReplayError("--capture: '\(link)' is not a link of the design (known: \(names.joined(separator: ", ")))")
            }
            let base = link.hasSuffix("'") ? String(link.dropLast()) : link
            let capture: LinkCapture
            do {
                capture = try LinkCapture(name: link, path: path, snapLength: options.captureSnapLength,
                                          tunnelNumber: (tunnels.firstIndex(of: base) ?? -1) + 1)
            } catch { throw ReplayError(error.description) }
            captures.append(capture)
            for l in directions { taps.append((l, captures.count - 1, !sim.name(of: l).hasSuffix("'"))) }
        }
    }

    func startCaptures() {
        for tap in taps {
            let capture = captures[tap.capture]
            let toward = tap.towardAWS
            let sim = self.sim
            let book = icmpByFlow
            sim.setTap(tap.link) { p, time in
                let key = sim.spec(of: FlowID(index: Int32(p.flow))).key
                capture.record(p, key: key, time: time, towardAWS: toward, icmp: book.icmp(of: Int(p.flow)))
            }
        }
    }

    /// Reads the capture (`loops` times) on a reader thread and sends every
    /// IP packet here as the chunks arrive; returns the virtual time of the
    /// last one. The work and its order are the reader's, so the result is
    /// the same however the two threads are scheduled.
    mutating func feed(file: String) throws -> SimTime {
        let sites = Set([Site.onPrem, .vpc1, .vpc2, .branch].filter { scenario.endpoint($0) != nil })
        var reader = FrameSource(file: file, options: options, sitesWithHost: sites)
        // The reader sends on the hosts' uplinks when nothing else can touch
        // them: open loop, and no device failure (it would cut a host's link).
        if options.hostUplinksOnReader, options.closedLoopTCP == nil, !options.scenario.failures.contains(where: { $0.kind == .device }) {
            for site in [Site.onPrem, .vpc1, .vpc2, .branch] where sites.contains(site) {
                guard let sender = sim.delegateUplink(of: scenario.endpoint(site)!.node) else { continue }
                reader.senderOfSite[site] = Int8(reader.senders.count)
                reader.senders.append(sender)
                precondition(reader.pendingCount < 4, "one sender per site")
                (reader.pending + reader.pendingCount).initialize(to: WorkQueue(order: sender.arrivalOrder))
                reader.pendingCount += 1
                uplinks.append(sender.link)
            }
        }
        let job = ReaderJob(reader)
        let pipe = ChunkPipe()
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            job.source.produce(into: pipe)
            done.signal()
        }
        var last = options.start.nanoseconds
        /// Simulation records of the datagrams the reader fragmented, and
        /// how many of their pieces are still to come.
        var datagrams: [UInt32: (record: UInt32, left: Int)] = [:]
        while true {
            let chunk = pipe.acquireFilled()
            for plan in chunk.newDirections {
                directions.append(Direction(plan: plan))
                flowOfDirection.append(-1)
            }
            var i = 0
            while i < chunk.count {
                let work = chunk.items[i]
                let d = Int(work.direction)
                if work.kind == .arrival && work.datagram == 0 {
                    // A run of plain arrivals, in one call.
                    let run = flowOfDirection.withUnsafeBufferPointer { flowOf in
                        uplinks.withUnsafeBufferPointer { links in
                            sim.arriveRun(chunk.items + i, count: chunk.count &- i, flowOfDirection: flowOf.baseAddress!,
                                          directions: flowOf.count, uplinks: links.baseAddress!, lookahead: Feeder.lookahead)
                        }
                    }
                    replayed += run.counted
                    last = max(last, run.latest)
                    i += run.taken
                    continue
                }
                defer { i += 1 }
                switch work.kind {
                case .write:
                    sim.run(until: SimTime(nanoseconds: work.time))
                    let c = directions[d].connection ?? newConnection(d, configuration: options.closedLoopTCP!, at: work.time)
                    if sim.write(c, size: Int(work.size)) {
                        written += 1
                    } else {
                        notReplayed["TCP send buffer full (the application would block)", default: 0] += 1
                    }
                case .send:
                    let known = flowOfDirection[d]
                    let flow = known >= 0 ? FlowID(index: known) : newFlow(d)
                    sim.run(until: SimTime(nanoseconds: work.time))
                    sim.send(flow: flow, size: Int(work.size), dontFragment: work.dontFragment)
                    replayed += 1
                case .newFlow:
                    if work.time >= 0 { sim.run(until: SimTime(nanoseconds: work.time)) }
                    _ = newFlow(d)
                    continue
                case .arrival, .drop:
                    let flow = FlowID(index: flowOfDirection[d])
                    let sentSize: Int? = work.counts ? Int(work.datagramSize) : nil
                    if work.counts { replayed += 1 }
                    var record: UInt32 = 0
                    if work.datagram != 0 {
                        var entry = datagrams[work.datagram] ?? (sim.beginDatagram(size: Int(work.datagramSize), fragments: Int(work.fragments)), Int(work.fragments))
                        record = entry.record
                        entry.left -= 1
                        datagrams[work.datagram] = entry.left > 0 ? entry : nil
                    }
                    if work.kind == .arrival {
                        // A fragment (plain arrivals went in runs above).
                        sim.arrive(flow: flow, size: Int(work.size), sequence: work.sequence, created: work.time, dontFragment: work.dontFragment,
                                   datagram: record, sentSize: sentSize, on: uplinks[Int(work.sender)], at: work.arrival)
                    } else {
                        sim.recordHostDrop(flow: flow, size: Int(work.size), sequence: work.sequence, created: work.time,
                                           dontFragment: work.dontFragment, datagram: record, sentSize: sentSize,
                                           reason: DropReason(rawValue: work.reason)!,
                                           tooBig: work.tooBig, at: work.time)
                    }
                }
                last = max(last, work.time)
            }
            let isLast = chunk.isLast
            pipe.release(chunk)
            options.progress?(replayed + written, SimTime(nanoseconds: last))
            if isLast { break }
        }
        done.wait()
        source = job.source
        for k in job.source.senders.indices { sim.adoptUplink(job.source.senders[k]) }
        job.source.freeQueues()
        if let fatal = job.source.fatal { throw fatal }
        return SimTime(nanoseconds: last)
    }

    func spec(_ d: DirectionPlan) -> FlowSpec {
        FlowSpec(key: d.mapped, source: scenario.endpoint(d.from)!.node, destination: scenario.endpoint(d.to)!.node, group: "",
                 dontFragment: d.dontFragment, ttl: max(d.ttl, 1))
    }

    mutating func newFlow(_ d: Int) -> FlowID {
        let dir = directions[d].plan
        let id = scenario.addExternalFlow(spec(dir), label: groupLabel(from: dir.from, to: dir.to), from: dir.from, to: dir.to)
        flowOfDirection[d] = id.index
        if dir.mapped.ipProtocol == IPProtocol.icmp || dir.mapped.ipProtocol == IPProtocol.icmpv6 {
            icmpByFlow.set(Int(id.index), (dir.icmpType, dir.icmpCode))
        }
        return id
    }

    /// The report group of replayed flows from one site to another, made
    /// once per pair (every flow of the group then shares one string).
    mutating func groupLabel(from: Site, to: Site) -> String {
        if let known = groupLabels.first(where: { $0.from == from && $0.to == to }) { return known.label }
        let label = "replay \(from.label) -> \(to.label)"
        groupLabels.append((from, to, label))
        return label
    }

    mutating func newConnection(_ d: Int, configuration: TCPConfiguration, at t: Int64) -> TCPConnectionID {
        let dir = directions[d].plan
        var config = configuration
        config.applicationLimited = true
        let c = scenario.addExternalTCPConnection(spec(dir), configuration: config, start: SimTime(nanoseconds: t),
                                                  label: "replay tcp \(dir.from.label) -> \(dir.to.label)", from: dir.from, to: dir.to)
        directions[d].connection = c
        return c
    }

    func result(run: RunResult) -> ReplayResult {
        var r = ReplayResult(file: file, run: run)
        guard let source else { preconditionFailure("result(run:) comes after feed(file:)") }
        r.framesRead = source.framesRead
        r.filteredOut = source.filteredOut
        r.replayed = replayed
        r.writtenToTCP = written
        let counts = source.notReplayed.merging(notReplayed, uniquingKeysWith: +)
        r.notReplayed = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { ($0.key, $0.value) }
        r.timestampsBackwards = source.backwards
        r.addressMap = source.mapper.mappings
        r.captureError = source.captureError
        r.firstMalformed = source.firstMalformed
        r.malformedFrames = source.malformedFrames
        r.recordFaults = source.recordFaults
        r.recordFaultCount = source.recordFaultCount
        r.uplinksOnReader = uplinks.count
        return r
    }
}

/// The ICMP type and code of each replayed ICMP flow, by emulator flow index
/// (nil for the rest), shared by the taps that write per-link captures.
final class ICMPBook {
    private var types: [(type: UInt8, code: UInt8)?] = []

    func icmp(of flow: Int) -> (type: UInt8, code: UInt8)? { flow < types.count ? types[flow] : nil }

    func set(_ flow: Int, _ value: (type: UInt8, code: UInt8)) {
        if types.count <= flow { types += Array(repeating: nil, count: flow + 1 - types.count) }
        types[flow] = value
    }
}

/// Carries the reader's state to its thread and back (the pipe's semaphores
/// order every access: the simulation side reads it only after `done`).
final class ReaderJob: @unchecked Sendable {
    var source: FrameSource
    init(_ source: FrameSource) { self.source = source }
}

/// Gives each address of the capture an address in its site's prefix, in
/// order of first appearance: deterministic, and reversible through
/// ``mappings``.
struct AddressMapper {
    let plan: AddressPlan
    private var assigned: [SiteAddress: FlowKeyAddress] = [:]

    struct SiteAddress: Hashable {
        var address: FlowKeyAddress
        var site: Site
    }
    /// The next host number of each site, by ``Site/allCases`` position.
    private var next = [UInt64](repeating: 0, count: Site.allCases.count)
    private(set) var mappings: [AddressMapping] = []

    /// An address as the two halves of a flow key field, with its family.
    struct FlowKeyAddress: Hashable, Sendable {
        var high: UInt64
        var low: UInt64
        var v6: Bool
    }

    init(plan: AddressPlan) {
        self.plan = plan
        assigned.reserveCapacity(1024)
    }

    mutating func map(_ key: inout FlowKey, sourceSite: Site, destinationSite: Site) {
        let v6 = key.ipVersion == 6
        let s = mapped(FlowKeyAddress(high: key.sourceHigh, low: key.sourceLow, v6: v6), site: sourceSite)
        let d = mapped(FlowKeyAddress(high: key.destinationHigh, low: key.destinationLow, v6: v6), site: destinationSite)
        key.sourceHigh = s.high; key.sourceLow = s.low
        key.destinationHigh = d.high; key.destinationLow = d.low
    }

    private mutating func mapped(_ a: FlowKeyAddress, site: Site) -> FlowKeyAddress {
        if let m = assigned[SiteAddress(address: a, site: site)] { return m }
        let slot = Site.allCases.firstIndex(of: site)!
        let n = next[slot]
        next[slot] = n + 1
        let m: FlowKeyAddress
        if a.v6 {
            let p: IPv6Prefix = site == .onPrem ? plan.onPrem6 : site == .vpc1 ? plan.vpc1_6 : site == .vpc2 ? plan.vpc2_6 : plan.branch6
            // Hosts from ::1:0 up, clear of the design's own ::10 hosts.
            m = FlowKeyAddress(high: p.address.high, low: p.address.low | (0x1_0000 + n), v6: true)
        } else {
            let p: IPv4Prefix = site == .onPrem ? plan.onPrem : site == .vpc1 ? plan.vpc1 : site == .vpc2 ? plan.vpc2 : plan.branch
            let hosts = UInt64(1) << UInt64(32 - Int(p.length))
            // Skip the network address, the broadcast address and the low 256 (the design's own hosts).
            let usable = hosts > 512 ? hosts - 259 : max(hosts - 2, 1)
            let offset = hosts > 512 ? 257 + (n % usable) : 1 + (n % usable)
            m = FlowKeyAddress(high: 0, low: UInt64(p.address.rawValue) + offset, v6: false)
        }
        assigned[SiteAddress(address: a, site: site)] = m
        mappings.append(AddressMapping(originalAddress: a, mappedAddress: m, site: site))
        return m
    }

    static func text(_ a: FlowKeyAddress) -> String {
        a.v6 ? IPv6Address(high: a.high, low: a.low).description : IPv4Address(UInt32(truncatingIfNeeded: a.low)).description
    }
}
