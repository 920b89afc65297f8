import Emulator
import Scenario

/// Renders ``RunResult`` values: the failover report, `compare`'s ranked table
/// and verdicts, JSON (schema `dxemu.run`, docs/run-json.md) and CSV series.
public enum RunReport {
    public static let schemaVersion = 1

    // MARK: - Measures shared by text, JSON and compare

    /// What a run shows about reaching VPC-1 and VPC-2 from on-prem.
    public struct Assessment: Sendable {
        public var vpc1ReachableDuringFailure: Bool
        public var vpc1DeliveredShareDuringFailure: Double
        public var vpc2ReachableBeforeFailure: Bool
        public var lossShare: Double
        public var outage: Int64
        public var latencyChange: Int64?
        public var mtuDrops: UInt64
        public var dominantReason: DropReason?
        public var verdict: String
        public var addsFaultTolerance: Bool
    }

    public static func assess(_ r: RunResult, preset: Preset? = nil) -> Assessment {
        let toVPC1 = r.groups.filter { $0.from == .onPrem && $0.to == .vpc1 }
        let fromVPC1 = r.groups.filter { $0.from == .vpc1 && $0.to == .onPrem }
        let vpc1 = toVPC1 + fromVPC1
        let toVPC2 = r.groups.filter { $0.from == .onPrem && $0.to == .vpc2 }
        let sentDuring = failureShare(r) * Double(vpc1.reduce(0) { $0 + $1.statistics.sent })
        let deliveredDuring = Double(vpc1.reduce(UInt64(0)) { $0 + $1.deliveredDuring })
        let share = sentDuring > 0 ? min(1, deliveredDuring / sentDuring) : 1
        let reachable = share > 0.5
        let sent = vpc1.reduce(UInt64(0)) { $0 + $1.statistics.sent }
        let lost = vpc1.reduce(UInt64(0)) { $0 + $1.statistics.drops.total }
        let outage = vpc1.map(\.longestGap).max() ?? 0
        let before = toVPC1.compactMap(\.latencyBefore).max()
        let during = toVPC1.compactMap(\.latencyDuring).max()
        let change = before.flatMap { b in during.map { $0 - b } }
        let mtu = vpc1.reduce(UInt64(0)) { $0 + $1.statistics.drops[.mtuExceeded] }
        var drops = DropCounts()
        for g in vpc1 { drops.add(g.statistics.drops) }
        let dominant = DropReason.allCases.filter { drops[$0] > 0 }.max { drops[$0] < drops[$1] }
        func dominantReason(_ groups: [GroupResult]) -> DropReason? {
            var d = DropCounts()
            for g in groups { d.add(g.statistics.drops) }
            return DropReason.allCases.filter { d[$0] > 0 }.max { d[$0] < d[$1] }
        }
        let vpc2 = toVPC2.contains { $0.deliveredBefore > 0 }
        var verdict: String
        if r.failureStart == nil {
            verdict = "no failure scheduled"
        } else if vpc1.isEmpty {
            verdict = "no traffic between on-prem and VPC-1 to judge by"
        } else if reachable {
            verdict = "adds fault tolerance: VPC-1 stayed reachable (\(percent(share)) delivered during the failure); "
                + (outage > 0 ? "longest outage \(seconds(outage))" : "no outage")
            if outage > 10_000_000_000 {
                verdict += " (flows on the failed path were black-holed until "
                    + (r.bfd ? "the failure was detected" : "the BGP hold timer expired: enable BFD") + ")"
            }
            if let change { verdict += ", latency \(change >= 0 ? "+" : "")\(milliseconds(change)) during the failure" }
            if mtu > 0 { verdict += "; \(mtu) DF packets over the backup path's MTU dropped (MTU black hole: clamp the MSS)" }
        } else {
            verdict = "does not add fault tolerance: VPC-1 unreachable during the failure (\(percent(share)) delivered)"
            var reasons: [String] = []
            for (label, groups) in [("on-prem -> VPC-1", toVPC1), ("VPC-1 -> on-prem", fromVPC1)] {
                guard let reason = dominantReason(groups) else { continue }
                reasons.append("\(label) dropped for \(reason) (\(explain(reason, preset: preset)))")
            }
            if !reasons.isEmpty { verdict += "; " + reasons.joined(separator: "; ") }
        }
        return Assessment(vpc1ReachableDuringFailure: reachable, vpc1DeliveredShareDuringFailure: share,
                          vpc2ReachableBeforeFailure: vpc2, lossShare: sent == 0 ? 0 : Double(lost) / Double(sent),
                          outage: outage, latencyChange: change, mtuDrops: mtu, dominantReason: dominant,
                          verdict: verdict, addsFaultTolerance: reachable && r.failureStart != nil)
    }

