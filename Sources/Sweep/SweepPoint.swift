import DeterministicRandom
import Scenario
import Yams

/// One run of a sweep: a base scenario with one value per axis, and a replica.
public struct SweepPoint: Sendable {
    /// Position in the sweep's fixed order (0-based).
    public var index: Int
    /// Which base scenario.
    public var base: Int
    /// For each axis, which of its values.
    public var choices: [Int]
    public var replica: Int
    /// The seed the run uses: derived from the sweep's seed and the point's
    /// values (not its number), unless `seed` is itself an axis.
    public var seed: UInt64
}

/// A shard of a sweep: the points whose number is `index` modulo `count`
/// (0-based, as Kubernetes Indexed Jobs and AWS Batch array jobs number them).
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    public static let whole = Shard(index: 0, count: 1)

    /// Reads `I/N` with 0 <= I < N.
    public init?(parsing text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, (0..<n).contains(i) else { return nil }
        self.init(index: i, count: n)
    }

    public init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    public func contains(_ point: Int) -> Bool { point % count == index }
    public var description: String { "\(index)/\(count)" }
}

extension SweepPlan {
    /// Every point, in order.
    public var points: [SweepPoint] { (0..<pointCount).map(point) }

    /// Point number `index`: the first base and the first axis vary slowest,
    /// the replica fastest.
    public func point(_ index: Int) -> SweepPoint {
        var rest = index
        let replica = rest % replicas
        rest /= replicas
        var choices = [Int](repeating: 0, count: axes.count)
        for a in axes.indices.reversed() {
            choices[a] = rest % axes[a].values.count
            rest /= axes[a].values.count
        }
        var p = SweepPoint(index: index, base: rest, choices: choices, replica: replica, seed: 0)
        p.seed = derivedSeed(p)
        return p
    }

    /// The point's values as `path=value` (the base first when there are several).
    public func label(_ p: SweepPoint) -> String {
        var parts: [String] = bases.count > 1 ? ["scenario=\(bases[p.base].label)"] : []
        for (a, axis) in axes.enumerated() { parts.append("\(axis.path)=\(axis.valueTexts[p.choices[a]])") }
        if replicas > 1 { parts.append("replica=\(p.replica)") }
        return parts.joined(separator: " ")
    }

    /// The point's number, base and values, as its result records them.
    public func identity(_ p: SweepPoint) -> PointResult.Identity {
        var values: [String: String] = [:]
        for (i, axis) in axes.enumerated() { values[axis.path] = axis.valueTexts[p.choices[i]] }
        return PointResult.Identity(index: p.index, scenario: bases[p.base].label, values: values, replica: p.replica)
    }

    /// Whether the sweep sets the seed itself (an axis named `seed`).
    var seedIsSwept: Bool { axes.contains { $0.steps == [.key("seed")] } }

    /// A stream of the sweep's generator chosen by a digest of the point's
    /// values: adding a value to an axis leaves every other point's seed as it was.
    func derivedSeed(_ p: SweepPoint) -> UInt64 {
        var d = Digest()
        d.add(bases[p.base].label)
        for (a, axis) in axes.enumerated() {
            d.add(axis.path)
            d.add(axis.valueTexts[p.choices[a]])
        }
        d.add("replica \(p.replica)")
        var generator = SeededGenerator(seed: seed).derived(d.value)
        return generator.next() >> 1  // scenario seeds are non-negative Int64s in JSON
    }

    /// The scenario of point `p`: the base document with the point's values
    /// put in, parsed and validated as a scenario file would be.
    public func scenario(_ p: SweepPoint) throws(ScenarioFileError) -> ScenarioSpec {
        let base = bases[p.base]
        var document = base.document
        for (a, axis) in axes.enumerated() {
            do {
                try Self.set(&document, axis.steps[...], to: axis.values[p.choices[a]])
            } catch let e {
                throw ScenarioFileError(file: file, line: axis.line, column: axis.column,
                                        reason: "axis '\(axis.path)' does not fit \(base.label): \(e.text)")
            }
        }
        if !seedIsSwept { try? Self.set(&document, [PathStep.key("seed")][...], to: Node(String(p.seed))) }
        do {
            return try ScenarioFile.parse(document: document, file: base.file).spec
        } catch let e {
            throw ScenarioFileError(file: file, line: 0, column: 0, reason: "point \(p.index) (\(label(p))): \(e.description)")
        }
    }

    /// Puts `value` at `steps` in `node`, making missing mappings on the way.
    static func set(_ node: inout Node, _ steps: ArraySlice<PathStep>, to value: Node) throws(PathError) {
        guard let step = steps.first else {
            node = value
            return
        }
        switch (step, node) {
        case let (.key(key), .mapping(mapping)):
            var m = mapping
            var child = m[key] ?? Node([(Node, Node)]())
            try set(&child, steps.dropFirst(), to: value)
            m[key] = child
            node = .mapping(m)
        case let (.index(i), .sequence(sequence)):
            guard i < sequence.count else { throw PathError(text: "it has \(sequence.count) entries, so no [\(i)]") }
            var s = sequence
            var child = s[i]
            try set(&child, steps.dropFirst(), to: value)
            s[i] = child
            node = .sequence(s)
        case (.key(let key), _):
            throw PathError(text: "'\(key)' is looked up in something that is not a mapping")
        case (.index(let i), _):
            throw PathError(text: "[\(i)] is looked up in something that is not a list")
        }
    }
}
