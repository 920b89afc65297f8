import ControlPlane
import Emulator
import NetAddress
import PacketWire

/// A scenario that cannot run as written: what and why (the YAML layer adds
/// the file, line and column).
public struct ScenarioError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Results of one traffic group in one direction.
public struct GroupResult: Sendable {
    public var name: String
    public var from: Site
    public var to: Site
    public var flows: Int
    public var statistics: FlowStatistics
    /// The outage: the longest time without a delivery on any of the group's
    /// flows (ns) that is longer than three of its sending intervals (0: none),
    /// and when it began (the last delivery before it; 0 when a flow never got through).
    public var longestGap: Int64
    public var longestGapStart: Int64
    /// Mean one-way latency (ns) before the first failure, during it (to the
    /// repair), and after the network settled again (nil: no delivery).
    public var latencyBefore: Int64?
    public var latencyDuring: Int64?
    public var latencyAfter: Int64?
    /// Packets delivered in each phase.
    public var deliveredBefore: UInt64
    public var deliveredDuring: UInt64
    public var deliveredAfter: UInt64
    /// The distinct paths the group's flows took just before the failure, just
    /// before its repair, and at the end (ECMP spreads flows over several).
    public var pathBefore: [RoutePath]
    public var pathDuring: [RoutePath]
    public var pathAfter: [RoutePath]
    /// The binned deliveries of this group and direction.
    public var series: TimeSeries
    /// Each flow of the group.
    public var flowResults: [FlowResult]
    /// For closed-loop TCP groups (the data direction): what the connections did.
    public var tcp: TCPGroupResult?
}

/// The closed-loop TCP connections of a group, seen as applications see them.
public struct TCPGroupResult: Sendable {
    public var connections: Int
    public var congestionControl: CongestionControl
    /// The longest stall of any connection (no in-order progress), and when it began.
    public var longestStall: Int64
    public var longestStallStart: Int64
    public var retransmissions: UInt64
    public var timeouts: UInt64
    public var fastRetransmits: UInt64
    public var maxBackoff: Int
    /// Payload bytes delivered in order.
    public var bytesDelivered: Int64
    /// Goodput (bits per second) before the failure, during it, and after the network settled.
    public var goodputBefore: Double?
    public var goodputDuring: Double?
    public var goodputAfter: Double?
    /// When goodput first came back to 90% of its pre-failure mean after the
    /// failure (one bin), or nil.
    public var recoveredAt: Int64?
    /// Goodput per bin, summed over the connections (bytes).
    public var goodput: [Int64]
}

/// One flow: its 5-tuple, its counters and the path it took in each phase.
public struct FlowResult: Sendable {
    public var key: FlowKey
    public var statistics: FlowStatistics
    /// Indices into the group's `pathBefore`, `pathDuring`, `pathAfter` (-1: not taken).
    public var pathBefore: Int
    public var pathDuring: Int
    public var pathAfter: Int
}

/// One path through the network and how many of a group's flows take it.
public struct RoutePath: Sendable, Equatable {
    /// Link names, hop by hop.
    public var links: [String]
    /// Why the path ends before the destination (nil: it arrives).
    public var stop: DropReason?
    public var flows: Int
}

/// When a router's FIB changed after the first failure.
public struct ConvergenceResult: Sendable {
    public var router: String
    public var prefix: String
    public var time: SimTime
    public var before: [String]
    public var after: [String]
}

/// Results of one link direction.
public struct LinkResult: Sendable {
    public var name: String
    public var from: String
    public var to: String
    public var statistics: LinkStatistics
    public var series: TimeSeries
}