    static func failureShare(_ r: RunResult) -> Double {
        guard let s = r.failureStart, let e = r.failureEnd, r.duration.nanoseconds > 0 else { return 0 }
        return Double((e - s).nanoseconds) / Double(r.duration.nanoseconds)
    }

    static func explain(_ reason: DropReason, preset: Preset?) -> String {
        switch (reason, preset) {
        case (.noRoute, .optionE?):
            return "VPN CloudHub joins branch sites through the VGW; it gives the data centre no second path to VPC-1"
        case (.noRoute, _):
            return "once the failed connection's routes were withdrawn no other route was left"
        case (.nonTransitivePeering, _):
            return "the surviving connection lands in VPC-2, and VPC peering is neither transitive nor edge-to-edge (AWS-FACTS §4.1)"
        case (.blackholed, _):
            return "traffic kept going into the failed connection (no detection, or nowhere else to go)"
        case (.linkDown, _):
            return "sent into the cut connection"
        case (.mtuExceeded, _):
            return "the backup path's MTU is smaller than the DF packets (MTU black hole)"
        default:
            return reason.description
        }
    }

    // MARK: - Text

    public static func text(_ r: RunResult, preset: Preset? = nil) -> String {
        var out = "dxemu failover: \(r.design)\(preset.map { " (\($0.summary))" } ?? "")\n"
        let failures = r.failures.map { f in
            "\(f.target) \(f.kind.rawValue) at \(seconds(f.at.nanoseconds))" + (f.duration.map { " for \(seconds($0.nanoseconds))" } ?? "")
        }
        out += "failure: \(failures.isEmpty ? "none" : failures.joined(separator: "; ")); run \(seconds(r.duration.nanoseconds)), seed \(r.seed)\n\n"
        var table = TextTable(["flows (direction)", "sent", "delivered", "lost", "lost by reason", "outage", "latency ms before/during/after", "path before -> during -> after"])
        for g in r.groups {
            let s = g.statistics
            let reasons = DropReason.allCases.filter { s.drops[$0] > 0 }.map { "\($0.key) \(s.drops[$0])" }.joined(separator: ", ")
            let latencies = [g.latencyBefore, g.latencyDuring, g.latencyAfter].map { $0.map { milliseconds($0, unit: false) } ?? "-" }
            table.add(["\(g.name) x\(g.flows)", String(s.sent), String(s.delivered), String(s.drops.total),
                       reasons.isEmpty ? "-" : reasons, g.longestGap > 0 ? seconds(g.longestGap) : "-", latencies.joined(separator: " / "),
                       [g.pathBefore, g.pathDuring, g.pathAfter].map(pathText).joined(separator: " -> ")])
        }
        out += table.rendered(indent: "")
        let tcpGroups = r.groups.filter { $0.tcp != nil }
        if !tcpGroups.isEmpty {
            out += "\nclosed-loop TCP: what the applications saw\n"
            var t = TextTable(["flows (direction)", "control", "stall", "timeouts", "max backoff", "retransmitted", "goodput Mbps before/during/after", "back to 90%"])
            for g in tcpGroups {
                let c = g.tcp!
                let rates = [c.goodputBefore, c.goodputDuring, c.goodputAfter].map { $0.map { String(format1: $0 / 1e6) } ?? "-" }
                let back: String
                if let at = c.recoveredAt, let start = r.failureStart { back = "+" + seconds(at - start.nanoseconds) } else { back = "-" }
                t.add(["\(g.name) x\(c.connections)", c.congestionControl.rawValue, c.longestStall > 0 ? seconds(c.longestStall) : "-",
                       String(c.timeouts), String(c.maxBackoff), String(c.retransmissions), rates.joined(separator: " / "), back])
            }
            out += t.rendered(indent: "")
        }
        if let start = r.failureStart {
            out += "\nconvergence after the failure at \(seconds(start.nanoseconds)) (FIB changes, each router on its own)\n"
            let byRouter = Dictionary(grouping: r.convergence, by: \.router)
            for router in byRouter.keys.sorted() {
                let first = byRouter[router]!.min { $0.time < $1.time }!
                out += "  \(router): first change +\(seconds((first.time - start).nanoseconds)) (\(first.prefix): \(hopText(first.before)) -> \(hopText(first.after)))\n"
            }
            if let asymmetry = asymmetry(r, start: start) { out += "  \(asymmetry)\n" }
        }
        out += cloudWatchText(r)
        out += "\ntimeline\n"
        for e in r.timeline.prefix(40) { out += "  \(seconds(e.time.nanoseconds).leftAligned(10)) \(e.text)\n" }
        if r.timeline.count > 40 { out += "  ... \(r.timeline.count - 40) more\n" }
        let a = assess(r, preset: preset)
        out += "\nverdict: \(a.verdict)\n"
        if r.accountingViolations > 0 { out += "WARNING: \(r.accountingViolations) flows with unaccounted packets (a bug)\n" }
        return out
    }

