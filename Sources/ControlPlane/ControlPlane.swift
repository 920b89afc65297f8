import DeterministicRandom
import Emulator
import NetAddress

/// One line of the control-plane timeline (for reports).
public struct TimelineEntry: Sendable, Equatable {
    public var time: SimTime
    public var text: String
}

/// A session coming up or going down, as the AWS side (side B) sees it.
public struct SessionStateChange: Sendable, Equatable {
    public var time: SimTime
    public var session: SessionID
    public var established: Bool
}

/// A link losing or regaining carrier.
public struct CarrierChange: Sendable, Equatable {
    public var time: SimTime
    public var link: LinkID
    public var up: Bool
}

/// A change of a router's FIB: when it took effect, for which prefix, the
/// links before and after (empty: no route).
public struct FIBChange: Sendable, Equatable {
    public var time: SimTime
    public var router: String
    public var prefix: IPPrefix
    public var before: [LinkID]
    public var after: [LinkID]
}

/// A failure to inject (SPEC §2: "schedule failures").
public enum Failure: Sendable {
    /// Fibre cut: carrier lost on these links (both directions given); both
    /// ends see the interface go down.
    case fibreCut([LinkID])
    /// Grey failure: data and liveness probes silently lost, interfaces up.
    case silent([LinkID])
    /// Random loss on these links with this probability (probes too).
    case partialLoss([LinkID], probability: Double)
    /// The BGP session is put down with the data plane intact, like AWS's
    /// StartBgpFailoverTest (AWS-FACTS §1.8).
    case bgpSessionDown(SessionID)
    /// A device fails: every link to or from the node loses carrier.
    case deviceFailure(NodeID)
    /// The links go down for `downFor`, up for `upFor`, `times` times.
    case flapping([LinkID], downFor: SimTime, upFor: SimTime, times: Int)
}

/// The control plane over a ``Simulation``: speakers (routers that choose
/// routes), BGP sessions with their liveness timers (BGP hold, BFD, IPsec DPD),
/// carrier detection, best-path selection per AWS rules, and FIB programming
/// after a delay, separately on each router, so the two directions of a flow
/// can converge at different times.
///
/// Everything happens in the simulation's virtual time through its timers.
public final class ControlPlane {
    public let simulation: Simulation

    struct Speaker {
        let node: NodeID
        let name: String
        let policy: SelectionPolicy
        let asn: UInt32
        let programmingDelay: SimTime
        var originated: [IPPrefix] = []
        var configured: [Route] = []
        var learnt: [Route] = []
        /// What the selection wants now, and what the FIB holds.
        var desired: [IPPrefix: [LinkID]] = [:]
        var installed: [IPPrefix: [LinkID]] = [:]
    }

    var speakers: [Speaker] = []
    /// Route propagation gateway -> VPC route table: (gateway, table, link from
    /// the table toward the gateway).
    var propagations: [(from: Int, to: Int, link: LinkID)] = []
    var sessions: [SessionState] = []
    var groups: [[Int32]: NextHopGroupID] = [:]
    var random: SeededGenerator
    var started = false
    /// True while ``start()`` installs the initial routes (not logged as changes).
    var initializing = false
    /// The control plane's log.
    public private(set) var timeline: [TimelineEntry] = []
    /// Every change of a session as AWS's side sees it (established or not),
    /// in time order: what CloudWatch's TunnelState reports (AWS-FACTS §5.2).
    public private(set) var sessionHistory: [SessionStateChange] = []
    /// Every change of carrier state a failure made on a link (cut, device
    /// failure, repair), in time order: what ConnectionState reports (§5.1).
    public private(set) var carrierHistory: [CarrierChange] = []
    /// Every FIB change, in time order.
    public private(set) var fibChanges: [FIBChange] = []

    public init(simulation: Simulation, seed: UInt64 = 1) {
        self.simulation = simulation
        random = SeededGenerator(seed: seed ^ 0xC0_7720_1A4E)
    }

    // MARK: - Configuration

    /// A router running selection `policy`; FIB changes take `programmingDelay`.
    @discardableResult
    public func addSpeaker(_ node: NodeID, policy: SelectionPolicy, asn: UInt32, programmingDelay: SimTime) -> SpeakerID {
        speakers.append(Speaker(node: node, name: simulation.name(of: node), policy: policy, asn: asn, programmingDelay: programmingDelay))
        return SpeakerID(index: speakers.count - 1)
    }

    /// Prefixes the speaker advertises over its BGP sessions.
    public func originate(_ prefixes: [IPPrefix], at speaker: SpeakerID) {
        speakers[speaker.index].originated += prefixes
        if started { for s in sessions.indices where isEstablished(s) { refreshAdvertisements(s) } }
    }