/// Everything a run measured.
public struct RunResult: Sendable {
    public var scenario: String
    public var design: String
    public var seed: UInt64
    public var duration: SimTime
    public var binWidth: SimTime
    public var failures: [FailureSpec]
    /// The failure window: first failure to its repair (or the end).
    public var failureStart: SimTime?
    public var failureEnd: SimTime?
    public var groups: [GroupResult]
    public var convergence: [ConvergenceResult]
    public var timeline: [TimelineEntry]
    public var links: [LinkResult]
    public var events: UInt64
    /// Whether the DX sessions ran BFD (for the report's advice).
    public var bfd: Bool
    /// Flows whose packets are not all accounted for (must be empty).
    public var accountingViolations: Int
    /// The CloudWatch metrics and alarms of the run's complete periods (none
    /// when the run is shorter than one period).
    public var cloudWatch = CloudWatchResult()
}

/// Builds a scenario's network, traffic and failures, and runs it.
public final class ScenarioRun {
    public let spec: ScenarioSpec
    public let network: SecureCartNetwork
    /// A reported group: one traffic group in one direction, or replayed flows.
    struct GroupEntry {
        var name: String
        var from: Site
        var to: Site
        var flows: [FlowID]
        /// Gaps up to this long are the traffic's own spacing, not an outage
        /// (nil: three mean packet intervals of a flow, measured at the end).
        var quiet: Int64?
    }
    private var groupFlows: [GroupEntry] = []
    /// Closed-loop connections per group index.
    private var groupConnections: [Int: (TCPConfiguration, [TCPConnectionID])] = [:]
    private var groupIndex: [String: Int] = [:]
    /// How long the run lasted: the scenario's duration, or as long as fed traffic lasted.
    public private(set) var effectiveDuration: SimTime
    private var pathsBefore: [Int: ([RoutePath], [Int])] = [:]
    private var pathsDuring: [Int: ([RoutePath], [Int])] = [:]

    /// The control plane's pending timers hold the control plane, which holds
    /// the simulation that holds the timers: drop them so the run is freed.
    deinit { network.simulation.releaseCallbacks() }

    public init(_ spec: ScenarioSpec) throws {
        self.spec = spec
        try ScenarioRun.validate(spec)
        network = SecureCartNetwork(design: spec.design, seed: spec.seed, binWidth: spec.binWidth)
        effectiveDuration = spec.duration
        try addTraffic()
        try addFailures()
    }