    /// What CloudWatch would have shown (AWS-FACTS §5): the state metrics per
    /// period and when each alarm would fire. Empty when the run is shorter
    /// than one period.
    static func cloudWatchText(_ r: RunResult) -> String {
        let states = r.cloudWatch.metrics.filter { ($0.name == "ConnectionState" || $0.name == "TunnelState") && !$0.datapoints.isEmpty }
        guard !states.isEmpty else { return "" }
        let period = states[0].period.nanoseconds / 1_000_000_000
        var out = "\nCloudWatch (AWS-FACTS §5): \(states[0].datapoints.count) datapoints of \(period) s (minimum of 30 s samples)\n"
        for m in states {
            let shown = m.datapoints.prefix(30).map { $0 == 1 ? "1" : $0 == 0 ? "0" : String(format1: $0) }.joined(separator: " ")
            out += "  \(m.namespace) \(m.name) \(m.dimension): \(shown)\(m.datapoints.count > 30 ? " ..." : "")\n"
        }
        for m in r.cloudWatch.metrics where m.name.hasPrefix("TunnelData") && !m.datapoints.isEmpty {
            let shown = m.datapoints.prefix(30).map { String(Int(($0 / 1000).rounded())) }.joined(separator: " ")
            out += "  \(m.namespace) \(m.name) \(m.dimension) (kB, Sum): \(shown)\(m.datapoints.count > 30 ? " ..." : "")\n"
        }
        for a in r.cloudWatch.alarms {
            let when: String
            if let t = a.firesAt {
                when = "goes to ALARM at \(seconds(t.nanoseconds))" + (r.failureStart.map { " (+\(seconds((t - $0).nanoseconds)) after the failure)" } ?? "")
            } else {
                when = "stays OK"
            }
            out += "  alarm \(a.dimension) \(a.rule): \(when)\n"
        }
        if r.failures.contains(where: { $0.kind == .silent || $0.kind == .bgpDown }) {
            out += "  (a silent failure or a BGP-only failure keeps the carrier: ConnectionState stays 1; only BGP, BFD or traffic shows it)\n"
        }
        return out
    }

    /// The two directions of VPC-1 traffic converging at different times.
    static func asymmetry(_ r: RunResult, start: SimTime) -> String? {
        let cgw = r.convergence.filter { $0.router == "customer-router" }.map(\.time).min()
        let aws = r.convergence.filter { $0.router.hasSuffix("-vgw") || $0.router == "transit-gateway" }.map(\.time).min()
        guard let cgw, let aws, cgw != aws else { return nil }
        return "asymmetric for \(seconds(abs((cgw - aws).nanoseconds))): on-prem -> AWS switched at +\(seconds((cgw - start).nanoseconds)), AWS -> on-prem at +\(seconds((aws - start).nanoseconds))"
    }

    // MARK: - Compare

