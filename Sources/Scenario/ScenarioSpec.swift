import ControlPlane
import Emulator
import NetAddress
import PacketWire

/// Where traffic starts or ends.
public enum Site: String, Sendable, CaseIterable {
    case onPrem = "on-prem"
    case vpc1
    case vpc2
    case branch

    public var label: String {
        switch self {
        case .onPrem: return "on-prem"
        case .vpc1: return "VPC-1"
        case .vpc2: return "VPC-2"
        case .branch: return "branch"
        }
    }
}

/// A group of synthetic flows between two sites.
public struct TrafficGroup: Sendable {
    public var name: String
    public var from: Site
    public var to: Site
    /// IP protocol (6 TCP: its size is capped by an MSS clamp; 17 UDP).
    public var ipProtocol: UInt8 = IPProtocol.udp
    /// Packets per second over all the group's flows (each direction).
    public var packetsPerSecond: Double
    public var pattern: PatternKind = .constant
    public var sizes: PacketSizes = .fixed(500)
    public var flows: Int = 1
    public var dontFragment = true
    /// Also the same traffic back from `to` to `from`.
    public var bothDirections = true
    public var start: SimTime = .milliseconds(1)
    public var stop: SimTime? = nil
    /// Closed-loop TCP: each flow is a TCP connection whose sending follows
    /// congestion control, ACKs and timeouts (the rate and sizes above do not
    /// apply); nil sends open-loop packets at the rate above.
    public var closedLoop: TCPConfiguration? = nil

    public enum PatternKind: Sendable, Equatable {
        case constant
        case poisson
        case onOff(on: SimTime, off: SimTime)
    }

    public init(name: String, from: Site, to: Site, packetsPerSecond: Double) {
        self.name = name
        self.from = from
        self.to = to
        self.packetsPerSecond = packetsPerSecond
    }
}

/// A scheduled failure, named against the design (a connection, a location, a device).
public struct FailureSpec: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case silent
        case cut
        case bgpDown = "bgp-down"
        case partialLoss = "partial-loss"
        case device
        case location
        case flapping
    }

    public var kind: Kind
    /// A DX connection or VPN tunnel name (silent, cut, bgp-down, partial-loss,
    /// flapping), a DX location (location), or a device: customer-router,
    /// vpc1-vgw, vpc2-vgw, transit-gateway (device).
    public var target: String
    public var at: SimTime
    /// Repair after this long, or never.
    public var duration: SimTime?
    public var probability: Double = 0.1
    public var flapDown: SimTime = .seconds(1)
    public var flapUp: SimTime = .seconds(2)
    public var flapTimes = 3

    public init(kind: Kind, target: String, at: SimTime, duration: SimTime? = nil) {
        self.kind = kind
        self.target = target
        self.at = at
        self.duration = duration
    }
}

/// Everything a run needs: the design, the traffic, the failures, the clock.
public struct ScenarioSpec: Sendable {
    public var name: String
    public var seed: UInt64 = 1
    public var duration: SimTime = .seconds(30)
    public var binWidth: SimTime = .milliseconds(100)
    /// CloudWatch's periods and the alarms evaluated (AWS-FACTS §5).
    public var cloudWatch = CloudWatchSettings()
    public var design: SecureCartDesign
    public var traffic: [TrafficGroup]
    public var failures: [FailureSpec]

    public init(name: String, design: SecureCartDesign, traffic: [TrafficGroup], failures: [FailureSpec]) {
        self.name = name
        self.design = design
        self.traffic = traffic
        self.failures = failures
    }

    /// The default traffic: the apps in the data centre talking to the
    /// databases in VPC-1 (mixed sizes, some jumbo, DF set), the public apps in
    /// VPC-2 querying the same databases over the peering, and a trickle of
    /// operations traffic from on-prem to VPC-2 (which shows whether the design
    /// gives on-prem a private path to VPC-2 at all); all both ways.
    public static var defaultTraffic: [TrafficGroup] {
        var db = TrafficGroup(name: "app-db", from: .onPrem, to: .vpc1, packetsPerSecond: 4000)
        db.ipProtocol = IPProtocol.tcp
        db.flows = 8
        db.sizes = .mix([PacketSizes.Pair(200, 5), PacketSizes.Pair(1400, 4), PacketSizes.Pair(8400, 1)])
        var web = TrafficGroup(name: "web-db", from: .vpc2, to: .vpc1, packetsPerSecond: 1000)
        web.ipProtocol = IPProtocol.tcp
        web.flows = 4
        web.sizes = .imix
        var ops = TrafficGroup(name: "ops", from: .onPrem, to: .vpc2, packetsPerSecond: 100)
        ops.flows = 2
        ops.sizes = .fixed(500)
        return [db, web, ops]
    }

    /// The default failure: DX-1 fails silently at 5 s and is repaired 15 s later.
    public static func defaultFailure(target: String = "dx1") -> [FailureSpec] {
        [FailureSpec(kind: .silent, target: target, at: .seconds(5), duration: .seconds(15))]
    }
}