    /// Checks names and values that the types cannot.
    public static func validate(_ spec: ScenarioSpec) throws {
        guard spec.duration.nanoseconds > 0 else { throw ScenarioError("duration must be positive") }
        guard spec.binWidth.nanoseconds > 0 else { throw ScenarioError("bin width must be positive") }
        if spec.design.dx.isEmpty && spec.design.vpn.isEmpty { throw ScenarioError("the design has no DX connection and no VPN") }
        let names = spec.design.dx.map(\.name) + spec.design.vpn.map(\.name)
        if Set(names).count != names.count { throw ScenarioError("connection names must be unique: \(names.joined(separator: ", "))") }
        let t = spec.design.timers
        // AWS minimums (AWS-FACTS §1.3): hold 3 s (0 not supported), keepalive 1 s, BFD 300 ms x 3.
        if t.dxHold < .seconds(3) { throw ScenarioError("dx-hold \(t.dxHold) is below AWS's minimum hold time of 3 s (AWS-FACTS §1.3)") }
        if t.dxKeepalive < .seconds(1) { throw ScenarioError("dx-keepalive \(t.dxKeepalive) is below AWS's minimum of 1 s (AWS-FACTS §1.3)") }
        if t.dxKeepalive >= t.dxHold { throw ScenarioError("dx-keepalive \(t.dxKeepalive) must be shorter than dx-hold \(t.dxHold)") }
        if t.vpnKeepalive >= t.vpnHold { throw ScenarioError("vpn-keepalive \(t.vpnKeepalive) must be shorter than vpn-hold \(t.vpnHold)") }
        if t.bfdInterval < .milliseconds(300) { throw ScenarioError("bfd-interval \(t.bfdInterval) is below AWS's minimum of 300 ms (AWS-FACTS §1.3)") }
        if t.bfdMultiplier < 3 { throw ScenarioError("bfd-multiplier \(t.bfdMultiplier) is below AWS's minimum of 3 (AWS-FACTS §1.3)") }
        if t.dpdTimeout < .seconds(30) { throw ScenarioError("dpd-timeout \(t.dpdTimeout) is below AWS's minimum of 30 s (AWS-FACTS §2.5)") }
        for delay in [t.gatewayProgrammingDelay, t.customerProgrammingDelay, t.dxEstablish, t.vpnEstablish, t.carrierDelay] where delay.nanoseconds < 0 {
            throw ScenarioError("delays must not be negative")
        }
        for dx in spec.design.dx where dx.latency.nanoseconds < 0 { throw ScenarioError("\(dx.name): latency must not be negative") }
        for vpn in spec.design.vpn where vpn.latency.nanoseconds < 0 || vpn.jitter.nanoseconds < 0 {
            throw ScenarioError("\(vpn.name): latency and jitter must not be negative")
        }
        for f in spec.failures where f.at >= spec.duration {
            throw ScenarioError("the failure of \(f.target) at \(f.at) is at or after the end of the run (\(spec.duration))")
        }
        for g in spec.traffic {
            if let tcp = g.closedLoop {
                if g.ipProtocol != IPProtocol.tcp { throw ScenarioError("traffic \(g.name): closed-loop traffic must be TCP") }
                if tcp.mss < 88 || tcp.mss > 65_495 { throw ScenarioError("traffic \(g.name): MSS \(tcp.mss) is not in 88...65495") }
                if tcp.minimumRTO.nanoseconds <= 0 || tcp.maximumRTO < tcp.minimumRTO {
                    throw ScenarioError("traffic \(g.name): the RTO bounds must be positive and min-rto <= max-rto")
                }
                if g.flows < 1 { throw ScenarioError("traffic \(g.name): flows must be at least 1") }
                continue
            }
            if g.packetsPerSecond <= 0 { throw ScenarioError("traffic \(g.name): rate must be positive") }
            if g.flows < 1 { throw ScenarioError("traffic \(g.name): flows must be at least 1") }
            if g.from == g.to { throw ScenarioError("traffic \(g.name): from and to are the same site") }
            if (g.from == .branch || g.to == .branch) && !spec.design.vpn.contains(where: \.fromBranch) {
                throw ScenarioError("traffic \(g.name): the design has no branch site")
            }
            if g.sizes.range.lowerBound < 28 || g.sizes.range.upperBound > 65_535 {
                throw ScenarioError("traffic \(g.name): packet sizes must be 28...65535 bytes")
            }
        }
    }

    private func host(_ site: Site) -> (NodeID, IPv4Address)? {
        switch site {
        case .onPrem: return (network.onPremHost, spec.design.addresses.onPremHost)
        case .vpc1: return (network.database, spec.design.addresses.database)
        case .vpc2: return (network.webApp, spec.design.addresses.webApp)
        case .branch: return network.branchHost.map { ($0, spec.design.addresses.branchHost) }
        }
    }