    public static func compareText(_ runs: [(Preset, RunResult)]) -> String {
        let assessed = runs.map { ($0.0, $0.1, assess($0.1, preset: $0.0)) }
        let ranked = assessed.sorted { a, b in
            if a.2.vpc1ReachableDuringFailure != b.2.vpc1ReachableDuringFailure { return a.2.vpc1ReachableDuringFailure }
            if a.2.lossShare != b.2.lossShare { return a.2.lossShare < b.2.lossShare }
            return a.2.outage < b.2.outage
        }
        var out = "dxemu compare: the same traffic and failure on every design\n"
        if let f = runs.first?.1.failures.first {
            out += "failure: \(f.target) \(f.kind.rawValue) at \(seconds(f.at.nanoseconds))\(f.duration.map { " for \(seconds($0.nanoseconds))" } ?? ""); run \(seconds(runs[0].1.duration.nanoseconds))\n\n"
        }
        var table = TextTable(["rank", "design", "VPC-1 during failure", "VPC-2 from on-prem", "loss", "longest outage", "latency change", "MTU drops"])
        for (i, (preset, _, a)) in ranked.enumerated() {
            table.add([String(i + 1), preset.rawValue, a.vpc1ReachableDuringFailure ? "reachable (\(percent(a.vpc1DeliveredShareDuringFailure)))" : "unreachable (\(percent(a.vpc1DeliveredShareDuringFailure)))",
                       a.vpc2ReachableBeforeFailure ? "reachable" : "unreachable", percent(a.lossShare), seconds(a.outage),
                       a.latencyChange.map { ($0 >= 0 ? "+" : "") + milliseconds($0) } ?? "-", String(a.mtuDrops)])
        }
        out += table.rendered(indent: "")
        out += "\nverdicts\n"
        for (preset, _, a) in ranked { out += "  \(preset.rawValue): \(a.verdict)\n" }
        return out
    }

    // MARK: - JSON

    public static func json(_ r: RunResult, preset: Preset? = nil) -> JSONValue {
        let a = assess(r, preset: preset)
        return .object([
            ("schema", "dxemu.run"), ("schema_version", .count(schemaVersion)),
            ("scenario", .string(r.scenario)), ("design", .string(r.design)), ("seed", .int(Int64(bitPattern: r.seed))),
            ("duration_ns", .int(r.duration.nanoseconds)), ("bin_ns", .int(r.binWidth.nanoseconds)),
            ("failures", .array(r.failures.map { f in
                .object([("kind", .string(f.kind.rawValue)), ("target", .string(f.target)), ("at_ns", .int(f.at.nanoseconds)),
                         ("for_ns", f.duration.map { .int($0.nanoseconds) } ?? .null)])
            })),
            ("failure_start_ns", r.failureStart.map { .int($0.nanoseconds) } ?? .null),
            ("failure_end_ns", r.failureEnd.map { .int($0.nanoseconds) } ?? .null),
            ("groups", .array(r.groups.map(groupJSON))),
            ("convergence", .array(r.convergence.map { c in
                .object([("router", .string(c.router)), ("prefix", .string(c.prefix)), ("time_ns", .int(c.time.nanoseconds)),
                         ("before", .array(c.before.map { .string($0) })), ("after", .array(c.after.map { .string($0) }))])
            })),
            ("timeline", .array(r.timeline.map { .object([("time_ns", .int($0.time.nanoseconds)), ("event", .string($0.text))]) })),
            ("links", .array(r.links.map(linkJSON))),
            ("cloudwatch", .object([
                ("metrics", .array(r.cloudWatch.metrics.map { m in
                    .object([("namespace", .string(m.namespace)), ("metric", .string(m.name)), ("dimension", .string(m.dimension)),
                             ("statistic", .string(m.statistic)), ("unit", .string(m.unit)), ("period_ns", .int(m.period.nanoseconds)),
                             ("datapoints", .array(m.datapoints.map { .double($0) }))])
                })),
                ("alarms", .array(r.cloudWatch.alarms.map { a in
                    .object([("metric", .string(a.metric)), ("dimension", .string(a.dimension)), ("rule", .string(a.rule)),
                             ("fires_at_ns", a.firesAt.map { .int($0.nanoseconds) } ?? .null)])
                })),
            ])),
            ("assessment", .object([
                ("vpc1_reachable_during_failure", .bool(a.vpc1ReachableDuringFailure)),
                ("vpc1_delivered_share_during_failure", .double(a.vpc1DeliveredShareDuringFailure)),
                ("vpc2_reachable_before_failure", .bool(a.vpc2ReachableBeforeFailure)),
                ("loss_share", .double(a.lossShare)), ("longest_outage_ns", .int(a.outage)),
                ("latency_change_ns", a.latencyChange.map { .int($0) } ?? .null), ("mtu_drops", .count(Int(a.mtuDrops))),
                ("verdict", .string(a.verdict)),
            ])),
            ("events", .int(Int64(r.events))), ("accounting_violations", .count(r.accountingViolations)),
        ])
    }

