import Foundation
import TestSupport
import Testing

/// `dxemu failover`, `compare` and `run` as a user meets them.
@Suite("dxemu failover, compare, run (the commands)")
struct ScenarioCommandTests {
    func temporary(_ name: String) -> String {
        Scratch.path("sc-\(name)")
    }

    /// The main job with no arguments: the report's parts are all there.
    @Test func failoverWithNoArgumentsReportsEverything() throws {
        let r = try runDxemu(["failover"])
        #expect(r.status == 0, "\(r.stderr)")
        let out = r.stdout
        #expect(out.hasPrefix("dxemu failover: recommended"))
        #expect(out.contains("failure: dx1 silent at 5.000 s for 15.000 s"))
        for column in ["sent", "delivered", "lost by reason", "outage", "latency ms before/during/after", "path before -> during -> after"] {
            #expect(out.contains(column), "\(column)")
        }
        #expect(out.contains("app-db on-prem -> VPC-1") && out.contains("app-db VPC-1 -> on-prem"))
        #expect(out.contains("customer-router: first change +") && out.contains("vpc1-vgw: first change +"))
        #expect(out.contains("verdict: adds fault tolerance"))
    }

    /// The README shows the main job's output; it must be the output of today's code.
    @Test func readmeShowsTheCurrentDemoOutput() throws {
        let readme = try String(contentsOf: TestPaths.repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let start = try #require(readme.range(of: "$ dxemu failover\n"))
        let end = try #require(readme.range(of: "```", range: start.upperBound..<readme.endIndex))
        let r = try runDxemu(["failover"])
        #expect(r.status == 0)
        #expect(r.stdout == String(readme[start.upperBound..<end.lowerBound]))
    }

    @Test func failoverOptionsChooseTheFailure() throws {
        let r = try runDxemu(["failover", "baseline", "--fail", "dx1", "--mode", "cut", "--at", "2s", "--for", "3s", "--duration", "8s"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("failure: dx1 cut at 2.000 s for 3.000 s; run 8.000 s"))
        #expect(r.stdout.contains("verdict: does not add fault tolerance"))
    }

    @Test func jsonIsVersionedAndIdenticalForTheSameSeed() throws {
        let a = temporary("a.json"), b = temporary("b.json")
        defer { unlink(a); unlink(b) }
        for path in [a, b] {
            let r = try runDxemu(["failover", "option-b", "--duration", "8s", "--at", "2s", "--for", "3s", "--quiet", "--json", path])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.isEmpty)
        }
        let x = try Data(contentsOf: URL(fileURLWithPath: a)), y = try Data(contentsOf: URL(fileURLWithPath: b))
        #expect(x == y)
        let doc = try JSONSerialization.jsonObject(with: x) as! [String: Any]
        #expect(doc["schema"] as? String == "dxemu.run")
        #expect(doc["schema_version"] as? Int == 1)
        let groups = doc["groups"] as! [[String: Any]]
        #expect(groups.count == 6)
        #expect((groups[0]["series"] as! [Any]).count == 90, "100 ms bins over 8 s plus the 1 s drain")
    }

    @Test func csvWritesTheSeries() throws {
        let dir = temporary("csv")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try runDxemu(["run", "option-a", "--duration", "6s", "--quiet", "--csv", dir])
        #expect(r.status == 0, "\(r.stderr)")
        let groups = try String(contentsOfFile: dir + "/groups.csv", encoding: .utf8).split(separator: "\n")
        #expect(groups[0].hasPrefix("group,bin_start_ns,packets,bytes,latency_mean_ns,latency_max_ns,drop_no_route"))
        #expect(groups.count == 1 + 6 * 70)
        #expect(FileManager.default.fileExists(atPath: dir + "/links.csv"))
    }

    @Test func htmlReportIsWrittenForFailoverAndCompare() throws {
        let page = temporary("report.html"), comparison = temporary("compare.html")
        defer { for p in [page, comparison] { try? FileManager.default.removeItem(atPath: p) } }
        let r = try runDxemu(["failover", "--duration", "8s", "--quiet", "--html", page])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.isEmpty)
        let html = try String(contentsOfFile: page, encoding: .utf8)
        #expect(html.contains("<h1>dxemu: recommended (two DX locations + VPN backup (A + B))</h1>"))
        #expect(html.contains("<svg ") && html.contains("class=\"failure\""))
        let c = try runDxemu(["compare", "--options", "baseline,b", "--duration", "8s", "--quiet", "--html", comparison])
        #expect(c.status == 0, "\(c.stderr)")
        let both = try String(contentsOfFile: comparison, encoding: .utf8)
        #expect(both.contains("<h1>dxemu compare</h1>") && both.contains("<h1>baseline: one DX") && both.contains("<h1>option-b: VPN backup"))
    }

