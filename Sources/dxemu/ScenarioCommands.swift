import ArgumentParser
import Emulator
import Foundation
import Report
import Scenario

/// Options every scenario command shares: the clock, the seed, and where the
/// machine-readable output goes.
struct RunOptions: ParsableArguments {
    @Option(name: .long, help: "Seed for every random choice (timer phases, loss, Poisson arrivals).")
    var seed: UInt64?

    @Option(name: .long, help: "Virtual time to simulate, e.g. 30s (default: the scenario's, 30s for presets).")
    var duration: String?

    @Option(name: .long, help: "Write the whole report as JSON (schema dxemu.run, docs/run-json.md) to this file.")
    var json: String?

    @Option(name: .long, help: "Write the time series as CSV files (groups.csv, links.csv) into this directory.")
    var csv: String?

    @Option(name: .long, help: "Write a self-contained HTML report with SVG charts of every group and link to this file.")
    var html: String?

    @Flag(name: .long, help: "Do not print the text report (with --json, --csv or --html).")
    var quiet = false

    func apply(to spec: inout ScenarioSpec) throws {
        if let seed { spec.seed = seed }
        if let duration {
            guard let t = QuantityParser.time(duration), t.nanoseconds > 0 else {
                throw InputError("--duration '\(duration)' is not a positive time such as 30s or 1500ms")
            }
            spec.duration = t
        }
    }
}

/// A failure given on the command line: `--fail dx1 --mode silent --at 5s --for 15s`.
struct FailureOptions: ParsableArguments {
    @Option(name: .long, help: "What fails: a DX connection (dx1, dx2), a VPN (vpn1) or tunnel (vpn1-t1), a DX location, or a device.")
    var fail: String?

    @Option(name: .long, help: "How it fails: \(FailureSpec.Kind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var mode: String?

    @Option(name: .long, help: "When it fails (default 5s).")
    var at: String?

    @Option(name: .customLong("for"), help: "How long until it is repaired (default 15s; 'never' for no repair).")
    var repairAfter: String?

    var given: Bool { fail != nil || mode != nil || at != nil || repairAfter != nil }

    /// Replaces the scenario's failure schedule when any option is given.
    func apply(to spec: inout ScenarioSpec) throws {
        guard given else { return }
        let kindName = mode ?? FailureSpec.Kind.silent.rawValue
        guard let kind = FailureSpec.Kind(rawValue: kindName) else {
            throw InputError("--mode '\(kindName)' is not one of \(FailureSpec.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var start = SimTime.seconds(5)
        if let at {
            guard let t = QuantityParser.time(at) else { throw InputError("--at '\(at)' is not a time such as 5s or 2500ms") }
            start = t
        }
        var repair: SimTime? = .seconds(15)
        if let repairAfter {
            if repairAfter == "never" {
                repair = nil
            } else {
                guard let t = QuantityParser.time(repairAfter), t.nanoseconds > 0 else {
                    throw InputError("--for '\(repairAfter)' is not a positive time such as 60s (or 'never')")
                }
                repair = t
            }
        }
        spec.failures = [FailureSpec(kind: kind, target: fail ?? "dx1", at: start, duration: repair)]
    }
}

/// Finds a scenario by preset name or file.
enum ScenarioSource {
    static func load(_ name: String?) throws -> (ScenarioSpec, Preset?, ScenarioFile.OutputRequest) {
        let name = name ?? Preset.recommended.rawValue
        if let preset = Preset(name: name) { return (preset.scenario, preset, ScenarioFile.OutputRequest()) }
        if FileManager.default.fileExists(atPath: name) {
            let loaded: ScenarioFile.Loaded
            do {
                loaded = try ScenarioFile.loadFull(path: name)
            } catch {
                throw InputError(error.description)
            }
            return (loaded.spec, loaded.base, loaded.output)
        }
        throw InputError("'\(name)' is neither a preset (\(Preset.allCases.map(\.rawValue).joined(separator: ", "))) nor a scenario file")
    }

    static func run(_ spec: ScenarioSpec) throws -> RunResult {
        do {
            let progress = ProgressLine()
            defer { progress.finish() }
            return try ScenarioRun(spec).run { now, end in
                progress.update { "dxemu: \(spec.name): \(RunReport.seconds(now.nanoseconds)) of \(RunReport.seconds(end.nanoseconds)) simulated" }
            }
        } catch let error as ScenarioError {
            throw InputError("scenario \(spec.name): \(error.message)")
        }
    }

    static func write(_ text: String, to path: String) throws {
        do {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw InputError("cannot write \(path): \(error.localizedDescription)")
        }
    }

    static func writeCSV(_ files: [(file: String, text: String)], into directory: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw InputError("cannot create directory \(directory): \(error.localizedDescription)")
        }
        for f in files { try write(f.text, to: (directory as NSString).appendingPathComponent(f.file)) }
    }

    /// Prints the report and writes what was asked for (the command line
    /// wins over the scenario file's `output:`).
    static func report(_ result: RunResult, preset: Preset?, options: RunOptions, requested: ScenarioFile.OutputRequest) throws {
        if !options.quiet { Output.write(RunReport.text(result, preset: preset)) }
        if let path = options.json ?? requested.json {
            try write(RunReport.json(result, preset: preset).serialized() + "\n", to: path)
        }
        if let dir = options.csv ?? requested.csv { try writeCSV(RunReport.csv(result), into: dir) }
        if let path = options.html { try write(HTMLReport.render(result, preset: preset, title: "dxemu"), to: path) }
        try finish(result)
    }

    static func finish(_ result: RunResult) throws {
        if result.accountingViolations > 0 {
            Output.flush()
            Output.error("dxemu: \(result.accountingViolations) flows have packets without a fate; this is a bug, please report it")
            throw ExitCode(3)
        }
    }
}

/// `dxemu run`: run a scenario as written and print the report.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a scenario file or a built-in preset and print the report.",
        discussion: "Presets: \(Preset.allCases.map(\.rawValue).joined(separator: ", ")). Scenario files: docs/scenario.md."
    )

