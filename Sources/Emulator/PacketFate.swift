/// Why a packet did not reach its destination. Every packet the emulator
/// creates ends either delivered or dropped with exactly one of these.
public enum DropReason: UInt8, CaseIterable, Sendable, Comparable, CustomStringConvertible {
    /// No route matched the destination at a router (or at a host).
    case noRoute = 0
    /// The link was down (carrier lost) when the packet was sent or while it was on the wire.
    case linkDown
    /// The link was up but silently lost every packet (a grey failure).
    case blackholed
    /// The egress queue was full (byte or packet limit).
    case queueFull
    /// The link's packets-per-second capacity was the bottleneck and its queue overflowed.
    case ppsLimit
    /// Larger than the link MTU with Don't Fragment set (or IPv6, never fragmented in flight).
    case mtuExceeded
    /// TTL or hop limit reached zero.
    case ttlExpired
    /// Lost by the link's loss model (Bernoulli or Gilbert–Elliott).
    case lossModel
    /// Needed transitive or edge-to-edge routing through VPC peering (AWS-FACTS §4.1).
    case nonTransitivePeering
    /// Rejected by a filter (BPF on replay, a policy, ...).
    case filtered
    /// Malformed: could not be parsed.
    case malformed

    public static func < (a: DropReason, b: DropReason) -> Bool { a.rawValue < b.rawValue }

    /// A stable key for JSON and CSV.
    public var key: String {
        switch self {
        case .noRoute: return "no_route"
        case .linkDown: return "link_down"
        case .blackholed: return "blackholed"
        case .queueFull: return "queue_full"
        case .ppsLimit: return "pps_limit"
        case .mtuExceeded: return "mtu_exceeded_df"
        case .ttlExpired: return "ttl_expired"
        case .lossModel: return "loss_model"
        case .nonTransitivePeering: return "non_transitive_peering"
        case .filtered: return "filtered"
        case .malformed: return "malformed"
        }
    }

    public var description: String {
        switch self {
        case .noRoute: return "no route"
        case .linkDown: return "link down"
        case .blackholed: return "black-holed (silent failure)"
        case .queueFull: return "queue full"
        case .ppsLimit: return "packet-rate limit"
        case .mtuExceeded: return "MTU exceeded with DF"
        case .ttlExpired: return "TTL expired"
        case .lossModel: return "loss model"
        case .nonTransitivePeering: return "non-transitive peering"
        case .filtered: return "filtered"
        case .malformed: return "malformed"
        }
    }
}

/// Counts per drop reason, in a fixed-size value (no allocation).
public struct DropCounts: Sendable, Equatable {
    @usableFromInline var counts: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)

    @inlinable public init() { counts = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) }

    /// The count of `reason`. A switch, not a view of the tuple's bytes: a
    /// read through `withUnsafeBytes(of:)` would copy all twelve counts.
    @inlinable
    public subscript(reason: DropReason) -> UInt64 {
        get {
            switch reason {
            case .noRoute: return counts.0
            case .linkDown: return counts.1
            case .blackholed: return counts.2
            case .queueFull: return counts.3
            case .ppsLimit: return counts.4
            case .mtuExceeded: return counts.5
            case .ttlExpired: return counts.6
            case .lossModel: return counts.7
            case .nonTransitivePeering: return counts.8
            case .filtered: return counts.9
            case .malformed: return counts.10
            }
        }
        set { withUnsafeMutableBytes(of: &counts) { $0.storeBytes(of: newValue, toByteOffset: Int(reason.rawValue) * 8, as: UInt64.self) } }
    }

    /// One more drop for `reason`, counted in place (measured cheaper on the
    /// drop path than `self[reason] &+= 1`: one load and one store).
    @inlinable
    public mutating func increment(_ reason: DropReason) {
        withUnsafeMutableBytes(of: &counts) { bytes in
            let offset = Int(reason.rawValue) &* 8
            bytes.storeBytes(of: bytes.load(fromByteOffset: offset, as: UInt64.self) &+ 1, toByteOffset: offset, as: UInt64.self)
        }
    }

    /// Sum over every reason.
    public var total: UInt64 { DropReason.allCases.reduce(0) { $0 + self[$1] } }

    public static func == (a: DropCounts, b: DropCounts) -> Bool {
        DropReason.allCases.allSatisfy { a[$0] == b[$0] }
    }

    @inlinable
    public mutating func add(_ other: DropCounts) {
        for r in DropReason.allCases { self[r] &+= other[r] }
    }
}
