import Emulator
import NetAddress
import PacketWire
import Testing

@Suite("links against analytic results")
struct LinkModelTests {
    /// size x 8 / bandwidth + delay per hop, exactly, in integer nanoseconds.
    @Test func onePacketArrivesAfterSerialisationPlusDelayPerHop() {
        let (sim, src, dst, _) = chain([.gbps(1, delay: .milliseconds(1)), .gbps(10, delay: .microseconds(250)), .gbps(0.1, delay: .microseconds(5))])
        let flow = sim.addSource(TrafficSpec(flow: udpFlow(sim, from: src, to: dst), pattern: .packetsPerSecond(1),
                                             sizes: .fixed(1000), maxPackets: 1))
        sim.run(until: .seconds(1))
        let s = sim.statistics(of: flow)
        #expect(s.delivered == 1)
        // 1000 B: 8,000 ns at 1 Gbps + 1 ms; 800 ns at 10 Gbps + 250 us; 80,000 ns at 100 Mbps + 5 us.
        #expect(s.latencyMin == 8_000 + 1_000_000 + 800 + 250_000 + 80_000 + 5_000)
        #expect(s.latencyMin == s.latencyMax)
        #expect(sim.accountingViolations().isEmpty)
    }

    /// A CBR of 1500-byte packets every 10 us into a 1 Gbps link (12 us each),
    /// queue limit 50 packets (the one in transmission counts). Reference: the
    /// drop-tail FIFO worked out by hand in the test, arrival by arrival.
    @Test func overloadBuildsDelayAndDropsExactlyAtTheLimit() {
        var config = LinkConfiguration.gbps(1, delay: .microseconds(100))
        config.queuePackets = 50
        let (sim, src, dst, links) = chain([config])
        let flow = sim.addSource(TrafficSpec(flow: udpFlow(sim, from: src, to: dst),
                                             pattern: .constantRate(interval: .microseconds(10)), sizes: .fixed(1500), maxPackets: 1000))
        sim.run(until: .seconds(1))
        let s = sim.statistics(of: flow)
        var departures: [Int] = []  // microseconds at which admitted packets finish transmission
        var admitted = 0, dropped = 0, firstDrop = -1, maxLatency = 0
        for k in 0..<1000 {
            let arrival = 10 * k
            if departures.filter({ $0 > arrival }).count >= 50 {
                dropped += 1
                if firstDrop < 0 { firstDrop = k }
                continue
            }
            let done = max(arrival, departures.last ?? 0) + 12
            departures.append(done)
            admitted += 1
            maxLatency = max(maxLatency, done - arrival + 100)
        }
        #expect(firstDrop == 295)  // 12(j+1) > 10k for 50 earlier packets first at k = 295
        #expect(s.delivered == UInt64(admitted))
        #expect(s.drops[.queueFull] == UInt64(dropped))
        #expect(s.latencyMax == Int64(maxLatency) * 1_000)
        #expect(sim.statistics(of: links[0]).maxQueuePackets == 50)
        #expect(sim.accountingViolations().isEmpty)
    }

    @Test func queueingDelaySlopeIsTwoMicrosecondsPerPacket() {
        let (sim, src, dst, _) = chain([.gbps(1, delay: .zero)])
        let flow = sim.addSource(TrafficSpec(flow: udpFlow(sim, from: src, to: dst),
                                             pattern: .constantRate(interval: .microseconds(10)), sizes: .fixed(1500), maxPackets: 100))
        sim.run(until: .seconds(1))
        let s = sim.statistics(of: flow)
        #expect(s.delivered == 100)
        // Latencies 12, 14, ..., 210 us: mean 111 us, max 210 us.
        #expect(s.latencyMin == 12_000)
        #expect(s.latencyMax == 2 * 99 * 1_000 + 12_000)
        #expect(s.meanLatency == 111_000)
    }