    /// A configured route (local, static, peering) at a speaker.
    public func addRoute(_ route: Route, at speaker: SpeakerID) {
        speakers[speaker.index].configured.append(route)
        if started { recompute(speaker.index, route.prefix) }
    }

    /// Removes configured routes for a prefix (e.g. a static route deleted).
    public func removeRoutes(_ prefix: IPPrefix, at speaker: SpeakerID) {
        speakers[speaker.index].configured.removeAll { $0.prefix == prefix }
        if started { recompute(speaker.index, prefix) }
    }

    /// Route propagation: every prefix the gateway `from` has a route for
    /// appears in the route table `to`, via `link`, with the source of the
    /// gateway's chosen route (DX, VPN static, VPN BGP), and disappears with it.
    public func addPropagation(from gateway: SpeakerID, to table: SpeakerID, via link: LinkID) {
        propagations.append((gateway.index, table.index, link))
    }

    @discardableResult
    public func addSession(_ configuration: SessionConfiguration) -> SessionID {
        precondition(configuration.livenessAtA.count == configuration.livenessAtB.count, "both sides list the same liveness timers")
        let n = configuration.livenessAtA.count
        sessions.append(SessionState(
            configuration: configuration,
            sideA: SessionSide(lastReceived: Array(repeating: 0, count: n), watchdogArmed: Array(repeating: false, count: n)),
            sideB: SessionSide(lastReceived: Array(repeating: 0, count: n), watchdogArmed: Array(repeating: false, count: n))))
        return SessionID(index: sessions.count - 1)
    }

    /// Brings every session up at the current time and installs the initial
    /// routes at once (the steady state a run starts from).
    public func start() {
        initializing = true
        defer { initializing = false }
        for s in sessions.indices { establish(s, initial: true) }
        for i in speakers.indices {
            for prefix in allPrefixes(at: i).sorted() { recompute(i, prefix) }
            for prefix in speakers[i].desired.keys.sorted() { program(i, prefix) }
        }
        started = true
    }

    // MARK: - Queries

    public func name(of session: SessionID) -> String { sessions[session.index].configuration.name }

    /// Whether both sides consider the session established.
    public func isEstablished(_ session: SessionID) -> Bool { isEstablished(session.index) }

    func isEstablished(_ s: Int) -> Bool { sessions[s].sideA.established && sessions[s].sideB.established }

    /// The links a speaker's FIB uses for a prefix now.
    public func installedLinks(_ prefix: IPPrefix, at speaker: SpeakerID) -> [LinkID] {
        speakers[speaker.index].installed[prefix] ?? []
    }

    public var sessionIDs: [SessionID] { sessions.indices.map(SessionID.init) }
    public var speakerIDs: [SpeakerID] { speakers.indices.map(SpeakerID.init) }
    public func name(of speaker: SpeakerID) -> String { speakers[speaker.index].name }

    // MARK: - Failures

    /// Schedules `failure` at `time`; when `repairAfter` is given, undoes it then.
    public func inject(_ failure: Failure, at time: SimTime, repairAfter: SimTime? = nil) {
        simulation.schedule(at: time) { [self] _ in apply(failure, repair: false) }
        if let repairAfter {
            simulation.schedule(at: time + repairAfter) { [self] _ in apply(failure, repair: true) }
        }
    }

    func apply(_ failure: Failure, repair: Bool) {
        switch failure {
        case let .fibreCut(links):
            log("\(repair ? "repaired" : "fibre cut"): \(names(links))")
            setState(links, repair ? .up : .down)
        case let .silent(links):
            log("\(repair ? "repaired" : "silent failure"): \(names(links))")
            setState(links, repair ? .up : .blackhole)
        case let .partialLoss(links, probability):
            log(repair ? "loss cleared: \(names(links))" : "partial loss \(probability) on \(names(links))")
            for l in links {
                var c = simulation.configuration(of: l)
                c.loss = repair ? .none : .bernoulli(probability: probability)
                simulation.reconfigure(l, c)
            }
        case let .bgpSessionDown(session):
            let s = session.index
            if repair {
                log("failover test ended: \(sessions[s].configuration.name)")
                sessions[s].sideA.administrativelyDown = false
                sessions[s].sideB.administrativelyDown = false
                scheduleEstablish(s)
            } else {
                log("failover test started: \(sessions[s].configuration.name) BGP down")
                sessions[s].sideA.administrativelyDown = true
                sessions[s].sideB.administrativelyDown = true
                sideDown(s, atA: true, .administrative)
                sideDown(s, atA: false, .administrative)
            }
        case let .deviceFailure(node):
            let links = simulation.linkIDs.filter { simulation.endpoints(of: $0).from == node || simulation.endpoints(of: $0).to == node }
            log("\(repair ? "device restored" : "device failure"): \(simulation.name(of: node))")
            setState(links, repair ? .up : .down)
        case let .flapping(links, downFor, upFor, times):
            guard !repair else { return }
            for k in 0..<times {
                let start = simulation.now + SimTime(nanoseconds: Int64(k) * (downFor + upFor).nanoseconds)
                simulation.schedule(at: start) { [self] _ in apply(.fibreCut(links), repair: false) }
                simulation.schedule(at: start + downFor) { [self] _ in apply(.fibreCut(links), repair: true) }
            }
        }
    }

