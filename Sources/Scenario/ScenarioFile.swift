import ControlPlane
import Emulator
import Foundation
import NetAddress
import PacketWire
import Yams

/// Scenario files in YAML (schema in docs/scenario.md): a SecureCart design,
/// its timers, the traffic, the failure schedule and where output goes.
/// Everything is checked; a fault names the file, line, column and reason.
public enum ScenarioFile {
    /// Where a file asks its output to go (relative to the working directory).
    public struct OutputRequest: Sendable, Equatable {
        public var json: String?
        public var csv: String?
        public init(json: String? = nil, csv: String? = nil) {
            self.json = json
            self.csv = csv
        }
    }

    /// A loaded scenario and its output requests.
    public struct Loaded: Sendable {
        public var spec: ScenarioSpec
        public var output: OutputRequest
        /// The preset the file starts from, if any.
        public var base: Preset?
    }

    public static func load(path: String) throws(ScenarioFileError) -> ScenarioSpec { try loadFull(path: path).spec }

    public static func loadFull(path: String) throws(ScenarioFileError) -> Loaded {
        try parse(readText(path: path), file: path)
    }

    /// A file's text; an unreadable or non-UTF-8 file is an error naming it.
    public static func readText(path: String) throws(ScenarioFileError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ScenarioFileError(file: path, line: 0, column: 0, reason: "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ScenarioFileError(file: path, line: 0, column: 0, reason: "the file is not UTF-8 text")
        }
        return text
    }

    /// Parses and validates a scenario given as text (`file` names it in errors).
    public static func parse(_ text: String, file: String) throws(ScenarioFileError) -> Loaded {
        try parse(document: compose(text, file: file), file: file)
    }

    /// Parses and validates a scenario already composed into a YAML document
    /// (a sweep point: a scenario with some values replaced).
    public static func parse(document root: Node, file: String) throws(ScenarioFileError) -> Loaded {
        var builder = Builder(reader: YAMLReader(file: file))
        return try builder.build(root)
    }

    /// Composes YAML text into a document; a syntax error names the line.
    public static func compose(_ text: String, file: String) throws(ScenarioFileError) -> Node {
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw ScenarioFileError(file: file, line: 0, column: 0, reason: "the file is empty")
            }
            return node
        } catch let e as ScenarioFileError {
            throw e
        } catch let e as YamlError {
            throw yamlError(e, file: file)
        } catch {
            throw ScenarioFileError(file: file, line: 0, column: 0, reason: "not valid YAML: \(error)")
        }
    }

    static func yamlError(_ e: YamlError, file: String) -> ScenarioFileError {
        switch e {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _), let .composer(context, problem, mark, _):
            let reason = "invalid YAML: \(problem)" + (context.map { " (\($0.text))" } ?? "")
            return ScenarioFileError(file: file, line: mark.line, column: mark.column, reason: reason)
        case let .duplicatedKeysInMapping(duplicates, context):
            return ScenarioFileError(file: file, line: context.mark.line, column: context.mark.column,
                                     reason: "key '\(duplicates.first ?? "?")' appears more than once in the same mapping")
        case let .reader(problem, offset, _, _):
            return ScenarioFileError(file: file, line: 0, column: 0, reason: "invalid YAML: \(problem)\(offset.map { " at byte \($0)" } ?? "")")
        default:
            return ScenarioFileError(file: file, line: 0, column: 0, reason: "invalid YAML: \(e)")
        }
    }

    static let topKeys = ["name", "base", "seed", "duration", "bin", "design", "timers", "traffic", "failures", "cloudwatch", "output"]
    static let cloudWatchKeys = ["period", "sample-interval", "connection-alarm-periods", "tunnel-alarm-period",
                                 "tunnel-alarm-datapoints", "tunnel-alarm-evaluation-periods"]
    static let designKeys = ["active-active", "jumbo-frames", "mss-clamp", "transit-gateway-vpn-ecmp", "addresses", "peering", "dx", "vpn"]
    static let addressKeys = ["on-prem", "on-prem-host", "vpc1", "vpc1-host", "vpc2", "vpc2-host", "branch", "branch-host",
                              "on-prem-v6", "vpc1-v6", "vpc2-v6", "branch-v6"]
    static let dxKeys = ["name", "location", "gateway", "bandwidth", "latency", "jitter", "loss", "mtu", "queue-packets", "queue-bytes", "primary", "bgp"]
    static let vpnKeys = ["name", "gateway", "tunnels", "routing", "latency", "jitter", "loss", "queue-packets", "queue-bytes",
                          "fragmentation-needed", "site", "bgp"]
    static let bgpKeys = ["communities", "prepend", "med", "local-preference"]
    static let lossKeys = ["model", "probability", "good-to-bad", "bad-to-good", "loss-in-good", "loss-in-bad"]
    static let timerKeys = ["bfd", "bfd-interval", "bfd-multiplier", "dx-keepalive", "dx-hold", "vpn-keepalive", "vpn-hold",
                            "dpd-interval", "dpd-timeout", "gateway-programming-delay", "customer-programming-delay",
                            "dx-establish", "vpn-establish", "carrier-delay"]
    static let trafficKeys = ["name", "from", "to", "protocol", "rate", "flows", "pattern", "on", "off", "sizes",
                              "dont-fragment", "both-directions", "start", "stop", "closed-loop"]
    static let tcpKeys = ["congestion-control", "mss", "min-rto", "max-rto", "initial-rto", "initial-window", "receive-window", "bytes"]
    static let failureKeys = ["mode", "target", "at", "for", "probability", "down", "up", "times"]
    static let outputKeys = ["json", "csv"]
}