    private func addTraffic() throws {
        for (g, group) in spec.traffic.enumerated() {
            for reverse in group.bothDirections ? [false, true] : [false] {
                let (fromSite, toSite) = reverse ? (group.to, group.from) : (group.from, group.to)
                guard let (src, srcAddress) = host(fromSite), let (dst, dstAddress) = host(toSite) else {
                    throw ScenarioError("traffic \(group.name): no host at \(fromSite.label) or \(toSite.label)")
                }
                let label = "\(group.name) \(fromSite.label) -> \(toSite.label)"
                let perFlow = group.packetsPerSecond / Double(group.flows)
                var ids: [FlowID] = []
                var connections: [TCPConnectionID] = []
                for f in 0..<group.flows {
                    let clientPort = UInt16(40_000 + g * 100 + f), serverPort = UInt16(5_000 + g)
                    var spec = FlowSpec(key: FlowKey(source: srcAddress, destination: dstAddress,
                                                     sourcePort: reverse ? serverPort : clientPort,
                                                     destinationPort: reverse ? clientPort : serverPort, ipProtocol: group.ipProtocol),
                                        source: src, destination: dst, group: label, dontFragment: group.dontFragment)
                    spec.ttl = 64
                    if let tcp = group.closedLoop {
                        // Connections start spread over 10 ms, so they do not move in lockstep.
                        let start = group.start + SimTime(nanoseconds: 10_000_000 * Int64(f) / Int64(group.flows))
                        let c = network.simulation.addTCPConnection(spec, configuration: tcp, start: start, stop: group.stop ?? spec_stop,
                                                                    ackGroup: "\(group.name) acks \(toSite.label) -> \(fromSite.label)")
                        ids.append(c.data)
                        connections.append(c)
                        continue
                    }
                    let pattern: ArrivalPattern
                    let interval = SimTime(nanoseconds: Int64((1e9 / perFlow).rounded()))
                    switch group.pattern {
                    case .constant: pattern = .constantRate(interval: interval)
                    case .poisson: pattern = .poisson(meanInterval: interval)
                    case let .onOff(on, off): pattern = .onOff(on: on, off: off, interval: interval, exponential: true)
                    }
                    // Flows start spread over one interval, so they do not move in lockstep.
                    let offset = SimTime(nanoseconds: interval.nanoseconds * Int64(f) / Int64(group.flows))
                    ids.append(network.simulation.addSource(TrafficSpec(flow: spec, pattern: pattern, sizes: group.sizes,
                                                                        start: group.start + offset, stop: group.stop ?? spec_stop)))
                }
                if let tcp = group.closedLoop {
                    groupConnections[groupFlows.count] = (tcp, connections)
                    groupIndex[label] = groupFlows.count
                    groupFlows.append(GroupEntry(name: label, from: fromSite, to: toSite, flows: ids, quiet: 0))
                    let ackLabel = "\(group.name) acks \(toSite.label) -> \(fromSite.label)"
                    groupIndex[ackLabel] = groupFlows.count
                    groupFlows.append(GroupEntry(name: ackLabel, from: toSite, to: fromSite, flows: connections.map(\.acks), quiet: .max))
                    continue
                }
                var quiet = Int64(3e9 * Double(group.flows) / group.packetsPerSecond)
                // Exponential off periods longer than ten means happen once in 22,000.
                if case let .onOff(_, off) = group.pattern { quiet += 10 * off.nanoseconds }
                groupIndex[label] = groupFlows.count
                groupFlows.append(GroupEntry(name: label, from: fromSite, to: toSite, flows: ids, quiet: quiet))
            }
        }
    }

    private var spec_stop: SimTime { spec.duration }

    /// The host and its address at a site, if the design has one there.
    public func endpoint(_ site: Site) -> (node: NodeID, address: IPv4Address)? { host(site) }

    /// Adds a flow fed from outside (replay): reported in the group `label`
    /// (created on first use, from `from` to `to`).
    public func addExternalFlow(_ flow: FlowSpec, label: String, from: Site, to: Site) -> FlowID {
        var spec = flow
        spec.group = label
        let id = network.simulation.addFlow(spec)
        if let g = groupIndex[label] {
            groupFlows[g].flows.append(id)
        } else {
            groupIndex[label] = groupFlows.count
            groupFlows.append(GroupEntry(name: label, from: from, to: to, flows: [id], quiet: nil))
        }
        return id
    }

    private func links(for target: String) throws -> [LinkID] {
        if let dx = network.dxLinks[target] { return [dx.toAWS, dx.fromAWS] }
        if let t = network.vpnLinks[target] { return [t.toAWS, t.fromAWS] }
        let tunnels = network.vpnLinks.filter { $0.key.hasPrefix(target + "-t") }.sorted { $0.key < $1.key }
        if !tunnels.isEmpty { return tunnels.flatMap { [$0.value.toAWS, $0.value.fromAWS] } }
        throw ScenarioError("failure target '\(target)' is not a connection of the design (known: \(knownConnections))")
    }

