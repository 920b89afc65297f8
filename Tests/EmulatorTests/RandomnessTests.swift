import Emulator
import NetAddress
import PacketWire
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("loss models, ECMP and determinism")
struct RandomnessTests {
    /// Over 400,000 packets the loss rate converges to the model's stationary
    /// value. Tolerance 0.004: about 6 standard deviations of the estimate for
    /// this chain (bad-state runs of 10 packets on average inflate the variance
    /// of the Bernoulli case, sqrt(p(1-p)/n) = 0.00026, by about sqrt(2 x 10)).
    @Test func gilbertElliottConvergesToItsStationaryRate() {
        let model = LossModel.gilbertElliott(goodToBad: 0.01, badToGood: 0.1, lossInGood: 0.001, lossInBad: 0.3)
        #expect(abs(model.stationaryLossRate - (0.1 * 0.001 + 0.01 * 0.3) / 0.11) < 1e-12)
        var config = LinkConfiguration.gbps(100, delay: .microseconds(1))
        config.loss = model
        let (sim, src, dst, _) = chain([config])
        let flow = sim.addSource(TrafficSpec(flow: udpFlow(sim, from: src, to: dst), pattern: .packetsPerSecond(1_000_000),
                                             sizes: .fixed(100), maxPackets: 400_000))
        sim.run(until: .seconds(1))
        let s = sim.statistics(of: flow)
        let rate = Double(s.drops[.lossModel]) / Double(s.sent)
        #expect(abs(rate - model.stationaryLossRate) < 0.004, "measured \(rate), stationary \(model.stationaryLossRate)")
        #expect(s.delivered + s.drops[.lossModel] == 400_000)
    }

    @Test func bernoulliLossRate() {
        var config = LinkConfiguration.gbps(100, delay: .microseconds(1))
        config.loss = .bernoulli(probability: 0.05)
        let (sim, src, dst, _) = chain([config])
        let flow = sim.addSource(TrafficSpec(flow: udpFlow(sim, from: src, to: dst), pattern: .packetsPerSecond(1_000_000),
                                             sizes: .fixed(100), maxPackets: 200_000))
        sim.run(until: .seconds(1))
        let rate = Double(sim.statistics(of: flow).drops[.lossModel]) / 200_000
        // sqrt(0.05 x 0.95 / 200,000) = 0.00049; 6 sigma.
        #expect(abs(rate - 0.05) < 0.003)
    }

    /// 4,000 flows over a 4-way ECMP group: each flow stays on one member (the
    /// per-link packet counts equal the hash's prediction exactly), and the
    /// spread passes a chi-square test (3 degrees of freedom, 16.27 at p = 0.001).
    @Test func ecmpSpreadsFlowsEvenlyAndKeepsEachOnOnePath() {
        let sim = Simulation()
        let h = sim.addNode("h", kind: .host), r = sim.addNode("r", kind: .router), d = sim.addNode("d", kind: .host)
        let (up, _) = sim.addLink("up", between: h, and: r, .gbps(100, delay: .microseconds(1)))
        sim.setUplink(host: h, link: up)
        let members = (0..<4).map { sim.addLink("m\($0)", between: r, and: d, .gbps(100, delay: .microseconds(1))).0 }
        sim.setRoute(try! IPv4Prefix(parsing: "10.1.0.0/16"), at: r, via: sim.addNextHopGroup(members))
        var predicted = [0, 0, 0, 0]
        for i in 0..<4000 {
            let spec = udpFlow(sim, from: h, to: d, sport: UInt16(10_000 + i), source: "10.0.\(i / 250).\(i % 250 + 1)")
            predicted[FlowHash.member(spec.key, seed: UInt64(r.index) &* 0x9E37_79B9_7F4A_7C15, count: 4)] += 1
            sim.addSource(TrafficSpec(flow: spec, pattern: .packetsPerSecond(100), sizes: .fixed(100), maxPackets: 3))
        }
        sim.run(until: .seconds(1))
        let counts = members.map { Int(sim.statistics(of: $0).packetsSent) }
        #expect(counts == predicted.map { $0 * 3 })
        let expected = 1000.0
        let chiSquare = predicted.reduce(0.0) { $0 + pow(Double($1) - expected, 2) / expected }
        #expect(chiSquare < 16.27, "chi-square \(chiSquare) for \(predicted)")
    }

    func fingerprint(seed: UInt64) -> String {
        var config = LinkConfiguration.gbps(1, delay: .milliseconds(1))
        config.loss = .bernoulli(probability: 0.01)
        config.jitter = .microseconds(50)
        let (sim, src, dst, links) = chain([config, .gbps(0.5, delay: .milliseconds(3))], seed: seed)
        let a = sim.addSource(TrafficSpec(flow: udpFlow(sim, from: src, to: dst), pattern: .poisson(meanInterval: .microseconds(20)),
                                          sizes: .imix, stop: .milliseconds(300)))
        let b = sim.addSource(TrafficSpec(flow: udpFlow(sim, from: src, to: dst, sport: 1),
                                          pattern: .onOff(on: .milliseconds(20), off: .milliseconds(30), interval: .microseconds(15), exponential: true),
                                          sizes: .uniform(64...1500), stop: .milliseconds(300)))
        sim.run(until: .seconds(1))
        return [a, b].map { "\(sim.statistics(of: $0))" }.joined() + links.map { "\(sim.statistics(of: $0))" }.joined()
            + "\(sim.series(group: "test")!.bins)"
    }

    @Test func sameSeedSameResultsDifferentSeedDifferentResults() {
        let one = fingerprint(seed: 7)
        #expect(one == fingerprint(seed: 7))
        #expect(one != fingerprint(seed: 8))
    }

    @Test func onOffAndPoissonSendAtTheirMeanRates() {
        let (sim, src, dst, _) = chain([.gbps(100, delay: .microseconds(1))])
        let poisson = sim.addSource(TrafficSpec(flow: udpFlow(sim, from: src, to: dst), pattern: .poisson(meanInterval: .microseconds(100)),
                                                sizes: .fixed(100), stop: .seconds(2)))
        let onOff = sim.addSource(TrafficSpec(flow: udpFlow(sim, from: src, to: dst, sport: 2),
                                              pattern: .onOff(on: .milliseconds(10), off: .milliseconds(30), interval: .microseconds(100), exponential: false),
                                              sizes: .fixed(100), stop: .seconds(2)))
        sim.run(until: .seconds(3))
        // Poisson: 20,000 expected, sd 141.
        #expect(abs(Int(sim.statistics(of: poisson).sent) - 20_000) < 800)
        // On 10 ms of every 40 ms at 10,000 pps: 50 periods x 100 packets.
        #expect(abs(Int(sim.statistics(of: onOff).sent) - 5_000) <= 100)
    }
}
