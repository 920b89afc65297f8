import DeterministicRandom
import Foundation
import Scenario
import Testing

/// Mutation fuzzing of scenario files, deterministic (a fixed seed): every
/// example file is mutated thousands of times (numbers and quantities
/// replaced by extreme values, lines deleted, duplicated or re-indented,
/// stray characters, truncation). Each result must either load or fail with
/// a located message; whatever loads must validate or be refused with a
/// reason, and whatever validates must run to the end with every packet
/// accounted for. A crash here kills the test process, so it cannot pass
/// unnoticed.
@Suite struct ScenarioFileFuzzTests {
    static let extremes = ["0", "-1", "-0", "1e30", "1e-30", "nan", "inf", "-inf", "99999999999999999999", "0.0000001",
                           "0s", "-5s", "1e20s", "1e-20s", "5 parsecs", "0pps", "1e30pps", "1e-30pps", "0Mbps", "1e30Gbps",
                           "0ms", "18446744073709551616", "''", "[]", "{}", "~", "\"\"", "x", "10.0.0.0/33", "::/200", "dx9"]
    static let strays = [":", "- ", "  ", "\t", "[", "]", "{", "}", "#", "&a", "*a", "!!binary", "'", "\"", "%", "@", "|", ">", "\u{0}"]

    static func mutate(_ text: String, _ m: inout SeededGenerator) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for _ in 0...m.below(3) {
            guard !lines.isEmpty else { break }
            let i = m.below(lines.count)
            switch m.below(7) {
            case 0, 1:  // replace a value (the text after the first ": ") or a number-like token
                if let r = lines[i].range(of: ": ") {
                    lines[i] = String(lines[i][..<r.upperBound]) + m.pick(extremes)
                } else {
                    let words = lines[i].split(separator: " ", omittingEmptySubsequences: false).map(String.init)
                    var w = words
                    if !w.isEmpty { w[m.below(w.count)] = m.pick(extremes) }
                    lines[i] = w.joined(separator: " ")
                }
            case 2: lines.remove(at: i)
            case 3: lines.insert(lines[i], at: i)
            case 4: lines[i] = m.below(2) == 0 ? "  " + lines[i] : String(lines[i].drop { $0 == " " })
            case 5:
                var chars = Array(lines[i])
                chars.insert(contentsOf: m.pick(strays), at: chars.isEmpty ? 0 : m.below(chars.count + 1))
                lines[i] = String(chars)
            default:
                let joined = lines.joined(separator: "\n")
                let cut = joined.index(joined.startIndex, offsetBy: m.below(joined.count + 1))
                lines = String(joined[..<cut]).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            }
        }
        return lines.joined(separator: "\n")
    }

    @Test func mutatedScenarioFilesFailCleanlyOrRunClean() throws {
        let examples = try exampleFiles.map { try String(contentsOfFile: exampleDirectory.appendingPathComponent($0).path, encoding: .utf8) }
        #expect(examples.count >= 5)
        var m = SeededGenerator(seed: 2026)
        var loaded = 0, refused = 0, rejected = 0, ran = 0
        for round in 0..<3000 {
            let text = Self.mutate(examples[round % examples.count], &m)
            let spec: ScenarioSpec
            do {
                spec = try ScenarioFile.parse(text, file: "fuzz.yaml").spec
                loaded += 1
            } catch {
                rejected += 1
                #expect(error.file == "fuzz.yaml")
                #expect(!error.reason.isEmpty, "round \(round): empty reason")
                continue
            }
            // Keep each run short: a tenth of the survivors run for up to 2 s of virtual time.
            var short = spec
            short.duration = min(spec.duration, .seconds(2))
            short.failures = spec.failures.filter { $0.at < short.duration }
            let offered = short.traffic.reduce(0.0) { $0 + $1.packetsPerSecond * Double($1.flows) * ($1.bothDirections ? 2 : 1) }
            guard round % 10 == 0, offered.isFinite, offered < 200_000 else { continue }
            do {
                let result = try ScenarioRun(short).run()
                ran += 1
                #expect(result.accountingViolations == 0, "round \(round)")
            } catch {
                refused += 1
            }
        }
        #expect(rejected > 300 && loaded > 300, "the mutations must exercise both paths (loaded \(loaded), rejected \(rejected))")
        #expect(ran > 20, "ran \(ran), refused \(refused)")
    }
}

/// Choosing mutations with the project's one seeded source.
extension SeededGenerator {
    mutating func below(_ n: Int) -> Int { Int(next(below: UInt64(n))) }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}
