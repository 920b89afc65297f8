import NetAddress
import PacketWire
import RouteLookup

/// Identifies a node of a ``Simulation``.
public struct NodeID: Hashable, Sendable {
    public let index: Int32
    public init(index: Int32) { self.index = index }
}
/// Identifies one direction of a link.
public struct LinkID: Hashable, Sendable {
    public let index: Int32
    public init(index: Int32) { self.index = index }
}
/// Identifies a flow.
public struct FlowID: Hashable, Sendable {
    public let index: Int32
    public init(index: Int32) { self.index = index }
}
/// Identifies a next-hop group (one or more links for ECMP).
public struct NextHopGroupID: Hashable, Sendable {
    public let index: UInt16
    public init(index: UInt16) { self.index = index }
}

/// The flow hash that spreads flows over an ECMP group (dxemu flow hash v1).
///
/// SplitMix64's finaliser is applied to the router's seed mixed with each of
/// five 64-bit words: source high, source low, destination high, destination
/// low, then `source port << 32 | destination port << 16 | protocol`. The
/// member is `(hash >> 32) * memberCount >> 32`. The same flow always takes the
/// same member of the same group; routers use different seeds (their index), so
/// two ECMP stages do not make the same choice.
public enum FlowHash {
    @inlinable @inline(__always)
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The 64-bit hash of `key` under `seed`.
    @inlinable
    public static func hash(_ key: FlowKey, seed: UInt64) -> UInt64 {
        var h = mix(seed)
        h = mix(h ^ key.sourceHigh)
        h = mix(h ^ key.sourceLow)
        h = mix(h ^ key.destinationHigh)
        h = mix(h ^ key.destinationLow)
        h = mix(h ^ (UInt64(key.sourcePort) << 32 | UInt64(key.destinationPort) << 16 | UInt64(key.ipProtocol)))
        return h
    }

    /// The ECMP member, 0..<count, for `key`.
    @inlinable
    public static func member(_ key: FlowKey, seed: UInt64, count: Int) -> Int {
        Int(((hash(key, seed: seed) >> 32) &* UInt64(count)) >> 32)
    }
}

/// What a node is.
public enum NodeKind: Sendable {
    /// An end host: sends and receives; forwards nothing.
    case host
    /// Forwards by longest prefix match into next-hop groups.
    case router
}

/// A node's forwarding state.
struct Node {
    let name: String
    let kind: NodeKind
    /// A host's link toward its gateway (-1 when none).
    var uplink: Int32 = -1
    let fib4 = Poptrie<IPv4Family>()
    let fib6 = Poptrie<IPv6Family>()
    /// Bumped on every FIB change: invalidates ``routeCache``.
    var fibVersion: UInt32 = 1
    /// Per flow: `fibVersion << 32 | (link + 1)` of the last decision (0: none,
    /// link 0 stands for "no route").
    var routeCache = UnsafeTable<UInt64>(capacity: 16)
    let hashSeed: UInt64
    /// TCP MSS this router clamps SYNs to, or nil.
    var mssClamp: Int?

    init(name: String, kind: NodeKind, index: Int) {
        self.name = name
        self.kind = kind
        hashSeed = UInt64(index) &* 0x9E37_79B9_7F4A_7C15
    }
}
