import ControlPlane
import Emulator
import NetAddress
import PacketWire

/// Where a connection from on-prem lands.
public enum AWSGateway: String, Sendable, Codable {
    /// VPC-1's virtual private gateway (the databases).
    case vpc1
    /// VPC-2's virtual private gateway (the public apps).
    case vpc2
    /// A Transit Gateway attached to both VPCs (through a DX gateway for DX).
    case transitGateway = "tgw"
}

/// One Direct Connect connection with its private (or transit) VIF.
public struct DXConnection: Sendable {
    public var name: String
    /// DX location: "loss of a whole DX location" fails every connection of it.
    public var location: String
    public var bandwidth: BitRate = .gigabits(10)
    /// One-way latency on-prem to the AWS gateway through this location.
    public var latency: SimTime = .milliseconds(2)
    public var gateway: AWSGateway = .vpc1
    /// Active/passive: the primary's routes carry 7224:7300 toward AWS (§1.5)
    /// and local preference 200 on the customer router; the backup 7224:7100 and 100.
    public var primary = true
    /// Explicit BGP policy (communities, prepending, MED toward AWS; local
    /// preference on the customer router); nil derives it from `primary` in
    /// active/passive designs.
    public var policy: BGPPolicy? = nil
    /// Link details: jitter (FIFO kept), random loss, MTU (nil: 8500 with jumbo
    /// frames, 1500 without), egress queue limits.
    public var jitter: SimTime = .zero
    public var loss: LossModel = .none
    public var mtu: Int? = nil
    public var queuePackets = 10_000
    public var queueBytes = 64 << 20

    public init(name: String, location: String, gateway: AWSGateway = .vpc1, latency: SimTime = .milliseconds(2)) {
        self.name = name
        self.location = location
        self.gateway = gateway
        self.latency = latency
    }
}

/// A Site-to-Site VPN connection: two IPsec tunnels over the internet.
public struct VPNConnection: Sendable {
    public var name: String
    public var gateway: AWSGateway = .vpc1
    public var tunnels = 2
    /// BGP (dynamic) or static routing.
    public var dynamicRouting = true
    /// Internet path: one-way latency, jitter and loss (Gilbert–Elliott bursts).
    public var latency: SimTime = .milliseconds(15)
    public var jitter: SimTime = .milliseconds(1)
    public var loss: LossModel = .none
    /// Whether the VPN endpoint answers DF packets over the inner MTU with ICMP
    /// frag-needed: AWS texts disagree (§2.7), so a switch; off by default.
    public var sendsFragmentationNeeded = false
    /// A different site than the data centre (VPN CloudHub's branch, option E).
    public var fromBranch = false
    /// BGP policy on the tunnels (dynamic routing only).
    public var policy: BGPPolicy? = nil
    public var queuePackets = 2_000
    public var queueBytes = 64 << 20

    public init(name: String, gateway: AWSGateway = .vpc1) {
        self.name = name
        self.gateway = gateway
    }
}

/// How a connection's routes are advertised and received: what operators set
/// to build active/passive (AWS-FACTS §1.5).
public struct BGPPolicy: Sendable, Equatable {
    /// Communities on the customer's routes toward AWS (7224:7100/7200/7300).
    public var communities: Set<Community> = []
    /// Extra copies of the customer's AS on routes toward AWS.
    public var prepend = 0
    public var med: UInt32 = 0
    /// Local preference the customer router gives the routes it learns here.
    public var localPreference: UInt32 = 100
    public init() {}
}

/// Timers and delays of a design (defaults from ``AWSDefaults``).
public struct DesignTimers: Sendable {
    public var dxKeepalive = AWSDefaults.directConnectKeepalive
    public var dxHold = AWSDefaults.directConnectHold
    /// BFD on the DX sessions (the customer must enable it; AWS has it on, §1.4).
    public var bfd = true
    public var bfdInterval = AWSDefaults.bfdInterval
    public var bfdMultiplier = AWSDefaults.bfdMultiplier
    public var vpnKeepalive = AWSDefaults.vpnKeepalive
    public var vpnHold = AWSDefaults.vpnHold
    public var dpdInterval = AWSDefaults.dpdInterval
    public var dpdTimeout = AWSDefaults.dpdTimeout
    public var gatewayProgrammingDelay = AWSDefaults.gatewayProgrammingDelay
    public var customerProgrammingDelay = AWSDefaults.customerProgrammingDelay
    public var dxEstablish = AWSDefaults.directConnectEstablish
    public var vpnEstablish = AWSDefaults.vpnEstablish
    public var carrierDelay = SimTime.zero
    public init() {}
}

