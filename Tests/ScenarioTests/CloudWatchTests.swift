import ControlPlane
import Emulator
@testable import Scenario
import Testing

/// CloudWatch as AWS publishes it (AWS-FACTS §5): 1-minute datapoints of
/// 30-second samples, ConnectionState from the connection's carrier,
/// TunnelState as the fraction of a VPN's tunnels up, and alarms "N of M".
/// The runs carry no traffic: only the state metrics and timers matter.
@Suite struct CloudWatchTests {
    static func run(_ preset: Preset, _ failure: FailureSpec, duration: SimTime) throws -> RunResult {
        var spec = preset.scenario
        spec.traffic = []
        spec.duration = duration
        spec.failures = [failure]
        let run = try ScenarioRun(spec)
        run.start()
        return run.finish()
    }

    static func metric(_ r: RunResult, _ name: String, _ dimension: String) -> MetricSeries? {
        r.cloudWatch.metrics.first { $0.name == name && $0.dimension == dimension }
    }

    /// A fibre cut at 60 s, repaired at 480 s: the samples at 60 s ... 450 s
    /// see no carrier, so minutes 1-7 read 0; the alarm (5 consecutive
    /// periods, AWS's example in §5.1) fires at the end of minute 5, 360 s.
    @Test func connectionStateAlarmFiresAfterFiveDownMinutesOfACut() throws {
        let r = try Self.run(.recommended, FailureSpec(kind: .cut, target: "dx1", at: .seconds(60), duration: .seconds(420)), duration: .seconds(600))
        #expect(Self.metric(r, "ConnectionState", "dx1")?.datapoints == [1, 0, 0, 0, 0, 0, 0, 0, 1, 1])
        #expect(Self.metric(r, "ConnectionState", "dx2")?.datapoints == Array(repeating: 1, count: 10))
        let alarms = r.cloudWatch.alarms.filter { $0.metric == "ConnectionState" }
        #expect(alarms.first { $0.dimension == "dx1" }?.firesAt == .seconds(360))
        #expect(alarms.first { $0.dimension == "dx2" }?.firesAt == nil)
    }

    /// A silent (grey) failure keeps the carrier: ConnectionState stays 1 and
    /// its alarm never fires, although BGP drops the session.
    @Test func connectionStateStaysUpThroughASilentFailure() throws {
        let r = try Self.run(.recommended, FailureSpec(kind: .silent, target: "dx1", at: .seconds(60), duration: .seconds(420)), duration: .seconds(600))
        #expect(Self.metric(r, "ConnectionState", "dx1")?.datapoints == Array(repeating: 1, count: 10))
        #expect(r.cloudWatch.alarms.first { $0.dimension == "dx1" }?.firesAt == nil)
        #expect(r.timeline.contains { $0.text.contains("session dx1 down") })
    }

    /// One of two tunnels cut: TunnelState reads 0.5 (the current page's
    /// fractional value, §5.2). With 5-minute periods and "3 of 3", the alarm
    /// fires at the end of the third period, 900 s.
    @Test func tunnelStateIsTheFractionOfTunnelsUp() throws {
        let r = try Self.run(.optionB, FailureSpec(kind: .cut, target: "vpn1-t1", at: .seconds(60), duration: .seconds(1200)), duration: .seconds(1500))
        let state = try #require(Self.metric(r, "TunnelState", "vpn1"))
        #expect(state.datapoints.count == 25)
        #expect(state.datapoints[0] == 1)
        #expect(state.datapoints[1...20].allSatisfy { $0 == 0.5 })
        #expect(state.datapoints[22...].allSatisfy { $0 == 1 })
        let alarm = try #require(r.cloudWatch.alarms.first { $0.metric == "TunnelState" })
        #expect(alarm.firesAt == .seconds(900))
    }

