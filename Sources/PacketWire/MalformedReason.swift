/// Why a frame cannot be parsed as far as its headers claim. A malformed frame
/// is counted and reported with this reason; it never stops a run.
public enum MalformedReason: UInt8, Error, Sendable, CaseIterable, CustomStringConvertible, Comparable {
    /// The frame parsed cleanly (or is a non-IP frame that needs no parsing).
    case none = 0
    /// The link-layer header (Ethernet, VLAN tag, SLL, loopback, radiotap, 802.11) is cut short.
    case truncatedLinkHeader
    /// The IP version nibble disagrees with the link layer's protocol field, or is neither 4 nor 6.
    case badIPVersion
    /// IPv4 header length (IHL) below 5 words.
    case ipv4BadHeaderLength
    /// The IPv4 header (with options) runs past the end of the frame.
    case ipv4TruncatedHeader
    /// IPv4 total length smaller than its own header.
    case ipv4TotalLengthTooSmall
    /// IPv4 total length larger than the frame that carries it.
    case ipv4TotalLengthBeyondFrame
    /// The 40-byte IPv6 header runs past the end of the frame.
    case ipv6TruncatedHeader
    /// IPv6 payload length larger than the frame that carries it.
    case ipv6PayloadLengthBeyondFrame
    /// An IPv6 extension header runs past the end of the payload.
    case ipv6TruncatedExtensionHeader
    /// Payload length 0 without a valid Jumbo Payload option, or a jumbo length below 65,536.
    case ipv6BadJumbogram
    /// The TCP header runs past the end of the IP payload.
    case tcpTruncatedHeader
    /// TCP data offset below 5 words or past the end of the IP payload.
    case tcpBadDataOffset
    /// The UDP header runs past the end of the IP payload.
    case udpTruncatedHeader
    /// UDP length below 8 or larger than the IP payload.
    case udpBadLength
    /// The ICMP or ICMPv6 header runs past the end of the IP payload.
    case icmpTruncatedHeader
    /// The GRE header (with its optional fields) runs past the end of the IP payload.
    case greTruncatedHeader
    /// The ESP header (SPI and sequence number) runs past the end of the IP payload.
    case espTruncatedHeader
    /// Headers end past the captured bytes but within the wire length: the capture's
    /// snap length cut them, the packet itself was fine on the wire.
    case headersCutBySnaplen

    public var description: String {
        switch self {
        case .none: return "none"
        case .truncatedLinkHeader: return "truncated link-layer header"
        case .badIPVersion: return "bad IP version"
        case .ipv4BadHeaderLength: return "IPv4 header length (IHL) below 5"
        case .ipv4TruncatedHeader: return "truncated IPv4 header"
        case .ipv4TotalLengthTooSmall: return "IPv4 total length smaller than its header"
        case .ipv4TotalLengthBeyondFrame: return "IPv4 total length beyond the frame"
        case .ipv6TruncatedHeader: return "truncated IPv6 header"
        case .ipv6PayloadLengthBeyondFrame: return "IPv6 payload length beyond the frame"
        case .ipv6TruncatedExtensionHeader: return "truncated IPv6 extension header"
        case .ipv6BadJumbogram: return "bad IPv6 jumbogram"
        case .tcpTruncatedHeader: return "truncated TCP header"
        case .tcpBadDataOffset: return "bad TCP data offset"
        case .udpTruncatedHeader: return "truncated UDP header"
        case .udpBadLength: return "bad UDP length"
        case .icmpTruncatedHeader: return "truncated ICMP header"
        case .greTruncatedHeader: return "truncated GRE header"
        case .espTruncatedHeader: return "truncated ESP header"
        case .headersCutBySnaplen: return "headers cut by the capture's snap length"
        }
    }

    /// A stable machine-readable name (for JSON and CSV output).
    public var key: String {
        switch self {
        case .none: return "none"
        case .truncatedLinkHeader: return "truncated_link_header"
        case .badIPVersion: return "bad_ip_version"
        case .ipv4BadHeaderLength: return "ipv4_bad_ihl"
        case .ipv4TruncatedHeader: return "ipv4_truncated_header"
        case .ipv4TotalLengthTooSmall: return "ipv4_total_length_too_small"
        case .ipv4TotalLengthBeyondFrame: return "ipv4_total_length_beyond_frame"
        case .ipv6TruncatedHeader: return "ipv6_truncated_header"
        case .ipv6PayloadLengthBeyondFrame: return "ipv6_payload_length_beyond_frame"
        case .ipv6TruncatedExtensionHeader: return "ipv6_truncated_extension_header"
        case .ipv6BadJumbogram: return "ipv6_bad_jumbogram"
        case .tcpTruncatedHeader: return "tcp_truncated_header"
        case .tcpBadDataOffset: return "tcp_bad_data_offset"
        case .udpTruncatedHeader: return "udp_truncated_header"
        case .udpBadLength: return "udp_bad_length"
        case .icmpTruncatedHeader: return "icmp_truncated_header"
        case .greTruncatedHeader: return "gre_truncated_header"
        case .espTruncatedHeader: return "esp_truncated_header"
        case .headersCutBySnaplen: return "headers_cut_by_snaplen"
        }
    }

    public static func < (lhs: MalformedReason, rhs: MalformedReason) -> Bool { lhs.rawValue < rhs.rawValue }
}