private let gateways: [(String, AWSGateway)] = [("vpc1", .vpc1), ("vpc2", .vpc2), ("tgw", .transitGateway), ("transit-gateway", .transitGateway)]
private let sites: [(String, Site)] = Site.allCases.map { ($0.rawValue, $0) }

/// Walks the document, section by section.
private struct Builder {
    let reader: YAMLReader
    var spec = ScenarioSpec(name: "scenario", design: SecureCartDesign(name: "scenario", dx: []), traffic: [], failures: [])
    var output = ScenarioFile.OutputRequest()
    var base: Preset?

    mutating func build(_ root: Node) throws(ScenarioFileError) -> ScenarioFile.Loaded {
        let r = reader
        let top = try r.mapping(root, "the scenario", allowed: ScenarioFile.topKeys)
        if let b = top["base"] {
            let presets = Preset.allCases.map { ($0.rawValue, $0) }
            let preset = try r.choice(b, "base", presets)
            base = preset
            spec = preset.scenario
        }
        if let n = top["name"] { spec.name = try r.name(n, "name") } else if base == nil {
            spec.name = ((r.file as NSString).lastPathComponent as NSString).deletingPathExtension
        }
        spec.design.name = spec.name
        if let n = top["seed"] { spec.seed = UInt64(try r.int(n, "seed", in: 0...Int.max)) }
        if let n = top["duration"] { spec.duration = try r.time(n, "duration", positive: true) }
        if let n = top["bin"] { spec.binWidth = try r.time(n, "bin", positive: true) }
        if let n = top["design"] { try design(n) }
        guard !spec.design.dx.isEmpty || !spec.design.vpn.isEmpty else {
            throw r.error(top["design"] ?? root, "the design has no DX connection and no VPN (add design.dx or design.vpn, or a base preset)")
        }
        if let n = top["timers"] { try timers(n) }
        if let n = top["traffic"] {
            spec.traffic = []
            for (i, item) in try r.sequence(n, "traffic").enumerated() { spec.traffic.append(try traffic(item, index: i)) }
        } else if base == nil {
            spec.traffic = ScenarioSpec.defaultTraffic
        }
        if let n = top["failures"] {
            spec.failures = []
            for item in try r.sequence(n, "failures") { spec.failures.append(try failure(item)) }
        }
        if let n = top["cloudwatch"] {
            let f = try r.mapping(n, "cloudwatch", allowed: ScenarioFile.cloudWatchKeys)
            var c = spec.cloudWatch
            if let v = f["period"] { c.period = try r.time(v, "cloudwatch.period", positive: true) }
            if let v = f["sample-interval"] { c.sampleInterval = try r.time(v, "cloudwatch.sample-interval", positive: true) }
            if let v = f["connection-alarm-periods"] { c.connectionAlarmPeriods = try r.int(v, "cloudwatch.connection-alarm-periods", in: 1...1440) }
            if let v = f["tunnel-alarm-period"] { c.tunnelAlarmPeriod = try r.time(v, "cloudwatch.tunnel-alarm-period", positive: true) }
            if let v = f["tunnel-alarm-evaluation-periods"] {
                c.tunnelAlarmEvaluationPeriods = try r.int(v, "cloudwatch.tunnel-alarm-evaluation-periods", in: 1...1440)
            }
            if let v = f["tunnel-alarm-datapoints"] {
                c.tunnelAlarmDatapoints = try r.int(v, "cloudwatch.tunnel-alarm-datapoints", in: 1...c.tunnelAlarmEvaluationPeriods)
            }
            if c.sampleInterval > c.period || c.sampleInterval > c.tunnelAlarmPeriod {
                throw r.error(f["sample-interval"] ?? n, "cloudwatch.sample-interval must not be longer than the periods")
            }
            spec.cloudWatch = c
        }
        if let n = top["output"] {
            let f = try r.mapping(n, "output", allowed: ScenarioFile.outputKeys)
            if let j = f["json"] { output.json = try r.string(j, "output.json") }
            if let c = f["csv"] { output.csv = try r.string(c, "output.csv") }
        }
        // A last check by the runner, for anything the sections above let through.
        do {
            try ScenarioRun.validate(spec)
        } catch {
            throw r.error(root, (error as? ScenarioError)?.message ?? "\(error)")
        }
        return ScenarioFile.Loaded(spec: spec, output: output, base: base)
    }