/// A SecureCart network design: the on-prem data centre, VPC-1 (private) and
/// VPC-2 (public, peered with VPC-1), and the connections under study.
public struct SecureCartDesign: Sendable {
    public var name: String
    public var dx: [DXConnection]
    public var vpn: [VPNConnection]
    /// Active/active (ECMP over equal DX connections) or active/passive.
    public var activeActive = true
    /// Jumbo frames on the DX VIFs (8500, §1.2) or 1500.
    public var jumboFrames = true
    /// The customer router clamps TCP MSS to this (e.g. 1406 for the VPN, §2.3).
    public var mssClamp: Int? = nil
    public var timers = DesignTimers()
    /// ECMP over VPN tunnels on a Transit Gateway (§3.2, VpnEcmpSupport default on).
    public var transitGatewayVPNECMP = true
    /// VPC-2 routes on-prem traffic through the peering connection (a wrong
    /// design that relies on transitive routing).
    public var vpc2RoutesOnPremViaPeering = false
    /// The customer router keeps a floating route to VPC-1 through the
    /// connection to VPC-2 (options C and D: hoping the peering carries it).
    public var floatingRouteToVPC1ViaVPC2 = false
    public var addresses = AddressPlan()
    /// The customer router prefers DX to the VPN: routes learnt over a VPN get
    /// local preference 50 (DX 100, or 200/100 active/passive), and a static
    /// VPN's routes are floating statics. Operators do this to keep traffic on
    /// DX while it is up and avoid DX/VPN asymmetric routing (AWS-FACTS §7,
    /// item 3). Off: BGP multipath on the router may spread traffic over both.
    public var customerPrefersDirectConnect = true
    /// VPC-1 <-> VPC-2 peering: latency (AWS publishes none, §4.3) and MTU (9001, §4.2).
    public var peeringLatency = AWSDefaults.peeringLatency
    public var peeringMTU = AWSDefaults.peeringMTU

    public init(name: String, dx: [DXConnection], vpn: [VPNConnection] = []) {
        self.name = name
        self.dx = dx
        self.vpn = vpn
    }
}

/// The addressing plan: each site's prefix and the host that talks for it.
public struct AddressPlan: Sendable, Equatable {
    public var onPrem: IPv4Prefix
    public var vpc1: IPv4Prefix
    public var vpc2: IPv4Prefix
    public var branch: IPv4Prefix
    public var onPremHost: IPv4Address
    public var database: IPv4Address
    public var webApp: IPv4Address
    public var branchHost: IPv4Address
    /// The same sites in IPv6 (dual stack), and their hosts.
    public var onPrem6: IPv6Prefix
    public var vpc1_6: IPv6Prefix
    public var vpc2_6: IPv6Prefix
    public var branch6: IPv6Prefix
    public var onPremHost6: IPv6Address
    public var database6: IPv6Address
    public var webApp6: IPv6Address
    public var branchHost6: IPv6Address

    /// Both families of a site's prefix.
    public func prefixes(_ site: KeyPath<AddressPlan, IPv4Prefix>) -> [IPPrefix] {
        switch site {
        case \AddressPlan.onPrem: return [.v4(onPrem), .v6(onPrem6)]
        case \AddressPlan.vpc1: return [.v4(vpc1), .v6(vpc1_6)]
        case \AddressPlan.vpc2: return [.v4(vpc2), .v6(vpc2_6)]
        default: return [.v4(branch), .v6(branch6)]
        }
    }

    /// SecureCart's plan: on-prem 10.0.0.0/16, VPC-1 10.1.0.0/16, VPC-2 10.2.0.0/16, a branch 10.9.0.0/16.
    public init() {
        onPrem = SecureCartAddresses.onPrem
        vpc1 = SecureCartAddresses.vpc1
        vpc2 = SecureCartAddresses.vpc2
        branch = SecureCartAddresses.branch
        onPremHost = SecureCartAddresses.onPremHost
        database = SecureCartAddresses.database
        webApp = SecureCartAddresses.webApp
        branchHost = SecureCartAddresses.branchHost
        onPrem6 = SecureCartAddresses.onPrem6
        vpc1_6 = SecureCartAddresses.vpc1_6
        vpc2_6 = SecureCartAddresses.vpc2_6
        branch6 = SecureCartAddresses.branch6
        onPremHost6 = AddressPlan.defaultHost(in: onPrem6)
        database6 = AddressPlan.defaultHost(in: vpc1_6)
        webApp6 = AddressPlan.defaultHost(in: vpc2_6)
        branchHost6 = AddressPlan.defaultHost(in: branch6)
    }

