import PacketWire

/// The sender's congestion control.
public enum CongestionControl: String, Sendable, CaseIterable {
    /// NewReno (RFC 5681, RFC 6582): halve on loss, one segment per RTT.
    case reno
    /// CUBIC (RFC 9438): multiplicative decrease 0.7, cubic window growth. Linux's default.
    case cubic
}

/// A closed-loop TCP connection: a bulk sender, a receiver that acknowledges
/// every segment, and the sender's timers. Defaults follow Linux where the
/// RFCs leave a choice, and each one is a parameter.
public struct TCPConfiguration: Sendable, Equatable {
    public var congestionControl: CongestionControl = .cubic
    /// Payload bytes per segment. A segment is MSS + 40 bytes on IPv4 (+ 60 on
    /// IPv6), capped by an MSS clamp on the path's routers.
    public var mss = 1460
    /// Lower bound of the retransmission timeout: 200 ms in Linux
    /// (TCP_RTO_MIN); RFC 6298 asks for 1 s.
    public var minimumRTO = SimTime.milliseconds(200)
    /// Upper bound of the backed-off timeout: 120 s in Linux (TCP_RTO_MAX).
    public var maximumRTO = SimTime.seconds(120)
    /// RTO before the first RTT sample (RFC 6298: 1 s).
    public var initialRTO = SimTime.seconds(1)
    /// Initial congestion window in segments (RFC 6928: 10).
    public var initialWindow = 10
    /// Receive window in bytes: the most the sender has in flight.
    public var receiveWindow = 6 << 20
    /// Bytes to send; nil sends until the connection's stop time.
    public var bytes: Int64? = nil
    /// Application-limited: the sender sends only what the application wrote
    /// (``Simulation/write(_:size:)``), one segment per write, as a replayed
    /// capture's sender did. `bytes` is then ignored.
    public var applicationLimited = false
    /// Send buffer in segments for application writes; a write beyond it is
    /// refused (the application would block).
    public var sendBufferSegments = 4_096

    public init() {}
}

/// What one connection did.
public struct TCPStatistics: Sendable, Equatable {
    /// Payload bytes the receiver got in order (goodput).
    public var bytesDelivered: Int64 = 0
    public var segmentsSent: UInt64 = 0
    public var retransmissions: UInt64 = 0
    /// Retransmission timeouts, fast retransmits, and the most consecutive timeouts (backoffs).
    public var timeouts: UInt64 = 0
    public var fastRetransmits: UInt64 = 0
    public var maxBackoff = 0
    /// The longest time without in-order progress at the receiver while the
    /// sender had data outstanding (the application's stall), and when it began.
    public var longestStall: Int64 = 0
    public var longestStallStart: Int64 = -1
    /// When the last byte arrived (bounded transfers), or -1.
    public var completedAt: Int64 = -1
    /// Application writes taken, and refused because the send buffer was full.
    public var writes: UInt64 = 0
    public var writesRefused: UInt64 = 0
    /// Smoothed RTT at the end (ns), and the RTO then.
    public var smoothedRTT: Int64 = 0
    public var rto: Int64 = 0
    public var congestionWindow: Double = 0
    /// In-order payload bytes per bin (the goodput series).
    public var goodput: [Int64] = []

    public init() {}
}

/// Names a TCP connection of a simulation.
public struct TCPConnectionID: Hashable, Sendable {
    public let index: Int32
    /// The data flow (sender -> receiver) and the flow of its ACKs.
    public let data: FlowID
    public let acks: FlowID
}

/// State of one connection (sender and receiver), kept in a table of the simulation.
struct TCPConnection {
    let configuration: TCPConfiguration
    let dataFlow: Int32
    let ackFlow: Int32
    let start: Int64
    let stop: Int64
    let segmentBytes: Int
    let ackBytes: Int
    let payloadBytes: Int
    var totalSegments: Int64
    /// Sizes (IP bytes) of the application's segments not yet acknowledged, by segment number.
    var writeSizes: [UInt32] = []
    let binWidth: Int64
    // Sender.
    var sndUna: Int64 = 0
    var sndNxt: Int64 = 0
    var sndMax: Int64 = 0
    var cwnd: Double
    var ssthresh: Double = .greatestFiniteMagnitude
    var dupAcks = 0
    var inRecovery = false
    var recover: Int64 = 0
    var srtt: Int64 = 0
    var rttvar: Int64 = 0
    var rto: Int64
    var backoff = 0
    var timedSegment: Int64 = -1
    var timedAt: Int64 = 0
    /// Retransmission deadline (-1: not armed) and the time of the heap entry standing for it.
    var rtoDeadline: Int64 = -1
    var timerAt: Int64 = -1
    // CUBIC.
    var wMax: Double = 0
    var cubicK: Double = 0
    var epochStart: Int64 = -1
    var wEstimate: Double = 0
    /// SACK scoreboard (RFC 6675): the highest segment the receiver reported
    /// having (plus one), and the holes retransmitted in this recovery.
    var highSack: Int64 = 0
    var retransmittedHoles: [UInt64]
    // Receiver.
    var rcvNxt: Int64 = 0
    var rcvHighest: Int64 = 0
    var outOfOrder: [UInt64]
    var lastProgress: Int64 = -1
    /// Since when the sender has had data outstanding without a break (an
    /// idle application is not a stall).
    var busySince: Int64 = 0
    var statistics = TCPStatistics()

