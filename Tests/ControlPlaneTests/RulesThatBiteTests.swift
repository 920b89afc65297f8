import ControlPlane
import Emulator
import NetAddress
import PacketWire
import Scenario
import Testing

@Suite("AWS rules that bite")
struct RulesThatBiteTests {
    /// "You cannot route packets directly from VPC B to VPC C through VPC A" and
    /// no edge-to-edge routing through a peering (AWS-FACTS §4.1): VPC-2 sending
    /// on-prem traffic through the peering is dropped at it, with its own reason;
    /// on-prem has no route to VPC-2 at all (the VGW only advertises VPC-1).
    @Test func vpcPeeringIsNotTransitiveNorEdgeToEdge() {
        var design = recommended()
        design.vpc2RoutesOnPremViaPeering = true
        let net = SecureCartNetwork(design: design)
        let fromVPC2 = net.simulation.addSource(TrafficSpec(
            flow: net.udpFlow(from: net.webApp, SecureCartAddresses.webApp, to: net.onPremHost, SecureCartAddresses.onPremHost,
                              sourcePort: 443, destinationPort: 50000, group: "VPC-2 -> on-prem"),
            pattern: .packetsPerSecond(100), sizes: .fixed(500), maxPackets: 100))
        let toVPC2 = net.simulation.addSource(TrafficSpec(
            flow: net.udpFlow(from: net.onPremHost, SecureCartAddresses.onPremHost, to: net.webApp, SecureCartAddresses.webApp,
                              sourcePort: 50000, destinationPort: 443, group: "on-prem -> VPC-2"),
            pattern: .packetsPerSecond(100), sizes: .fixed(500), maxPackets: 100))
        let vpcToVPC = net.simulation.addSource(TrafficSpec(
            flow: net.udpFlow(from: net.webApp, SecureCartAddresses.webApp, to: net.database, SecureCartAddresses.database,
                              sourcePort: 443, destinationPort: 5432, group: "VPC-2 -> VPC-1"),
            pattern: .packetsPerSecond(100), sizes: .fixed(500), maxPackets: 100))
        net.controlPlane.start()
        net.simulation.run(until: .seconds(2))
        #expect(net.simulation.statistics(of: fromVPC2).drops[.nonTransitivePeering] == 100)
        #expect(net.simulation.statistics(of: toVPC2).drops[.noRoute] == 100)
        #expect(net.simulation.statistics(of: vpcToVPC).delivered == 100)  // peering itself works
    }

    /// More than 100 prefixes on a private VIF: the BGP session goes idle
    /// (AWS-FACTS §1.6), taking the whole VIF down, not just the excess.
    @Test func moreThan100PrefixesTakeThePrivateVIFSessionDown() {
        let net = SecureCartNetwork(design: recommended())
        let cgw = net.controlPlane.speakerIDs[0]
        let extra = (0..<100).map { IPPrefix.v4(try! IPv4Prefix(parsing: "172.16.\($0).0/24")) }
        net.controlPlane.originate(extra, at: cgw)  // 101 with 10.0.0.0/16
        let up = net.simulation.addSource(TrafficSpec(
            flow: net.udpFlow(from: net.onPremHost, SecureCartAddresses.onPremHost, to: net.database, SecureCartAddresses.database,
                              sourcePort: 1, destinationPort: 2, group: "up"),
            pattern: .packetsPerSecond(100), sizes: .fixed(200), maxPackets: 100))
        net.controlPlane.start()
        net.simulation.run(until: .seconds(2))
        #expect(!net.controlPlane.isEstablished(net.dxSessions["dx1"]!))
        #expect(net.controlPlane.timeline.contains { $0.text.contains("101 prefixes advertised, limit 100") })
        // Traffic takes the VPN, which has its own limit of 100 dynamic routes (not enforced here).
        #expect(net.simulation.statistics(of: net.vpnLinks["vpn1-t1"]!.toAWS).packetsSent == 100)
        #expect(net.simulation.statistics(of: up).delivered == 100)
    }