    private func setState(_ links: [LinkID], _ state: LinkState) {
        for l in links {
            let carrier = state != .down
            if (simulation.linkState(l) != .down) != carrier {
                carrierHistory.append(CarrierChange(time: simulation.now, link: l, up: carrier))
            }
            simulation.setLinkState(l, state)
        }
        let touched = Set(links)
        for s in sessions.indices where touched.contains(sessions[s].configuration.aToB) || touched.contains(sessions[s].configuration.bToA) {
            switch state {
            case .down:
                // Carrier loss: both ends act after the debounce.
                let at = simulation.now + sessions[s].configuration.carrierDelay
                simulation.schedule(at: at) { [self] _ in
                    guard !pathUp(s) else { return }
                    sideDown(s, atA: true, .carrierLoss)
                    sideDown(s, atA: false, .carrierLoss)
                }
            case .up:
                if pathHealthy(s) { scheduleEstablish(s) }
            case .blackhole:
                break  // only the liveness timers notice
            }
        }
    }

    func pathUp(_ s: Int) -> Bool {
        simulation.linkState(sessions[s].configuration.aToB) != .down && simulation.linkState(sessions[s].configuration.bToA) != .down
    }

    func pathHealthy(_ s: Int) -> Bool {
        simulation.linkState(sessions[s].configuration.aToB) == .up && simulation.linkState(sessions[s].configuration.bToA) == .up
    }

    // MARK: - Sessions

    private func scheduleEstablish(_ s: Int) {
        guard !sessions[s].establishing else { return }
        sessions[s].establishing = true
        simulation.schedule(at: simulation.now + sessions[s].configuration.establishDelay) { [self] _ in
            sessions[s].establishing = false
            guard pathHealthy(s), !sessions[s].sideA.established, !sessions[s].sideB.established,
                  !sessions[s].sideA.administrativelyDown else { return }
            establish(s, initial: false)
        }
    }

    private func establish(_ s: Int, initial: Bool) {
        let c = sessions[s].configuration
        if case let .directConnect(limit) = c.kind {
            // AWS runs one BGP session per address family on a VIF; the limit
            // applies to each (AWS-FACTS §1.6).
            let prefixes = advertised(from: c.a.index, policy: c.advertiseFromA)
            let v4 = prefixes.filter { if case .v4 = $0 { return true } else { return false } }.count
            let offered = max(v4, prefixes.count - v4)
            if offered > limit {
                sessions[s].refused = true
                log("\(c.name): AWS refuses the session: \(offered) prefixes advertised, limit \(limit) (BGP idle, AWS-FACTS §1.6)")
                return
            }
        }
        sessions[s].refused = false
        sessions[s].generation += 1
        let now = simulation.now.nanoseconds
        for atA in [true, false] {
            modifySide(s, atA) { side in
                side.established = true
                side.downSince = -1
                for i in side.lastReceived.indices { side.lastReceived[i] = now }
            }
        }
        sessionHistory.append(SessionStateChange(time: simulation.now, session: SessionID(index: s), established: true))
        if !initial { log("\(c.name): session established") }
        let generation = sessions[s].generation
        for atA in [true, false] {
            let timers = atA ? c.livenessAtA : c.livenessAtB
            for (i, timer) in timers.enumerated() {
                // Probes start at a random phase (seeded): detection time then
                // depends on where in the interval the failure falls.
                let phase = SimTime(nanoseconds: Int64(random.next(below: UInt64(max(timer.interval.nanoseconds, 1)))))
                simulation.schedule(at: simulation.now + phase) { [self] _ in probe(s, fromA: atA, timer: i, generation: generation) }
                armWatchdog(s, atA: atA, timer: i, generation: generation)
            }
        }
        learn(s, atA: true)
        learn(s, atA: false)
    }

