import Foundation
import Scenario
import Yams

/// A sweep: one base scenario (or several) run at every combination of some
/// of its values, each combination `replicas` times with its own seed.
///
/// ```yaml
/// name: failover-timing
/// scenario: ../scenarios/active-passive.yaml   # a file (relative to this one) or a preset; a list is an axis
/// seed: 7                                       # the sweep's seed (default 1)
/// replicas: 3                                   # runs per combination (default 1)
/// axes:                                         # a path into the scenario file: the values it takes
///   failures[0].at: [2s, 8s, 14s]
///   timers.bfd-interval: [300ms, 1s]
/// ```
///
/// Points are numbered in a fixed order (the first axis varies slowest, the
/// replica fastest), so `--shard I/N` (the points whose number is I modulo N)
/// names the same points on every machine.
public struct SweepPlan {
    public var name: String
    /// The sweep file as given.
    public var file: String
    /// Identifies the sweep (its text and every base scenario's text): shards
    /// of different sweeps do not merge.
    public var digest: String
    public var seed: UInt64
    public var replicas: Int
    public var bases: [Base]
    public var axes: [Axis]

    /// A base scenario: a file's document, or a preset (`base: NAME`).
    public struct Base {
        /// As written in the sweep file.
        public var label: String
        /// The file errors name (the preset's name for a preset).
        public var file: String
        var document: Node
    }

    /// One swept value of the scenario file.
    public struct Axis {
        /// As written: `failures[0].at`.
        public var path: String
        var steps: [PathStep]
        var values: [Node]
        /// Each value as text, for reports.
        public var valueTexts: [String]
        /// Where the axis is in the sweep file.
        var line: Int
        var column: Int
    }

    enum PathStep: Sendable, Equatable {
        case key(String)
        case index(Int)
    }

    /// Number of points: bases x every axis's values x replicas.
    public var pointCount: Int {
        axes.reduce(bases.count) { $0 * $1.values.count } * replicas
    }

    static let topKeys = ["name", "scenario", "seed", "replicas", "axes"]

    /// Reads a sweep file and the base scenarios it names.
    public static func load(path: String) throws(ScenarioFileError) -> SweepPlan {
        try parse(ScenarioFile.readText(path: path), file: path)
    }

