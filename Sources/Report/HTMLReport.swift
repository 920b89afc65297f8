import Emulator
import Scenario

/// A self-contained HTML page for one run (SPEC §4): the text report, then
/// SVG charts of every traffic group and every link that carried traffic,
/// with the failure window shaded. No scripts, no fonts, no network: it opens
/// in any browser, and the same run gives the same bytes.
public enum HTMLReport {
    public static func render(_ r: RunResult, preset: Preset? = nil, title: String = "dxemu", text: String? = nil) -> String {
        let heading = "\(title): \(r.design)" + (preset.map { " (\($0.summary))" } ?? "")
        return page(title: "\(title): \(r.design)", body: section(r, preset: preset, heading: heading, text: text))
    }

    /// One page for `dxemu compare`: the ranked table, then every design's section.
    public static func renderComparison(_ runs: [(Preset, RunResult)]) -> String {
        var body = "<h1>dxemu compare</h1>\n<pre>\(escape(RunReport.compareText(runs)))</pre>\n"
        for (preset, r) in runs { body += section(r, preset: preset, heading: "\(preset.rawValue): \(preset.summary)", text: nil) }
        return page(title: "dxemu compare", body: body)
    }

    /// The charts and the text report of one run (`text` replaces the run's
    /// own text report, e.g. a replay's).
    static func section(_ r: RunResult, preset: Preset?, heading: String, text: String?) -> String {
        let binSeconds = r.binWidth.seconds
        let window = r.failureStart.map { start in
            (start.seconds, (r.failureEnd ?? r.duration).seconds)
        }
        var body = "<h1>\(escape(heading))</h1>\n"
        body += "<p>Seed \(r.seed), \(escape(RunReport.seconds(r.duration.nanoseconds))) of virtual time, "
            + "bins of \(escape(RunReport.seconds(r.binWidth.nanoseconds)))"
        if let w = window { body += "; failure window shaded (\(decimal(w.0, 3)) s to \(decimal(w.1, 3)) s)" }
        body += ".</p>\n<pre>\(escape(text ?? RunReport.text(r, preset: preset)))</pre>\n"

        body += "<h2>Traffic groups</h2>\n"
        body += "<p>Packets per second delivered (green) and lost (red), and mean one-way latency, per bin.</p>\n"
        for g in r.groups {
            let bins = g.series.bins
            let delivered = bins.map { Double($0.packets) / binSeconds }
            let lost = bins.map { Double($0.drops.total) / binSeconds }
            let latency = bins.map { Double($0.meanLatency) / 1e6 }
            body += "<h3>\(escape(g.name))</h3>\n<div class=\"row\">\n"
            body += Chart(title: "packets/s", series: [("delivered", "#2a7d2a", delivered), ("lost", "#c62828", lost)],
                          binSeconds: binSeconds, window: window).svg
            body += Chart(title: "latency ms", series: [("mean latency", "#1f5fa8", latency)],
                          binSeconds: binSeconds, window: window).svg
            body += "</div>\n"
        }

        let states = r.cloudWatch.metrics.filter { ($0.name == "ConnectionState" || $0.name == "TunnelState") && !$0.datapoints.isEmpty }
        if !states.isEmpty {
            body += "<h2>CloudWatch</h2>\n<p>The state datapoints AWS would publish (AWS-FACTS §5), one per period, and its example alarms.</p>\n"
            body += "<div class=\"row\">\n"
            for m in states {
                body += Chart(title: "\(m.namespace) \(m.name) \(m.dimension)", series: [(m.statistic, "#6a3d9a", m.datapoints)],
                              binSeconds: m.period.seconds, window: window).svg
            }
            body += "</div>\n<ul>\n"
            for a in r.cloudWatch.alarms {
                let when = a.firesAt.map { "goes to ALARM at \(RunReport.seconds($0.nanoseconds))" } ?? "stays OK"
                body += "<li>\(escape(a.dimension)): \(escape(a.rule)): \(escape(when))</li>\n"
            }
            body += "</ul>\n"
        }

        let busy = r.links.filter { $0.statistics.packetsSent > 0 || $0.statistics.drops.total > 0 }
        body += "<h2>Links</h2>\n"
        body += "<p>Megabits per second sent (wire bytes, with encapsulation) and packets per second dropped on the link, per bin. "
            + "Idle links are left out (\(r.links.count - busy.count) of \(r.links.count)).</p>\n"
        for l in busy {
            let bins = l.series.bins
            let mbps = bins.map { Double($0.bytes) * 8 / binSeconds / 1e6 }
            let drops = bins.map { Double($0.drops.total) / binSeconds }
            body += "<h3>\(escape(l.name)) (\(escape(l.from)) &#8594; \(escape(l.to)))</h3>\n<div class=\"row\">\n"
            body += Chart(title: "Mbps sent", series: [("sent", "#1f5fa8", mbps)], binSeconds: binSeconds, window: window).svg
            body += Chart(title: "drops/s", series: [("dropped", "#c62828", drops)], binSeconds: binSeconds, window: window).svg
            body += "</div>\n"
        }
        return body
    }

