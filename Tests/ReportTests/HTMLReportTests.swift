import Emulator
import FoundationXML
import Scenario
import Testing
@testable import Report

@Suite("HTML report")
struct HTMLReportTests {
    /// A baseline run (one DX, no backup) with a silent failure from 2 s to 5 s.
    static func baselineRun() throws -> RunResult {
        var spec = Preset.baseline.scenario
        spec.duration = .seconds(8)
        spec.failures = [FailureSpec(kind: .silent, target: "dx1", at: .seconds(2), duration: .seconds(3))]
        let run = try ScenarioRun(spec)
        run.start()
        return run.finish()
    }

    static func charts(_ html: String) -> [String] {
        var out: [String] = []
        var rest = html[...]
        while let start = rest.range(of: "<svg "), let end = rest.range(of: "</svg>", range: start.upperBound..<rest.endIndex) {
            out.append(String(rest[start.lowerBound..<end.upperBound]))
            rest = rest[end.upperBound...]
        }
        return out
    }

    @Test func everyGroupAndBusyLinkGetsTwoWellFormedCharts() throws {
        let r = try Self.baselineRun()
        let html = HTMLReport.render(r, preset: .baseline)
        let busy = r.links.filter { $0.statistics.packetsSent > 0 || $0.statistics.drops.total > 0 }
        let charts = Self.charts(html)
        #expect(charts.count == 2 * (r.groups.count + busy.count))
        for chart in charts { _ = try XMLDocument(xmlString: chart) }  // throws if not well formed
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.hasSuffix("</html>\n"))
        // Self-contained: no scripts, and the only URIs are the SVG namespace.
        #expect(!html.contains("<script"))
        #expect(html.components(separatedBy: "http").count - 1 == charts.count)
        // The failure window is shaded from 2 s in every chart.
        #expect(html.components(separatedBy: "class=\"failure\"").count - 1 == charts.count)
        // The text report is there, escaped.
        #expect(html.contains("app-db on-prem -&gt; VPC-1"))
    }

    /// Runs of a minute or more add one chart per CloudWatch state metric and the alarms.
    @Test func longRunsShowCloudWatch() throws {
        var spec = Preset.recommended.scenario
        spec.traffic = []
        spec.duration = .seconds(420)
        spec.failures = [FailureSpec(kind: .cut, target: "dx1", at: .seconds(60))]
        let run = try ScenarioRun(spec)
        run.start()
        let r = run.finish()
        let html = HTMLReport.render(r)
        let busy = r.links.filter { $0.statistics.packetsSent > 0 || $0.statistics.drops.total > 0 }
        // dx1 and dx2 ConnectionState, vpn1 TunnelState.
        #expect(Self.charts(html).count == 2 * (r.groups.count + busy.count) + 3)
        #expect(html.contains("<li>dx1: ConnectionState &lt; 1 for 5 consecutive periods of 60 s: goes to ALARM at 360.000 s</li>"))
    }

    @Test func sameRunGivesTheSameBytes() throws {
        let a = HTMLReport.render(try Self.baselineRun(), preset: .baseline)
        let b = HTMLReport.render(try Self.baselineRun(), preset: .baseline)
        #expect(a == b)
    }

    /// Geometry: the plot spans x from the left margin over the run, y from
    /// the bottom up to a 1-2-5 ceiling of the peak.
    @Test func pointsSitWhereTheValuesSay() throws {
        let chart = Chart(title: "t", series: [("s", "#000000", [0, 10, 20, 20])], binSeconds: 1, window: (1, 3))
        let svg = chart.svg
        let plotWidth = Chart.width - Chart.left - Chart.right, plotHeight = Chart.height - Chart.top - Chart.bottom
        // Bin i sits at its middle, (i + 0.5) s of a 4 s span; 20 is the ceiling, so it touches the top.
        func x(_ s: Double) -> String { HTMLReport.decimal(Chart.left + s / 4 * plotWidth, 1) }
        let bottom = HTMLReport.decimal(Chart.top + plotHeight, 1), top = HTMLReport.decimal(Chart.top, 1)
        let middle = HTMLReport.decimal(Chart.top + plotHeight / 2, 1)
        #expect(svg.contains("points=\"\(x(0.5)),\(bottom) \(x(1.5)),\(middle) \(x(2.5)),\(top) \(x(3.5)),\(top)\""))
        // The shaded window: from 1 s, 2 s wide.
        #expect(svg.contains("<rect class=\"failure\" x=\"\(x(1))\" y=\"\(top)\" width=\"\(HTMLReport.decimal(2.0 / 4 * plotWidth, 1))\""))
        _ = try XMLDocument(xmlString: svg)
    }

    @Test func axisCeilingsAndLabels() {
        #expect(Chart.niceCeiling(0) == 1)
        #expect(Chart.niceCeiling(3) == 5)
        #expect(Chart.niceCeiling(12.5) == 20)
        #expect(Chart.niceCeiling(100) == 100)
        #expect(Chart.niceCeiling(101) == 200)
        #expect(Chart.niceCeiling(0.03) == 0.05)
        #expect(Chart.label(12.5) == "12.5")
        #expect(Chart.label(1250) == "1250")
        #expect(Chart.label(25_000) == "25k")
        #expect(Chart.label(2_500_000) == "2.5M")
        #expect(Chart.label(0.25) == "0.25")
        #expect(HTMLReport.decimal(-0.04, 1) == "0.0")
        #expect(HTMLReport.decimal(2.25, 1) == "2.3")
        #expect(HTMLReport.decimal(7, 2) == "7.00")
        #expect(HTMLReport.escape("a<b & \"c\">") == "a&lt;b &amp; &quot;c&quot;&gt;")
    }
}