    private var knownConnections: String {
        (network.dxLinks.keys.sorted() + spec.design.vpn.map(\.name) + network.vpnLinks.keys.sorted()).joined(separator: ", ")
    }

    private func addFailures() throws {
        let cp = network.controlPlane
        for f in spec.failures {
            guard f.at.nanoseconds >= 0 else { throw ScenarioError("failure at \(f.at): time must not be negative") }
            if let d = f.duration, d.nanoseconds <= 0 { throw ScenarioError("failure on \(f.target): 'for' must be positive") }
            let failure: Failure
            switch f.kind {
            case .silent: failure = .silent(try links(for: f.target))
            case .cut: failure = .fibreCut(try links(for: f.target))
            case .partialLoss:
                guard (0...1).contains(f.probability) else { throw ScenarioError("partial-loss probability \(f.probability) is not in 0...1") }
                failure = .partialLoss(try links(for: f.target), probability: f.probability)
            case .bgpDown:
                guard let s = network.dxSessions[f.target] ?? network.vpnSessions[f.target] ?? network.vpnSessions[f.target + "-t1"] else {
                    throw ScenarioError("bgp-down target '\(f.target)' is not a BGP session (known: \(knownConnections))")
                }
                failure = .bgpSessionDown(s)
            case .device:
                let devices: [String: NodeID] = ["customer-router": network.customerRouter]
                    .merging(network.gateways.map { (network.simulation.name(of: $0.value), $0.value) }) { a, _ in a }
                guard let node = devices[f.target] else {
                    throw ScenarioError("device '\(f.target)' is not in the design (known: \(devices.keys.sorted().joined(separator: ", ")))")
                }
                failure = .deviceFailure(node)
            case .location:
                let l = network.dxLinks(atLocation: f.target)
                guard !l.isEmpty else {
                    throw ScenarioError("no DX connection at location '\(f.target)' (known: \(Set(spec.design.dx.map(\.location)).sorted().joined(separator: ", ")))")
                }
                failure = .fibreCut(l)
            case .flapping:
                failure = .flapping(try links(for: f.target), downFor: f.flapDown, upFor: f.flapUp, times: f.flapTimes)
            }
            cp.inject(failure, at: f.at, repairAfter: f.kind == .flapping ? nil : f.duration)
        }
    }

    /// The failure window: the first failure and when it is repaired.
    var window: (start: SimTime, end: SimTime)? {
        guard let first = spec.failures.min(by: { $0.at < $1.at }) else { return nil }
        let end: SimTime
        if first.kind == .flapping {
            end = first.at + SimTime(nanoseconds: Int64(first.flapTimes) * (first.flapDown + first.flapUp).nanoseconds)
        } else {
            end = first.duration.map { first.at + $0 } ?? effectiveDuration
        }
        guard first.at < effectiveDuration else { return nil }
        return (first.at, min(end, effectiveDuration))
    }

    /// Runs to the end and collects the results.
    public func run(progress: ((_ now: SimTime, _ end: SimTime) -> Void)? = nil) -> RunResult {
        start()
        return finish(progress: progress)
    }

    /// Records every group's paths now (the timers capture the run weakly,
    /// so a snapshot still pending at the end does not keep the run alive).
    private func snapshotPaths(into store: ReferenceWritableKeyPath<ScenarioRun, [Int: ([RoutePath], [Int])]>) {
        for (i, g) in groupFlows.enumerated() { self[keyPath: store][i] = paths(g.flows) }
    }

    /// Starts the control plane and schedules the path snapshots; then feed
    /// traffic with `simulation.run(until:)` and sends, and call ``finish(at:)``.
    public func start() {
        let sim = network.simulation
        network.controlPlane.start()
        // Paths 1 ns before the first failure, and 1 ns before its repair.
        if let first = spec.failures.min(by: { $0.at < $1.at }) {
            sim.schedule(at: SimTime(nanoseconds: max(first.at.nanoseconds - 1, 0))) { [weak self] _ in self?.snapshotPaths(into: \.pathsBefore) }
            if let w = window {
                sim.schedule(at: SimTime(nanoseconds: max(w.end.nanoseconds - 1, w.start.nanoseconds))) { [weak self] _ in self?.snapshotPaths(into: \.pathsDuring) }
            }
        } else {
            snapshotPaths(into: \.pathsBefore)
        }
    }

