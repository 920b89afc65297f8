/// EtherType values dxemu looks at (IEEE registry).
public enum EtherType {
    public static let ipv4: UInt16 = 0x0800
    public static let arp: UInt16 = 0x0806
    public static let vlan: UInt16 = 0x8100        // IEEE 802.1Q customer tag
    public static let qinq: UInt16 = 0x88A8        // IEEE 802.1ad service tag
    public static let qinqLegacy: UInt16 = 0x9100  // pre-standard stacked tag
    public static let ipv6: UInt16 = 0x86DD
    public static let mplsUnicast: UInt16 = 0x8847
    public static let mplsMulticast: UInt16 = 0x8848
    public static let pppoeSession: UInt16 = 0x8864
    public static let transparentEthernet: UInt16 = 0x6558  // Ethernet inside GRE
    public static let ppp: UInt16 = 0x880B                  // PPP inside (enhanced) GRE
}

/// IP protocol numbers (IANA "Assigned Internet Protocol Numbers").
public enum IPProtocol {
    public static let hopByHop: UInt8 = 0
    public static let icmp: UInt8 = 1
    public static let ipInIP: UInt8 = 4
    public static let tcp: UInt8 = 6
    public static let udp: UInt8 = 17
    public static let ipv6: UInt8 = 41
    public static let routing: UInt8 = 43
    public static let fragment: UInt8 = 44
    public static let gre: UInt8 = 47
    public static let esp: UInt8 = 50
    public static let ah: UInt8 = 51
    public static let icmpv6: UInt8 = 58
    public static let noNextHeader: UInt8 = 59
    public static let destinationOptions: UInt8 = 60
    public static let mobility: UInt8 = 135
    public static let hip: UInt8 = 139
    public static let shim6: UInt8 = 140
    public static let sctp: UInt8 = 132
    public static let udpLite: UInt8 = 136

    /// A short lower-case name for reports (`tcp`, `udp`, `icmpv6`, ...), or the number.
    public static func name(_ value: UInt8) -> String {
        switch value {
        case hopByHop: return "hopopt"
        case icmp: return "icmp"
        case 2: return "igmp"
        case ipInIP: return "ipip"
        case tcp: return "tcp"
        case udp: return "udp"
        case ipv6: return "ipv6"
        case routing: return "ipv6-route"
        case fragment: return "ipv6-frag"
        case gre: return "gre"
        case esp: return "esp"
        case ah: return "ah"
        case icmpv6: return "icmpv6"
        case noNextHeader: return "ipv6-nonxt"
        case destinationOptions: return "ipv6-opts"
        case 89: return "ospf"
        case 103: return "pim"
        case 112: return "vrrp"
        case sctp: return "sctp"
        case udpLite: return "udplite"
        default: return "proto-\(value)"
        }
    }
}