    @Test func fragmentationFollowsRFC791AndTheDatagramCountsOnce() {
        // RFC 791 arithmetic: 4000-byte datagram, 20-byte header, MTU 1500:
        // 1480 data bytes per fragment (a multiple of 8) -> 1500, 1500, 1040.
        let pieces = Fragmentation.fragments(totalLength: 4000, mtu: 1500)
        #expect(pieces.map(\.totalLength) == [1500, 1500, 1040])
        #expect(pieces.map(\.offsetUnits) == [0, 185, 370])
        #expect(pieces.map(\.moreFragments) == [true, true, false])
        #expect(Fragmentation.count(totalLength: 4000, mtu: 1500) == 3)
        // MTU 1446 (the VPN's): (1446 - 20) & ~7 = 1424 data bytes per fragment.
        #expect(Fragmentation.fragments(totalLength: 9001, mtu: 1446).map(\.totalLength) == [1444, 1444, 1444, 1444, 1444, 1444, 457])
        #expect(Fragmentation.fragments(totalLength: 1500, mtu: 1500).count == 1)

        let (sim, src, dst, links) = chain([.gbps(10, delay: .microseconds(10), mtu: 9001), .gbps(1, delay: .microseconds(10), mtu: 1500)])
        let flow = sim.addSource(TrafficSpec(flow: udpFlow(sim, from: src, to: dst, dontFragment: false),
                                             pattern: .packetsPerSecond(1000), sizes: .fixed(4000), maxPackets: 10))
        sim.run(until: .seconds(1))
        #expect(sim.statistics(of: links[1]).fragmentsCreated == 30)
        #expect(sim.statistics(of: links[1]).packetsSent == 30)
        #expect(sim.statistics(of: flow).delivered == 10)
        #expect(sim.statistics(of: flow).bytesDelivered == 40_000)
        #expect(sim.accountingViolations().isEmpty)
    }

    @Test func dontFragmentOverTheMTUIsDroppedWithICMP() {
        var narrow = LinkConfiguration.gbps(1.25, delay: .milliseconds(15), mtu: 1446)
        narrow.sendsICMPTooBig = true
        let (sim, src, dst, _) = chain([.gbps(10, delay: .microseconds(10)), narrow])
        let flow = sim.addSource(TrafficSpec(flow: udpFlow(sim, from: src, to: dst), pattern: .packetsPerSecond(1000),
                                             sizes: .mix([PacketSizes.Pair(1500, 1), PacketSizes.Pair(1000, 1)]), maxPackets: 200))
        sim.run(until: .seconds(1))
        let s = sim.statistics(of: flow)
        #expect(s.drops[.mtuExceeded] > 50)
        #expect(s.delivered + s.drops[.mtuExceeded] == 200)
        #expect(s.icmpTooBigSent == s.drops[.mtuExceeded])
        #expect(s.icmpTooBigReceived == s.icmpTooBigSent)
        #expect(s.learntPathMTU == 1446)
    }

    @Test func ipv6IsNeverFragmented() {
        let (sim, src, dst, _) = chain([.gbps(10, delay: .microseconds(10), mtu: 9001), .gbps(1, delay: .microseconds(10), mtu: 1500)])
        for (i, r) in sim.nodeIDs.enumerated() where i == 1 {
            sim.setRoute(try! IPv6Prefix(parsing: "2001:db8:1::/48"), at: r, via: sim.addNextHopGroup([sim.linkIDs[2]]))
        }
        let spec = FlowSpec(key: FlowKey(source: try! IPv6Address(parsing: "2001:db8::1"), destination: try! IPv6Address(parsing: "2001:db8:1::1"),
                                         sourcePort: 1, destinationPort: 2, ipProtocol: IPProtocol.udp),
                            source: src, destination: dst, group: "v6", dontFragment: false)
        let flow = sim.addSource(TrafficSpec(flow: spec, pattern: .packetsPerSecond(100), sizes: .fixed(4000), maxPackets: 5))
        sim.run(until: .seconds(1))
        #expect(sim.statistics(of: flow).drops[.mtuExceeded] == 5)
        #expect(sim.statistics(of: flow).delivered == 0)
    }