    /// The `::10` address of an IPv6 prefix.
    public static func defaultHost(in prefix: IPv6Prefix) -> IPv6Address {
        IPv6Address(high: prefix.address.high, low: prefix.address.low | 0x10)
    }

    /// A host address inside `prefix` when none is given: its tenth address.
    public static func defaultHost(in prefix: IPv4Prefix) -> IPv4Address {
        IPv4Address(prefix.address.rawValue &+ (prefix.length <= 28 ? 10 : 1))
    }
}

/// SecureCart's default addresses.
public enum SecureCartAddresses {
    public static let onPrem = try! IPv4Prefix(parsing: "10.0.0.0/16")
    public static let vpc1 = try! IPv4Prefix(parsing: "10.1.0.0/16")
    public static let vpc2 = try! IPv4Prefix(parsing: "10.2.0.0/16")
    public static let branch = try! IPv4Prefix(parsing: "10.9.0.0/16")
    public static let onPremHost = IPv4Address(10, 0, 1, 10)
    public static let database = IPv4Address(10, 1, 10, 5)
    public static let webApp = IPv4Address(10, 2, 1, 10)
    public static let branchHost = IPv4Address(10, 9, 0, 10)
    /// Unique-local IPv6 prefixes (a parameter: AWS gives VPCs a /56 of its own).
    public static let onPrem6 = try! IPv6Prefix(parsing: "fd00::/48")
    public static let vpc1_6 = try! IPv6Prefix(parsing: "fd00:1::/48")
    public static let vpc2_6 = try! IPv6Prefix(parsing: "fd00:2::/48")
    public static let branch6 = try! IPv6Prefix(parsing: "fd00:9::/48")
}

/// A design turned into a simulation with its control plane.
public final class SecureCartNetwork {
    public let design: SecureCartDesign
    public let simulation: Simulation
    public let controlPlane: ControlPlane
    /// Hosts.
    public let onPremHost: NodeID
    public let database: NodeID
    public let webApp: NodeID
    public private(set) var branchHost: NodeID?
    /// Routers.
    public let customerRouter: NodeID
    public private(set) var gateways: [AWSGateway: NodeID] = [:]
    /// Per DX connection: its links (to AWS, from AWS) and session.
    public private(set) var dxLinks: [String: (toAWS: LinkID, fromAWS: LinkID)] = [:]
    public private(set) var dxSessions: [String: SessionID] = [:]
    /// Per VPN tunnel ("vpn1-t1"): links and session.
    public private(set) var vpnLinks: [String: (toAWS: LinkID, fromAWS: LinkID)] = [:]
    public private(set) var vpnSessions: [String: SessionID] = [:]
    public private(set) var peering: (oneToTwo: LinkID, twoToOne: LinkID)!

