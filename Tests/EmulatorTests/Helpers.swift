import Emulator
import NetAddress
import PacketWire

/// A chain host -> router -> ... -> host with the given link configurations;
/// routes 10.1.0.0/16 toward the far host. Returns the simulation, the two hosts
/// and the forward links.
func chain(_ links: [LinkConfiguration], seed: UInt64 = 1)
    -> (sim: Simulation, source: NodeID, sink: NodeID, forward: [LinkID]) {
    let sim = Simulation(seed: seed)
    let source = sim.addNode("src", kind: .host)
    var previous = source
    var forward: [LinkID] = []
    for (i, config) in links.enumerated() {
        let next = i == links.count - 1 ? sim.addNode("dst", kind: .host) : sim.addNode("r\(i)", kind: .router)
        let (ab, ba) = sim.addLink("l\(i)", between: previous, and: next, config)
        forward.append(ab)
        if i == 0 { sim.setUplink(host: source, link: ab) }
        if i > 0 {
            sim.setRoute(try! IPv4Prefix(parsing: "10.1.0.0/16"), at: previous, via: sim.addNextHopGroup([ab]))
            sim.setRoute(try! IPv4Prefix(parsing: "10.0.0.0/16"), at: previous, via: sim.addNextHopGroup([
                sim.linkIDs.first { sim.endpoints(of: $0).from == previous && sim.endpoints(of: $0).to != next } ?? ba]))
        }
        previous = next
    }
    return (sim, source, previous, forward)
}

func udpFlow(_ sim: Simulation, from: NodeID, to: NodeID, sport: UInt16 = 40000, dport: UInt16 = 9,
             source: String = "10.0.0.1", destination: String = "10.1.0.1", dontFragment: Bool = true, group: String = "test") -> FlowSpec {
    FlowSpec(key: FlowKey(source: try! IPv4Address(parsing: source), destination: try! IPv4Address(parsing: destination),
                          sourcePort: sport, destinationPort: dport, ipProtocol: IPProtocol.udp),
             source: from, destination: to, group: group, dontFragment: dontFragment)
}

extension LinkConfiguration {
    static func gbps(_ g: Double, delay: SimTime, mtu: Int = 9001) -> LinkConfiguration {
        var c = LinkConfiguration(bandwidth: .gigabits(g), delay: delay)
        c.mtu = mtu
        return c
    }
}