    @Test func ttlIsDecrementedAndEnforcedInALoop() {
        let sim = Simulation()
        let h = sim.addNode("h", kind: .host), a = sim.addNode("a", kind: .router), b = sim.addNode("b", kind: .router)
        let dst = sim.addNode("d", kind: .host)
        let (ha, _) = sim.addLink("h-a", between: h, and: a, .gbps(10, delay: .microseconds(1)))
        let (ab, ba) = sim.addLink("a-b", between: a, and: b, .gbps(10, delay: .microseconds(1)))
        _ = sim.addLink("b-d", between: b, and: dst, .gbps(10, delay: .microseconds(1)))
        sim.setUplink(host: h, link: ha)
        let prefix = try! IPv4Prefix(parsing: "10.1.0.0/16")
        sim.setRoute(prefix, at: a, via: sim.addNextHopGroup([ab]))
        sim.setRoute(prefix, at: b, via: sim.addNextHopGroup([ba]))  // loop back to a
        var spec = udpFlow(sim, from: h, to: dst)
        spec.ttl = 10
        let flow = sim.addSource(TrafficSpec(flow: spec, pattern: .packetsPerSecond(1000), sizes: .fixed(100), maxPackets: 3))
        sim.run(until: .seconds(1))
        #expect(sim.statistics(of: flow).drops[.ttlExpired] == 3)
        // TTL 10: routers a, b, a, ... forward 9 times; the 10th router drops. 9 link hops after a.
        #expect(sim.statistics(of: ab).packetsSent + sim.statistics(of: ba).packetsSent == 3 * 9)
    }

    @Test func jitterNeverReorders() {
        var config = LinkConfiguration.gbps(10, delay: .milliseconds(2))
        config.jitter = .milliseconds(1)
        let (sim, src, dst, _) = chain([config])
        let flow = sim.addSource(TrafficSpec(flow: udpFlow(sim, from: src, to: dst), pattern: .packetsPerSecond(100_000),
                                             sizes: .fixed(200), maxPackets: 5_000))
        sim.run(until: .seconds(1))
        let s = sim.statistics(of: flow)
        #expect(s.delivered == 5_000)
        #expect(s.reordered == 0)
        #expect(s.latencyMax > s.latencyMin + 100_000)  // jitter did something
    }

    @Test func packetRateCapQueuesThenDropsAsPpsLimit() {
        var tunnel = LinkConfiguration.gbps(1.25, delay: .milliseconds(15), mtu: 1446)
        tunnel.packetsPerSecond = 140_000
        tunnel.queuePackets = 1000
        let (sim, src, dst, links) = chain([.gbps(10, delay: .microseconds(10)), tunnel])
        let flow = sim.addSource(TrafficSpec(flow: udpFlow(sim, from: src, to: dst), pattern: .packetsPerSecond(200_000),
                                             sizes: .fixed(100), stop: .milliseconds(200)))
        sim.run(until: .seconds(1))
        let s = sim.statistics(of: flow)
        #expect(s.sent == 40_000)
        // 200 ms at 140,000 pps drains 28,000 packets (+1 at the edge), plus the 1,000 queued at the end.
        #expect(s.delivered >= 28_000 && s.delivered <= 28_001 + 1_000)
        #expect(s.drops[.ppsLimit] == s.sent - s.delivered)
        #expect(sim.statistics(of: links[1]).maxQueuePackets == 1000)
    }

    @Test func linkFailuresDropWithTheirReasons() {
        let (sim, src, dst, links) = chain([.gbps(10, delay: .microseconds(10)), .gbps(10, delay: .milliseconds(2))])
        let flow = sim.addSource(TrafficSpec(flow: udpFlow(sim, from: src, to: dst), pattern: .packetsPerSecond(10_000),
                                             sizes: .fixed(1000), stop: .seconds(3)))
        sim.schedule(at: .seconds(1)) { $0.setLinkState(links[1], .blackhole) }
        sim.schedule(at: .seconds(2)) { $0.setLinkState(links[1], .down) }
        sim.run(until: .seconds(4))
        let s = sim.statistics(of: flow)
        #expect(s.sent == 30_000)
        // Black hole from 1 s: packets arriving after it (sent from ~0.998 s) are lost: about 10,000.
        #expect(s.drops[.blackholed] >= 9_990 && s.drops[.blackholed] <= 10_030)
        #expect(s.drops[.linkDown] >= 9_990 && s.drops[.linkDown] <= 10_030)
        #expect(s.delivered + s.drops.total == s.sent)
        #expect(sim.packetsInFlight == 0)
    }
}