    public init(design: SecureCartDesign, seed: UInt64 = 1, binWidth: SimTime = .milliseconds(100)) {
        self.design = design
        let sim = Simulation(seed: seed, binWidth: binWidth)
        simulation = sim
        let cp = ControlPlane(simulation: sim, seed: seed)
        controlPlane = cp
        let timers = design.timers
        let plan = design.addresses
        let jumbo = design.jumboFrames ? AWSDefaults.privateVIFJumboMTU : 1500

        func link(_ bandwidth: BitRate, _ delay: SimTime, mtu: Int = 9001) -> LinkConfiguration {
            var c = LinkConfiguration(bandwidth: bandwidth, delay: delay)
            c.mtu = mtu
            c.queuePackets = 10_000
            return c
        }

        // On-prem.
        onPremHost = sim.addNode("onprem-host", kind: .host)
        customerRouter = sim.addNode("customer-router", kind: .router)
        let (hostUp, routerToHost) = sim.addLink("onprem-lan", between: onPremHost, and: customerRouter, link(.gigabits(100), .microseconds(10)))
        sim.setUplink(host: onPremHost, link: hostUp)
        // Multipath over equal routes: the DX connections (active/active) and a VPN's two tunnels.
        let paths = max(design.dx.count, design.vpn.map(\.tunnels).max() ?? 1, 1)
        let cgw = cp.addSpeaker(customerRouter, policy: .customerRouter(maximumPaths: paths),
                                asn: 65000, programmingDelay: timers.customerProgrammingDelay)
        cp.originate(plan.prefixes(\.onPrem), at: cgw)
        for p in plan.prefixes(\.onPrem) { cp.addRoute(Route(prefix: p, link: routerToHost, source: .local), at: cgw) }
        if let clamp = design.mssClamp { sim.setMSSClamp(router: customerRouter, mss: clamp) }

        // VPC-1 and VPC-2, peered.
        let vpc1Router = sim.addNode("vpc1-router", kind: .router)
        let vpc2Router = sim.addNode("vpc2-router", kind: .router)
        database = sim.addNode("vpc1-database", kind: .host)
        webApp = sim.addNode("vpc2-webapp", kind: .host)
        let (dbUp, toDB) = sim.addLink("vpc1-subnet", between: database, and: vpc1Router, link(.gigabits(25), .microseconds(20)))
        sim.setUplink(host: database, link: dbUp)
        let (appUp, toApp) = sim.addLink("vpc2-subnet", between: webApp, and: vpc2Router, link(.gigabits(25), .microseconds(20)))
        sim.setUplink(host: webApp, link: appUp)
        let (p12, p21) = sim.addLink("vpc-peering", between: vpc1Router, and: vpc2Router,
                                     link(.gigabits(100), design.peeringLatency, mtu: design.peeringMTU))
        peering = (p12, p21)
        // No transitive and no edge-to-edge routing through the peering (AWS-FACTS §4.1).
        sim.setPeeringFilter(p12, PeeringFilter(sources: plan.prefixes(\.vpc1), destinations: plan.prefixes(\.vpc2)))
        sim.setPeeringFilter(p21, PeeringFilter(sources: plan.prefixes(\.vpc2), destinations: plan.prefixes(\.vpc1)))
        let table1 = cp.addSpeaker(vpc1Router, policy: .vpcRouteTable, asn: 0, programmingDelay: timers.gatewayProgrammingDelay)
        let table2 = cp.addSpeaker(vpc2Router, policy: .vpcRouteTable, asn: 0, programmingDelay: timers.gatewayProgrammingDelay)
        for p in plan.prefixes(\.vpc1) {
            cp.addRoute(Route(prefix: p, link: toDB, source: .local), at: table1)
            cp.addRoute(Route(prefix: p, link: p21, source: .peering), at: table2)
        }
        for p in plan.prefixes(\.vpc2) {
            cp.addRoute(Route(prefix: p, link: toApp, source: .local), at: table2)
            cp.addRoute(Route(prefix: p, link: p12, source: .peering), at: table1)
        }
        if design.vpc2RoutesOnPremViaPeering {
            for p in plan.prefixes(\.onPrem) { cp.addRoute(Route(prefix: p, link: p21, source: .peering), at: table2) }
        }

        // Gateways, created on demand.
        var gatewaySpeakers: [AWSGateway: SpeakerID] = [:]
        func gateway(_ g: AWSGateway) -> SpeakerID {
            if let s = gatewaySpeakers[g] { return s }
            let node = sim.addNode(g == .transitGateway ? "transit-gateway" : "\(g.rawValue)-vgw", kind: .router)
            let speaker = cp.addSpeaker(node, policy: g == .transitGateway ? .transitGateway(vpnECMP: design.transitGatewayVPNECMP) : .virtualPrivateGateway,
                                        asn: AWSDefaults.gatewayASN, programmingDelay: timers.gatewayProgrammingDelay)
            let attachments: [(router: NodeID, table: SpeakerID, prefixes: [IPPrefix])] =
                g == .vpc1 ? [(vpc1Router, table1, plan.prefixes(\.vpc1))]
                : g == .vpc2 ? [(vpc2Router, table2, plan.prefixes(\.vpc2))]
                : [(vpc1Router, table1, plan.prefixes(\.vpc1)), (vpc2Router, table2, plan.prefixes(\.vpc2))]
            for attachment in attachments {
                let (toVPC, toGateway) = sim.addLink("\(g.rawValue)-attach-\(sim.name(of: attachment.router))", between: node,
                                                     and: attachment.router, link(.gigabits(100), .microseconds(50)))
                // Edge-to-edge routing is not supported (AWS-FACTS §4.1): a gateway
                // hands its VPC only traffic for that VPC.
                sim.setPeeringFilter(toVPC, PeeringFilter(sources: [.v4(try! IPv4Prefix(parsing: "0.0.0.0/0")), .v6(try! IPv6Prefix(parsing: "::/0"))],
                                                          destinations: attachment.prefixes))
                if g == .vpc2 && design.floatingRouteToVPC1ViaVPC2 {
                    for p in plan.prefixes(\.vpc1) { cp.addRoute(Route(prefix: p, link: toVPC, source: .peering), at: speaker) }
                }
                for p in attachment.prefixes {
                    cp.addRoute(Route(prefix: p, link: toVPC, source: g == .transitGateway ? .vpcAttachment : .local), at: speaker)
                }
                cp.originate(attachment.prefixes, at: speaker)
                cp.addPropagation(from: speaker, to: attachment.table, via: toGateway)
            }
            gatewaySpeakers[g] = speaker
            gateways[g] = node
            return speaker
        }

        // Direct Connect.
        for (i, dx) in design.dx.enumerated() {
            let aws = gateway(dx.gateway)
            var config = link(dx.bandwidth, dx.latency, mtu: dx.mtu ?? jumbo)
            config.jitter = dx.jitter
            config.loss = dx.loss
            config.queuePackets = dx.queuePackets
            config.queueBytes = dx.queueBytes
            let (up, down) = sim.addLink(dx.name, between: customerRouter, and: gateways[dx.gateway]!, config)
            dxLinks[dx.name] = (up, down)
            var liveness = [LivenessTimer.bgp(keepalive: timers.dxKeepalive, hold: timers.dxHold)]
            if timers.bfd {
                let bfd = LivenessTimer.bfd(localMinTx: timers.bfdInterval, localMinRx: timers.bfdInterval, localMultiplier: timers.bfdMultiplier,
                                            peerMinTx: timers.bfdInterval, peerMinRx: timers.bfdInterval)
                liveness.append(LivenessTimer(interval: bfd.tx, detectTime: bfd.detect))
            }
            var session = SessionConfiguration(name: dx.name, kind: .directConnect(prefixLimit: AWSDefaults.privateVIFPrefixLimit),
                                               a: cgw, b: aws, aToB: up, bToA: down, livenessAtA: liveness, livenessAtB: liveness,
                                               establishDelay: timers.dxEstablish)
            session.carrierDelay = timers.carrierDelay
            if let p = dx.policy {
                session.advertiseFromA = AdvertisementPolicy(communities: p.communities, prepend: p.prepend, med: p.med)
                session.advertiseFromB = AdvertisementPolicy(localPreferenceAtPeer: p.localPreference)
            } else if !design.activeActive {
                session.advertiseFromA = AdvertisementPolicy(communities: [dx.primary ? .awsHighPreference : .awsLowPreference])
                session.advertiseFromB = AdvertisementPolicy(localPreferenceAtPeer: dx.primary ? 200 : 100)
            }
            _ = i
            dxSessions[dx.name] = cp.addSession(session)
            if dx.gateway == .vpc2 && design.floatingRouteToVPC1ViaVPC2 {
                for p in plan.prefixes(\.vpc1) {
                    cp.addRoute(Route(prefix: p, link: up, source: .bgp, attributes: RouteAttributes(localPreference: 50)), at: cgw)
                }
            }
        }

        // Site-to-Site VPN.
        for vpn in design.vpn {
            let aws = gateway(vpn.gateway)
            var site = customerRouter
            var siteSpeaker = cgw
            if vpn.fromBranch {
                let host = sim.addNode("branch-host", kind: .host)
                let router = sim.addNode("branch-router", kind: .router)
                let (up, back) = sim.addLink("branch-lan", between: host, and: router, link(.gigabits(10), .microseconds(10)))
                sim.setUplink(host: host, link: up)
                siteSpeaker = cp.addSpeaker(router, policy: .customerRouter(maximumPaths: 1), asn: 65001,
                                            programmingDelay: timers.customerProgrammingDelay)
                cp.originate(plan.prefixes(\.branch), at: siteSpeaker)
                for p in plan.prefixes(\.branch) { cp.addRoute(Route(prefix: p, link: back, source: .local), at: siteSpeaker) }
                branchHost = host
                site = router
            }
            for t in 1...max(vpn.tunnels, 1) {
                let name = "\(vpn.name)-t\(t)"
                var config = link(AWSDefaults.vpnTunnelBandwidth, vpn.latency, mtu: AWSDefaults.vpnInnerMTU)
                config.overheadBytes = AWSDefaults.vpnESPOverhead
                config.espAlignment = AWSDefaults.vpnESPAlignment
                config.packetsPerSecond = AWSDefaults.vpnTunnelPacketsPerSecond
                config.jitter = vpn.jitter
                config.loss = vpn.loss
                config.sendsICMPTooBig = vpn.sendsFragmentationNeeded
                config.queuePackets = vpn.queuePackets
                config.queueBytes = vpn.queueBytes
                let (up, down) = sim.addLink(name, between: site, and: gateways[vpn.gateway]!, config)
                sim.meterArrivals(up)  // TunnelDataIn counts what the AWS side receives (AWS-FACTS §5.2)
                vpnLinks[name] = (up, down)
                var liveness = [LivenessTimer(interval: timers.dpdInterval, detectTime: timers.dpdTimeout)]
                if vpn.dynamicRouting { liveness.insert(.bgp(keepalive: timers.vpnKeepalive, hold: timers.vpnHold), at: 0) }
                var session = SessionConfiguration(name: name, kind: vpn.dynamicRouting ? .vpnBGP : .vpnStatic, a: siteSpeaker, b: aws,
                                                   aToB: up, bToA: down, livenessAtA: liveness, livenessAtB: liveness,
                                                   establishDelay: timers.vpnEstablish)
                session.carrierDelay = timers.carrierDelay
                let demoted = design.customerPrefersDirectConnect && !design.dx.isEmpty && !vpn.fromBranch
                if let p = vpn.policy, vpn.dynamicRouting {
                    session.advertiseFromA = AdvertisementPolicy(communities: p.communities, prepend: p.prepend, med: p.med)
                    session.advertiseFromB = AdvertisementPolicy(localPreferenceAtPeer: p.localPreference)
                } else if demoted {
                    session.advertiseFromB = AdvertisementPolicy(localPreferenceAtPeer: 50)
                }
                if demoted { session.staticPreferenceAtA = 50 }
                if !vpn.dynamicRouting {
                    session.staticAtA = aws == gatewaySpeakers[.transitGateway]
                        ? plan.prefixes(\.vpc1) + plan.prefixes(\.vpc2)
                        : plan.prefixes(vpn.gateway == .vpc2 ? \.vpc2 : \.vpc1)
                    session.staticAtB = plan.prefixes(vpn.fromBranch ? \.branch : \.onPrem)
                }
                vpnSessions[name] = cp.addSession(session)
                if vpn.gateway == .vpc2 && design.floatingRouteToVPC1ViaVPC2 && !vpn.fromBranch && t == 1 {
                    for p in plan.prefixes(\.vpc1) {
                        cp.addRoute(Route(prefix: p, link: up, source: .bgp, attributes: RouteAttributes(localPreference: 50)), at: cgw)
                    }
                }
            }
        }
    }

    /// The links of the connections at a DX location (for "loss of a location").
    public func dxLinks(atLocation location: String) -> [LinkID] {
        design.dx.filter { $0.location == location }.flatMap { [dxLinks[$0.name]!.toAWS, dxLinks[$0.name]!.fromAWS] }
    }

    /// Both directions of one DX connection.
    public func bothWays(dx name: String) -> [LinkID] {
        guard let l = dxLinks[name] else { return [] }
        return [l.toAWS, l.fromAWS]
    }

    /// A UDP flow spec between two of the hosts.
    public func udpFlow(from source: NodeID, _ sourceAddress: IPv4Address, to destination: NodeID, _ destinationAddress: IPv4Address,
                        sourcePort: UInt16, destinationPort: UInt16, group: String, dontFragment: Bool = true) -> FlowSpec {
        FlowSpec(key: FlowKey(source: sourceAddress, destination: destinationAddress, sourcePort: sourcePort,
                              destinationPort: destinationPort, ipProtocol: IPProtocol.udp),
                 source: source, destination: destination, group: group, dontFragment: dontFragment)
    }
}
