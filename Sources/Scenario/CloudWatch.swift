import ControlPlane
import Emulator

/// How CloudWatch is modelled: periods, sampling and the alarms evaluated.
/// The defaults are AWS's own (AWS-FACTS §5); where AWS is silent they are
/// parameters with the values AWS's examples use.
public struct CloudWatchSettings: Sendable, Equatable {
    /// Datapoint period: 1 minute, the minimum for AWS/DX (AWS-FACTS §5.1).
    public var period = SimTime.seconds(60)
    /// DX sends its metrics every 30 s; a datapoint aggregates the samples in
    /// its period (AWS-FACTS §5.1). TunnelState is sampled the same way (AWS
    /// does not state the VPN interval, §5.2).
    public var sampleInterval = SimTime.seconds(30)
    /// DX alarm: ConnectionState below 1 for this many consecutive periods
    /// (AWS's example: "down for five consecutive 1-minute periods", §5.1).
    public var connectionAlarmPeriods = 5
    /// VPN alarm: TunnelState below 1 in `tunnelAlarmDatapoints` of the last
    /// `tunnelAlarmEvaluationPeriods` datapoints of `tunnelAlarmPeriod`
    /// (AWS's example: "DOWN for 3 datapoints within 15 minutes", §5.2).
    public var tunnelAlarmPeriod = SimTime.seconds(300)
    public var tunnelAlarmDatapoints = 3
    public var tunnelAlarmEvaluationPeriods = 3

    public init() {}
}

/// One metric's datapoints, one per complete period from time 0.
public struct MetricSeries: Sendable, Equatable {
    /// `AWS/DX` or `AWS/VPN`.
    public var namespace: String
    public var name: String
    /// The dimension value: the connection (`dx1`) or VPN (`vpn1`).
    public var dimension: String
    /// `Minimum` (state) or `Average` (rates).
    public var statistic: String
    public var unit: String
    public var period: SimTime
    public var datapoints: [Double]
}

/// An alarm evaluated over a metric, and when it would go to ALARM.
public struct AlarmResult: Sendable, Equatable {
    public var metric: String
    public var dimension: String
    /// The rule, in words ("ConnectionState < 1 for 5 of 5 periods of 60 s").
    public var rule: String
    /// End of the period whose datapoint completes the breach, or nil.
    public var firesAt: SimTime?
}

/// What CloudWatch would show for a run.
public struct CloudWatchResult: Sendable, Equatable {
    public var metrics: [MetricSeries] = []
    public var alarms: [AlarmResult] = []

    public init() {}
}

enum CloudWatch {
    /// The metrics and alarms of `network` over `[0, duration)`: only complete periods count.
    static func evaluate(_ network: SecureCartNetwork, duration: SimTime, settings: CloudWatchSettings) -> CloudWatchResult {
        var result = CloudWatchResult()
        let sim = network.simulation
        let control = network.controlPlane
        for name in network.dxLinks.keys.sorted() {
            let links = network.dxLinks[name]!
            let state = samples(settings, period: settings.period, duration: duration) { t in
                carrierUp(links.toAWS, at: t, control.carrierHistory) && carrierUp(links.fromAWS, at: t, control.carrierHistory) ? 1 : 0
            }
            let connectionState = MetricSeries(namespace: "AWS/DX", name: "ConnectionState", dimension: name, statistic: "Minimum",
                                               unit: "Boolean", period: settings.period, datapoints: state.map { $0.min() ?? 1 })
            result.metrics.append(connectionState)
            // Egress is what leaves AWS toward the customer (§5.1: AWS's side of the connection).
            for (metric, link, unit) in [("ConnectionBpsEgress", links.fromAWS, "Bits/Second"), ("ConnectionBpsIngress", links.toAWS, "Bits/Second"),
                                         ("ConnectionPpsEgress", links.fromAWS, "Count/Second"), ("ConnectionPpsIngress", links.toAWS, "Count/Second")] {
                let bits = unit.hasPrefix("Bits")
                let points = rates(sim.series(link: link), period: settings.period, duration: duration) { bits ? Double($0.bytes) * 8 : Double($0.packets) }
                result.metrics.append(MetricSeries(namespace: "AWS/DX", name: metric, dimension: name, statistic: "Average", unit: unit,
                                                   period: settings.period, datapoints: points))
            }
            result.alarms.append(alarm(connectionState, breaching: { $0 < 1 }, needed: settings.connectionAlarmPeriods,
                                       of: settings.connectionAlarmPeriods,
                                       rule: "ConnectionState < 1 for \(settings.connectionAlarmPeriods) consecutive periods of \(Int(settings.period.seconds)) s"))
        }
        // TunnelState per VPN connection: the fraction of its tunnels whose
        // BGP session (or, for static routing, tunnel) is up on the AWS side (§5.2).
        var vpns: [String: [SessionID]] = [:]
        for (tunnel, session) in network.vpnSessions { vpns[vpnName(ofTunnel: tunnel), default: []].append(session) }
        for vpn in vpns.keys.sorted() {
            let sessions = vpns[vpn]!
            func tunnelState(_ t: SimTime) -> Double {
                Double(sessions.filter { established($0, at: t, control.sessionHistory) }.count) / Double(sessions.count)
            }
            let state = samples(settings, period: settings.period, duration: duration, tunnelState)
            result.metrics.append(MetricSeries(namespace: "AWS/VPN", name: "TunnelState", dimension: vpn, statistic: "Minimum", unit: "None",
                                               period: settings.period, datapoints: state.map { $0.min() ?? 1 }))
            let alarmState = samples(settings, period: settings.tunnelAlarmPeriod, duration: duration, tunnelState)
            let series = MetricSeries(namespace: "AWS/VPN", name: "TunnelState", dimension: vpn, statistic: "Minimum", unit: "None",
                                      period: settings.tunnelAlarmPeriod, datapoints: alarmState.map { $0.min() ?? 1 })
            result.alarms.append(alarm(series, breaching: { $0 < 1 }, needed: settings.tunnelAlarmDatapoints, of: settings.tunnelAlarmEvaluationPeriods,
                                       rule: "TunnelState < 1 in \(settings.tunnelAlarmDatapoints) of \(settings.tunnelAlarmEvaluationPeriods) "
                                           + "periods of \(Int(settings.tunnelAlarmPeriod.seconds)) s"))
            // TunnelDataIn: bytes received on the AWS side, counted after
            // decryption; TunnelDataOut: bytes sent from it, counted before
            // encryption (§5.2). Inner bytes, so without the ESP overhead; Sum
            // per period over the VPN's tunnels. The period AWS publishes them
            // at is not stated: the run's CloudWatch period is used.
            let tunnels = network.vpnLinks.keys.filter { vpnName(ofTunnel: $0) == vpn }.sorted().map { network.vpnLinks[$0]! }
            for (metric, received) in [("TunnelDataIn", true), ("TunnelDataOut", false)] {
                var sums = [Double](repeating: 0, count: Int(duration.nanoseconds / settings.period.nanoseconds))
                for t in tunnels {
                    let bytes = totals(sim.series(link: received ? t.toAWS : t.fromAWS), period: settings.period, duration: duration) {
                        Double(received ? $0.innerBytesArrived : $0.innerBytes)
                    }
                    for i in sums.indices { sums[i] += bytes[i] }
                }
                result.metrics.append(MetricSeries(namespace: "AWS/VPN", name: metric, dimension: vpn, statistic: "Sum", unit: "Bytes",
                                                   period: settings.period, datapoints: sums))
            }
        }
        return result
    }