    // MARK: design

    mutating func design(_ node: Node) throws(ScenarioFileError) {
        let r = reader
        let f = try r.mapping(node, "design", allowed: ScenarioFile.designKeys)
        var d = spec.design
        if let n = f["active-active"] { d.activeActive = try r.bool(n, "design.active-active") }
        if let n = f["jumbo-frames"] { d.jumboFrames = try r.bool(n, "design.jumbo-frames") }
        if let n = f["mss-clamp"] { d.mssClamp = try r.int(n, "design.mss-clamp", in: 536...9_001) }
        if let n = f["transit-gateway-vpn-ecmp"] { d.transitGatewayVPNECMP = try r.bool(n, "design.transit-gateway-vpn-ecmp") }
        if let n = f["addresses"] { d.addresses = try addresses(n, start: d.addresses) }
        if let n = f["peering"] {
            let p = try r.mapping(n, "design.peering", allowed: ["latency", "mtu"])
            if let l = p["latency"] { d.peeringLatency = try r.time(l, "design.peering.latency") }
            if let m = p["mtu"] { d.peeringMTU = try r.int(m, "design.peering.mtu", in: 576...9_001) }
        }
        var names: [String: Node] = [:]
        func claim(_ name: String, _ node: Node) throws(ScenarioFileError) {
            if let first = names[name] {
                throw r.error(node, "connection name '\(name)' is used twice (first at line \(first.mark?.line ?? 0))")
            }
            names[name] = node
        }
        if let n = f["dx"] {
            d.dx = []
            for item in try r.sequence(n, "design.dx") {
                let c = try dx(item, index: d.dx.count)
                try claim(c.name, item)
                d.dx.append(c)
            }
        } else {
            for c in d.dx { names[c.name] = node }
        }
        if let n = f["vpn"] {
            d.vpn = []
            for item in try r.sequence(n, "design.vpn") {
                let c = try vpn(item, index: d.vpn.count)
                try claim(c.name, item)
                d.vpn.append(c)
            }
        }
        spec.design = d
    }