    static func page(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>\(escape(title))</title>
        <style>
        body { font-family: sans-serif; margin: 1.5em; color: #222; }
        pre { font-size: 12px; background: #f6f6f6; padding: 0.8em; overflow-x: auto; }
        h3 { margin-bottom: 0.2em; font-size: 1em; }
        .row { display: flex; flex-wrap: wrap; gap: 1em; }
        svg text { font-family: sans-serif; font-size: 11px; fill: #333; }
        </style>
        </head>
        <body>
        \(body)</body>
        </html>

        """
    }

    /// `&`, `<`, `>` and `"` as entities.
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }

    /// `x` with `places` decimals, the same on every platform (no locale, no printf).
    static func decimal(_ x: Double, _ places: Int) -> String {
        guard x.isFinite else { return "0" }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let n = Int64((abs(x) * scale).rounded())
        let whole = n / Int64(scale), fraction = n % Int64(scale)
        let sign = x < 0 && n != 0 ? "-" : ""
        guard places > 0 else { return sign + String(whole) }
        let digits = String(fraction)
        return sign + String(whole) + "." + String(repeating: "0", count: places - digits.count) + digits
    }
}

/// One line chart: time on x (seconds), values per bin on y from 0.
struct Chart {
    var title: String
    var series: [(name: String, color: String, values: [Double])]
    var binSeconds: Double
    var window: (Double, Double)?

    static let width = 460.0, height = 200.0
    static let left = 58.0, right = 12.0, top = 24.0, bottom = 30.0

    var svg: String {
        let plotWidth = Chart.width - Chart.left - Chart.right
        let plotHeight = Chart.height - Chart.top - Chart.bottom
        let bins = series.map(\.values.count).max() ?? 0
        let span = max(Double(bins) * binSeconds, binSeconds)
        let peak = series.flatMap(\.values).max() ?? 0
        let yMax = Chart.niceCeiling(peak)
        func x(_ seconds: Double) -> String { HTMLReport.decimal(Chart.left + seconds / span * plotWidth, 1) }
        func y(_ value: Double) -> String { HTMLReport.decimal(Chart.top + plotHeight - value / yMax * plotHeight, 1) }

        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(Chart.width))\" height=\"\(Int(Chart.height))\" "
            + "viewBox=\"0 0 \(Int(Chart.width)) \(Int(Chart.height))\" role=\"img\">\n"
        s += "<title>\(HTMLReport.escape(title))</title>\n"
        s += "<rect x=\"0\" y=\"0\" width=\"\(Int(Chart.width))\" height=\"\(Int(Chart.height))\" fill=\"#ffffff\"/>\n"
        if let (start, end) = window, end > start {
            let a = min(max(start, 0), span), b = min(max(end, 0), span)
            s += "<rect class=\"failure\" x=\"\(x(a))\" y=\"\(HTMLReport.decimal(Chart.top, 1))\" "
                + "width=\"\(HTMLReport.decimal((b - a) / span * plotWidth, 1))\" height=\"\(HTMLReport.decimal(plotHeight, 1))\" fill=\"#fde0dc\"/>\n"
        }
        // Axes, grid lines and tick labels.
        for i in 0...4 {
            let v = yMax * Double(i) / 4
            s += "<line x1=\"\(x(0))\" y1=\"\(y(v))\" x2=\"\(x(span))\" y2=\"\(y(v))\" stroke=\"#e3e3e3\"/>\n"
            s += "<text x=\"\(HTMLReport.decimal(Chart.left - 4, 1))\" y=\"\(y(v))\" text-anchor=\"end\" dy=\"4\">\(Chart.label(v))</text>\n"
        }
        let step = Chart.niceCeiling(span / 8)
        var t = 0.0
        while t <= span + step / 1000 {
            s += "<line x1=\"\(x(t))\" y1=\"\(y(0))\" x2=\"\(x(t))\" y2=\"\(HTMLReport.decimal(Chart.top + plotHeight + 4, 1))\" stroke=\"#888888\"/>\n"
            s += "<text x=\"\(x(t))\" y=\"\(HTMLReport.decimal(Chart.height - 10, 1))\" text-anchor=\"middle\">\(Chart.label(t))s</text>\n"
            t += step
        }
        s += "<line x1=\"\(x(0))\" y1=\"\(y(0))\" x2=\"\(x(span))\" y2=\"\(y(0))\" stroke=\"#888888\"/>\n"
        // One polyline per series, through the middle of each bin.
        for line in series where !line.values.isEmpty {
            let points = line.values.enumerated().map { i, v in "\(x((Double(i) + 0.5) * binSeconds)),\(y(v))" }
            s += "<polyline class=\"series\" fill=\"none\" stroke=\"\(line.color)\" stroke-width=\"1.5\" points=\"\(points.joined(separator: " "))\">"
                + "<title>\(HTMLReport.escape(line.name))</title></polyline>\n"
        }
        // Title and legend.
        s += "<text x=\"\(HTMLReport.decimal(Chart.left, 1))\" y=\"14\" font-weight=\"bold\">\(HTMLReport.escape(title))</text>\n"
        var lx = Chart.width - Chart.right
        for line in series.reversed() {
            lx -= 22 + 7 * Double(line.name.count)
            s += "<rect x=\"\(HTMLReport.decimal(lx, 1))\" y=\"6\" width=\"10\" height=\"10\" fill=\"\(line.color)\"/>"
                + "<text x=\"\(HTMLReport.decimal(lx + 14, 1))\" y=\"15\">\(HTMLReport.escape(line.name))</text>\n"
        }
        return s + "</svg>\n"
    }

    /// The smallest 1, 2 or 5 times a power of ten at or above `x` (1 for 0).
    static func niceCeiling(_ x: Double) -> Double {
        guard x > 0, x.isFinite else { return 1 }
        var power = 1.0
        while power * 10 <= x { power *= 10 }
        while power > x { power /= 10 }
        for m in [1.0, 2.0, 5.0, 10.0] where m * power >= x { return m * power }
        return 10 * power
    }

    /// A tick label: no decimals from 100 up, one below, three below 10,
    /// trailing zeros cut; k and M for large values.
    static func label(_ v: Double) -> String {
        if v >= 1_000_000 { return trimmed(HTMLReport.decimal(v / 1_000_000, 3)) + "M" }
        if v >= 10_000 { return trimmed(HTMLReport.decimal(v / 1000, 2)) + "k" }
        return trimmed(HTMLReport.decimal(v, v >= 100 ? 0 : v >= 10 ? 1 : 3))
    }

    static func trimmed(_ s: String) -> String {
        guard s.contains(".") else { return s }
        var t = s
        while t.hasSuffix("0") { t.removeLast() }
        if t.hasSuffix(".") { t.removeLast() }
        return t
    }
}