    init(configuration: TCPConfiguration, dataFlow: Int32, ackFlow: Int32, start: Int64, stop: Int64,
         segmentBytes: Int, headerBytes: Int, binWidth: Int64) {
        self.configuration = configuration
        self.dataFlow = dataFlow
        self.ackFlow = ackFlow
        self.start = start
        self.stop = stop
        self.segmentBytes = segmentBytes
        ackBytes = headerBytes
        payloadBytes = segmentBytes - headerBytes
        if configuration.applicationLimited {
            totalSegments = 0
            writeSizes = [UInt32](repeating: 0, count: max(configuration.sendBufferSegments, 16))
        } else {
            totalSegments = configuration.bytes.map { ($0 + Int64(segmentBytes - headerBytes) - 1) / Int64(segmentBytes - headerBytes) } ?? .max
        }
        self.binWidth = binWidth
        busySince = start
        cwnd = Double(configuration.initialWindow)
        rto = configuration.initialRTO.nanoseconds
        let window = max(configuration.receiveWindow / max(segmentBytes - headerBytes, 1), 4)
        outOfOrder = [UInt64](repeating: 0, count: (window + 63) / 64 + 1)
        retransmittedHoles = outOfOrder
    }

    /// Whether the receiver holds segment `s` (in order or buffered).
    func received(_ s: Int64) -> Bool { s < rcvNxt || (s - rcvNxt < windowSegments && buffered(s)) }

    func holeRetransmitted(_ s: Int64) -> Bool {
        let i = Int(s % windowSegments)
        return retransmittedHoles[i >> 6] & (1 << UInt64(i & 63)) != 0
    }

    mutating func markRetransmitted(_ s: Int64) {
        let i = Int(s % windowSegments)
        retransmittedHoles[i >> 6] |= 1 << UInt64(i & 63)
    }

    mutating func clearRetransmitted() {
        for i in retransmittedHoles.indices { retransmittedHoles[i] = 0 }
    }

    var windowSegments: Int64 { Int64(outOfOrder.count - 1) * 64 }
    var flight: Int64 { sndNxt - sndUna }
    var done: Bool { sndUna >= totalSegments }

    func buffered(_ s: Int64) -> Bool {
        let i = Int(s % windowSegments)
        return outOfOrder[i >> 6] & (1 << UInt64(i & 63)) != 0
    }

    mutating func setBuffered(_ s: Int64, _ on: Bool) {
        let i = Int(s % windowSegments)
        if on { outOfOrder[i >> 6] |= 1 << UInt64(i & 63) } else { outOfOrder[i >> 6] &= ~(1 << UInt64(i & 63)) }
    }

    /// RFC 6298 estimator.
    mutating func sampleRTT(_ r: Int64) {
        if srtt == 0 {
            srtt = r
            rttvar = r / 2
        } else {
            rttvar = (3 * rttvar + abs(srtt - r)) / 4
            srtt = (7 * srtt + r) / 8
        }
        rto = min(max(srtt + max(4 * rttvar, 1_000_000), configuration.minimumRTO.nanoseconds), configuration.maximumRTO.nanoseconds)
    }

    /// The window after a loss: NewReno halves, CUBIC keeps 0.7 and remembers W_max.
    mutating func reduceOnLoss(now: Int64) {
        switch configuration.congestionControl {
        case .reno:
            ssthresh = max(Double(flight) / 2, 2)
        case .cubic:
            let beta = 0.7
            // Fast convergence (RFC 9438 §4.7).
            wMax = cwnd < wMax ? cwnd * (1 + beta) / 2 : cwnd
            ssthresh = max(cwnd * beta, 2)
            cubicK = TCPConnection.cubeRoot(wMax * (1 - beta) / 0.4)
            epochStart = -1
        }
    }

    /// Congestion avoidance on `acked` new segments.
    mutating func growInAvoidance(acked: Int64, now: Int64) {
        switch configuration.congestionControl {
        case .reno:
            cwnd += Double(acked) / cwnd
        case .cubic:
            let c = 0.4, beta = 0.7
            if epochStart < 0 {
                epochStart = now
                if cwnd < wMax {
                    cubicK = TCPConnection.cubeRoot((wMax - cwnd) / c)
                } else {
                    cubicK = 0
                    wMax = cwnd
                }
                wEstimate = cwnd
            }
            let t = Double(now - epochStart + srtt) / 1e9
            let target = c * (t - cubicK) * (t - cubicK) * (t - cubicK) + wMax
            // The Reno-friendly estimate (RFC 9438 §4.3).
            wEstimate += 3 * (1 - beta) / (1 + beta) * Double(acked) / cwnd
            if target < wEstimate {
                cwnd = max(cwnd, wEstimate)
            } else if target > cwnd {
                cwnd += min(target - cwnd, cwnd / 2) / cwnd * Double(acked)
            } else {
                cwnd += 0.01 * Double(acked) / cwnd
            }
        }
    }

    static func cubeRoot(_ x: Double) -> Double {
        guard x > 0 else { return 0 }
        var y = x > 1 ? x / 3 : 1
        for _ in 0..<60 { y = (2 * y + x / (y * y)) / 3 }
        return y
    }

    /// In-order progress at the receiver at time `t`.
    mutating func progress(bytes: Int64, at t: Int64) {
        let from = max(lastProgress, busySince)
        if t - from > statistics.longestStall {
            statistics.longestStall = t - from
            statistics.longestStallStart = from
        }
        lastProgress = t
        statistics.bytesDelivered += bytes
        let bin = Int(t / binWidth)
        while statistics.goodput.count <= bin { statistics.goodput.append(0) }
        statistics.goodput[bin] += bytes
    }
}
