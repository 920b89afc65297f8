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

    public init(name: String, gateway: AWSGateway = .vpc1) {
        self.name = name
        self.gateway = gateway
    }
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

    public init(name: String, dx: [DXConnection], vpn: [VPNConnection] = []) {
        self.name = name
        self.dx = dx
        self.vpn = vpn
    }
}

/// The addressing plan.
public enum SecureCartAddresses {
    public static let onPrem = try! IPv4Prefix(parsing: "10.0.0.0/16")
    public static let vpc1 = try! IPv4Prefix(parsing: "10.1.0.0/16")
    public static let vpc2 = try! IPv4Prefix(parsing: "10.2.0.0/16")
    public static let branch = try! IPv4Prefix(parsing: "10.9.0.0/16")
    public static let onPremHost = IPv4Address(10, 0, 1, 10)
    public static let database = IPv4Address(10, 1, 10, 5)
    public static let webApp = IPv4Address(10, 2, 1, 10)
    public static let branchHost = IPv4Address(10, 9, 0, 10)
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
        let dxPaths = max(design.dx.count, 1)
        let cgw = cp.addSpeaker(customerRouter, policy: .customerRouter(maximumPaths: design.activeActive ? dxPaths : 1),
                                asn: 65000, programmingDelay: timers.customerProgrammingDelay)
        cp.originate([.v4(SecureCartAddresses.onPrem)], at: cgw)
        cp.addRoute(Route(prefix: .v4(SecureCartAddresses.onPrem), link: routerToHost, source: .local), at: cgw)
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
                                     link(.gigabits(100), AWSDefaults.peeringLatency, mtu: AWSDefaults.peeringMTU))
        peering = (p12, p21)
        // No transitive and no edge-to-edge routing through the peering (AWS-FACTS §4.1).
        sim.setPeeringFilter(p12, PeeringFilter(sources: [.v4(SecureCartAddresses.vpc1)], destinations: [.v4(SecureCartAddresses.vpc2)]))
        sim.setPeeringFilter(p21, PeeringFilter(sources: [.v4(SecureCartAddresses.vpc2)], destinations: [.v4(SecureCartAddresses.vpc1)]))
        let table1 = cp.addSpeaker(vpc1Router, policy: .vpcRouteTable, asn: 0, programmingDelay: timers.gatewayProgrammingDelay)
        let table2 = cp.addSpeaker(vpc2Router, policy: .vpcRouteTable, asn: 0, programmingDelay: timers.gatewayProgrammingDelay)
        cp.addRoute(Route(prefix: .v4(SecureCartAddresses.vpc1), link: toDB, source: .local), at: table1)
        cp.addRoute(Route(prefix: .v4(SecureCartAddresses.vpc2), link: toApp, source: .local), at: table2)
        cp.addRoute(Route(prefix: .v4(SecureCartAddresses.vpc2), link: p12, source: .peering), at: table1)
        cp.addRoute(Route(prefix: .v4(SecureCartAddresses.vpc1), link: p21, source: .peering), at: table2)
        if design.vpc2RoutesOnPremViaPeering {
            cp.addRoute(Route(prefix: .v4(SecureCartAddresses.onPrem), link: p21, source: .peering), at: table2)
        }

        // Gateways, created on demand.
        var gatewaySpeakers: [AWSGateway: SpeakerID] = [:]
        func gateway(_ g: AWSGateway) -> SpeakerID {
            if let s = gatewaySpeakers[g] { return s }
            let node = sim.addNode(g == .transitGateway ? "transit-gateway" : "\(g.rawValue)-vgw", kind: .router)
            let speaker = cp.addSpeaker(node, policy: g == .transitGateway ? .transitGateway(vpnECMP: design.transitGatewayVPNECMP) : .virtualPrivateGateway,
                                        asn: AWSDefaults.gatewayASN, programmingDelay: timers.gatewayProgrammingDelay)
            let attachments: [(router: NodeID, table: SpeakerID, prefix: IPv4Prefix)] =
                g == .vpc1 ? [(vpc1Router, table1, SecureCartAddresses.vpc1)]
                : g == .vpc2 ? [(vpc2Router, table2, SecureCartAddresses.vpc2)]
                : [(vpc1Router, table1, SecureCartAddresses.vpc1), (vpc2Router, table2, SecureCartAddresses.vpc2)]
            for attachment in attachments {
                let (toVPC, toGateway) = sim.addLink("\(g.rawValue)-attach-\(sim.name(of: attachment.router))", between: node,
                                                     and: attachment.router, link(.gigabits(100), .microseconds(50)))
                cp.addRoute(Route(prefix: .v4(attachment.prefix), link: toVPC, source: g == .transitGateway ? .vpcAttachment : .local), at: speaker)
                cp.originate([.v4(attachment.prefix)], at: speaker)
                cp.addPropagation(from: speaker, to: attachment.table, via: toGateway)
            }
            gatewaySpeakers[g] = speaker
            gateways[g] = node
            return speaker
        }

        // Direct Connect.
        for (i, dx) in design.dx.enumerated() {
            let aws = gateway(dx.gateway)
            var config = link(dx.bandwidth, dx.latency, mtu: jumbo)
            config.queuePackets = 10_000
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
            if !design.activeActive {
                session.advertiseFromA = AdvertisementPolicy(communities: [dx.primary ? .awsHighPreference : .awsLowPreference])
                session.advertiseFromB = AdvertisementPolicy(localPreferenceAtPeer: dx.primary ? 200 : 100)
            }
            _ = i
            dxSessions[dx.name] = cp.addSession(session)
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
                cp.originate([.v4(SecureCartAddresses.branch)], at: siteSpeaker)
                cp.addRoute(Route(prefix: .v4(SecureCartAddresses.branch), link: back, source: .local), at: siteSpeaker)
                branchHost = host
                site = router
            }
            for t in 1...max(vpn.tunnels, 1) {
                let name = "\(vpn.name)-t\(t)"
                var config = link(AWSDefaults.vpnTunnelBandwidth, vpn.latency, mtu: AWSDefaults.vpnInnerMTU)
                config.overheadBytes = AWSDefaults.vpnESPOverhead
                config.packetsPerSecond = AWSDefaults.vpnTunnelPacketsPerSecond
                config.jitter = vpn.jitter
                config.loss = vpn.loss
                config.sendsICMPTooBig = vpn.sendsFragmentationNeeded
                config.queuePackets = 2_000
                let (up, down) = sim.addLink(name, between: site, and: gateways[vpn.gateway]!, config)
                vpnLinks[name] = (up, down)
                var liveness = [LivenessTimer(interval: timers.dpdInterval, detectTime: timers.dpdTimeout)]
                if vpn.dynamicRouting { liveness.insert(.bgp(keepalive: timers.vpnKeepalive, hold: timers.vpnHold), at: 0) }
                var session = SessionConfiguration(name: name, kind: vpn.dynamicRouting ? .vpnBGP : .vpnStatic, a: siteSpeaker, b: aws,
                                                   aToB: up, bToA: down, livenessAtA: liveness, livenessAtB: liveness,
                                                   establishDelay: timers.vpnEstablish)
                session.carrierDelay = timers.carrierDelay
                if !vpn.dynamicRouting {
                    session.staticAtA = aws == gatewaySpeakers[.transitGateway]
                        ? [.v4(SecureCartAddresses.vpc1), .v4(SecureCartAddresses.vpc2)]
                        : [.v4(vpn.gateway == .vpc2 ? SecureCartAddresses.vpc2 : SecureCartAddresses.vpc1)]
                    session.staticAtB = [.v4(vpn.fromBranch ? SecureCartAddresses.branch : SecureCartAddresses.onPrem)]
                }
                vpnSessions[name] = cp.addSession(session)
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
