/// One packet in the emulator: metadata only (32 bytes, no references). The
/// addresses live in the flow table (`flow` indexes it); captured bytes, when a
/// replay needs them, live in a side store (`payload`).
public struct Packet: Sendable {
    /// Index of the packet's flow in the simulation's flow table.
    public var flow: UInt32
    /// IP datagram length in bytes (of this fragment, if fragmented).
    public var size: UInt32
    /// Per-flow sequence number, from 0.
    public var sequence: UInt32
    /// Fragment record (datagram bookkeeping) or 0 when not a fragment.
    public var datagram: UInt32
    /// Virtual time the source sent it, in nanoseconds.
    public var created: Int64
    /// Index of a stored payload (replayed bytes), or 0.
    public var payload: UInt32
    /// TTL / hop limit.
    public var ttl: UInt8
    /// Flag bits, see ``Packet/Flag``.
    public var flags: UInt8
    /// Encapsulation bytes added on the current link (ESP on a VPN tunnel).
    public var overhead: UInt16

    public enum Flag {
        /// IPv4 Don't Fragment (always set for IPv6: routers never fragment it).
        public static let dontFragment: UInt8 = 1
        /// An ICMP error travelling back to the flow's source (frag-needed, packet-too-big).
        public static let icmpError: UInt8 = 2
        /// IPv6 (else IPv4).
        public static let ipv6: UInt8 = 4
    }

    @inlinable
    public init(flow: UInt32, size: UInt32, sequence: UInt32, created: Int64, ttl: UInt8 = 64, flags: UInt8 = 0) {
        self.flow = flow
        self.size = size
        self.sequence = sequence
        self.datagram = 0
        self.created = created
        self.payload = 0
        self.ttl = ttl
        self.flags = flags
        self.overhead = 0
    }

    @inlinable public var dontFragment: Bool { flags & Flag.dontFragment != 0 }
    @inlinable public var isICMPError: Bool { flags & Flag.icmpError != 0 }
    @inlinable public var isIPv6: Bool { flags & Flag.ipv6 != 0 }
}
