import ArgumentParser
import Foundation
import Report
import Scenario
import Sweep

/// Where a sweep's results go; `sweep` and `sweep-merge` share them.
struct SweepOutputOptions: ParsableArguments {
    @Option(name: .long, help: "Write the results (schema dxemu.sweep, docs/sweeps.md) to this file.")
    var json: String?

    @Option(name: .long, help: "Write one CSV line per point to this file.")
    var csv: String?

    @Flag(name: .long, help: "Do not print the table.")
    var quiet = false

    /// Prints the table and writes the files asked for.
    func write(_ doc: SweepDocument) throws {
        if !quiet { Output.write(doc.text()) }
        if let json { try ScenarioSource.write(doc.json(), to: json) }
        if let csv { try ScenarioSource.write(doc.csv(), to: csv) }
    }
}

/// `dxemu sweep`: every combination of some scenario values, or one shard of them.
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run a scenario at every combination of some of its values (a sweep), or one shard of it.",
        discussion: """
        A sweep file names a base scenario (a file or a preset; a list of them is an axis), axes
        (a path into the scenario file and the values it takes) and replicas (runs per
        combination, each with its own seed). Every point's seed derives from the sweep's
        seed and the point's values. --shard I/N runs the points whose number is I modulo N
        (0-based, as Kubernetes Indexed Jobs and AWS Batch array jobs number them); merge the
        shards' JSON with 'dxemu sweep-merge'. Sweep files: docs/sweeps.md.
        """
    )

    @Argument(help: "The sweep file (YAML).")
    var file: String

    @Option(name: .long, help: "Run only shard I of N (0 <= I < N), e.g. --shard 3/8.")
    var shard: String?

    @Flag(name: .long, help: "List the points (number, seed, values) without running them.")
    var list = false

    @Option(name: .long, help: "Run only point N and print its full report (--json: the dxemu.run JSON).")
    var point: Int?

    @Option(name: .long, help: "Points run at once, each on its own thread (default: the number of CPUs; the results are the same).")
    var jobs: Int?

    @OptionGroup var output: SweepOutputOptions

    func run() throws {
        if let jobs, jobs < 1 { throw InputError("--jobs must be at least 1") }
        var selected = Shard.whole
        if let shard {
            guard let s = Shard(parsing: shard) else { throw InputError("--shard '\(shard)' is not I/N with 0 <= I < N, such as 0/4") }
            selected = s
        }
        let plan: SweepPlan
        do { plan = try SweepPlan.load(path: file) } catch { throw InputError(error.description) }
        // Every point is checked before any runs: a bad value fails every
        // shard at once, not one machine hours later.
        var all: [(SweepPoint, ScenarioSpec)] = []
        for point in plan.points {
            do { all.append((point, try plan.scenario(point))) } catch { throw InputError(error.description) }
        }
        if let point {
            guard all.indices.contains(point) else {
                throw InputError("--point \(point): the sweep has points 0 to \(plan.pointCount - 1)")
            }
            let (p, spec) = all[point]
            let result = try ScenarioSource.run(spec)
            if !output.quiet { Output.write("sweep \(plan.name), point \(point): \(plan.label(p)), seed \(p.seed)\n" + RunReport.text(result)) }
            if let json = output.json { try ScenarioSource.write(RunReport.json(result).serialized() + "\n", to: json) }
            try ScenarioSource.finish(result)
            return
        }
        let specs = all.filter { selected.contains($0.0.index) }
        if list {
            var table = TextTable(["point", "seed", "values"])
            for (p, _) in specs { table.add([String(p.index), String(p.seed), plan.label(p)]) }
            Output.write("dxemu sweep \(plan.name): \(specs.count) of \(plan.pointCount) points (shard \(selected))\n" + table.rendered(indent: ""))
            return
        }
        let progress = ProgressLine()
        let name = plan.name
        let results: [PointResult]
        do {
            results = try SweepRunner.run(specs.map { ($0.1, plan.identity($0.0)) },
                                          jobs: jobs ?? ProcessInfo.processInfo.activeProcessorCount) { done, total in
                progress.update { "dxemu: sweep \(name): \(done) of \(total) points run" }
            }
        } catch {
            let point = specs[error.index].0
            throw InputError("\(file): point \(point.index) (\(plan.label(point))): \(error.message)")
        }
        progress.finish()
        try output.write(SweepDocument(plan: plan, shard: selected, points: results))
        if results.contains(where: { !$0.accounted }) {
            Output.flush()
            Output.error("dxemu: some points have packets without a fate; this is a bug, please report it")
            throw ExitCode(3)
        }
    }
}

/// `dxemu sweep-merge`: the shards of a sweep as one result.
struct SweepMergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep-merge",
        abstract: "Merge the JSON results of a sweep's shards into one.",
        discussion: "Checks that every file comes from the same sweep (its digest) and split, that no point is in two files and, unless --partial, that no shard is missing."
    )

    @Argument(help: "Shard results written by 'dxemu sweep --shard I/N --json FILE'.")
    var files: [String]

    @Flag(name: .long, help: "Merge the shards that are there, even if some are missing.")
    var partial = false

    @OptionGroup var output: SweepOutputOptions

    func run() throws {
        guard !files.isEmpty else { throw InputError("give the shard results to merge") }
        var docs: [(file: String, doc: SweepDocument)] = []
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else { throw InputError("\(file): cannot read the file") }
            do { docs.append((file, try SweepDocument.read(data, file: file))) } catch { throw InputError(error.description) }
        }
        let merged: SweepDocument
        do { merged = try SweepDocument.merge(docs, partial: partial) } catch { throw InputError(error.description) }
        try output.write(merged)
    }
}
