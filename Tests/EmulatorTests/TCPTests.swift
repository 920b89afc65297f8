import Emulator
import NetAddress
import PacketWire
import Testing

/// host A -- access (10 Gbps, 1 ms) -- router -- bottleneck -- host B, both ways.
func tcpLine(bottleneck: LinkConfiguration, seed: UInt64 = 1) -> (sim: Simulation, a: NodeID, b: NodeID, bottleneck: (LinkID, LinkID)) {
    let sim = Simulation(seed: seed)
    let a = sim.addNode("a", kind: .host)
    let r = sim.addNode("r", kind: .router)
    let b = sim.addNode("b", kind: .host)
    let (aUp, rToA) = sim.addLink("access", between: a, and: r, .gbps(10, delay: .milliseconds(1)))
    let (rToB, bUp) = sim.addLink("bottleneck", between: r, and: b, bottleneck)
    sim.setUplink(host: a, link: aUp)
    sim.setUplink(host: b, link: bUp)
    sim.setRoute(try! IPv4Prefix(parsing: "10.1.0.0/16"), at: r, via: sim.addNextHopGroup([rToB]))
    sim.setRoute(try! IPv4Prefix(parsing: "10.0.0.0/16"), at: r, via: sim.addNextHopGroup([rToA]))
    return (sim, a, b, (rToB, bUp))
}

func tcpSpec(_ a: NodeID, _ b: NodeID, port: UInt16 = 40000) -> FlowSpec {
    FlowSpec(key: FlowKey(source: IPv4Address(10, 0, 0, 1), destination: IPv4Address(10, 1, 0, 1), sourcePort: port,
                          destinationPort: 5432, ipProtocol: IPProtocol.tcp),
             source: a, destination: b, group: "tcp")
}

@Suite("closed-loop TCP against the RFC arithmetic")
struct TCPTests {
    /// A bulk transfer fills the bottleneck: goodput over the last 5 s is
    /// within 10% of the link's payload rate (1460 of every 1500 bytes).
    @Test(arguments: CongestionControl.allCases)
    func bulkTransferFillsTheBottleneck(_ cc: CongestionControl) {
        var bottleneck = LinkConfiguration(bandwidth: .megabits(100), delay: .milliseconds(10))
        bottleneck.queuePackets = 200
        let net = tcpLine(bottleneck: bottleneck)
        var config = TCPConfiguration()
        config.congestionControl = cc
        let c = net.sim.addTCPConnection(tcpSpec(net.a, net.b), configuration: config, start: .zero, stop: .seconds(10))
        net.sim.run(until: .seconds(11))
        let s = net.sim.statistics(of: c)
        let lastFive = s.goodput[50..<100].reduce(0, +)
        let capacity = 100e6 / 8 * 5 * 1460 / 1500
        #expect(Double(lastFive) > 0.9 * capacity, "\(cc): \(lastFive) of \(capacity)")
        #expect(Double(lastFive) <= capacity * 1.001)
        #expect(net.sim.accountingViolations().isEmpty)
        #expect(s.smoothedRTT >= 22_000_000, "two 10 ms and two 1 ms hops plus queueing")
    }

    /// A bounded transfer delivers exactly its bytes, once, in order.
    @Test func boundedTransferCompletesExactly() {
        var bottleneck = LinkConfiguration(bandwidth: .megabits(50), delay: .milliseconds(5))
        bottleneck.loss = .bernoulli(probability: 0.01)
        let net = tcpLine(bottleneck: bottleneck)
        var config = TCPConfiguration()
        config.bytes = 3_000_001
        let c = net.sim.addTCPConnection(tcpSpec(net.a, net.b), configuration: config, start: .milliseconds(1), stop: .seconds(60))
        net.sim.run(until: .seconds(60))
        let s = net.sim.statistics(of: c)
        #expect(s.bytesDelivered == 3_000_001)
        #expect(s.completedAt > 0)
        #expect(s.retransmissions > 0 && s.fastRetransmits > 0, "1% loss is repaired")
        #expect(net.sim.accountingViolations().isEmpty)
    }

    /// A black hole of 3 s: with no ACKs the sender times out with
    /// exponential backoff (RFC 6298 §5.5). The transfer resumes at the first
    /// timeout after the repair, so the stall ends there (plus one way).
    @Test func blackHoleStallEndsAtTheFirstBackedOffTimeoutAfterTheRepair() {
        var bottleneck = LinkConfiguration(bandwidth: .megabits(100), delay: .milliseconds(10))
        bottleneck.queuePackets = 100
        let net = tcpLine(bottleneck: bottleneck)
        let c = net.sim.addTCPConnection(tcpSpec(net.a, net.b), configuration: TCPConfiguration(), start: .zero, stop: .seconds(20))
        net.sim.run(until: .seconds(2))
        let before = net.sim.statistics(of: c)
        let rto = before.rto
        #expect(rto == 200_000_000, "the RTO sits at Linux's 200 ms floor on a 22-34 ms path")
        net.sim.setLinkState(net.bottleneck.0, .blackhole)
        net.sim.run(until: .seconds(5))
        net.sim.setLinkState(net.bottleneck.0, .up)
        net.sim.run(until: .seconds(20))
        let s = net.sim.statistics(of: c)
        // The last segment through reached the receiver at the stall's start;
        // its ACK, one way later (1 ms + 10 ms + serialisation), armed the
        // timer at T. Timeouts fire at T + 0.2, 0.6, 1.4, 3.0, 6.2 s; the
        // first after the repair at 5 s restarts the transfer, and its
        // segment reaches the receiver one way later.
        // One way: 1 ms + 10 ms of propagation, plus serialisation (1500 B at
        // 10 Gbps and 100 Mbps for a segment, 40 B for an ACK).
        let dataOneWay: Int64 = 11_000_000 + 1_200 + 120_000
        let ackOneWay: Int64 = 11_000_000 + 3_200 + 32
        let armed = s.longestStallStart + ackOneWay
        let firings = [200, 600, 1_400, 3_000, 6_200, 12_600].map { armed + Int64($0) * 1_000_000 }
        let resumed = firings.first { $0 >= 5_000_000_000 }!
        let expectedEnd = resumed + dataOneWay
        let stallEnd = s.longestStallStart + s.longestStall
        #expect(abs(stallEnd - expectedEnd) < 100_000, "stall ended at \(stallEnd), timer arithmetic says \(expectedEnd)")
        #expect(Int(s.timeouts - before.timeouts) == firings.firstIndex(of: resumed)! + 1)
        #expect(s.maxBackoff == Int(s.timeouts - before.timeouts))
        #expect(s.longestStallStart > 1_950_000_000 && s.longestStallStart <= 2_000_000_000)
        #expect(net.sim.accountingViolations().isEmpty)
    }

    @Test func sameSeedSameTCP() {
        func run() -> TCPStatistics {
            var bottleneck = LinkConfiguration(bandwidth: .megabits(100), delay: .milliseconds(10))
            bottleneck.loss = .gilbertElliott(goodToBad: 0.001, badToGood: 0.3, lossInGood: 0, lossInBad: 0.5)
            let net = tcpLine(bottleneck: bottleneck, seed: 9)
            let c = net.sim.addTCPConnection(tcpSpec(net.a, net.b), configuration: TCPConfiguration(), start: .zero, stop: .seconds(5))
            net.sim.run(until: .seconds(6))
            return net.sim.statistics(of: c)
        }
        #expect(run() == run())
    }
}