    /// Side `fromA` sends probe `timer`; it reaches the peer if the link carries it.
    private func probe(_ s: Int, fromA: Bool, timer i: Int, generation: Int) {
        guard sessions[s].generation == generation, side(s, fromA).established else { return }
        let c = sessions[s].configuration
        let link = fromA ? c.aToB : c.bToA
        if carries(link) {
            let arrival = simulation.now.nanoseconds + simulation.configuration(of: link).delay.nanoseconds
            modifySide(s, !fromA) { $0.lastReceived[i] = max($0.lastReceived[i], arrival) }
        }
        let interval = (fromA ? c.livenessAtA : c.livenessAtB)[i].interval
        simulation.schedule(at: simulation.now + interval) { [self] _ in probe(s, fromA: fromA, timer: i, generation: generation) }
    }

    /// Whether a control packet sent now on `link` gets through.
    private func carries(_ link: LinkID) -> Bool {
        guard simulation.linkState(link) == .up else { return false }
        let loss = simulation.configuration(of: link).loss.stationaryLossRate
        return loss <= 0 || random.nextUnit() >= loss
    }

    private func armWatchdog(_ s: Int, atA: Bool, timer i: Int, generation: Int) {
        let c = sessions[s].configuration
        let detect = (atA ? c.livenessAtA : c.livenessAtB)[i].detectTime.nanoseconds
        let deadline = side(s, atA).lastReceived[i] + detect
        simulation.schedule(at: SimTime(nanoseconds: max(deadline, simulation.now.nanoseconds))) { [self] _ in
            guard sessions[s].generation == generation, side(s, atA).established else { return }
            let due = side(s, atA).lastReceived[i] + detect
            if simulation.now.nanoseconds >= due {
                sideDown(s, atA: atA, .holdTimer, detail: timerName(c, atA: atA, i))
            } else {
                armWatchdog(s, atA: atA, timer: i, generation: generation)
            }
        }
    }

    private func timerName(_ c: SessionConfiguration, atA: Bool, _ i: Int) -> String {
        let t = (atA ? c.livenessAtA : c.livenessAtB)[i]
        return "\(t.interval) x \(t.detectTime.nanoseconds / max(t.interval.nanoseconds, 1)) (\(t.detectTime))"
    }

    /// One side declares the session down and withdraws what it learnt over it.
    func sideDown(_ s: Int, atA: Bool, _ cause: DownCause, detail: String = "") {
        guard side(s, atA).established else { return }
        modifySide(s, atA) {
            $0.established = false
            $0.downSince = simulation.now.nanoseconds
        }
        let c = sessions[s].configuration
        let speaker = atA ? c.a.index : c.b.index
        if !atA { sessionHistory.append(SessionStateChange(time: simulation.now, session: SessionID(index: s), established: false)) }
        log("\(speakers[speaker].name): session \(c.name) down: \(cause.rawValue)\(detail.isEmpty ? "" : " [\(detail)]")")
        let removed = speakers[speaker].learnt.filter { $0.session == s }
        speakers[speaker].learnt.removeAll { $0.session == s }
        for prefix in Set(removed.map(\.prefix)).sorted() { recompute(speaker, prefix) }
        if !side(s, !atA).established && pathHealthy(s) && !side(s, atA).administrativelyDown { scheduleEstablish(s) }
    }

    /// Routes a side learns when the session comes up (BGP advertisements of
    /// the peer, or the tunnel's static routes).
    private func learn(_ s: Int, atA: Bool) {
        let c = sessions[s].configuration
        let speaker = atA ? c.a.index : c.b.index
        let peer = atA ? c.b.index : c.a.index
        let link = atA ? c.aToB : c.bToA
        var routes: [Route] = []
        for prefix in atA ? c.staticAtA : c.staticAtB {
            routes.append(Route(prefix: prefix, link: link, source: atA ? .manual : .vpnStatic,
                                attributes: RouteAttributes(localPreference: atA ? c.staticPreferenceAtA : 100), session: s))
        }
        if c.kind != .vpnStatic {
            let policy = atA ? c.advertiseFromB : c.advertiseFromA
            let source: RouteSource
            switch c.kind {
            case .directConnect: source = atA ? .bgp : .directConnect
            case .vpnBGP: source = atA ? .bgp : .vpnBGP
            default: source = .bgp
            }
            for prefix in advertised(from: peer, policy: policy) {
                let attributes = RouteAttributes(
                    localPreference: atA ? policy.localPreferenceAtPeer : 100,
                    asPath: Array(repeating: speakers[peer].asn, count: 1 + policy.prepend),
                    med: policy.med, communities: policy.communities)
                routes.append(Route(prefix: prefix, link: link, source: source, attributes: attributes, session: s))
            }
        }
        speakers[speaker].learnt.removeAll { $0.session == s }
        speakers[speaker].learnt += routes
        for prefix in Set(routes.map(\.prefix)).sorted() { recompute(speaker, prefix) }
    }

