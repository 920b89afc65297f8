/// Where a datagram sits in a fragmented series.
public enum FragmentPosition: UInt8, Sendable {
    /// Not a fragment.
    case whole = 0
    /// Offset 0 with More Fragments set: carries the transport header.
    case first
    /// Offset above 0: no transport header, no ports.
    case later
}

/// What the parser learnt about one IP header and the transport header behind it.
///
/// A plain value (72 bytes, no references): offsets index the frame's captured
/// bytes; `end` is where this datagram's payload stops (bounded by the frame).
public struct IPLayer: Sendable {
    /// Addresses, ports and protocol. `flow.ipVersion` is 0 when there is no IP header.
    public var flow: FlowKey
    /// Offset of the IP header in the frame.
    public var offset: Int32
    /// Offset of the transport header, or -1 (non-first fragment, ESP payload, ...).
    public var transportOffset: Int32
    /// Offset just past this datagram's payload (IPv4 total length or IPv6 payload
    /// length, bounded by the frame's wire length).
    public var end: Int32
    /// Datagram length claimed by the header: IPv4 total length, or 40 + IPv6 payload
    /// length (or jumbo payload length).
    public var length: UInt32
    /// IPv4 identification, or the IPv6 fragment header's identification (0 when
    /// an IPv6 packet has no fragment header): names the datagram of a fragment.
    public var identification: UInt32
    /// IPv4 protocol field, or the fixed IPv6 header's next-header field.
    public var headerProtocol: UInt8
    /// IPv4 TTL or IPv6 hop limit.
    public var hopLimit: UInt8
    /// ICMP/ICMPv6 type and code when the upper protocol is ICMP.
    public var icmpType: UInt8
    public var icmpCode: UInt8
    public var fragment: FragmentPosition
    /// The IPv4 Don't Fragment bit (always true for IPv6: routers never fragment it).
    public var dontFragment: Bool
    /// Why the layer is malformed, or `.none`.
    public var malformed: MalformedReason

    @inlinable public init() {
        flow = FlowKey()
        offset = -1
        transportOffset = -1
        end = 0
        length = 0
        headerProtocol = 0
        hopLimit = 0
        icmpType = 0
        icmpCode = 0
        fragment = .whole
        identification = 0
        dontFragment = false
        malformed = .none
    }
}

/// The parse of one captured frame: where its network header is and what the
/// outermost IP layer holds. Filled by ``PacketParser/parse(_:wireLength:linkType:)``
/// without allocating.
public struct PacketInfo: Sendable {
    /// The outermost IP layer; `ip.flow.ipVersion == 0` for non-IP frames.
    public var ip: IPLayer
    /// EtherType of the network layer (0x0800, 0x86DD, 0x0806, ...), after VLAN tags,
    /// MPLS, PPPoE or LLC/SNAP; 0 when the link layer names no EtherType.
    public var etherType: UInt16
    /// Offset of the network header, or -1.
    public var networkOffset: Int32
    /// VLAN ID of the outermost 802.1Q/802.1ad tag, or -1 when untagged.
    public var vlanID: Int16
    /// Number of VLAN tags.
    public var vlanTags: UInt8
    /// A link-layer fault (the IP layer's own fault is in `ip.malformed`).
    public var linkMalformed: MalformedReason

    @inlinable public init() {
        ip = IPLayer()
        etherType = 0
        networkOffset = -1
        vlanID = -1
        vlanTags = 0
        linkMalformed = .none
    }

    /// The first fault found, link layer first.
    @inlinable
    public var malformed: MalformedReason { linkMalformed != .none ? linkMalformed : ip.malformed }

    /// True when the frame carries an IPv4 or IPv6 header.
    @inlinable
    public var isIP: Bool { ip.flow.ipVersion != 0 }
}