    static func dropsJSON(_ d: DropCounts) -> JSONValue {
        .object(DropReason.allCases.map { ($0.key, .int(Int64(d[$0]))) })
    }

    static func binsJSON(_ s: TimeSeries, link: Bool) -> JSONValue {
        .array(s.bins.map { b in
            var pairs: [(String, JSONValue)] = [("packets", .int(Int64(b.packets))), ("bytes", .int(Int64(b.bytes))), ("drops", dropsJSON(b.drops))]
            if link { pairs.append(("queue_max", .count(b.queueMax))) } else {
                pairs.append(("latency_mean_ns", .int(b.meanLatency)))
                pairs.append(("latency_max_ns", .int(b.latencyMax)))
            }
            return .object(pairs)
        })
    }

    static func groupJSON(_ g: GroupResult) -> JSONValue {
        let s = g.statistics
        return .object([
            ("name", .string(g.name)), ("from", .string(g.from.rawValue)), ("to", .string(g.to.rawValue)), ("flows", .count(g.flows)),
            ("sent", .int(Int64(s.sent))), ("delivered", .int(Int64(s.delivered))), ("dropped", dropsJSON(s.drops)),
            ("bytes_sent", .int(Int64(s.bytesSent))), ("bytes_delivered", .int(Int64(s.bytesDelivered))),
            ("reordered", .int(Int64(s.reordered))), ("longest_gap_ns", .int(g.longestGap)), ("longest_gap_start_ns", .int(g.longestGapStart)),
            ("latency_before_ns", g.latencyBefore.map { .int($0) } ?? .null),
            ("latency_during_ns", g.latencyDuring.map { .int($0) } ?? .null),
            ("latency_after_ns", g.latencyAfter.map { .int($0) } ?? .null),
            ("delivered_before", .int(Int64(g.deliveredBefore))), ("delivered_during", .int(Int64(g.deliveredDuring))),
            ("delivered_after", .int(Int64(g.deliveredAfter))),
            ("paths_before", pathsJSON(g.pathBefore)), ("paths_during", pathsJSON(g.pathDuring)),
            ("paths_after", pathsJSON(g.pathAfter)),
            ("flow_results", .array(g.flowResults.map(flowJSON))),
            ("tcp", g.tcp.map(tcpJSON) ?? .null),
            ("series", binsJSON(g.series, link: false)),
        ])
    }

    static func tcpJSON(_ c: TCPGroupResult) -> JSONValue {
        .object([
            ("connections", .count(c.connections)), ("congestion_control", .string(c.congestionControl.rawValue)),
            ("longest_stall_ns", .int(c.longestStall)), ("longest_stall_start_ns", .int(c.longestStallStart)),
            ("timeouts", .int(Int64(c.timeouts))), ("max_backoff", .count(c.maxBackoff)),
            ("retransmissions", .int(Int64(c.retransmissions))), ("fast_retransmits", .int(Int64(c.fastRetransmits))),
            ("bytes_delivered", .int(c.bytesDelivered)),
            ("goodput_before_bps", c.goodputBefore.map { .double($0) } ?? .null),
            ("goodput_during_bps", c.goodputDuring.map { .double($0) } ?? .null),
            ("goodput_after_bps", c.goodputAfter.map { .double($0) } ?? .null),
            ("recovered_at_ns", c.recoveredAt.map { .int($0) } ?? .null),
            ("goodput_bytes_per_bin", .array(c.goodput.map { .int($0) })),
        ])
    }

    static func flowJSON(_ f: FlowResult) -> JSONValue {
        let s = f.statistics
        return .object([
            ("flow", .string(f.key.description)), ("sent", .int(Int64(s.sent))), ("delivered", .int(Int64(s.delivered))),
            ("dropped", dropsJSON(s.drops)), ("latency_mean_ns", s.delivered > 0 ? .int(s.meanLatency) : .null),
            ("longest_gap_ns", .int(s.longestGap)), ("reordered", .int(Int64(s.reordered))),
            ("path_before", f.pathBefore >= 0 ? .count(f.pathBefore) : .null),
            ("path_during", f.pathDuring >= 0 ? .count(f.pathDuring) : .null),
            ("path_after", f.pathAfter >= 0 ? .count(f.pathAfter) : .null),
        ])
    }

    static func pathsJSON(_ paths: [RoutePath]) -> JSONValue {
        .array(paths.map { p in
            .object([("links", .array(p.links.map { .string($0) })), ("flows", .count(p.flows)),
                     ("stop", p.stop.map { .string($0.key) } ?? .null)])
        })
    }