    private func refreshAdvertisements(_ s: Int) {
        learn(s, atA: true)
        learn(s, atA: false)
    }

    private func advertised(from speaker: Int, policy: AdvertisementPolicy) -> [IPPrefix] {
        policy.prefixes ?? speakers[speaker].originated
    }

    private func side(_ s: Int, _ atA: Bool) -> SessionSide { atA ? sessions[s].sideA : sessions[s].sideB }

    private func modifySide(_ s: Int, _ atA: Bool, _ body: (inout SessionSide) -> Void) {
        if atA { body(&sessions[s].sideA) } else { body(&sessions[s].sideB) }
    }

    // MARK: - Selection and FIB programming

    private func allPrefixes(at i: Int) -> Set<IPPrefix> {
        Set(speakers[i].configured.map(\.prefix) + speakers[i].learnt.map(\.prefix))
    }

    /// Re-runs best-path selection for one prefix; a change reaches the FIB
    /// after the speaker's programming delay.
    func recompute(_ i: Int, _ prefix: IPPrefix) {
        let candidates = (speakers[i].configured + speakers[i].learnt).filter { $0.prefix == prefix }
        var selected = BestPathSelector.select(candidates, policy: speakers[i].policy)
        if speakers[i].policy == .vpcRouteTable, !selected.contains(where: { $0.source == .local }),
           speakers[i].configured.contains(where: { $0.source == .local && $0.prefix != prefix && $0.prefix.covers(prefix) }) {
            // The local route wins over any more specific propagated route (§3.1).
            selected = []
        }
        let links = selected.map(\.link)
        propagate(from: i, prefix, selected)
        guard speakers[i].desired[prefix] ?? [] != links else { return }
        speakers[i].desired[prefix] = links
        guard started else { return }
        let delay = speakers[i].programmingDelay
        simulation.schedule(at: simulation.now + delay) { [self] _ in program(i, prefix) }
    }

    /// Passes a gateway's choice for `prefix` on to the route tables it propagates to.
    private func propagate(from i: Int, _ prefix: IPPrefix, _ selected: [Route]) {
        for p in propagations where p.from == i {
            let learnt = selected.filter { $0.source != .local }.prefix(1).map {
                Route(prefix: prefix, link: p.link, source: $0.source, attributes: $0.attributes, session: -2 - i)
            }
            let before = speakers[p.to].learnt.filter { $0.prefix == prefix && $0.session == -2 - i }
            guard before != Array(learnt) else { continue }
            speakers[p.to].learnt.removeAll { $0.prefix == prefix && $0.session == -2 - i }
            speakers[p.to].learnt += learnt
            recompute(p.to, prefix)
        }
    }

    /// Writes the desired routes of a prefix into the router's FIB.
    func program(_ i: Int, _ prefix: IPPrefix) {
        let links = speakers[i].desired[prefix] ?? []
        let before = speakers[i].installed[prefix] ?? []
        guard links != before else { return }
        speakers[i].installed[prefix] = links
        let node = speakers[i].node
        if links.isEmpty {
            switch prefix {
            case let .v4(p): simulation.removeRoute(p, at: node)
            case let .v6(p): simulation.removeRoute(p, at: node)
            }
        } else {
            let group = self.group(links)
            switch prefix {
            case let .v4(p): simulation.setRoute(p, at: node, via: group)
            case let .v6(p): simulation.setRoute(p, at: node, via: group)
            }
        }
        if !initializing {
            fibChanges.append(FIBChange(time: simulation.now, router: speakers[i].name, prefix: prefix, before: before, after: links))
            log("\(speakers[i].name): FIB \(prefix) -> \(links.isEmpty ? "no route" : names(links))")
        }
    }

    private func group(_ links: [LinkID]) -> NextHopGroupID {
        let key = links.map(\.index)
        if let g = groups[key] { return g }
        let g = simulation.addNextHopGroup(links)
        groups[key] = g
        return g
    }

    private func names(_ links: [LinkID]) -> String { links.map { simulation.name(of: $0) }.joined(separator: "+") }

    func log(_ text: String) {
        timeline.append(TimelineEntry(time: simulation.now, text: text))
    }
}
