import ControlPlane
import Emulator
import NetAddress
import PacketWire
import Scenario
import Testing

/// The recommended design: one DX to VPC-1 plus a VPN backup (two tunnels).
func recommended(bfd: Bool = true, jumbo: Bool = true) -> SecureCartDesign {
    var d = SecureCartDesign(name: "recommended", dx: [DXConnection(name: "dx1", location: "eqx-dc2")], vpn: [VPNConnection(name: "vpn1")])
    d.timers.bfd = bfd
    d.jumboFrames = jumbo
    return d
}

/// Adds a constant-rate UDP flow each way between on-prem and the database.
func twoWayTraffic(_ net: SecureCartNetwork, rate: Double, size: Int = 500, ports: UInt16 = 40000, stop: SimTime)
    -> (up: FlowID, down: FlowID) {
    let up = net.simulation.addSource(TrafficSpec(
        flow: net.udpFlow(from: net.onPremHost, SecureCartAddresses.onPremHost, to: net.database, SecureCartAddresses.database,
                          sourcePort: ports, destinationPort: 5432, group: "on-prem -> VPC-1"),
        pattern: .packetsPerSecond(rate), sizes: .fixed(size), start: .milliseconds(1), stop: stop))
    let down = net.simulation.addSource(TrafficSpec(
        flow: net.udpFlow(from: net.database, SecureCartAddresses.database, to: net.onPremHost, SecureCartAddresses.onPremHost,
                          sourcePort: 5432, destinationPort: ports, group: "VPC-1 -> on-prem"),
        pattern: .packetsPerSecond(rate), sizes: .fixed(size), start: .milliseconds(1), stop: stop))
    return (up, down)
}