    /// Parses a sweep given as text; base scenario files are found relative to `file`.
    public static func parse(_ text: String, file: String) throws(ScenarioFileError) -> SweepPlan {
        let root = try ScenarioFile.compose(text, file: file)
        func fail(_ node: Node?, _ reason: String) -> ScenarioFileError {
            ScenarioFileError(file: file, line: node?.mark?.line ?? 0, column: node?.mark?.column ?? 0, reason: reason)
        }
        guard case let .mapping(top) = root else { throw fail(root, "a sweep must be a mapping of keys to values") }
        var fields: [String: Node] = [:]
        for (k, v) in top {
            guard case let .scalar(key) = k, topKeys.contains(key.string) else {
                throw fail(k, "unknown key '\(k.scalar?.string ?? "?")' in the sweep; allowed: \(topKeys.joined(separator: ", "))")
            }
            fields[key.string] = v
        }
        var digest = Digest()
        digest.add(text)

        var name = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        if let n = fields["name"] {
            guard let s = n.scalar?.string, !s.isEmpty else { throw fail(n, "name must be a single value, not a list or mapping") }
            name = s
        }
        var seed: UInt64 = 1
        if let n = fields["seed"] {
            guard let s = n.scalar.flatMap({ UInt64($0.string) }) else { throw fail(n, "seed must be a whole number from 0") }
            seed = s
        }
        var replicas = 1
        if let n = fields["replicas"] {
            guard let r = n.scalar.flatMap({ Int($0.string) }), (1...100_000).contains(r) else {
                throw fail(n, "replicas must be a whole number from 1 to 100000")
            }
            replicas = r
        }

        guard let scenarioNode = fields["scenario"] else {
            throw fail(root, "the sweep needs 'scenario': a scenario file or a preset (\(Preset.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        var baseNodes: [Node] = []
        switch scenarioNode {
        case .scalar: baseNodes = [scenarioNode]
        case let .sequence(s) where !s.isEmpty: baseNodes = Array(s)
        default: throw fail(scenarioNode, "scenario must be a file or preset name, or a list of them")
        }
        var bases: [Base] = []
        let directory = (file as NSString).deletingLastPathComponent
        for node in baseNodes {
            guard let label = node.scalar?.string else { throw fail(node, "each scenario must be a file or preset name") }
            if let preset = Preset(name: label) {
                bases.append(Base(label: label, file: preset.rawValue, document: Node([(Node("base"), Node(preset.rawValue))])))
                digest.add("preset:" + preset.rawValue)
                continue
            }
            let path = label.hasPrefix("/") || directory.isEmpty ? label
                : ((directory as NSString).appendingPathComponent(label) as NSString).standardizingPath
            guard let data = FileManager.default.contents(atPath: path), let baseText = String(data: data, encoding: .utf8) else {
                throw fail(node, "'\(label)' is neither a preset (\(Preset.allCases.map(\.rawValue).joined(separator: ", "))) nor a readable scenario file (looked for \(path))")
            }
            digest.add(baseText)
            bases.append(Base(label: label, file: path, document: try ScenarioFile.compose(baseText, file: path)))
        }

        var axes: [Axis] = []
        if let axesNode = fields["axes"] {
            guard case let .mapping(m) = axesNode else { throw fail(axesNode, "axes must map a path (e.g. failures[0].at) to a list of values") }
            for (k, v) in m {
                guard let path = k.scalar?.string else { throw fail(k, "an axis must be a path such as failures[0].at") }
                let steps: [PathStep]
                do { steps = try parsePath(path) } catch let reason { throw fail(k, "axis '\(path)': \(reason.text)") }
                if steps.first == .key("base") || steps.first == .key("output") {
                    throw fail(k, "axis '\(path)': sweep the base with 'scenario:', and outputs are the sweep's own")
                }
                guard case let .sequence(values) = v, !values.isEmpty else {
                    throw fail(v, "axis '\(path)' must have a list of one or more values")
                }
                axes.append(Axis(path: path, steps: steps, values: Array(values), valueTexts: values.map(text(of:)),
                                 line: k.mark?.line ?? 0, column: k.mark?.column ?? 0))
            }
        }
        let plan = SweepPlan(name: name, file: file, digest: digest.hex, seed: seed, replicas: replicas, bases: bases, axes: axes)
        guard plan.pointCount <= 10_000_000 else { throw fail(fields["axes"], "the sweep has \(plan.pointCount) points; split it (at most 10,000,000)") }
        return plan
    }

    struct PathError: Error { var text: String }

    /// `design.dx[1].bandwidth` -> key design, key dx, index 1, key bandwidth.
    static func parsePath(_ path: String) throws(PathError) -> [PathStep] {
        var steps: [PathStep] = []
        for segment in path.split(separator: ".", omittingEmptySubsequences: false) {
            var rest = Substring(segment)
            let key = rest.prefix { $0 != "[" }
            guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                throw PathError(text: "each part must be a key (letters, digits, '-'), optionally followed by [index]")
            }
            steps.append(.key(String(key)))
            rest = rest.dropFirst(key.count)
            while rest.first == "[" {
                guard let close = rest.firstIndex(of: "]"), let i = Int(rest[rest.index(after: rest.startIndex)..<close]), i >= 0 else {
                    throw PathError(text: "an index must be a whole number in brackets, such as [0]")
                }
                steps.append(.index(i))
                rest = rest[rest.index(after: close)...]
            }
            guard rest.isEmpty else { throw PathError(text: "unexpected '\(rest)' after an index") }
        }
        return steps
    }

    /// A value as the report shows it: a scalar's text, or compact YAML.
    static func text(of node: Node) -> String {
        if let s = node.scalar?.string { return s }
        let yaml = (try? Yams.serialize(node: node)) ?? "?"
        return yaml.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    }
}

/// FNV-1a over UTF-8 (64 bits): stable across runs and machines, unlike
/// Swift's per-process seeded `Hasher`.
struct Digest {
    var value: UInt64 = 0xCBF2_9CE4_8422_2325

    mutating func add(_ text: String) {
        for byte in text.utf8 {
            value ^= UInt64(byte)
            value = value &* 0x100_0000_01B3
        }
        value ^= 0xFF
        value = value &* 0x100_0000_01B3
    }

    var hex: String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