    /// The VPN connection a tunnel belongs to: `vpn-backup-t2` -> `vpn-backup`.
    static func vpnName(ofTunnel tunnel: String) -> String {
        guard let r = tunnel.range(of: "-t", options: .backwards), Int(tunnel[r.upperBound...]) != nil else { return tunnel }
        return String(tunnel[..<r.lowerBound])
    }

    /// The samples of `value` (every `sampleInterval` from 0) in each complete period.
    static func samples(_ settings: CloudWatchSettings, period: SimTime, duration: SimTime, _ value: (SimTime) -> Double) -> [[Double]] {
        let periods = Int(duration.nanoseconds / period.nanoseconds)
        let step = settings.sampleInterval.nanoseconds
        return (0..<periods).map { k in
            var values: [Double] = []
            var t = Int64(k) * period.nanoseconds
            let end = t + period.nanoseconds
            // First sample at or after the period's start.
            t = (t + step - 1) / step * step
            while t < end {
                values.append(value(SimTime(nanoseconds: t)))
                t += step
            }
            return values
        }
    }

    /// Per complete period: the sum of `quantity` over the bins it covers.
    static func totals(_ series: TimeSeries, period: SimTime, duration: SimTime, _ quantity: (SeriesBin) -> Double) -> [Double] {
        let periods = Int(duration.nanoseconds / period.nanoseconds)
        let bin = series.binWidth.nanoseconds
        return (0..<periods).map { k in
            let first = Int(Int64(k) * period.nanoseconds / bin), last = Int(Int64(k + 1) * period.nanoseconds / bin)
            var total = 0.0
            for i in first..<min(last, series.bins.count) { total += quantity(series.bins[i]) }
            return total
        }
    }

    /// Per complete period: the sum of `quantity` over the bins it covers, per second.
    static func rates(_ series: TimeSeries, period: SimTime, duration: SimTime, _ quantity: (SeriesBin) -> Double) -> [Double] {
        totals(series, period: period, duration: duration, quantity).map { $0 / period.seconds }
    }

    /// Whether `link` had carrier at `t` (changes at `t` count: a cut at 60 s is seen by the sample at 60 s).
    static func carrierUp(_ link: LinkID, at t: SimTime, _ history: [CarrierChange]) -> Bool {
        history.last { $0.link == link && $0.time <= t }?.up ?? true
    }

    static func established(_ session: SessionID, at t: SimTime, _ history: [SessionStateChange]) -> Bool {
        history.last { $0.session == session && $0.time <= t }?.established ?? false
    }

    /// "N of M": the alarm fires at the end of the first period whose last M
    /// datapoints hold at least N breaching ones.
    static func alarm(_ m: MetricSeries, breaching: (Double) -> Bool, needed: Int, of window: Int, rule: String) -> AlarmResult {
        var fires: SimTime? = nil
        for k in m.datapoints.indices {
            let from = max(0, k - window + 1)
            if m.datapoints[from...k].filter(breaching).count >= needed {
                fires = SimTime(nanoseconds: Int64(k + 1) * m.period.nanoseconds)
                break
            }
        }
        return AlarmResult(metric: m.name, dimension: m.dimension, rule: rule, firesAt: fires)
    }
}