    @Argument(help: "A scenario file (YAML) or a preset name.")
    var scenario: String

    @OptionGroup var options: RunOptions

    func run() throws {
        var (spec, preset, requested) = try ScenarioSource.load(scenario)
        try options.apply(to: &spec)
        let result = try ScenarioSource.run(spec)
        try ScenarioSource.report(result, preset: preset, options: options, requested: requested)
    }
}

/// `dxemu failover`: the main job.
struct FailoverCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "failover",
        abstract: "Fail a connection and report what happens to the traffic (the main job).",
        discussion: """
        With no arguments: the 'recommended' design (two DX locations and a VPN backup),
        DX-1 failing silently at 5 s for 15 s, the default traffic (app <-> database in
        VPC-1, web <-> VPC-2, both ways), 30 s of virtual time. The report gives, per flow
        group and direction, packets sent, delivered and lost by reason, the longest outage,
        latency before/during/after the failure, the path before/during/after, and when each
        router converged.
        """
    )

    @Argument(help: "A preset (default: recommended) or a scenario file.")
    var scenario: String?

    @OptionGroup var failure: FailureOptions
    @OptionGroup var options: RunOptions

    func run() throws {
        var (spec, preset, requested) = try ScenarioSource.load(scenario)
        try failure.apply(to: &spec)
        if spec.failures.isEmpty { spec.failures = ScenarioSpec.defaultFailure() }
        try options.apply(to: &spec)
        let result = try ScenarioSource.run(spec)
        try ScenarioSource.report(result, preset: preset, options: options, requested: requested)
    }
}

/// `dxemu compare`: the same traffic and failure on several designs.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Run the same traffic and failure on several designs and rank them.",
        discussion: "Designs: \(Preset.allCases.map(\.rawValue).joined(separator: ", ")) (a, b, c, d, e short for option-a ...)."
    )

    @Option(name: .long, parsing: .singleValue, help: "Comma-separated designs (default: baseline,a,b,recommended,c,d,e,tgw).")
    var options: [String] = []

    @OptionGroup var failure: FailureOptions
    @OptionGroup var runOptions: RunOptions

    func run() throws {
        let names = options.flatMap { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }
        var presets: [Preset] = []
        for name in names where !name.isEmpty {
            guard let p = Preset(name: name) else {
                throw InputError("--options: '\(name)' is not a design (\(Preset.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            presets.append(p)
        }
        if presets.isEmpty { presets = Preset.comparison }
        var results: [(Preset, RunResult)] = []
        for preset in presets {
            var spec = preset.scenario
            try failure.apply(to: &spec)
            try runOptions.apply(to: &spec)
            results.append((preset, try ScenarioSource.run(spec)))
        }
        if !runOptions.quiet { Output.write(RunReport.compareText(results)) }
        if let path = runOptions.json {
            let doc = JSONValue.object([
                ("schema", "dxemu.compare"), ("schema_version", .count(RunReport.schemaVersion)),
                ("runs", .array(results.map { RunReport.json($0.1, preset: $0.0) })),
            ])
            try ScenarioSource.write(doc.serialized() + "\n", to: path)
        }
        if let dir = runOptions.csv {
            for (preset, result) in results {
                try ScenarioSource.writeCSV(RunReport.csv(result), into: (dir as NSString).appendingPathComponent(preset.rawValue))
            }
        }
        if let path = runOptions.html { try ScenarioSource.write(HTMLReport.renderComparison(results), to: path) }
        for (_, result) in results { try ScenarioSource.finish(result) }
    }
}
