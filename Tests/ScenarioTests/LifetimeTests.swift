import Emulator
import Report
import Scenario
import Testing

/// A run's simulation, control plane and their timers are freed when the run
/// is: `compare` runs eight designs and a sweep runs many, so a cycle between
/// the simulation's pending timers and the control plane would keep every
/// finished run in memory.
@Suite struct LifetimeTests {
    @Test func aFinishedRunFreesItsSimulationAndControlPlane() throws {
        weak var simulation: Simulation?
        weak var network: SecureCartNetwork?
        do {
            var spec = Preset.recommended.scenario
            spec.duration = .seconds(8)
            let run = try ScenarioRun(spec)
            run.start()
            let result = run.finish()
            #expect(result.accountingViolations == 0)
            simulation = run.network.simulation
            network = run.network
        }
        // BFD probes, keepalives and hold timers were still pending at the end.
        #expect(simulation == nil)
        #expect(network == nil)
    }

    /// A replay ends when its capture does, often before the scenario's
    /// failure: the path snapshot scheduled for it is still pending then.
    @Test func aRunEndedBeforeItsFailureIsFreedToo() throws {
        weak var simulation: Simulation?
        weak var run: ScenarioRun?
        do {
            var spec = Preset.recommended.scenario
            spec.failures = [FailureSpec(kind: .silent, target: "dx1", at: .seconds(20), duration: .seconds(5))]
            let r = try ScenarioRun(spec)
            r.start()
            let result = r.finish(at: .seconds(3))
            #expect(result.accountingViolations == 0)
            simulation = r.network.simulation
            run = r
        }
        #expect(run == nil)
        #expect(simulation == nil)
    }
}

/// A run watched for progress goes in slices of virtual time; it must give
/// the same result, byte for byte, as one run to the end.
@Suite struct ProgressTests {
    @Test func aRunWatchedForProgressGivesTheSameResult() throws {
        var spec = Preset.recommended.scenario
        spec.duration = .seconds(10)
        let plain = try ScenarioRun(spec).run()
        var calls = 0
        var last = SimTime.zero
        let watched = try ScenarioRun(spec).run { now, end in
            calls += 1
            #expect(now > last && now <= end)
            last = now
        }
        #expect(calls == 200)
        #expect(last == spec.duration + .seconds(1))
        #expect(RunReport.json(plain).serialized() == RunReport.json(watched).serialized())
    }
}