@Suite("failover timing against the timer arithmetic")
struct FailoverTests {
    /// BFD 300 ms x 3 (§1.4). The last probe a side receives before a silent
    /// failure at F left the peer in (F - 300 ms, F], so detection comes
    /// 600-900 ms after F (+2 ms propagation); the FIB changes a programming
    /// delay later (customer router 50 ms, VGW 100 ms). Packets are lost from F
    /// (less the 2 ms already on the wire) until then, and only then.
    @Test func silentDXFailureWithBFDLosesOnlyUntilDetectionPlusProgramming() {
        let net = SecureCartNetwork(design: recommended())
        let rate = 10_000.0
        let flows = twoWayTraffic(net, rate: rate, stop: .seconds(10))
        net.controlPlane.start()
        net.controlPlane.inject(.silent(net.bothWays(dx: "dx1")), at: .seconds(5))
        net.simulation.run(until: .seconds(11))
        for (flow, programming) in [(flows.up, 0.050), (flows.down, 0.100)] {
            let s = net.simulation.statistics(of: flow)
            let lower = rate * (0.600 + programming) - 2
            let upper = rate * (0.900 + 0.002 + programming + 0.002) + 2
            #expect(Double(s.drops[.blackholed]) >= lower && Double(s.drops[.blackholed]) <= upper,
                    "lost \(s.drops[.blackholed]), expected \(lower)...\(upper)")
            #expect(s.drops.total == s.drops[.blackholed])
            #expect(s.sent == s.delivered + s.drops.total)
        }
        #expect(net.simulation.accountingViolations().isEmpty)
        // Both sides converged on their own, at different times (asymmetric).
        let changes = net.controlPlane.fibChanges.filter { $0.prefix.description == "10.1.0.0/16" || $0.prefix.description == "10.0.0.0/16" }
        #expect(Set(changes.map(\.router)).isSuperset(of: ["customer-router", "vpc1-vgw"]))
    }

    /// Without BFD the BGP hold timer (90 s, keepalives every 30 s, §1.3) decides:
    /// detection 60-90 s after the failure.
    @Test func silentDXFailureWithoutBFDLosesForTheHoldTime() {
        let net = SecureCartNetwork(design: recommended(bfd: false))
        let rate = 200.0
        let flows = twoWayTraffic(net, rate: rate, stop: .seconds(200))
        net.controlPlane.start()
        net.controlPlane.inject(.silent(net.bothWays(dx: "dx1")), at: .seconds(10))
        net.simulation.run(until: .seconds(201))
        let s = net.simulation.statistics(of: flows.up)
        let lost = Double(s.drops[.blackholed])
        #expect(lost >= rate * 60.05 - 2 && lost <= rate * 90.06 + 2, "lost \(lost)")
        #expect(net.simulation.accountingViolations().isEmpty)
    }

    /// A fibre cut is seen at once (carrier loss): only the packets on the wire
    /// and the programming delay are lost.
    @Test func fibreCutLosesOnlyWhatIsInFlightAndTheProgrammingDelay() {
        let net = SecureCartNetwork(design: recommended())
        let rate = 10_000.0
        let flows = twoWayTraffic(net, rate: rate, stop: .seconds(4))
        net.controlPlane.start()
        net.controlPlane.inject(.fibreCut(net.bothWays(dx: "dx1")), at: .seconds(2))
        net.simulation.run(until: .seconds(5))
        let s = net.simulation.statistics(of: flows.up)
        // In flight on the 2 ms DX (20 packets) + 50 ms of programming delay (500).
        #expect(s.drops[.linkDown] >= 500 && s.drops[.linkDown] <= 540, "lost \(s.drops[.linkDown])")
        #expect(net.simulation.accountingViolations().isEmpty)
    }

    /// Active/active over two DX connections: only the flows the customer
    /// router hashes onto the failed connection lose packets.
    @Test func activeActiveLosesOnlyTheFlowsHashedToTheFailedConnection() {
        var design = SecureCartDesign(name: "option-a", dx: [DXConnection(name: "dx1", location: "eqx-dc2"),
                                                             DXConnection(name: "dx2", location: "cs-ny1")])
        design.activeActive = true
        let net = SecureCartNetwork(design: design)
        var flows: [FlowID] = []
        for i in 0..<32 {
            flows.append(net.simulation.addSource(TrafficSpec(
                flow: net.udpFlow(from: net.onPremHost, SecureCartAddresses.onPremHost, to: net.database, SecureCartAddresses.database,
                                  sourcePort: UInt16(30000 + i), destinationPort: 5432, group: "on-prem -> VPC-1"),
                pattern: .packetsPerSecond(1000), sizes: .fixed(400), start: .milliseconds(1), stop: .seconds(4))))
        }
        net.controlPlane.start()
        let dx1 = net.dxLinks["dx1"]!.toAWS
        let onDX1 = flows.filter { f in
            FlowHash.member(net.simulation.spec(of: f).key, seed: UInt64(net.customerRouter.index) &* 0x9E37_79B9_7F4A_7C15, count: 2) == 0
        }
        #expect(net.controlPlane.installedLinks(.v4(SecureCartAddresses.vpc1), at: net.controlPlane.speakerIDs[0]) == [dx1, net.dxLinks["dx2"]!.toAWS])
        net.controlPlane.inject(.silent(net.bothWays(dx: "dx1")), at: .seconds(2))
        net.simulation.run(until: .seconds(5))
        #expect(!onDX1.isEmpty && onDX1.count < flows.count)
        for f in flows {
            let lost = net.simulation.statistics(of: f).drops.total
            if onDX1.contains(f) {
                #expect(lost >= 600 && lost <= 1000, "flow on dx1 lost \(lost)")
            } else {
                #expect(lost == 0, "flow on dx2 lost \(lost)")
            }
        }
        #expect(net.simulation.accountingViolations().isEmpty)
    }

    /// After DX fails over to the VPN: latency becomes the VPN's (15 ms + ESP
    /// serialisation) and DF packets over the 1446-byte inner MTU (§2.3) are dropped.
    @Test func dxToVPNFailoverRaisesLatencyAndDropsDFPacketsAbove1446() {
        let net = SecureCartNetwork(design: recommended())
        let small = net.simulation.addSource(TrafficSpec(
            flow: net.udpFlow(from: net.onPremHost, SecureCartAddresses.onPremHost, to: net.database, SecureCartAddresses.database,
                              sourcePort: 1, destinationPort: 2, group: "small"),
            pattern: .packetsPerSecond(1000), sizes: .fixed(1446), start: .milliseconds(1), stop: .seconds(6)))
        let jumbo = net.simulation.addSource(TrafficSpec(
            flow: net.udpFlow(from: net.onPremHost, SecureCartAddresses.onPremHost, to: net.database, SecureCartAddresses.database,
                              sourcePort: 3, destinationPort: 4, group: "jumbo"),
            pattern: .packetsPerSecond(1000), sizes: .fixed(8000), start: .milliseconds(1), stop: .seconds(6)))
        net.controlPlane.start()
        net.controlPlane.inject(.fibreCut(net.bothWays(dx: "dx1")), at: .seconds(2))
        net.simulation.run(until: .seconds(7))
        let before = net.simulation.series(group: "small")!.bins[5]   // 0.5-0.6 s: DX
        let after = net.simulation.series(group: "small")!.bins[40]   // 4.0-4.1 s: VPN
        #expect(before.meanLatency < 3_000_000)
        #expect(after.meanLatency > 15_000_000 && after.meanLatency < 18_000_000)
        // The 8000-byte DF datagrams crossed the jumbo DX and die on the VPN: the MTU black hole.
        let j = net.simulation.statistics(of: jumbo)
        #expect(j.drops[.mtuExceeded] >= 3_900)
        #expect(j.delivered >= 1_990 && j.delivered <= 2_000)
        #expect(net.simulation.statistics(of: small).drops[.mtuExceeded] == 0)
        #expect(net.simulation.accountingViolations().isEmpty)
    }

    /// The customer router clamping TCP MSS to 1406 (§2.3) avoids the black hole.
    @Test func mssClampOnTheCustomerRouterAvoidsTheMTUBlackHole() {
        var design = recommended()
        design.mssClamp = AWSDefaults.vpnMSS
        let net = SecureCartNetwork(design: design)
        var spec = net.udpFlow(from: net.onPremHost, SecureCartAddresses.onPremHost, to: net.database, SecureCartAddresses.database,
                               sourcePort: 40000, destinationPort: 5432, group: "tcp")
        spec.key.ipProtocol = IPProtocol.tcp
        let tcp = net.simulation.addSource(TrafficSpec(flow: spec, pattern: .packetsPerSecond(1000), sizes: .fixed(8000),
                                                       start: .milliseconds(1), stop: .seconds(4)))
        net.controlPlane.start()
        net.controlPlane.inject(.fibreCut(net.bothWays(dx: "dx1")), at: .seconds(2))
        net.simulation.run(until: .seconds(5))
        let s = net.simulation.statistics(of: tcp)
        #expect(s.drops[.mtuExceeded] == 0)
        #expect(s.bytesSent == s.sent * 1446)
    }

    /// StartBgpFailoverTest (§1.8): the BGP session goes down with the data
    /// plane intact; the old route works until the new one is programmed, so a
    /// ready standby path loses nothing.
    @Test func bgpSessionDownLosesNothingWhenTheStandbyPathIsReady() {
        let net = SecureCartNetwork(design: recommended())
        let flows = twoWayTraffic(net, rate: 5_000, stop: .seconds(4))
        net.controlPlane.start()
        net.controlPlane.inject(.bgpSessionDown(net.dxSessions["dx1"]!), at: .seconds(2))
        net.simulation.run(until: .seconds(5))
        for f in [flows.up, flows.down] {
            let s = net.simulation.statistics(of: f)
            #expect(s.drops.total == 0)
            #expect(s.delivered == s.sent)
        }
        // The customer router spreads flows over both tunnels (ECMP); this one flow took one of them.
        let overVPN = ["vpn1-t1", "vpn1-t2"].map { net.simulation.statistics(of: net.vpnLinks[$0]!.toAWS).packetsSent }.reduce(0, +)
        #expect(overVPN > 5_000)
    }

    /// Failback: after the repair the session comes back after its establish
    /// delay and traffic moves back to DX.
    @Test func failbackAfterRepair() {
        let net = SecureCartNetwork(design: recommended())
        let flows = twoWayTraffic(net, rate: 1_000, stop: .seconds(20))
        net.controlPlane.start()
        net.controlPlane.inject(.silent(net.bothWays(dx: "dx1")), at: .seconds(2), repairAfter: .seconds(5))
        net.simulation.run(until: .seconds(21))
        #expect(net.controlPlane.isEstablished(net.dxSessions["dx1"]!))
        let dx = net.dxLinks["dx1"]!.toAWS
        let back = net.controlPlane.fibChanges.filter { $0.router == "customer-router" && $0.after == [dx] && $0.prefix == .v4(SecureCartAddresses.vpc1) }
        // Repaired at 7 s, session up after the 5 s establish delay, FIB 50 ms later.
        #expect(back.count == 1)
        #expect(back.first!.time >= .seconds(12) && back.first!.time <= .seconds(12.06))
        #expect(net.simulation.series(group: "on-prem -> VPC-1")!.bins[150].meanLatency < 3_000_000)
        // Moving back from the 15 ms VPN to the 2 ms DX overtakes packets still on the VPN.
        #expect(net.simulation.statistics(of: flows.up).reordered > 0)
        #expect(net.simulation.accountingViolations().isEmpty)
    }
}