    /// Rates are averages over the period: a constant stream reads its own rate.
    @Test func connectionPpsIsTheAverageRateOverThePeriod() throws {
        var spec = Preset.baseline.scenario
        spec.traffic = [TrafficGroup(name: "probe", from: .onPrem, to: .vpc1, packetsPerSecond: 250)]
        spec.traffic[0].bothDirections = false
        spec.traffic[0].start = .zero
        spec.duration = .seconds(180)
        spec.failures = []
        let run = try ScenarioRun(spec)
        run.start()
        let r = run.finish()
        let ingress = try #require(Self.metric(r, "ConnectionPpsIngress", "dx1"))
        #expect(ingress.datapoints.count == 3)
        for v in ingress.datapoints { #expect(abs(v - 250) < 0.5) }
        #expect(Self.metric(r, "ConnectionPpsEgress", "dx1")?.datapoints == [0, 0, 0])
    }

    /// TunnelDataIn is what the AWS side receives, counted after decryption;
    /// TunnelDataOut what it sends, counted before encryption (§5.2): inner
    /// bytes, summed per period over the VPN's tunnels. DX-1 is cut at 10 s and
    /// stays down, so from the second minute on 250 packets/s of 500 bytes
    /// each way cross the VPN: 7.5 MB a minute, not the 8.5+ MB on the wire.
    @Test func tunnelDataCountsInnerBytesOnTheAWSSide() throws {
        var spec = Preset.optionB.scenario
        var probe = TrafficGroup(name: "probe", from: .onPrem, to: .vpc1, packetsPerSecond: 250)
        probe.sizes = .fixed(500)
        probe.start = .zero
        spec.traffic = [probe]
        spec.duration = .seconds(180)
        spec.failures = [FailureSpec(kind: .cut, target: "dx1", at: .seconds(10))]
        let run = try ScenarioRun(spec)
        run.start()
        let r = run.finish()
        let dataIn = try #require(Self.metric(r, "TunnelDataIn", "vpn1"))
        let dataOut = try #require(Self.metric(r, "TunnelDataOut", "vpn1"))
        #expect(dataIn.statistic == "Sum" && dataIn.unit == "Bytes" && dataIn.datapoints.count == 3)
        #expect(dataIn.datapoints[0] > 0 && dataIn.datapoints[0] < 7_500_000 * 5 / 6, "the VPN carries traffic only after the cut")
        for v in dataIn.datapoints[1...] + dataOut.datapoints[1...] { #expect(abs(v - 7_500_000) <= 500, "\(v)") }
        let wire = r.links.filter { $0.name.hasPrefix("vpn1-t") && !$0.name.hasSuffix("'") }.reduce(UInt64(0)) { $0 + $1.statistics.bytesSent }
        #expect(Double(wire) > dataIn.datapoints.reduce(0, +) * 1.1, "the ESP overhead is on the wire, not in TunnelDataIn")
    }

    /// Received means arrived: when both tunnels fail silently at 120 s, the
    /// customer router keeps sending into them until DPD or BGP gives up, but
    /// nothing reaches the AWS side, so TunnelDataIn reads 0 for that minute.
    @Test func tunnelDataInCountsOnlyWhatArrives() throws {
        var spec = Preset.optionB.scenario
        var probe = TrafficGroup(name: "probe", from: .onPrem, to: .vpc1, packetsPerSecond: 250)
        probe.bothDirections = false
        probe.start = .zero
        spec.traffic = [probe]
        spec.duration = .seconds(180)
        spec.failures = [FailureSpec(kind: .cut, target: "dx1", at: .seconds(10)),
                         FailureSpec(kind: .silent, target: "vpn1-t1", at: .seconds(120)),
                         FailureSpec(kind: .silent, target: "vpn1-t2", at: .seconds(120))]
        let run = try ScenarioRun(spec)
        run.start()
        let r = run.finish()
        let dataIn = try #require(Self.metric(r, "TunnelDataIn", "vpn1"))
        #expect(dataIn.datapoints[1] > 0 && dataIn.datapoints[2] == 0, "\(dataIn.datapoints)")
        let sentInto = r.links.filter { $0.name == "vpn1-t1" || $0.name == "vpn1-t2" }
            .reduce(UInt64(0)) { total, link in total + link.series.bins[1200..<1800].reduce(0) { $0 + $1.innerBytes } }
        #expect(sentInto > 0, "the router still sent into the tunnels during that minute")
    }

    /// A VPN's name may contain '-': its tunnels are NAME-t1, NAME-t2.
    @Test func tunnelsGroupByTheirVPNsFullName() {
        #expect(CloudWatch.vpnName(ofTunnel: "vpn-backup-t2") == "vpn-backup")
        #expect(CloudWatch.vpnName(ofTunnel: "vpn1-t1") == "vpn1")
        #expect(CloudWatch.vpnName(ofTunnel: "odd") == "odd")
    }

    /// The default 30 s run is shorter than one period: no datapoints, no alarms.
    @Test func aRunShorterThanAPeriodHasNoDatapoints() throws {
        let r = try ScenarioRun(Preset.recommended.scenario).run()
        #expect(r.cloudWatch.metrics.allSatisfy { $0.datapoints.isEmpty })
        #expect(r.cloudWatch.alarms.allSatisfy { $0.firesAt == nil })
    }
}