    static func linkJSON(_ l: LinkResult) -> JSONValue {
        let s = l.statistics
        return .object([
            ("name", .string(l.name)), ("from", .string(l.from)), ("to", .string(l.to)),
            ("packets_sent", .int(Int64(s.packetsSent))), ("bytes_sent", .int(Int64(s.bytesSent))),
            ("packets_delivered", .int(Int64(s.packetsDelivered))), ("dropped", dropsJSON(s.drops)),
            ("fragments_created", .int(Int64(s.fragmentsCreated))), ("max_queue_packets", .count(s.maxQueuePackets)),
            ("max_queue_bytes", .count(s.maxQueueBytes)), ("queue_delay_max_ns", .int(s.queueDelayMax)),
            ("series", binsJSON(l.series, link: true)),
        ])
    }

    // MARK: - CSV

    /// `groups.csv` and `links.csv`: one row per series, bin.
    public static func csv(_ r: RunResult) -> [(file: String, text: String)] {
        let reasons = DropReason.allCases.map(\.key)
        var groups = "group,bin_start_ns,packets,bytes,latency_mean_ns,latency_max_ns," + reasons.map { "drop_" + $0 }.joined(separator: ",") + "\n"
        for g in r.groups {
            for (i, b) in g.series.bins.enumerated() {
                groups += "\"\(g.name)\",\(Int64(i) * r.binWidth.nanoseconds),\(b.packets),\(b.bytes),\(b.meanLatency),\(b.latencyMax),"
                    + DropReason.allCases.map { String(b.drops[$0]) }.joined(separator: ",") + "\n"
            }
        }
        var links = "link,bin_start_ns,packets,bytes,queue_max," + reasons.map { "drop_" + $0 }.joined(separator: ",") + "\n"
        for l in r.links where l.statistics.packetsSent > 0 || l.statistics.drops.total > 0 {
            for (i, b) in l.series.bins.enumerated() {
                links += "\"\(l.name)\",\(Int64(i) * r.binWidth.nanoseconds),\(b.packets),\(b.bytes),\(b.queueMax),"
                    + DropReason.allCases.map { String(b.drops[$0]) }.joined(separator: ",") + "\n"
            }
        }
        return [("groups.csv", groups), ("links.csv", links)]
    }

    // MARK: - Formatting

    /// `dx1 ×4 | dx2 ×4`: the connections each distinct path crosses (LAN,
    /// subnet and attachment hops left out), how many flows take it, and where
    /// it ends early.
    static func pathText(_ paths: [RoutePath]) -> String {
        if paths.isEmpty { return "-" }
        let several = paths.count > 1
        return paths.sorted { $0.links.lexicographicallyPrecedes($1.links) }.map { p in
            var text = linkText(p.links)
            if let stop = p.stop { text += text.isEmpty ? "✗ \(stop.key)" : " ✗ \(stop.key)" }
            if text.isEmpty { text = "direct" }
            return several ? "\(text) ×\(p.flows)" : text
        }.joined(separator: " | ")
    }

    static func hopText(_ links: [String]) -> String { links.isEmpty ? "no route" : links.joined(separator: "+") }

    static func linkText(_ links: [String]) -> String {
        links.filter { !$0.hasSuffix("-lan") && !$0.hasSuffix("-lan'") && !$0.contains("subnet") && !$0.contains("attach") }.joined(separator: ">")
    }

    public static func seconds(_ ns: Int64) -> String {
        let ms = (ns + (ns >= 0 ? 500_000 : -500_000)) / 1_000_000
        return "\(ms / 1000).\(String(abs(ms % 1000)).leftPadded(3)) s"
    }

    public static func milliseconds(_ ns: Int64, unit: Bool = true) -> String {
        let tenths = (ns + (ns >= 0 ? 50_000 : -50_000)) / 100_000
        return "\(tenths / 10).\(abs(tenths % 10))\(unit ? " ms" : "")"
    }

    public static func percent(_ x: Double) -> String {
        let tenths = Int((x * 1000).rounded())
        return "\(tenths / 10).\(tenths % 10)%"
    }
}

extension String {
    /// One decimal, rounded (no Foundation formatting).
    init(format1 x: Double) {
        let tenths = Int((x * 10).rounded())
        self = "\(tenths / 10).\(abs(tenths % 10))"
    }

    func leftAligned(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