    func addresses(_ node: Node, start: AddressPlan) throws(ScenarioFileError) -> AddressPlan {
        let r = reader
        let f = try r.mapping(node, "design.addresses", allowed: ScenarioFile.addressKeys)
        var plan = start
        let sitesAndHosts: [(String, WritableKeyPath<AddressPlan, IPv4Prefix>, WritableKeyPath<AddressPlan, IPv4Address>)] = [
            ("on-prem", \.onPrem, \.onPremHost), ("vpc1", \.vpc1, \.database), ("vpc2", \.vpc2, \.webApp), ("branch", \.branch, \.branchHost),
        ]
        for (key, prefixPath, hostPath) in sitesAndHosts {
            if let n = f[key] {
                let p = try r.prefix(n, "design.addresses.\(key)")
                guard p.length <= 30 else { throw r.error(n, "design.addresses.\(key) \(p) is too small to hold a host (at most /30)") }
                plan[keyPath: prefixPath] = p
                plan[keyPath: hostPath] = AddressPlan.defaultHost(in: p)
            }
            if let n = f[key + "-host"] {
                let a = try r.address(n, "design.addresses.\(key)-host")
                guard plan[keyPath: prefixPath].contains(a) else {
                    throw r.error(n, "design.addresses.\(key)-host \(a) is outside \(key)'s prefix \(plan[keyPath: prefixPath])")
                }
                plan[keyPath: hostPath] = a
            }
        }
        let v6Sites: [(String, WritableKeyPath<AddressPlan, IPv6Prefix>, WritableKeyPath<AddressPlan, IPv6Address>)] = [
            ("on-prem-v6", \.onPrem6, \.onPremHost6), ("vpc1-v6", \.vpc1_6, \.database6), ("vpc2-v6", \.vpc2_6, \.webApp6),
            ("branch-v6", \.branch6, \.branchHost6),
        ]
        for (key, prefixPath, hostPath) in v6Sites {
            guard let n = f[key] else { continue }
            let text = try r.scalar(n, "design.addresses.\(key)")
            let p: IPv6Prefix
            do { p = try IPv6Prefix(parsing: text) } catch { throw r.error(n, "design.addresses.\(key) '\(text)' is not a valid IPv6 prefix: \(error)") }
            guard p.length <= 120 else { throw r.error(n, "design.addresses.\(key) \(p) is too small to hold a host (at most /120)") }
            plan[keyPath: prefixPath] = p
            plan[keyPath: hostPath] = AddressPlan.defaultHost(in: p)
        }
        let all6 = v6Sites.map { ($0.0, plan[keyPath: $0.1]) }
        for i in all6.indices {
            for j in all6.indices where j > i {
                let (a, pa) = all6[i], (b, pb) = all6[j]
                if pa.contains(pb.address) || pb.contains(pa.address) {
                    throw r.error(f[b] ?? f[a] ?? node, "prefixes overlap: \(a) \(pa) and \(b) \(pb)")
                }
            }
        }
        // Sites must not overlap: a host would be reachable at two places.
        let all = sitesAndHosts.map { ($0.0, plan[keyPath: $0.1]) }
        for i in all.indices {
            for j in all.indices where j > i {
                let (a, pa) = all[i], (b, pb) = all[j]
                if pa.contains(pb.address) || pb.contains(pa.address) {
                    throw r.error(f[b] ?? f[a] ?? node, "prefixes overlap: \(a) \(pa) and \(b) \(pb)")
                }
            }
        }
        return plan
    }

    func loss(_ node: Node, _ what: String) throws(ScenarioFileError) -> LossModel {
        let r = reader
        if case .scalar = node {
            // A bare number: Bernoulli with that probability.
            let p = try r.double(node, what, in: 0...1)
            return p == 0 ? .none : .bernoulli(probability: p)
        }
        let f = try r.mapping(node, what, allowed: ScenarioFile.lossKeys)
        guard let m = f["model"] else { throw r.error(node, "\(what) needs a model: none, bernoulli or gilbert-elliott") }
        switch try r.choice(m, "\(what).model", [("none", 0), ("bernoulli", 1), ("gilbert-elliott", 2)]) {
        case 0:
            return .none
        case 1:
            guard let p = f["probability"] else { throw r.error(node, "\(what): a bernoulli model needs a probability") }
            return .bernoulli(probability: try r.double(p, "\(what).probability", in: 0...1))
        default:
            func value(_ key: String, _ fallback: Double?) throws(ScenarioFileError) -> Double {
                if let n = f[key] { return try r.double(n, "\(what).\(key)", in: 0...1) }
                if let fallback { return fallback }
                throw r.error(node, "\(what): a gilbert-elliott model needs \(key)")
            }
            let g2b = try value("good-to-bad", nil), b2g = try value("bad-to-good", nil)
            guard g2b + b2g > 0 else { throw r.error(node, "\(what): good-to-bad and bad-to-good cannot both be 0") }
            return .gilbertElliott(goodToBad: g2b, badToGood: b2g, lossInGood: try value("loss-in-good", 0), lossInBad: try value("loss-in-bad", 1))
        }
    }

    func bgp(_ node: Node, _ what: String) throws(ScenarioFileError) -> BGPPolicy {
        let r = reader
        let f = try r.mapping(node, what, allowed: ScenarioFile.bgpKeys)
        var p = BGPPolicy()
        if let n = f["communities"] {
            for c in try r.sequence(n, "\(what).communities") {
                let text = try r.scalar(c, "a community")
                let parts = text.split(separator: ":")
                guard parts.count == 2, let asn = UInt16(parts[0]), let value = UInt16(parts[1]) else {
                    throw r.error(c, "community '\(text)' is not ASN:VALUE with two 16-bit numbers (e.g. 7224:7300)")
                }
                p.communities.insert(Community(asn, value))
            }
        }
        if let n = f["prepend"] { p.prepend = try r.int(n, "\(what).prepend", in: 0...10) }
        if let n = f["med"] { p.med = UInt32(try r.int(n, "\(what).med", in: 0...Int(UInt32.max))) }
        if let n = f["local-preference"] { p.localPreference = UInt32(try r.int(n, "\(what).local-preference", in: 0...Int(UInt32.max))) }
        return p
    }