    /// Runs until `end` (default: the scenario's duration) plus one second for
    /// queued packets to drain, and collects the results.
    ///
    /// With `progress`, the run goes in 200 slices of virtual time and the
    /// callback hears after each (for a progress line); the result is the
    /// same as without.
    public func finish(at end: SimTime? = nil, progress: ((_ now: SimTime, _ end: SimTime) -> Void)? = nil) -> RunResult {
        if let end { effectiveDuration = max(end, SimTime(nanoseconds: 1)) }
        let stop = effectiveDuration + .seconds(1)
        let sim = network.simulation
        if let progress {
            let step = max(stop.nanoseconds / 200, 1_000_000)
            var t = sim.now.nanoseconds
            while t < stop.nanoseconds {
                t = min(t + step, stop.nanoseconds)
                sim.run(until: SimTime(nanoseconds: t))
                progress(SimTime(nanoseconds: t), stop)
            }
        }
        sim.run(until: stop)
        return collect(window: window)
    }

    /// What a group's TCP connections did, phase by phase.
    private func tcpGroup(_ config: TCPConfiguration, _ connections: [TCPConnectionID], window w: (start: SimTime, end: SimTime)?,
                          settled: Int64?) -> TCPGroupResult {
        let sim = network.simulation
        var r = TCPGroupResult(connections: connections.count, congestionControl: config.congestionControl, longestStall: 0,
                               longestStallStart: -1, retransmissions: 0, timeouts: 0, fastRetransmits: 0, maxBackoff: 0,
                               bytesDelivered: 0, goodput: [])
        for c in connections {
            let s = sim.statistics(of: c)
            if s.longestStall > r.longestStall { r.longestStall = s.longestStall; r.longestStallStart = s.longestStallStart }
            r.retransmissions += s.retransmissions
            r.timeouts += s.timeouts
            r.fastRetransmits += s.fastRetransmits
            r.maxBackoff = max(r.maxBackoff, s.maxBackoff)
            r.bytesDelivered += s.bytesDelivered
            if r.goodput.count < s.goodput.count { r.goodput += Array(repeating: 0, count: s.goodput.count - r.goodput.count) }
            for (b, bytes) in s.goodput.enumerated() { r.goodput[b] += bytes }
        }
        let bin = spec.binWidth.nanoseconds
        func rate(_ from: Int64, _ to: Int64) -> Double? {
            let first = Int((from + bin - 1) / bin), last = Int(to / bin)
            guard last > first else { return nil }
            let bytes = (first..<last).reduce(Int64(0)) { $0 + ($1 < r.goodput.count ? r.goodput[$1] : 0) }
            return Double(bytes) * 8 / (Double(last - first) * Double(bin) / 1e9)
        }
        let end = effectiveDuration.nanoseconds
        guard let w else {
            r.goodputBefore = rate(0, end)
            return r
        }
        // Before the failure, leaving out the first second (slow start).
        r.goodputBefore = rate(min(1_000_000_000, w.start.nanoseconds / 2), w.start.nanoseconds)
        r.goodputDuring = rate(w.start.nanoseconds, w.end.nanoseconds)
        r.goodputAfter = settled.flatMap { rate($0, end) }
        if let before = r.goodputBefore, before > 0 {
            let threshold = 0.9 * before * Double(bin) / 1e9 / 8
            let from = max(w.start.nanoseconds, r.longestStallStart >= w.start.nanoseconds ? r.longestStallStart + r.longestStall : 0)
            var b = Int((from + bin - 1) / bin)
            while b < r.goodput.count && Int64(b) * bin < end {
                if Double(r.goodput[b]) >= threshold { r.recoveredAt = Int64(b) * bin; break }
                b += 1
            }
        }
        return r
    }