    @Test func compareRunsTheChosenOptions() throws {
        let r = try runDxemu(["compare", "--options", "baseline,a,c", "--duration", "10s", "--at", "2s", "--for", "4s"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("rank") && r.stdout.contains("verdicts"))
        #expect(r.stdout.contains("  option-a: adds fault tolerance"))
        #expect(r.stdout.contains("  baseline: does not add fault tolerance"))
        #expect(r.stdout.contains("  option-c: does not add fault tolerance"))
    }

    @Test(arguments: [
        (["compare", "--options", "a,zz"], "'zz' is not a design"),
        (["failover", "--mode", "melt"], "--mode 'melt' is not one of"),
        (["failover", "--at", "soon"], "--at 'soon' is not a time"),
        (["failover", "--fail", "dx7"], "'dx7' is not a connection of the design"),
        (["failover", "no-such-preset-or-file"], "is neither a preset"),
        (["run", "Tests/ScenarioTests/Broken/unknown-key.yaml"], "unknown-key.yaml:6:3: unknown key 'bfd-intervall'"),
    ])
    func badInputIsExitCodeOne(_ arguments: [String], _ message: String) throws {
        let r = try runDxemu(arguments)
        #expect(r.status == 1)
        #expect(r.stderr.contains(message), "\(r.stderr)")
    }
}

/// `dxemu replay` on the malformed shared captures: exit code 1 and the same
/// located messages as `dxemu inspect` gives for the file.
@Suite("dxemu replay (the command)")
struct ReplayCommandTests {
    static let malformed = sharedManifest().filter { !$0.isValid }

    @Test("a malformed capture gives inspect's errors",
          .enabled(if: TestPaths.sharedCaptures != nil, Comment(rawValue: TestPaths.sharedAbsentMessage)), arguments: malformed.map(\.file))
    func malformedCaptureGivesInspectsErrors(_ file: String) throws {
        let path = Self.malformed.first { $0.file == file }!.path
        let inspect = try runDxemu(["inspect", path])
        let replay = try runDxemu(["replay", "--pps", "10000", "--quiet", path])
        #expect(replay.status == inspect.status, "\(replay.stderr)")
        #expect(replay.status == 1)
        let lines = replay.stderr.split(separator: "\n")
        #expect(!lines.isEmpty)
        for line in lines { #expect(inspect.stderr.contains(line), "\(line)") }
    }

    @Test func replayPrintsFramesAndTheRunReport() throws {
        let r = try runDxemu(["replay", "captures/securecart.pcap", "--no-map", "--fail", "dx1", "--at", "1s", "--for", "3s"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("frames read 1190: replayed 1143, not replayed 47"))
        #expect(r.stdout.contains("replay on-prem -> VPC-1"))
        #expect(r.stdout.contains("verdict:"))
    }

    @Test func replayWritesAnHTMLReportWithItsOwnTextReport() throws {
        let page = Scratch.path("replay.html")
        defer { try? FileManager.default.removeItem(atPath: page) }
        let r = try runDxemu(["replay", "captures/securecart.pcap", "--no-map", "--quiet", "--html", page])
        #expect(r.status == 0, "\(r.stderr)")
        let html = try String(contentsOfFile: page, encoding: .utf8)
        #expect(html.contains("<h1>dxemu replay: recommended"))
        #expect(html.contains("frames read 1190: replayed 1143, not replayed 47"))
        #expect(html.contains("<svg "))
    }

    @Test(arguments: [
        (["replay", "captures/securecart.pcap", "--capture", "dx7=/tmp/x.pcap"], "'dx7' is not a link of the design"),
        (["replay", "captures/securecart.pcap", "--capture", "dx1"], "must be LINK=FILE"),
        (["replay", "no-such-file.pcap"], "no-such-file.pcap"),
        (["replay", "captures/securecart.pcap", "--filter", "tcp and banana"], "bad filter"),
    ])
    func badReplayInputIsExitCodeOne(_ arguments: [String], _ message: String) throws {
        let r = try runDxemu(arguments)
        #expect(r.status == 1)
        #expect(r.stderr.contains(message), "\(r.stderr)")
    }
}
