import ControlPlane
import Emulator
import Report
import Scenario
import Testing

/// The presets on the default traffic and failure (DX-1 silent at 5 s for
/// 15 s, BFD 300 ms x 3): what `dxemu compare` shows, measured.
@Suite struct PresetTests {
    /// BFD detects a silent failure 600-900 ms after it (the last control
    /// packet arrived up to one 300 ms interval before it; AWS-FACTS §1.3),
    /// then a FIB is reprogrammed (50 ms customer router, 100 ms gateway):
    /// no outage on a surviving path can be longer than 900 + 100 ms plus the
    /// propagation and one sending interval; none can be shorter than 600 ms.
    static let bfdOutageBound: ClosedRange<Int64> = 600_000_000...1_030_000_000

    static func vpc1Groups(_ r: RunResult) -> (to: GroupResult, from: GroupResult) {
        (r.groups.first { $0.from == .onPrem && $0.to == .vpc1 }!, r.groups.first { $0.from == .vpc1 && $0.to == .onPrem }!)
    }

    static func dominant(_ g: GroupResult) -> DropReason? {
        DropReason.allCases.filter { g.statistics.drops[$0] > 0 }.max { g.statistics.drops[$0] < g.statistics.drops[$1] }
    }

    @Test("a preset runs clean and as its design predicts", arguments: Preset.allCases)
    func presetRunsCleanAndAsItsDesignPredicts(_ preset: Preset) throws {
        let r = try ScenarioRun(preset.scenario).run()
        // Every packet accounted for.
        #expect(r.accountingViolations == 0)
        for g in r.groups { #expect(g.statistics.sent == g.statistics.delivered + g.statistics.drops.total, "\(g.name)") }
        let a = RunReport.assess(r, preset: preset)
        let (to, from) = Self.vpc1Groups(r)
        #expect(to.deliveredBefore > 0 && from.deliveredBefore > 0, "VPC-1 works before the failure")

        switch preset {
        case .optionA, .optionAPassive, .optionASameLocation, .recommended:
            // A second DX: VPC-1 stays reachable; only the detection time is lost.
            #expect(a.vpc1ReachableDuringFailure)
            for g in [to, from] { #expect(Self.bfdOutageBound.contains(g.longestGap), "\(g.name): \(g.longestGap)") }
            #expect(a.mtuDrops == 0)
            // Traffic stays on DX: no packet crossed the VPN.
            for l in r.links where l.name.hasPrefix("vpn") { #expect(l.statistics.packetsSent == 0) }
        case .optionB, .tgw:
            // The VPN takes over after detection: slower, and jumbo DF packets hit its 1446-byte inner MTU (§2.3).
            #expect(a.vpc1ReachableDuringFailure)
            for g in [to, from] { #expect(Self.bfdOutageBound.contains(g.longestGap), "\(g.name): \(g.longestGap)") }
            #expect(a.mtuDrops > 0)
            #expect(to.statistics.drops[.mtuExceeded] > 0)
            #expect(to.latencyDuring! > to.latencyBefore! + 10_000_000, "VPN path is slower than DX")
        case .baseline:
            // One DX: nothing reaches VPC-1 from detection until the session is back.
            #expect(!a.vpc1ReachableDuringFailure)
            #expect(to.deliveredDuring < to.statistics.sent / 40, "at most the detection time's worth")
            #expect(to.longestGap >= 15_000_000_000)
            #expect(Self.dominant(to) == .noRoute)
        case .optionC, .optionD:
            // The backup lands in VPC-2: peering is not transitive (§4.1).
            #expect(!a.vpc1ReachableDuringFailure)
            #expect(to.statistics.drops[.nonTransitivePeering] > 0)
            #expect(Self.dominant(to) == .nonTransitivePeering)
            #expect(a.vpc2ReachableBeforeFailure)
            #expect(a.verdict.contains("on-prem -> VPC-1 dropped for non-transitive peering"))
        case .optionE:
            // CloudHub links a branch; the data centre keeps one path.
            #expect(!a.vpc1ReachableDuringFailure)
            #expect(Self.dominant(to) == .noRoute)
            #expect(a.verdict.contains("CloudHub"))
        }
        #expect(a.addsFaultTolerance == a.vpc1ReachableDuringFailure)
    }

    /// VPC-2 is reachable from on-prem only where a connection lands on it.
    @Test func vpc2ReachabilityFromOnPrem() throws {
        for (preset, reachable) in [(Preset.baseline, false), (.optionC, true), (.optionD, true), (.tgw, true), (.recommended, false)] {
            var spec = preset.scenario
            spec.duration = .seconds(4)
            spec.failures = []
            let r = try ScenarioRun(spec).run()
            let ops = r.groups.first { $0.from == .onPrem && $0.to == .vpc2 }!
            #expect((ops.statistics.delivered > 0) == reachable, "\(preset)")
            if !reachable { #expect(ops.statistics.drops[.noRoute] == ops.statistics.sent) }
        }
    }

    @Test func sameSeedGivesByteIdenticalJSON() throws {
        var spec = Preset.recommended.scenario
        spec.duration = .seconds(10)
        spec.traffic[0].pattern = .poisson
        let a = RunReport.json(try ScenarioRun(spec).run()).serialized()
        let b = RunReport.json(try ScenarioRun(spec).run()).serialized()
        #expect(a == b)
        spec.seed = 2
        let c = RunReport.json(try ScenarioRun(spec).run()).serialized()
        #expect(a != c, "the seed moves timer phases and Poisson arrivals")
    }

    @Test func compareRanksDesignsThatKeepVPC1First() throws {
        var runs: [(Preset, RunResult)] = []
        for preset in [Preset.baseline, .optionA, .optionC] {
            var spec = preset.scenario
            spec.duration = .seconds(12)
            spec.failures = [FailureSpec(kind: .cut, target: "dx1", at: .seconds(3), duration: .seconds(4))]
            runs.append((preset, try ScenarioRun(spec).run()))
        }
        let text = RunReport.compareText(runs)
        let lines = text.split(separator: "\n")
        let rankOfA = lines.firstIndex { $0.contains(" option-a ") }!
        let rankOfBaseline = lines.firstIndex { $0.contains(" baseline ") }!
        #expect(rankOfA < rankOfBaseline)
        #expect(text.contains("option-c: does not add fault tolerance"))
    }

    @Test func badNamesInAScenarioAreClearErrors() {
        var spec = Preset.recommended.scenario
        spec.failures = [FailureSpec(kind: .silent, target: "dx9", at: .seconds(1))]
        #expect { try ScenarioRun(spec) } throws: { ($0 as? ScenarioError)?.message.contains("'dx9' is not a connection") == true }
        spec.failures = [FailureSpec(kind: .device, target: "router-x", at: .seconds(1))]
        #expect { try ScenarioRun(spec) } throws: { ($0 as? ScenarioError)?.message.contains("device 'router-x'") == true }
    }
}
