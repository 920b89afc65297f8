import Emulator
import Foundation
import Report
import Scenario
import TestSupport
import Testing

/// The broken scenario files beside this test, each with the error it must
/// produce on its first line (`# expect: LINE:COLUMN: reason prefix`).
let brokenDirectory = TestPaths.repositoryRoot.appendingPathComponent("Tests/ScenarioTests/Broken")
let brokenFiles: [String] = (try? FileManager.default.contentsOfDirectory(atPath: brokenDirectory.path))?
    .filter { $0.hasSuffix(".yaml") }.sorted() ?? []

/// The commented examples in docs/scenarios.
let exampleDirectory = TestPaths.repositoryRoot.appendingPathComponent("docs/scenarios")
let exampleFiles: [String] = (try? FileManager.default.contentsOfDirectory(atPath: exampleDirectory.path))?
    .filter { $0.hasSuffix(".yaml") }.sorted() ?? []

@Suite struct ScenarioFileTests {
    @Test func thereAreBrokenFilesAndExamples() {
        #expect(brokenFiles.count >= 15)
        #expect(exampleFiles.count >= 5)
    }

    @Test("a broken file gives its own located message", arguments: brokenFiles)
    func brokenFileGivesItsOwnLocatedMessage(_ name: String) throws {
        let path = brokenDirectory.appendingPathComponent(name).path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let first = text.split(separator: "\n", omittingEmptySubsequences: false)[0]
        let expected = first.replacingOccurrences(of: "# expect: ", with: "")
        do {
            _ = try ScenarioFile.loadFull(path: path)
            Issue.record("\(name) was accepted")
        } catch {
            #expect(error.file == path)
            let located = "\(error.line):\(error.column): \(error.reason)"
            #expect(located.hasPrefix(expected), "\(name): got \(located)")
        }
    }

    @Test func brokenFilesEachSaySomethingDifferent() {
        var reasons: Set<String> = []
        for name in brokenFiles {
            do {
                _ = try ScenarioFile.loadFull(path: brokenDirectory.appendingPathComponent(name).path)
            } catch {
                reasons.insert(error.reason)
            }
        }
        #expect(reasons.count == brokenFiles.count)
    }

    @Test("an example file validates and runs clean", arguments: exampleFiles)
    func exampleValidatesAndRunsClean(_ name: String) throws {
        let loaded = try ScenarioFile.loadFull(path: exampleDirectory.appendingPathComponent(name).path)
        #expect(!loaded.spec.failures.isEmpty, "every example shows a failure")
        let result = try ScenarioRun(loaded.spec).run()
        #expect(result.accountingViolations == 0)
        for g in result.groups {
            #expect(g.statistics.sent > 0, "\(name): \(g.name) sent nothing")
            #expect(g.statistics.sent == g.statistics.delivered + g.statistics.drops.total, "\(name): \(g.name)")
        }
    }

    /// A file that only names a preset runs exactly the preset.
    @Test func aFileNamingOnlyAPresetRunsThePreset() throws {
        let loaded = try ScenarioFile.parse("base: option-b\n", file: "inline.yaml")
        var spec = loaded.spec
        spec.duration = .seconds(8)
        var preset = Preset.optionB.scenario
        preset.duration = .seconds(8)
        let a = RunReport.json(try ScenarioRun(spec).run()).serialized()
        let b = RunReport.json(try ScenarioRun(preset).run()).serialized()
        #expect(a == b)
    }

    @Test func fieldsReachTheDesign() throws {
        let text = """
        name: fields
        duration: 12s
        design:
          active-active: false
          mss-clamp: 1406
          peering: {latency: 2ms, mtu: 1500}
          dx:
            - {name: a, location: l1, bandwidth: 1Gbps, latency: 4ms, jitter: 10us, mtu: 1500, queue-packets: 77,
               bgp: {communities: ["7224:7300"], prepend: 2, med: 5, local-preference: 300}}
          vpn:
            - {name: v, routing: static, tunnels: 1, latency: 30ms, fragmentation-needed: true,
               loss: {model: gilbert-elliott, good-to-bad: 0.01, bad-to-good: 0.5}}
        timers: {bfd: false, dx-keepalive: 10s, dx-hold: 30s, gateway-programming-delay: 250ms}
        traffic:
          - {name: t, from: on-prem, to: vpc1, rate: 1000pps, flows: 3, protocol: tcp, sizes: {uniform: [100, 900]},
             pattern: poisson, both-directions: false, start: 1s, stop: 10s}
        failures:
          - {mode: flapping, target: a, at: 2s, down: 500ms, up: 1500ms, times: 2}
        """
        let spec = try ScenarioFile.parse(text, file: "inline.yaml").spec
        #expect(spec.duration == .seconds(12))
        let d = spec.design
        #expect(!d.activeActive && d.mssClamp == 1406 && d.peeringLatency == .milliseconds(2) && d.peeringMTU == 1500)
        let dx = d.dx[0]
        #expect(dx.bandwidth == .gigabits(1) && dx.latency == .milliseconds(4) && dx.jitter == .microseconds(10) && dx.mtu == 1500)
        #expect(dx.queuePackets == 77)
        #expect(dx.policy?.communities == [.awsHighPreference] && dx.policy?.prepend == 2 && dx.policy?.med == 5
            && dx.policy?.localPreference == 300)
        let vpn = d.vpn[0]
        #expect(!vpn.dynamicRouting && vpn.tunnels == 1 && vpn.latency == .milliseconds(30) && vpn.sendsFragmentationNeeded)
        #expect(vpn.loss == .gilbertElliott(goodToBad: 0.01, badToGood: 0.5, lossInGood: 0, lossInBad: 1))
        #expect(!d.timers.bfd && d.timers.dxKeepalive == .seconds(10) && d.timers.dxHold == .seconds(30))
        #expect(d.timers.gatewayProgrammingDelay == .milliseconds(250))
        let t = spec.traffic[0]
        #expect(t.packetsPerSecond == 1000 && t.flows == 3 && t.ipProtocol == 6 && t.sizes == .uniform(100...900))
        #expect(t.pattern == .poisson && !t.bothDirections && t.start == .seconds(1) && t.stop == .seconds(10))
        let f = spec.failures[0]
        #expect(f.kind == .flapping && f.flapDown == .milliseconds(500) && f.flapUp == .milliseconds(1500) && f.flapTimes == 2)
    }

    @Test func timesAndRatesParseExactly() {
        #expect(QuantityParser.time("300ms") == .milliseconds(300))
        #expect(QuantityParser.time("1.5s") == .milliseconds(1500))
        #expect(QuantityParser.time("2m") == .seconds(120))
        #expect(QuantityParser.time("80us") == .microseconds(80))
        #expect(QuantityParser.time("0.000000001s") == .nanoseconds(1))
        #expect(QuantityParser.rate("10Gbps") == .gigabits(10))
        #expect(QuantityParser.rate("1.25Gbps") == BitRate(bitsPerSecond: 1_250_000_000))
        for bad in ["", "5", "ms", "5 sec", "1.2.3s", "-1s", ".5s", "5.s"] { #expect(QuantityParser.time(bad) == nil, "\(bad)") }
        #expect(QuantityParser.rate("10GB") == nil)
    }
}