    func dx(_ node: Node, index: Int) throws(ScenarioFileError) -> DXConnection {
        let r = reader
        let what = "design.dx[\(index)]"
        let f = try r.mapping(node, what, allowed: ScenarioFile.dxKeys)
        guard let nameNode = f["name"] else { throw r.error(node, "\(what) needs a name") }
        let name = try r.name(nameNode, "\(what).name")
        var c = DXConnection(name: name, location: "location-\(index + 1)")
        if let n = f["location"] { c.location = try r.name(n, "\(name).location") }
        if let n = f["gateway"] { c.gateway = try r.choice(n, "\(name).gateway", gateways) }
        if let n = f["bandwidth"] { c.bandwidth = try r.rate(n, "\(name).bandwidth") }
        if let n = f["latency"] { c.latency = try r.time(n, "\(name).latency") }
        if let n = f["jitter"] { c.jitter = try r.time(n, "\(name).jitter") }
        if let n = f["loss"] { c.loss = try loss(n, "\(name).loss") }
        if let n = f["mtu"] { c.mtu = try r.int(n, "\(name).mtu", in: 576...9_001) }
        if let n = f["queue-packets"] { c.queuePackets = try r.int(n, "\(name).queue-packets", in: 1...10_000_000) }
        if let n = f["queue-bytes"] { c.queueBytes = try r.int(n, "\(name).queue-bytes", in: 1_500...(1 << 34)) }
        if let n = f["primary"] { c.primary = try r.bool(n, "\(name).primary") }
        if let n = f["bgp"] { c.policy = try bgp(n, "\(name).bgp") }
        return c
    }

    func vpn(_ node: Node, index: Int) throws(ScenarioFileError) -> VPNConnection {
        let r = reader
        let what = "design.vpn[\(index)]"
        let f = try r.mapping(node, what, allowed: ScenarioFile.vpnKeys)
        guard let nameNode = f["name"] else { throw r.error(node, "\(what) needs a name") }
        var c = VPNConnection(name: try r.name(nameNode, "\(what).name"))
        let name = c.name
        if let n = f["gateway"] { c.gateway = try r.choice(n, "\(name).gateway", gateways) }
        if let n = f["tunnels"] { c.tunnels = try r.int(n, "\(name).tunnels", in: 1...2) }
        if let n = f["routing"] { c.dynamicRouting = try r.choice(n, "\(name).routing", [("bgp", true), ("static", false)]) }
        if let n = f["latency"] { c.latency = try r.time(n, "\(name).latency") }
        if let n = f["jitter"] { c.jitter = try r.time(n, "\(name).jitter") }
        if let n = f["loss"] { c.loss = try loss(n, "\(name).loss") }
        if let n = f["queue-packets"] { c.queuePackets = try r.int(n, "\(name).queue-packets", in: 1...10_000_000) }
        if let n = f["queue-bytes"] { c.queueBytes = try r.int(n, "\(name).queue-bytes", in: 1_500...(1 << 34)) }
        if let n = f["fragmentation-needed"] { c.sendsFragmentationNeeded = try r.bool(n, "\(name).fragmentation-needed") }
        if let n = f["site"] { c.fromBranch = try r.choice(n, "\(name).site", [("data-centre", false), ("data-center", false), ("branch", true)]) }
        if let n = f["bgp"] {
            guard c.dynamicRouting else { throw r.error(n, "\(name).bgp: a VPN with static routing has no BGP policy") }
            c.policy = try bgp(n, "\(name).bgp")
        }
        return c
    }

    // MARK: timers

