/// A link-layer header type as libpcap reports it (`pcap_datalink`): the DLT_*
/// values, which equal the LINKTYPE_* values of the file formats except for raw
/// IP (LINKTYPE_RAW 101 is reported as DLT_RAW, 12 on most systems, 14 on OpenBSD).
public struct LinkType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32

    @inlinable
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// BSD loopback: a 4-byte address family in the capturing host's byte order.
    @inlinable public static var null: LinkType { LinkType(rawValue: 0) }
    /// Ethernet II / IEEE 802.3, with optional 802.1Q/802.1ad tags.
    @inlinable public static var ethernet: LinkType { LinkType(rawValue: 1) }
    /// PPP with an optional HDLC-like address/control prefix.
    @inlinable public static var ppp: LinkType { LinkType(rawValue: 9) }
    /// Raw IP, DLT_RAW on most systems (and the legacy LINKTYPE value 12).
    @inlinable public static var rawLegacy12: LinkType { LinkType(rawValue: 12) }
    /// Raw IP, DLT_RAW on OpenBSD (the legacy LINKTYPE value 14).
    @inlinable public static var rawLegacy14: LinkType { LinkType(rawValue: 14) }
    /// PPP in HDLC-like framing (RFC 1662).
    @inlinable public static var pppHDLC: LinkType { LinkType(rawValue: 50) }
    /// LINKTYPE_RAW: raw IPv4 or IPv6, chosen by the version nibble.
    @inlinable public static var raw: LinkType { LinkType(rawValue: 101) }
    /// Bare IEEE 802.11 frames.
    @inlinable public static var ieee80211: LinkType { LinkType(rawValue: 105) }
    /// OpenBSD loopback: a 4-byte address family in network byte order.
    @inlinable public static var loop: LinkType { LinkType(rawValue: 108) }
    /// Linux "cooked" capture, version 1 (16-byte header).
    @inlinable public static var linuxSLL: LinkType { LinkType(rawValue: 113) }
    /// IEEE 802.11 with a radiotap header in front.
    @inlinable public static var ieee80211Radiotap: LinkType { LinkType(rawValue: 127) }
    /// Raw IPv4 only.
    @inlinable public static var ipv4: LinkType { LinkType(rawValue: 228) }
    /// Raw IPv6 only.
    @inlinable public static var ipv6: LinkType { LinkType(rawValue: 229) }
    /// Linux "cooked" capture, version 2 (20-byte header).
    @inlinable public static var linuxSLL2: LinkType { LinkType(rawValue: 276) }

    /// Whether dxemu's parser understands frames of this type.
    @inlinable
    public var isSupported: Bool {
        switch self {
        case .null, .ethernet, .ppp, .rawLegacy12, .rawLegacy14, .pppHDLC, .raw, .ieee80211, .loop,
             .linuxSLL, .ieee80211Radiotap, .ipv4, .ipv6, .linuxSLL2:
            return true
        default:
            return false
        }
    }

    /// The libpcap name of the type (`EN10MB`, `LINUX_SLL`, ...), or `LINKTYPE_n`.
    public var name: String {
        switch self {
        case .null: return "NULL"
        case .ethernet: return "EN10MB"
        case .ppp: return "PPP"
        case .rawLegacy12, .rawLegacy14, .raw: return "RAW"
        case .pppHDLC: return "PPP_HDLC"
        case .ieee80211: return "IEEE802_11"
        case .loop: return "LOOP"
        case .linuxSLL: return "LINUX_SLL"
        case .ieee80211Radiotap: return "IEEE802_11_RADIO"
        case .ipv4: return "IPV4"
        case .ipv6: return "IPV6"
        case .linuxSLL2: return "LINUX_SLL2"
        default: return "LINKTYPE_\(rawValue)"
        }
    }

    public var description: String { "\(name) (\(rawValue))" }
}
