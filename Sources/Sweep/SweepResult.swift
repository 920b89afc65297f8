import Emulator
import Foundation
import Report
import Scenario

/// What one point of a sweep gave: its values, its seed, and the run's
/// assessment and per-group counts (the full report of each run would make a
/// sweep of thousands of points unwieldy; rerun a point with `dxemu run` for it).
public struct PointResult: Codable, Sendable, Equatable {
    public var index: Int
    public var scenario: String
    /// Axis path -> value, as written in the sweep file.
    public var values: [String: String]
    public var replica: Int
    public var seed: UInt64
    public var design: String
    public var sent: UInt64
    public var delivered: UInt64
    /// Drop reason key (as in dxemu.run JSON) -> packets; reasons with none are left out.
    public var drops: [String: UInt64]
    public var vpc1ReachableDuringFailure: Bool
    public var vpc1DeliveredShareDuringFailure: Double
    public var lossShare: Double
    public var longestOutageNs: Int64
    public var latencyChangeNs: Int64?
    public var verdict: String
    public var groups: [Group]
    /// Every packet has a fate (the invariant; false is a bug).
    public var accounted: Bool

    public struct Group: Codable, Sendable, Equatable {
        public var name: String
        public var from: String
        public var to: String
        public var sent: UInt64
        public var delivered: UInt64
        public var drops: [String: UInt64]
        public var longestOutageNs: Int64
    }

    enum CodingKeys: String, CodingKey {
        case index, scenario, values, replica, seed, design, sent, delivered, drops, verdict, groups, accounted
        case vpc1ReachableDuringFailure = "vpc1_reachable_during_failure"
        case vpc1DeliveredShareDuringFailure = "vpc1_delivered_share_during_failure"
        case lossShare = "loss_share"
        case longestOutageNs = "longest_outage_ns"
        case latencyChangeNs = "latency_change_ns"
    }

    static func drops(_ counts: DropCounts) -> [String: UInt64] {
        var out: [String: UInt64] = [:]
        for r in DropReason.allCases where counts[r] > 0 { out[r.key] = counts[r] }
        return out
    }

    /// The summary of `run`, the result of point `p` of `plan`.
    public init(_ run: RunResult, point p: SweepPoint, plan: SweepPlan) {
        self.init(run, identity: plan.identity(p))
    }

    /// What names a point in the results, without the plan (sendable to the
    /// thread that runs it, so a run is summarised and freed there).
    public struct Identity: Sendable {
        public var index: Int
        public var scenario: String
        public var values: [String: String]
        public var replica: Int
    }

    public init(_ run: RunResult, identity: Identity) {
        let a = RunReport.assess(run)
        index = identity.index
        scenario = identity.scenario
        values = identity.values
        replica = identity.replica
        seed = run.seed
        design = run.design
        var total = DropCounts()
        for g in run.groups { total.add(g.statistics.drops) }
        sent = run.groups.reduce(0) { $0 + $1.statistics.sent }
        delivered = run.groups.reduce(0) { $0 + $1.statistics.delivered }
        drops = Self.drops(total)
        vpc1ReachableDuringFailure = a.vpc1ReachableDuringFailure
        vpc1DeliveredShareDuringFailure = a.vpc1DeliveredShareDuringFailure
        lossShare = a.lossShare
        longestOutageNs = a.outage
        latencyChangeNs = a.latencyChange
        verdict = a.verdict
        groups = run.groups.map {
            Group(name: $0.name, from: $0.from.rawValue, to: $0.to.rawValue, sent: $0.statistics.sent,
                  delivered: $0.statistics.delivered, drops: Self.drops($0.statistics.drops), longestOutageNs: $0.longestGap)
        }
        accounted = run.accountingViolations == 0
    }
}

/// A sweep's results, whole or one shard's share: self-describing, so shards
/// written on different machines can be checked and merged.
public struct SweepDocument: Codable, Sendable, Equatable {
    public var schema = "dxemu.sweep"
    public var schemaVersion = 1
    public var sweep: Header
    /// How many shards the sweep was split into (1: not split).
    public var shards: Int
    /// The shards whose points this document holds (all of them once merged).
    public var shardIndices: [Int]
    /// By point number.
    public var points: [PointResult]

    public struct Header: Codable, Sendable, Equatable {
        public var name: String
        public var digest: String
        public var seed: UInt64
        public var replicas: Int
        public var pointCount: Int
        public var scenarios: [String]
        public var axes: [AxisValues]

        enum CodingKeys: String, CodingKey {
            case name, digest, seed, replicas, scenarios, axes
            case pointCount = "point_count"
        }
    }