    mutating func timers(_ node: Node) throws(ScenarioFileError) {
        let r = reader
        let f = try r.mapping(node, "timers", allowed: ScenarioFile.timerKeys)
        var t = spec.design.timers
        func time(_ key: String, _ path: WritableKeyPath<DesignTimers, SimTime>, positive: Bool = false) throws(ScenarioFileError) {
            if let n = f[key] { t[keyPath: path] = try r.time(n, "timers.\(key)", positive: positive) }
        }
        if let n = f["bfd"] { t.bfd = try r.bool(n, "timers.bfd") }
        try time("bfd-interval", \.bfdInterval, positive: true)
        if let n = f["bfd-multiplier"] { t.bfdMultiplier = try r.int(n, "timers.bfd-multiplier", in: 1...255) }
        try time("dx-keepalive", \.dxKeepalive, positive: true)
        try time("dx-hold", \.dxHold, positive: true)
        try time("vpn-keepalive", \.vpnKeepalive, positive: true)
        try time("vpn-hold", \.vpnHold, positive: true)
        try time("dpd-interval", \.dpdInterval, positive: true)
        try time("dpd-timeout", \.dpdTimeout, positive: true)
        try time("gateway-programming-delay", \.gatewayProgrammingDelay)
        try time("customer-programming-delay", \.customerProgrammingDelay)
        try time("dx-establish", \.dxEstablish)
        try time("vpn-establish", \.vpnEstablish)
        try time("carrier-delay", \.carrierDelay)
        // Timers AWS would refuse, or that cannot work together (AWS-FACTS §1.3, §2.5).
        func at(_ key: String) -> Node { f.keys[key] ?? node }
        if t.dxHold < .seconds(3) {
            throw r.error(at("dx-hold"), "timers.dx-hold \(t.dxHold) is below AWS's minimum hold time of 3s (AWS-FACTS §1.3)")
        }
        if t.dxKeepalive < .seconds(1) {
            throw r.error(at("dx-keepalive"), "timers.dx-keepalive \(t.dxKeepalive) is below AWS's minimum of 1s (AWS-FACTS §1.3)")
        }
        if t.dxKeepalive >= t.dxHold {
            throw r.error(at(f["dx-keepalive"] != nil ? "dx-keepalive" : "dx-hold"),
                          "impossible timers: dx-keepalive \(t.dxKeepalive) must be shorter than dx-hold \(t.dxHold) (a session would expire between keepalives)")
        }
        if t.vpnKeepalive >= t.vpnHold {
            throw r.error(at(f["vpn-keepalive"] != nil ? "vpn-keepalive" : "vpn-hold"),
                          "impossible timers: vpn-keepalive \(t.vpnKeepalive) must be shorter than vpn-hold \(t.vpnHold)")
        }
        if t.bfdInterval < .milliseconds(300) {
            throw r.error(at("bfd-interval"), "timers.bfd-interval \(t.bfdInterval) is below AWS's minimum of 300ms (AWS-FACTS §1.3)")
        }
        if t.bfdMultiplier < 3 {
            throw r.error(at("bfd-multiplier"), "timers.bfd-multiplier \(t.bfdMultiplier) is below AWS's minimum of 3 (AWS-FACTS §1.3)")
        }
        if t.dpdTimeout < .seconds(30) {
            throw r.error(at("dpd-timeout"), "timers.dpd-timeout \(t.dpdTimeout) is below AWS's minimum of 30s (AWS-FACTS §2.5)")
        }
        if t.dpdInterval >= t.dpdTimeout {
            throw r.error(at(f["dpd-interval"] != nil ? "dpd-interval" : "dpd-timeout"),
                          "impossible timers: dpd-interval \(t.dpdInterval) must be shorter than dpd-timeout \(t.dpdTimeout)")
        }
        spec.design.timers = t
    }

    // MARK: traffic

