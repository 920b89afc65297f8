import Foundation
import Scenario
import Sweep
import Testing
import TestSupport

/// A directory of its own with a small, fast base scenario (2 s, one DX, a VPN backup).
func sweepDirectory(_ sweep: String) throws -> (dir: URL, file: String) {
    let dir = try Scratch.directory("sweep")
    let base = """
    name: small
    seed: 5
    duration: 2s
    design:
      dx:
        - name: dx1
          bandwidth: 1Gbps
      vpn:
        - name: vpn1
    timers:
      bfd-interval: 300ms
      bfd-multiplier: 3
    traffic:
      - name: app-db
        from: on-prem
        to: vpc1
        rate: 500pps
        flows: 2
    failures:
      - mode: silent
        target: dx1
        at: 500ms
        for: 1s
    """
    try base.write(to: dir.appendingPathComponent("small.yaml"), atomically: true, encoding: .utf8)
    let file = dir.appendingPathComponent("sweep.yaml").path
    try sweep.write(toFile: file, atomically: true, encoding: .utf8)
    return (dir, file)
}

let twoAxes = """
name: timing
scenario: small.yaml
seed: 9
replicas: 2
axes:
  failures[0].at: [300ms, 800ms, 1200ms]
  timers.bfd-interval: [300ms, 1s]
"""

@Suite("sweep plans")
struct SweepPlanTests {
    @Test func pathsReadAsKeysAndIndices() throws {
        let (_, file) = try sweepDirectory("""
        scenario: small.yaml
        axes:
          design.dx[0].bandwidth: [1Gbps, 10Gbps]
        """)
        let plan = try SweepPlan.load(path: file)
        #expect(plan.axes.map(\.path) == ["design.dx[0].bandwidth"])
        let spec = try plan.scenario(plan.point(1))
        #expect(spec.design.dx[0].bandwidth.bitsPerSecond == 10_000_000_000)
    }

    @Test func pointsRunFirstAxisSlowestReplicaFastest() throws {
        let plan = try SweepPlan.load(path: try sweepDirectory(twoAxes).file)
        #expect(plan.pointCount == 12)
        let p = plan.point(7)  // 7 = ((1 * 2) + 1) * 2 + 1
        #expect(p.choices == [1, 1] && p.replica == 1)
        #expect(plan.label(p) == "failures[0].at=800ms timers.bfd-interval=1s replica=1")
        let spec = try plan.scenario(p)
        #expect(spec.failures[0].at == .milliseconds(800))
        #expect(spec.seed == p.seed)
    }

    @Test func seedsDeriveFromThePointsValuesNotItsNumber() throws {
        let plan = try SweepPlan.load(path: try sweepDirectory(twoAxes).file)
        let seeds = plan.points.map(\.seed)
        #expect(Set(seeds).count == seeds.count, "every point has its own seed")
        #expect(try SweepPlan.load(path: try sweepDirectory(twoAxes).file).points.map(\.seed) == seeds, "the same sweep, the same seeds")
        // One more value at the front renumbers every point but keeps their seeds.
        let wider = twoAxes.replacingOccurrences(of: "[300ms, 800ms", with: "[100ms, 300ms, 800ms")
        let widerPlan = try SweepPlan.load(path: try sweepDirectory(wider).file)
        #expect(Array(widerPlan.points.map(\.seed).suffix(12)) == seeds)
        // Another sweep seed, other seeds.
        let reseeded = try SweepPlan.load(path: try sweepDirectory(twoAxes.replacingOccurrences(of: "seed: 9", with: "seed: 10")).file)
        #expect(Set(reseeded.points.map(\.seed)).isDisjoint(with: seeds))
    }

    @Test func aSweptSeedIsUsedAsGiven() throws {
        let plan = try SweepPlan.load(path: try sweepDirectory("""
        scenario: small.yaml
        axes:
          seed: [11, 12]
        """).file)
        #expect(try plan.points.map { try plan.scenario($0).seed } == [11, 12])
    }

    @Test func shardsSplitThePointsWithoutOverlap() throws {
        for n in 1...5 {
            var owners = [Int](repeating: 0, count: 12)
            for i in 0..<n { for p in 0..<12 where Shard(index: i, count: n).contains(p) { owners[p] += 1 } }
            #expect(owners.allSatisfy { $0 == 1 })
        }
        #expect(Shard(parsing: "3/8") == Shard(index: 3, count: 8))
        for bad in ["8/8", "-1/4", "1/0", "1", "a/b", "1/2/3"] { #expect(Shard(parsing: bad) == nil, "\(bad)") }
    }

    @Test func presetsAreBasesToo() throws {
        let plan = try SweepPlan.load(path: try sweepDirectory("""
        scenario: [recommended, option-a]
        axes:
          duration: [10s, 20s]
        """).file)
        #expect(plan.pointCount == 4)
        #expect(try plan.scenario(plan.point(3)).duration == .seconds(20))
        #expect(plan.label(plan.point(3)) == "scenario=option-a duration=20s")
    }
}

@Suite("sweep file errors")
struct SweepErrorTests {
    func loadError(_ text: String) throws -> String {
        let (_, file) = try sweepDirectory(text)
        do {
            let plan = try SweepPlan.load(path: file)
            for p in plan.points { _ = try plan.scenario(p) }
        } catch {
            return error.description.replacingOccurrences(of: file, with: "SWEEP")
        }
        Issue.record("no error for:\n\(text)")
        return ""
    }