    /// Adds a closed-loop TCP connection fed from outside (replay): its data
    /// flow is reported in `label`, its ACKs in `label` + " acks".
    public func addExternalTCPConnection(_ flow: FlowSpec, configuration: TCPConfiguration, start: SimTime,
                                         label: String, from: Site, to: Site) -> TCPConnectionID {
        var spec = flow
        spec.group = label
        let ackLabel = label + " (acks)"
        let c = network.simulation.addTCPConnection(spec, configuration: configuration, start: start, stop: .never, ackGroup: ackLabel)
        if let g = groupIndex[label] {
            groupFlows[g].flows.append(c.data)
            groupConnections[g]?.1.append(c)
        } else {
            groupIndex[label] = groupFlows.count
            groupConnections[groupFlows.count] = (configuration, [c])
            groupFlows.append(GroupEntry(name: label, from: from, to: to, flows: [c.data], quiet: 0))
        }
        if let g = groupIndex[ackLabel] {
            groupFlows[g].flows.append(c.acks)
        } else {
            groupIndex[ackLabel] = groupFlows.count
            groupFlows.append(GroupEntry(name: ackLabel, from: to, to: from, flows: [c.acks], quiet: .max))
        }
        return c
    }

    /// The distinct current paths of `flows`, in order of first appearance,
    /// and the index of each flow's path.
    func paths(_ flows: [FlowID]) -> ([RoutePath], [Int]) {
        let sim = network.simulation
        var result: [RoutePath] = []
        // The distinct paths by link, compared before any name is written
        // out (a replay has thousands of flows on a handful of paths).
        var distinct: [Simulation.Path] = []
        var which: [Int] = []
        which.reserveCapacity(flows.count)
        for f in flows {
            let p = sim.path(of: f)
            if let i = distinct.firstIndex(of: p) {
                result[i].flows += 1
                which.append(i)
            } else {
                which.append(result.count)
                distinct.append(p)
                result.append(RoutePath(links: p.links.map { sim.name(of: $0) }, stop: p.stop, flows: 1))
            }
        }
        return (result, which)
    }