    func traffic(_ node: Node, index: Int) throws(ScenarioFileError) -> TrafficGroup {
        let r = reader
        let what = "traffic[\(index)]"
        let f = try r.mapping(node, what, allowed: ScenarioFile.trafficKeys)
        let closedLoop = f["closed-loop"] != nil
        for key in closedLoop ? ["from", "to"] : ["from", "to", "rate"] where f[key] == nil { throw r.error(node, "\(what) needs '\(key)'") }
        let name = try f["name"].map { n throws(ScenarioFileError) in try r.name(n, "\(what).name") } ?? "traffic-\(index + 1)"
        let from = try r.choice(f["from"]!, "\(name).from", sites)
        let to = try r.choice(f["to"]!, "\(name).to", sites)
        if from == to { throw r.error(f["to"]!, "\(name): from and to are the same site (\(from.rawValue))") }
        var pps = 1.0
        if let rateNode = f["rate"] {
            if closedLoop { throw r.error(rateNode, "\(name): closed-loop TCP sets its own rate; remove 'rate'") }
            let rateText = try r.scalar(rateNode, "\(name).rate")
            let digits = rateText.hasSuffix("pps") ? String(rateText.dropLast(3)).trimmingCharacters(in: .whitespaces) : rateText
            guard let value = Double(digits.replacingUnderscores), value > 0, value <= 100_000_000 else {
                throw r.error(rateNode, "\(name).rate '\(rateText)' must be packets per second in 0...100000000, e.g. 4000 or 4000pps")
            }
            pps = value
        }
        var g = TrafficGroup(name: name, from: from, to: to, packetsPerSecond: pps)
        if let n = f["closed-loop"] {
            g.ipProtocol = IPProtocol.tcp
            g.closedLoop = try tcp(n, "\(name).closed-loop")
        }
        if let n = f["protocol"] {
            g.ipProtocol = try r.choice(n, "\(name).protocol", [("udp", IPProtocol.udp), ("tcp", IPProtocol.tcp)])
            if closedLoop && g.ipProtocol != IPProtocol.tcp { throw r.error(n, "\(name): closed-loop traffic is TCP") }
        }
        if closedLoop {
            for key in ["pattern", "sizes", "on", "off"] where f[key] != nil {
                throw r.error(f[key], "\(name): '\(key)' does not apply to closed-loop TCP (segments follow the MSS and the window)")
            }
        }
        if let n = f["flows"] { g.flows = try r.int(n, "\(name).flows", in: 1...100_000) }
        if let n = f["pattern"] {
            switch try r.choice(n, "\(name).pattern", [("constant", 0), ("poisson", 1), ("on-off", 2)]) {
            case 0: g.pattern = .constant
            case 1: g.pattern = .poisson
            default:
                guard let on = f["on"], let off = f["off"] else { throw r.error(n, "\(name): an on-off pattern needs 'on' and 'off' times") }
                g.pattern = .onOff(on: try r.time(on, "\(name).on", positive: true), off: try r.time(off, "\(name).off", positive: true))
            }
        } else if let n = f["on"] ?? f["off"] {
            throw r.error(n, "\(name): 'on' and 'off' only apply to pattern: on-off")
        }
        if let n = f["sizes"] { g.sizes = try sizes(n, "\(name).sizes") }
        if let n = f["dont-fragment"] { g.dontFragment = try r.bool(n, "\(name).dont-fragment") }
        if let n = f["both-directions"] { g.bothDirections = try r.bool(n, "\(name).both-directions") }
        if let n = f["start"] { g.start = try r.time(n, "\(name).start") }
        if let n = f["stop"] {
            let stop = try r.time(n, "\(name).stop", positive: true)
            guard stop > g.start else { throw r.error(n, "\(name): stop \(stop) is not after start \(g.start)") }
            g.stop = stop
        }
        if g.start >= spec.duration { throw r.error(f["start"] ?? node, "\(name) starts at \(g.start), at or after the end of the run (\(spec.duration))") }
        if (from == .branch || to == .branch) && !spec.design.vpn.contains(where: \.fromBranch) {
            throw r.error(f[from == .branch ? "from" : "to"]!, "\(name): the design has no branch site (add a VPN with site: branch)")
        }
        return g
    }

    func tcp(_ node: Node, _ what: String) throws(ScenarioFileError) -> TCPConfiguration {
        let r = reader
        let f = try r.mapping(node, what, allowed: ScenarioFile.tcpKeys)
        var c = TCPConfiguration()
        if let n = f["congestion-control"] { c.congestionControl = try r.choice(n, "\(what).congestion-control", CongestionControl.allCases.map { ($0.rawValue, $0) }) }
        if let n = f["mss"] { c.mss = try r.int(n, "\(what).mss", in: 88...65_495) }
        if let n = f["min-rto"] { c.minimumRTO = try r.time(n, "\(what).min-rto", positive: true) }
        if let n = f["max-rto"] { c.maximumRTO = try r.time(n, "\(what).max-rto", positive: true) }
        if let n = f["initial-rto"] { c.initialRTO = try r.time(n, "\(what).initial-rto", positive: true) }
        if let n = f["initial-window"] { c.initialWindow = try r.int(n, "\(what).initial-window", in: 1...1_000) }
        if let n = f["receive-window"] { c.receiveWindow = try r.int(n, "\(what).receive-window", in: 65_535...(1 << 30)) }
        if let n = f["bytes"] { c.bytes = Int64(try r.int(n, "\(what).bytes", in: 1...(1 << 50))) }
        if c.maximumRTO < c.minimumRTO {
            throw r.error(f.keys["max-rto"] ?? node, "impossible timers: \(what).max-rto \(c.maximumRTO) is below min-rto \(c.minimumRTO)")
        }
        return c
    }