    /// A statically routed VPN has no BGP: DPD (10 s idle, 30 s timeout, §2.5)
    /// clears its routes when the tunnel dies silently.
    @Test func staticVPNRoutesClearedByDeadPeerDetection() {
        var design = SecureCartDesign(name: "static-vpn", dx: [], vpn: [VPNConnection(name: "vpn1")])
        design.vpn[0].dynamicRouting = false
        design.vpn[0].tunnels = 1
        let net = SecureCartNetwork(design: design)
        let up = net.simulation.addSource(TrafficSpec(
            flow: net.udpFlow(from: net.onPremHost, SecureCartAddresses.onPremHost, to: net.database, SecureCartAddresses.database,
                              sourcePort: 1, destinationPort: 2, group: "up"),
            pattern: .packetsPerSecond(100), sizes: .fixed(200), start: .milliseconds(1), stop: .seconds(60)))
        net.controlPlane.start()
        let link = net.vpnLinks["vpn1-t1"]!
        net.controlPlane.inject(.silent([link.toAWS, link.fromAWS]), at: .seconds(5))
        net.simulation.run(until: .seconds(61))
        let down = net.controlPlane.timeline.filter { $0.text.contains("session vpn1-t1 down") }
        #expect(down.count == 2)
        // Probes every 10 s, timeout 30 s: detection 20-30 s after the failure.
        for entry in down { #expect(entry.time >= .seconds(25) && entry.time <= .seconds(35.1)) }
        let s = net.simulation.statistics(of: up)
        #expect(s.drops[.blackholed] + s.drops[.noRoute] == s.sent - s.delivered)
        #expect(s.drops[.noRoute] > 0)  // after the routes were cleared
    }

    @Test func lossOfAWholeDXLocationTakesAllItsConnections() {
        let design = SecureCartDesign(name: "same-location", dx: [DXConnection(name: "dx1", location: "eqx-dc2"),
                                                                  DXConnection(name: "dx2", location: "eqx-dc2")],
                                      vpn: [VPNConnection(name: "vpn1")])
        let net = SecureCartNetwork(design: design)
        let flows = twoWayTraffic(net, rate: 1000, stop: .seconds(4))
        net.controlPlane.start()
        net.controlPlane.inject(.fibreCut(net.dxLinks(atLocation: "eqx-dc2")), at: .seconds(2))
        net.simulation.run(until: .seconds(5))
        #expect(net.dxSessions.values.allSatisfy { !net.controlPlane.isEstablished($0) })
        // The customer router spreads over both tunnels (its maximum-paths is 2).
        let vpn = ["vpn1-t1", "vpn1-t2"].map { net.simulation.statistics(of: net.vpnLinks[$0]!.toAWS).packetsSent }.reduce(0, +)
        #expect(vpn > 1500)
        #expect(net.simulation.statistics(of: flows.up).delivered > 3900)
    }

    @Test func deviceFailureAndFlappingAreInjected() {
        let net = SecureCartNetwork(design: recommended())
        let flows = twoWayTraffic(net, rate: 1000, stop: .seconds(30))
        net.controlPlane.start()
        net.controlPlane.inject(.flapping(net.bothWays(dx: "dx1"), downFor: .seconds(1), upFor: .seconds(2), times: 3), at: .seconds(2))
        net.controlPlane.inject(.deviceFailure(net.gateways[.vpc1]!), at: .seconds(20), repairAfter: .seconds(3))
        net.simulation.run(until: .seconds(31))
        let cuts = net.controlPlane.timeline.filter { $0.text.hasPrefix("fibre cut") }
        #expect(cuts.count == 3)
        #expect(net.controlPlane.timeline.contains { $0.text.hasPrefix("device failure: vpc1-vgw") })
        let s = net.simulation.statistics(of: flows.up)
        #expect(s.drops[.linkDown] + s.drops[.noRoute] > 3000)  // the gateway itself was gone for 3 s
        #expect(net.simulation.accountingViolations().isEmpty)
    }

    @Test func partialLossOnDXIsSeenInTheData() {
        let net = SecureCartNetwork(design: recommended())
        let flows = twoWayTraffic(net, rate: 5000, stop: .seconds(4))
        net.controlPlane.start()
        net.controlPlane.inject(.partialLoss(net.bothWays(dx: "dx1"), probability: 0.1), at: .seconds(1), repairAfter: .seconds(2))
        net.simulation.run(until: .seconds(5))
        let lost = Double(net.simulation.statistics(of: flows.up).drops[.lossModel])
        #expect(abs(lost - 1000) < 150)  // 10 % of 10,000 packets; BFD mostly survives 10 % loss
    }
}
