import Emulator
import NetAddress

/// What kind of BGP session (or tunnel) a ``SessionConfiguration`` describes.
public enum SessionKind: Sendable, Equatable {
    /// BGP over a Direct Connect private (or transit) virtual interface. The AWS
    /// side drops the session when the customer advertises more than
    /// `prefixLimit` prefixes (100: AWS-FACTS §1.6).
    case directConnect(prefixLimit: Int)
    /// BGP over a Site-to-Site VPN tunnel.
    case vpnBGP
    /// A statically routed VPN tunnel: no BGP; the tunnel's liveness (DPD) adds
    /// and clears the static routes.
    case vpnStatic
    /// Plain eBGP between customer devices.
    case plain
}

/// One liveness mechanism of a session side: probes sent every `interval`, the
/// session declared down when nothing arrived for `detectTime`.
public struct LivenessTimer: Sendable, Equatable {
    public var interval: SimTime
    public var detectTime: SimTime

    public init(interval: SimTime, detectTime: SimTime) {
        self.interval = interval
        self.detectTime = detectTime
    }

    /// BGP keepalive and hold time. Peers use the lower of the two hold times
    /// (AWS-FACTS §1.3: "BGP timers negotiate down to the lowest configured value").
    public static func bgp(keepalive: SimTime, hold: SimTime) -> LivenessTimer {
        LivenessTimer(interval: keepalive, detectTime: hold)
    }

    /// Asynchronous BFD (RFC 5880) as AWS-FACTS §1.3 describes the negotiation:
    /// each side transmits at max(its DesiredMinTxInterval, the peer's
    /// RequiredMinRxInterval); detection is the peer's negotiated transmission
    /// interval times the local multiplier.
    public static func bfd(localMinTx: SimTime, localMinRx: SimTime, localMultiplier: Int,
                           peerMinTx: SimTime, peerMinRx: SimTime) -> (tx: SimTime, detect: SimTime) {
        let tx = max(localMinTx, peerMinRx)
        let peerTx = max(peerMinTx, localMinRx)
        return (tx, SimTime(nanoseconds: peerTx.nanoseconds * Int64(localMultiplier)))
    }
}

/// How a speaker advertises its prefixes over a session.
public struct AdvertisementPolicy: Sendable, Equatable {
    /// Communities attached (e.g. 7224:7300 for the active DX VIF).
    public var communities: Set<Community> = []
    /// Extra copies of the speaker's AS (AS_PATH prepending).
    public var prepend: Int = 0
    public var med: UInt32 = 0
    /// Local preference the *receiving* customer router gives these routes
    /// (its inbound policy), for active/passive set-ups.
    public var localPreferenceAtPeer: UInt32 = 100
    /// Only these prefixes (nil: everything the speaker originates).
    public var prefixes: [IPPrefix]? = nil

    public init(communities: Set<Community> = [], prepend: Int = 0, med: UInt32 = 0,
                localPreferenceAtPeer: UInt32 = 100, prefixes: [IPPrefix]? = nil) {
        self.communities = communities
        self.prepend = prepend
        self.med = med
        self.localPreferenceAtPeer = localPreferenceAtPeer
        self.prefixes = prefixes
    }
}

/// A BGP session (or static tunnel) between two speakers over a pair of links.
/// By convention side A is the customer and side B is AWS.
public struct SessionConfiguration: Sendable {
    public var name: String
    public var kind: SessionKind
    public var a: SpeakerID
    public var b: SpeakerID
    /// Data links A -> B and B -> A: next hops of the routes learnt, and the path
    /// of the liveness probes.
    public var aToB: LinkID
    public var bToA: LinkID
    /// Liveness at each side (BGP hold, BFD, DPD): the session is down at a side
    /// as soon as any of its timers expires.
    public var livenessAtA: [LivenessTimer]
    public var livenessAtB: [LivenessTimer]
    /// How long after the path is healthy again the session is re-established
    /// (BGP open, and IKE for a VPN).
    public var establishDelay: SimTime
    /// Delay before a physical carrier loss is acted on (interface debounce).
    public var carrierDelay: SimTime = .zero
    public var advertiseFromA = AdvertisementPolicy()
    public var advertiseFromB = AdvertisementPolicy()
    /// Statically configured routes: at A (customer static routes toward the
    /// tunnel), at B (the VPN connection's static routes at the gateway).
    public var staticAtA: [IPPrefix] = []
    public var staticAtB: [IPPrefix] = []
    /// Local preference of the static routes at A: below BGP's 100 makes them
    /// floating statics, used only when no BGP route is left (the usual way
    /// to keep a static VPN as a backup on the customer router).
    public var staticPreferenceAtA: UInt32 = 100

    public init(name: String, kind: SessionKind, a: SpeakerID, b: SpeakerID, aToB: LinkID, bToA: LinkID,
                livenessAtA: [LivenessTimer], livenessAtB: [LivenessTimer], establishDelay: SimTime) {
        self.name = name
        self.kind = kind
        self.a = a
        self.b = b
        self.aToB = aToB
        self.bToA = bToA
        self.livenessAtA = livenessAtA
        self.livenessAtB = livenessAtB
        self.establishDelay = establishDelay
    }
}

/// Identifies a speaker of a ``ControlPlane``.
public struct SpeakerID: Hashable, Sendable { public let index: Int }
/// Identifies a session.
public struct SessionID: Hashable, Sendable { public let index: Int }

/// Why a session side went down.
public enum DownCause: String, Sendable {
    case carrierLoss = "carrier loss"
    case holdTimer = "liveness timer expired"
    case administrative = "administratively down (failover test)"
    case prefixLimit = "prefix limit exceeded"
    case peerDown = "peer closed the session"
}

/// The running state of one side of a session.
struct SessionSide {
    var established = false
    /// Per liveness timer: last probe received (virtual ns), and the next
    /// deadline a watchdog is armed for (or nil).
    var lastReceived: [Int64]
    var watchdogArmed: [Bool]
    var administrativelyDown = false
    var downSince: Int64 = -1
}

struct SessionState {
    var configuration: SessionConfiguration
    var sideA: SessionSide
    var sideB: SessionSide
    /// Bumped whenever the session is (re)established: stale probe and watchdog
    /// timers of an earlier life check it and stop.
    var generation = 0
    var establishing = false
    /// Whether the AWS side refuses the session (prefix limit).
    var refused = false
}
