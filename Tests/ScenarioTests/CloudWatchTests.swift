import ControlPlane
import Emulator
import Scenario
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

    /// The default 30 s run is shorter than one period: no datapoints, no alarms.
    @Test func aRunShorterThanAPeriodHasNoDatapoints() throws {
        let r = try ScenarioRun(Preset.recommended.scenario).run()
        #expect(r.cloudWatch.metrics.allSatisfy { $0.datapoints.isEmpty })
        #expect(r.cloudWatch.alarms.allSatisfy { $0.firesAt == nil })
    }
}
