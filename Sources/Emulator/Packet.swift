/// One packet in the emulator: metadata only (32 bytes, no references). The
/// addresses live in the flow table (`flow` indexes it); captured bytes, when a
/// replay needs them, live in a side store (`payload`).
///
/// The fields are packed into four 64-bit words, so that a copy into a link's
/// ring is four stores and a packet fits in four registers on the per-hop
/// path; the properties read and write their part of a word.
public struct Packet: Sendable {
    /// `flow` in the low half, `size` in the high half.
    @usableFromInline var flowAndSize: UInt64
    /// `sequence` in the low half, `datagram` in the high half.
    @usableFromInline var sequenceAndDatagram: UInt64
    /// Virtual time the source sent it, in nanoseconds.
    public var created: Int64
    /// `payload` in bits 0-31, `ttl` 32-39, `flags` 40-47, `overhead` 48-63.
    @usableFromInline var rest: UInt64

    /// Index of the packet's flow in the simulation's flow table.
    @inlinable public var flow: UInt32 {
        get { UInt32(truncatingIfNeeded: flowAndSize) }
        set { Self.replace(&flowAndSize, at: 0, width: 32, with: UInt64(newValue)) }
    }
    /// IP datagram length in bytes (of this fragment, if fragmented).
    @inlinable public var size: UInt32 {
        get { UInt32(truncatingIfNeeded: flowAndSize &>> 32) }
        set { Self.replace(&flowAndSize, at: 32, width: 32, with: UInt64(newValue)) }
    }
    /// Per-flow sequence number, from 0.
    @inlinable public var sequence: UInt32 {
        get { UInt32(truncatingIfNeeded: sequenceAndDatagram) }
        set { Self.replace(&sequenceAndDatagram, at: 0, width: 32, with: UInt64(newValue)) }
    }
    /// Fragment record (datagram bookkeeping) or 0 when not a fragment.
    @inlinable public var datagram: UInt32 {
        get { UInt32(truncatingIfNeeded: sequenceAndDatagram &>> 32) }
        set { Self.replace(&sequenceAndDatagram, at: 32, width: 32, with: UInt64(newValue)) }
    }
    /// Index of a stored payload (replayed bytes), or 0.
    @inlinable public var payload: UInt32 {
        get { UInt32(truncatingIfNeeded: rest) }
        set { Self.replace(&rest, at: 0, width: 32, with: UInt64(newValue)) }
    }
    /// TTL / hop limit.
    @inlinable public var ttl: UInt8 {
        get { UInt8(truncatingIfNeeded: rest &>> 32) }
        set { Self.replace(&rest, at: 32, width: 8, with: UInt64(newValue)) }
    }
    /// Flag bits, see ``Packet/Flag``.
    @inlinable public var flags: UInt8 {
        get { UInt8(truncatingIfNeeded: rest &>> 40) }
        set { Self.replace(&rest, at: 40, width: 8, with: UInt64(newValue)) }
    }
    /// Encapsulation bytes added on the current link (ESP on a VPN tunnel).
    @inlinable public var overhead: UInt16 {
        get { UInt16(truncatingIfNeeded: rest &>> 48) }
        set { Self.replace(&rest, at: 48, width: 16, with: UInt64(newValue)) }
    }

    /// Writes `value` (already within `width` bits) into bits `shift ..< shift + width` of `word`.
    @inlinable @inline(__always)
    static func replace(_ word: inout UInt64, at shift: UInt64, width: UInt64, with value: UInt64) {
        let mask: UInt64 = (1 &<< width) &- 1  // every field is narrower than the word
        word = word & ~(mask &<< shift) | value &<< shift
    }

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
        flowAndSize = UInt64(size) &<< 32 | UInt64(flow)
        sequenceAndDatagram = UInt64(sequence)
        self.created = created
        rest = UInt64(flags) &<< 40 | UInt64(ttl) &<< 32
    }

    @inlinable public var dontFragment: Bool { flags & Flag.dontFragment != 0 }
    @inlinable public var isICMPError: Bool { flags & Flag.icmpError != 0 }
    @inlinable public var isIPv6: Bool { flags & Flag.ipv6 != 0 }
}