    @Test func anAxisThatDoesNotFitNamesItsLine() throws {
        let e = try loadError("scenario: small.yaml\naxes:\n  failures[3].at: [1s]\n")
        #expect(e.hasPrefix("SWEEP:3:3: axis 'failures[3].at' does not fit small.yaml: it has 1 entries, so no [3]"), "\(e)")
    }

    @Test func aBadValueNamesThePointAndTheReason() throws {
        let e = try loadError("scenario: small.yaml\naxes:\n  timers.bfd-interval: [300ms, banana]\n")
        #expect(e.contains("point 1 (timers.bfd-interval=banana)"), "\(e)")
        #expect(e.contains("bfd-interval"), "\(e)")
    }

    @Test func unknownKeysMissingBasesAndBadPaths() throws {
        #expect(try loadError("scenario: small.yaml\nreplicas: 0\n").contains("replicas must be a whole number from 1"))
        #expect(try loadError("scenario: small.yaml\naxis: {}\n").contains("unknown key 'axis'"))
        #expect(try loadError("axes: {}\n").contains("the sweep needs 'scenario'"))
        #expect(try loadError("scenario: nowhere.yaml\n").contains("neither a preset"))
        #expect(try loadError("scenario: small.yaml\naxes:\n  failures[x].at: [1s]\n").contains("an index must be a whole number"))
        #expect(try loadError("scenario: small.yaml\naxes:\n  duration: 5s\n").contains("must have a list of one or more values"))
        #expect(try loadError("scenario: small.yaml\naxes:\n  output.json: [a.json]\n").contains("outputs are the sweep's own"))
    }
}

@Suite("sweep runs, shards and merges")
struct SweepRunTests {
    func run(_ plan: SweepPlan, _ shard: Shard, jobs: Int = 2) throws -> SweepDocument {
        let points = plan.points.filter { shard.contains($0.index) }
        let results = try SweepRunner.run(try points.map { (try plan.scenario($0), plan.identity($0)) }, jobs: jobs)
        return SweepDocument(plan: plan, shard: shard, points: results)
    }

    @Test func threadsChangeNothing() throws {
        let plan = try SweepPlan.load(path: try sweepDirectory(Self.sweep).file)
        #expect(try run(plan, .whole, jobs: 1).json() == run(plan, .whole, jobs: 5).json())
    }

    static let sweep = """
    scenario: small.yaml
    replicas: 2
    axes:
      failures[0].mode: [silent, cut]
      timers.bfd-interval: [300ms, 1s]
    """

    @Test func shardsMergedGiveTheSameResultsAsTheWholeSweep() throws {
        let plan = try SweepPlan.load(path: try sweepDirectory(Self.sweep).file)
        let whole = try run(plan, .whole)
        #expect(whole.isComplete && whole.points.allSatisfy(\.accounted))
        let shards = try (0..<3).map { try run(plan, Shard(index: $0, count: 3)) }
        // Through the JSON text, as shards written on other machines would come back.
        let read = try shards.enumerated().map { i, d in ("shard\(i).json", try SweepDocument.read(Data(d.json().utf8), file: "shard\(i).json")) }
        let merged = try SweepDocument.merge(read.reversed())
        #expect(merged.points == whole.points)
        #expect(merged.sweep == whole.sweep)
        #expect(merged.shardIndices == [0, 1, 2] && merged.isComplete)
        #expect(try run(plan, .whole).json() == whole.json(), "the same sweep gives the same bytes")
    }

    @Test func aSlowerDetectorLosesMoreInASilentFailure() throws {
        // BFD at 300 ms x 3 detects in about 0.9 s, at 1 s x 3 in about 3 s: longer than
        // the 1 s failure itself, so the outage lasts until the repair.
        let plan = try SweepPlan.load(path: try sweepDirectory(Self.sweep).file)
        let doc = try run(plan, .whole)
        let silent = doc.points.filter { $0.values["failures[0].mode"] == "silent" }
        let fast = silent.filter { $0.values["timers.bfd-interval"] == "300ms" }
        let slow = silent.filter { $0.values["timers.bfd-interval"] == "1s" }
        #expect(fast.count == 2 && slow.count == 2)
        for (f, s) in zip(fast, slow) { #expect(f.lossShare < s.lossShare, "\(f.lossShare) vs \(s.lossShare)") }
        #expect(doc.text().contains("reachable"))
        #expect(doc.csv().split(separator: "\n").count == 1 + 8)
    }

    @Test func mergeRefusesMixedMissingAndDuplicateShards() throws {
        let plan = try SweepPlan.load(path: try sweepDirectory(Self.sweep).file)
        let a = try run(plan, Shard(index: 0, count: 2)), b = try run(plan, Shard(index: 1, count: 2))
        func error(_ docs: [(String, SweepDocument)], partial: Bool = false) -> String {
            do { _ = try SweepDocument.merge(docs, partial: partial) } catch { return error.description }
            return "merged"
        }
        #expect(error([("a", a)]).contains("shards missing: 1/2"))
        #expect(error([("a", a)], partial: true) == "merged")
        #expect(error([("a", a), ("a2", a)]).contains("shard 0/2 is in both a and a2"))
        var other = b
        other.sweep.digest = "0000000000000000"
        #expect(error([("a", a), ("b", other)]).contains("b is from another sweep than a"))
        var resplit = b
        resplit.shards = 3
        #expect(error([("a", a), ("b", resplit)]).contains("split into 3 shards"))
        #expect(throws: SweepMergeError.self) { try SweepDocument.read(Data("{\"schema\": 1}".utf8), file: "x.json") }
        do {
            _ = try SweepDocument.read(Data("not json".utf8), file: "x.json")
        } catch {
            #expect(error.description.hasPrefix("x.json: not JSON"))
        }
    }
}