    public struct AxisValues: Codable, Sendable, Equatable {
        public var path: String
        public var values: [String]
    }

    enum CodingKeys: String, CodingKey {
        case schema, sweep, shards, points
        case schemaVersion = "schema_version"
        case shardIndices = "shard_indices"
    }

    public init(plan: SweepPlan, shard: Shard, points: [PointResult]) {
        sweep = Header(name: plan.name, digest: plan.digest, seed: plan.seed, replicas: plan.replicas, pointCount: plan.pointCount,
                       scenarios: plan.bases.map(\.label), axes: plan.axes.map { AxisValues(path: $0.path, values: $0.valueTexts) })
        shards = shard.count
        shardIndices = [shard.index]
        self.points = points
    }

    /// Whether every point of the sweep is here.
    public var isComplete: Bool { points.count == sweep.pointCount }

    /// Pretty JSON with sorted keys: the same results give the same bytes.
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        // Encoding plain value types cannot fail.
        return String(decoding: try! encoder.encode(self), as: UTF8.self) + "\n"
    }

    /// Reads a document written by ``json()``; `file` names it in errors.
    public static func read(_ data: Data, file: String) throws(SweepMergeError) -> SweepDocument {
        let doc: SweepDocument
        do {
            doc = try JSONDecoder().decode(SweepDocument.self, from: data)
        } catch let DecodingError.dataCorrupted(context) {
            throw SweepMergeError("\(file): not JSON: \(context.underlyingError.map { "\($0)" } ?? context.debugDescription)")
        } catch let DecodingError.keyNotFound(key, context) {
            throw SweepMergeError("\(file): not a dxemu sweep result: '\(Self.path(context.codingPath + [key]))' is missing")
        } catch let DecodingError.typeMismatch(_, context) {
            throw SweepMergeError("\(file): not a dxemu sweep result: '\(Self.path(context.codingPath))' has the wrong type")
        } catch let DecodingError.valueNotFound(_, context) {
            throw SweepMergeError("\(file): not a dxemu sweep result: '\(Self.path(context.codingPath))' is null")
        } catch {
            throw SweepMergeError("\(file): not a dxemu sweep result: \(error)")
        }
        guard doc.schema == "dxemu.sweep" else { throw SweepMergeError("\(file): schema is '\(doc.schema)', not dxemu.sweep") }
        guard doc.schemaVersion == 1 else { throw SweepMergeError("\(file): schema_version \(doc.schemaVersion) is not supported (1)") }
        return doc
    }

    static func path(_ keys: [CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined().drop { $0 == "." }.description
    }

    /// Combines shard documents of one sweep. Every shard must be there once,
    /// unless `partial`; two shards holding the same point is always an error.
    public static func merge(_ docs: [(file: String, doc: SweepDocument)], partial: Bool = false) throws(SweepMergeError) -> SweepDocument {
        guard let first = docs.first else { throw SweepMergeError("nothing to merge") }
        var seenShards: [Int: String] = [:]
        var pointsByIndex: [Int: (PointResult, String)] = [:]
        for (file, doc) in docs {
            guard doc.sweep == first.doc.sweep else {
                throw SweepMergeError("\(file) is from another sweep than \(first.file) (digest \(doc.sweep.digest), not \(first.doc.sweep.digest))")
            }
            guard doc.shards == first.doc.shards else {
                throw SweepMergeError("\(file) was split into \(doc.shards) shards, \(first.file) into \(first.doc.shards)")
            }
            for s in doc.shardIndices {
                if let other = seenShards[s] { throw SweepMergeError("shard \(s)/\(doc.shards) is in both \(other) and \(file)") }
                seenShards[s] = file
            }
            for p in doc.points {
                guard (0..<doc.sweep.pointCount).contains(p.index), doc.shardIndices.contains(p.index % doc.shards) else {
                    throw SweepMergeError("\(file): point \(p.index) does not belong to its shards \(doc.shardIndices)")
                }
                if let (_, other) = pointsByIndex[p.index] { throw SweepMergeError("point \(p.index) is in both \(other) and \(file)") }
                pointsByIndex[p.index] = (p, file)
            }
        }
        let missingShards = (0..<first.doc.shards).filter { seenShards[$0] == nil }
        if !missingShards.isEmpty && !partial {
            let list = missingShards.prefix(20).map { "\($0)/\(first.doc.shards)" }.joined(separator: ", ")
            throw SweepMergeError("shards missing: \(list)\(missingShards.count > 20 ? " and \(missingShards.count - 20) more" : "") (--partial merges what is there)")
        }
        var merged = first.doc
        merged.shardIndices = seenShards.keys.sorted()
        merged.points = pointsByIndex.keys.sorted().map { pointsByIndex[$0]!.0 }
        if !partial {
            let expected = (0..<merged.sweep.pointCount).filter { merged.shardIndices.contains($0 % merged.shards) }.count
            guard merged.points.count == expected else {
                throw SweepMergeError("the shards hold \(merged.points.count) points, the sweep has \(expected)")
            }
        }
        return merged
    }

    // MARK: - Text and CSV

    /// One row per combination of values (replicas folded together: the mean
    /// loss, the median and worst outage, how often VPC-1 stayed reachable).
    public func text() -> String {
        var out = "dxemu sweep \(sweep.name): \(points.count) of \(sweep.pointCount) points"
        if shards > 1 {
            out += " (shard\(shardIndices.count > 1 ? "s" : "") \(shardIndices.map(String.init).joined(separator: ",")) of \(shards))"
        }
        out += "\n"
        // Single-valued axes are the same on every row: stated once above the table.
        let fixed = sweep.axes.filter { $0.values.count == 1 }
        if !fixed.isEmpty { out += "every point: " + fixed.map { "\($0.path)=\($0.values[0])" }.joined(separator: " ") + "\n" }
        out += "\n"
        let paths = sweep.axes.filter { $0.values.count > 1 }.map(\.path)
        var header = sweep.scenarios.count > 1 ? ["scenario"] : []
        header += paths
        header += ["runs", "VPC-1 during failure", "loss (mean)", "outage median", "outage worst", "latency change"]
        var table = TextTable(header)
        var order: [String] = []
        var combos: [String: [PointResult]] = [:]
        for p in points {
            let key = ([p.scenario] + paths.map { p.values[$0] ?? "" }).joined(separator: "\u{1F}")
            if combos[key] == nil { order.append(key) }
            combos[key, default: []].append(p)
        }
        for key in order {
            let runs = combos[key]!
            let first = runs[0]
            var row = sweep.scenarios.count > 1 ? [first.scenario] : []
            row += paths.map { first.values[$0] ?? "" }
            let outages = runs.map(\.longestOutageNs).sorted()
            let reachable = runs.filter(\.vpc1ReachableDuringFailure).count
            let changes = runs.compactMap(\.latencyChangeNs)
            row += [String(runs.count),
                    runs.count == 1 ? (reachable == 1 ? "reachable" : "unreachable") : "reachable \(reachable)/\(runs.count)",
                    RunReport.percent(runs.map(\.lossShare).reduce(0, +) / Double(runs.count)),
                    RunReport.seconds(outages[(outages.count - 1) / 2]), RunReport.seconds(outages.last!),
                    changes.isEmpty ? "-" : Self.signed(changes.reduce(0, +) / Int64(changes.count))]
            table.add(row)
        }
        out += table.rendered(indent: "")
        let broken = points.filter { !$0.accounted }.map(\.index)
        if !broken.isEmpty { out += "\npoints with packets without a fate (a bug): \(broken.map(String.init).joined(separator: ", "))\n" }
        return out
    }

    /// One line per point, every value and figure in its own column.
    public func csv() -> String {
        let paths = sweep.axes.map(\.path)
        let reasons = DropReason.allCases.map(\.key)
        var out = (["point", "scenario"] + paths + ["replica", "seed", "sent", "delivered"] + reasons.map { "drops_" + $0 }
            + ["vpc1_reachable_during_failure", "vpc1_delivered_share_during_failure", "loss_share", "longest_outage_ns", "latency_change_ns"])
            .map(Self.csvField).joined(separator: ",") + "\n"
        for p in points {
            var fields = [String(p.index), p.scenario] + paths.map { p.values[$0] ?? "" }
            fields += [String(p.replica), String(p.seed), String(p.sent), String(p.delivered)]
            fields += reasons.map { String(p.drops[$0] ?? 0) }
            fields += [String(p.vpc1ReachableDuringFailure), String(p.vpc1DeliveredShareDuringFailure), String(p.lossShare),
                       String(p.longestOutageNs), p.latencyChangeNs.map(String.init) ?? ""]
            out += fields.map(Self.csvField).joined(separator: ",") + "\n"
        }
        return out
    }

    static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    /// A latency change as `compare` prints it: +2.1 ms.
    static func signed(_ ns: Int64) -> String { (ns >= 0 ? "+" : "") + RunReport.milliseconds(ns) }
}

/// Shard documents that cannot be merged, or a file that is not one.
public struct SweepMergeError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
