import Emulator
import NetAddress
import PacketWire

/// The scenario of ../shared/peers/ns3/securecart.cc, built the same way in
/// dxemu so the two can be run side by side:
///
///     H -- R ==DX (10 Gbps, 2 ms, MTU 9001)== G -- V1
///            \==VPN (1.25 Gbps, 15 ms, MTU 1446)==/  \-- V2
///
/// Host links 100 Gbps / 10 us (H-R) and 50 us (G-V1), G-V2 25 Gbps / 100 us;
/// drop-tail queues of 10,000 packets. A UDP constant-rate flow H -> V1 of
/// `payload`-byte datagrams (IP length payload + 28) rides DX. At `failAt` DX
/// goes silent (packets on it are lost, interfaces up); `detect` seconds later
/// R and G withdraw their DX routes and the VPN carries the flow.
public struct NS3Yardstick: Sendable {
    public var rate: Double = 100_000
    public var payload: Int = 1000
    public var duration: Double = 20
    public var failAt: Double = 5
    public var detect: Double = 0.9
    public var dxRate = BitRate.gigabits(10)
    public var vpnRate = BitRate.gigabits(1.25)

    public init() {}

    /// The built simulation and the flow to measure.
    public struct Built {
        public let simulation: Simulation
        public let flow: FlowID
        public let dx: LinkID
        public let end: SimTime
    }

    public func build(seed: UInt64 = 1) -> Built {
        let sim = Simulation(seed: seed)
        let h = sim.addNode("H", kind: .host), r = sim.addNode("R", kind: .router), g = sim.addNode("G", kind: .router)
        let v1 = sim.addNode("V1", kind: .host), v2 = sim.addNode("V2", kind: .host)
        func link(_ bandwidth: BitRate, _ delay: SimTime, _ mtu: Int) -> LinkConfiguration {
            var c = LinkConfiguration(bandwidth: bandwidth, delay: delay)
            c.mtu = mtu
            c.queuePackets = 10_000
            return c
        }
        let (hr, _) = sim.addLink("H-R", between: h, and: r, link(.gigabits(100), .microseconds(10), 9001))
        let (dxRG, dxGR) = sim.addLink("DX", between: r, and: g, link(dxRate, .milliseconds(2), 9001))
        let (vpnRG, vpnGR) = sim.addLink("VPN", between: r, and: g, link(vpnRate, .milliseconds(15), 1446))
        let (gv1, _) = sim.addLink("G-V1", between: g, and: v1, link(.gigabits(100), .microseconds(50), 9001))
        _ = sim.addLink("G-V2", between: g, and: v2, link(.gigabits(25), .microseconds(100), 9001))
        sim.setUplink(host: h, link: hr)
        let onPrem = try! IPv4Prefix(parsing: "10.0.0.0/16"), vpc1 = try! IPv4Prefix(parsing: "10.1.0.0/16")
        let rDX = sim.addNextHopGroup([dxRG]), rVPN = sim.addNextHopGroup([vpnRG])
        let gDX = sim.addNextHopGroup([dxGR]), gVPN = sim.addNextHopGroup([vpnGR])
        sim.setRoute(vpc1, at: r, via: rDX)
        sim.setRoute(onPrem, at: g, via: gDX)
        sim.setRoute(vpc1, at: g, via: sim.addNextHopGroup([gv1]))
        let key = FlowKey(source: IPv4Address(10, 0, 0, 1), destination: IPv4Address(10, 1, 0, 2),
                          sourcePort: 49153, destinationPort: 9, ipProtocol: IPProtocol.udp)
        let total = Int(rate * duration)
        let flow = sim.addSource(TrafficSpec(
            flow: FlowSpec(key: key, source: h, destination: v1, group: "H -> V1", dontFragment: false),
            pattern: .packetsPerSecond(rate), sizes: .fixed(payload + 28), start: .milliseconds(1), maxPackets: total))
        let failure = SimTime.seconds(failAt)
        sim.schedule(at: failure) { sim in
            sim.setLinkState(dxRG, .blackhole)
            sim.setLinkState(dxGR, .blackhole)
        }
        // Withdrawing the DX route leaves the VPN route, as the ns-3 metric 10 does.
        sim.schedule(at: failure + .seconds(detect)) { sim in
            sim.setRoute(vpc1, at: r, via: rVPN)
            sim.setRoute(onPrem, at: g, via: gVPN)
        }
        return Built(simulation: sim, flow: flow, dx: dxRG, end: .seconds(duration + 1))
    }
}