    private func collect(window w: (start: SimTime, end: SimTime)?) -> RunResult {
        let sim = network.simulation
        var groups: [GroupResult] = []
        // "After" starts once the network has settled: the last FIB change
        // after the repair (sessions re-established, traffic moved back),
        // rounded up to a bin boundary.
        let settled: Int64? = w.map { w in
            let last = network.controlPlane.fibChanges.map(\.time).filter { $0 >= w.end }.max() ?? w.end
            let bin = spec.binWidth.nanoseconds
            return (last.nanoseconds + bin - 1) / bin * bin
        }
        for (i, g) in groupFlows.enumerated() {
            var total = FlowStatistics()
            var gap: Int64 = 0, gapStart: Int64 = -1
            // A gap counts as an outage when it is longer than three sending
            // intervals of a flow (shorter ones are the traffic's own spacing).
            // Fed traffic (replay) has no sending interval to judge a flow's gaps
            // by: its outage is measured on the group's series instead.
            let quiet = g.quiet ?? .max
            for f in g.flows {
                let s = sim.statistics(of: f)
                total.sent += s.sent
                total.delivered += s.delivered
                total.drops.add(s.drops)
                total.bytesSent += s.bytesSent
                total.bytesDelivered += s.bytesDelivered
                total.latencySum += s.latencySum
                total.latencyMin = min(total.latencyMin, s.latencyMin)
                total.latencyMax = max(total.latencyMax, s.latencyMax)
                total.reordered += s.reordered
                total.icmpTooBigSent += s.icmpTooBigSent
                total.icmpTooBigReceived += s.icmpTooBigReceived
                if s.longestGap > gap && s.longestGap > quiet { gap = s.longestGap; gapStart = s.longestGapStart }
                if s.delivered == 0 && s.sent > 0 && g.quiet != nil { gap = max(gap, effectiveDuration.nanoseconds); gapStart = 0 }
            }
            let (fromSite, toSite, label) = (g.from, g.to, g.name)
            let series = sim.series(group: label) ?? TimeSeries(binWidth: spec.binWidth)
            if g.quiet == nil {
                // The longest run of bins in which packets were lost and none delivered.
                var run: Int64 = 0, runStart: Int64 = 0
                for (b, bin) in series.bins.enumerated() {
                    if bin.packets == 0 && bin.drops.total > 0 {
                        if run == 0 { runStart = Int64(b) * spec.binWidth.nanoseconds }
                        run += spec.binWidth.nanoseconds
                        if run > gap { gap = run; gapStart = runStart }
                    } else if bin.packets > 0 {
                        run = 0
                    }
                }
            }
            func phase(_ from: Int64, _ to: Int64) -> (Int64?, UInt64) {
                var packets: UInt64 = 0, latency: Int64 = 0
                for (b, bin) in series.bins.enumerated() {
                    let start = Int64(b) * spec.binWidth.nanoseconds
                    guard start >= from && start < to else { continue }
                    packets += bin.packets
                    latency += bin.latencySum
                }
                return (packets == 0 ? nil : latency / Int64(packets), packets)
            }
            let end = (effectiveDuration + .seconds(1)).nanoseconds
            let before = phase(0, w?.start.nanoseconds ?? end)
            let during = w.map { phase($0.start.nanoseconds, $0.end.nanoseconds) } ?? (nil, 0)
            let after = settled.map { phase($0, end) } ?? (nil, 0)
            let pb = pathsBefore[i] ?? ([], []), pd = pathsDuring[i] ?? ([], []), pa = paths(g.flows)
            var tcpResult: TCPGroupResult? = nil
            if let (config, connections) = groupConnections[i] {
                tcpResult = tcpGroup(config, connections, window: w, settled: settled)
                gap = tcpResult!.longestStall
                gapStart = tcpResult!.longestStallStart
            }
            groups.append(GroupResult(
                name: label, from: fromSite, to: toSite, flows: g.flows.count, statistics: total,
                longestGap: gap, longestGapStart: gapStart,
                latencyBefore: before.0, latencyDuring: during.0, latencyAfter: after.0,
                deliveredBefore: before.1, deliveredDuring: during.1, deliveredAfter: after.1,
                pathBefore: pb.0, pathDuring: pd.0, pathAfter: pa.0, series: series,
                flowResults: g.flows.enumerated().map { n, f in
                    FlowResult(key: sim.spec(of: f).key, statistics: sim.statistics(of: f),
                               pathBefore: n < pb.1.count ? pb.1[n] : -1,
                               pathDuring: n < pd.1.count ? pd.1[n] : -1,
                               pathAfter: pa.1[n])
                }, tcp: tcpResult))
        }
        let start = w?.start ?? .zero
        let convergence = network.controlPlane.fibChanges.filter { $0.time >= start }.map {
            ConvergenceResult(router: $0.router, prefix: $0.prefix.description, time: $0.time,
                              before: $0.before.map { sim.name(of: $0) }, after: $0.after.map { sim.name(of: $0) })
        }
        let links = sim.linkIDs.map { l in
            LinkResult(name: sim.name(of: l), from: sim.name(of: sim.endpoints(of: l).from), to: sim.name(of: sim.endpoints(of: l).to),
                       statistics: sim.statistics(of: l), series: sim.series(link: l))
        }
        var result = RunResult(scenario: spec.name, design: spec.design.name, seed: spec.seed, duration: effectiveDuration,
                               binWidth: spec.binWidth, failures: spec.failures, failureStart: w?.start, failureEnd: w?.end,
                               groups: groups, convergence: convergence, timeline: network.controlPlane.timeline, links: links,
                               events: sim.eventsProcessed, bfd: spec.design.timers.bfd, accountingViolations: sim.accountingViolations().count)
        result.cloudWatch = CloudWatch.evaluate(network, duration: effectiveDuration, settings: spec.cloudWatch)
        return result
    }
}