    func sizes(_ node: Node, _ what: String) throws(ScenarioFileError) -> PacketSizes {
        let r = reader
        let range = 28...65_535
        switch node {
        case .scalar:
            if try r.scalar(node, what) == "imix" { return .imix }
            return .fixed(try r.int(node, what, in: range))
        case .sequence:
            var pairs: [PacketSizes.Pair] = []
            for item in try r.sequence(node, what) {
                let f = try r.mapping(item, "an entry of \(what)", allowed: ["size", "weight"])
                guard let s = f["size"], let w = f["weight"] else { throw r.error(item, "each entry of \(what) needs size and weight") }
                pairs.append(PacketSizes.Pair(try r.int(s, "size", in: range), try r.int(w, "weight", in: 1...1_000_000)))
            }
            guard !pairs.isEmpty else { throw r.error(node, "\(what) must list at least one size") }
            return .mix(pairs)
        default:
            let f = try r.mapping(node, what, allowed: ["uniform"])
            guard let u = f["uniform"] else { throw r.error(node, "\(what) must be a size, imix, a list of {size, weight} or {uniform: [min, max]}") }
            let bounds = try r.sequence(u, "\(what).uniform")
            guard bounds.count == 2 else { throw r.error(u, "\(what).uniform must be [min, max]") }
            let lo = try r.int(bounds[0], "minimum size", in: range), hi = try r.int(bounds[1], "maximum size", in: range)
            guard lo <= hi else { throw r.error(u, "\(what).uniform: minimum \(lo) is above maximum \(hi)") }
            return .uniform(lo...hi)
        }
    }

    // MARK: failures

    func failure(_ node: Node) throws(ScenarioFileError) -> FailureSpec {
        let r = reader
        let f = try r.mapping(node, "a failure", allowed: ScenarioFile.failureKeys)
        guard let modeNode = f["mode"], let targetNode = f["target"], let atNode = f["at"] else {
            throw r.error(node, "a failure needs mode, target and at")
        }
        let kind = try r.choice(modeNode, "failure mode", FailureSpec.Kind.allCases.map { ($0.rawValue, $0) })
        let target = try r.string(targetNode, "failure target")
        // The target must exist in the design (a dangling name is an error here, not a no-op).
        let d = spec.design
        let connections = d.dx.map(\.name) + d.vpn.map(\.name) + d.vpn.flatMap { v in (1...max(v.tunnels, 1)).map { "\(v.name)-t\($0)" } }
        let known: [String]
        switch kind {
        case .location: known = Array(Set(d.dx.map(\.location))).sorted()
        case .device:
            var devices = ["customer-router"]
            let used = Set(d.dx.map(\.gateway) + d.vpn.map(\.gateway))
            if used.contains(.vpc1) { devices.append("vpc1-vgw") }
            if used.contains(.vpc2) { devices.append("vpc2-vgw") }
            if used.contains(.transitGateway) { devices.append("transit-gateway") }
            known = devices
        default: known = connections
        }
        guard known.contains(target) else {
            var reason = "failure target '\(target)' is not a \(kind == .location ? "DX location" : kind == .device ? "device" : "connection") of the design"
            if let near = YAMLReader.nearest(target, in: known) { reason += " (did you mean '\(near)'?)" }
            reason += "; known: \(known.joined(separator: ", "))"
            throw r.error(targetNode, reason)
        }
        var spec = FailureSpec(kind: kind, target: target, at: try r.time(atNode, "failure at"))
        if spec.at >= self.spec.duration { throw r.error(atNode, "the failure at \(spec.at) is at or after the end of the run (\(self.spec.duration))") }
        if let n = f["for"] {
            if case .scalar(let s) = n, s.string == "never" { spec.duration = nil } else { spec.duration = try r.time(n, "failure for", positive: true) }
        }
        if let n = f["probability"] {
            guard kind == .partialLoss else { throw r.error(n, "probability only applies to mode: partial-loss") }
            spec.probability = try r.double(n, "failure probability", in: 0...1)
        }
        for key in ["down", "up", "times"] where f[key] != nil && kind != .flapping {
            throw r.error(f[key], "'\(key)' only applies to mode: flapping")
        }
        if let n = f["down"] { spec.flapDown = try r.time(n, "flapping down", positive: true) }
        if let n = f["up"] { spec.flapUp = try r.time(n, "flapping up", positive: true) }
        if let n = f["times"] { spec.flapTimes = try r.int(n, "flapping times", in: 1...10_000) }
        return spec
    }
}
