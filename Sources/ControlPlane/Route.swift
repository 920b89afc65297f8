import Emulator
import NetAddress

/// A BGP community `asn:value` (e.g. 7224:7300).
public struct Community: Hashable, Sendable, CustomStringConvertible {
    public var asn: UInt16
    public var value: UInt16
    public init(_ asn: UInt16, _ value: UInt16) { self.asn = asn; self.value = value }

    /// AWS local-preference communities on private and transit VIFs (AWS-FACTS §1.5).
    public static let awsLowPreference = Community(7224, 7100)
    public static let awsMediumPreference = Community(7224, 7200)
    public static let awsHighPreference = Community(7224, 7300)

    public var description: String { "\(asn):\(value)" }
}

/// Where a route came from: the attachment or protocol that taught it. The
/// gateways' preference orders are built from these (AWS-FACTS §3.1, §3.2).
public enum RouteSource: Hashable, Sendable, CustomStringConvertible {
    /// The VPC's own CIDR (VPC route tables).
    case local
    /// Configured by hand (a VPC or TGW static route, a customer static route).
    case manual
    /// BGP over a Direct Connect private or transit VIF.
    case directConnect
    /// A static route configured on a Site-to-Site VPN connection.
    case vpnStatic
    /// BGP over a Site-to-Site VPN tunnel.
    case vpnBGP
    /// A VPC peering connection (a static route pointing at it).
    case peering
    /// Propagated from a VPC attachment (Transit Gateway).
    case vpcAttachment
    /// Ordinary eBGP between customer devices.
    case bgp

    public var description: String {
        switch self {
        case .local: return "local"
        case .manual: return "static"
        case .directConnect: return "dx-bgp"
        case .vpnStatic: return "vpn-static"
        case .vpnBGP: return "vpn-bgp"
        case .peering: return "peering"
        case .vpcAttachment: return "vpc-attachment"
        case .bgp: return "bgp"
        }
    }
}

/// BGP path attributes dxemu compares.
public struct RouteAttributes: Hashable, Sendable {
    /// Local preference (customer routers; set by policy). Default 100.
    public var localPreference: UInt32 = 100
    /// AS numbers, nearest first; prepending repeats an AS.
    public var asPath: [UInt32] = []
    public var med: UInt32 = 0
    public var communities: Set<Community> = []

    public init(localPreference: UInt32 = 100, asPath: [UInt32] = [], med: UInt32 = 0, communities: Set<Community> = []) {
        self.localPreference = localPreference
        self.asPath = asPath
        self.med = med
        self.communities = communities
    }

    /// The AWS preference a DX route's communities ask for: 3 high, 2 medium
    /// (also when none is set: the same Region, same distance), 1 low (§1.5).
    public var awsCommunityPreference: Int {
        if communities.contains(.awsHighPreference) { return 3 }
        if communities.contains(.awsLowPreference) { return 1 }
        return 2
    }
}

/// A candidate route in a speaker's RIB: a prefix, how to reach it, and why.
public struct Route: Hashable, Sendable {
    public var prefix: IPPrefix
    /// The link packets for the prefix leave on.
    public var link: LinkID
    public var source: RouteSource
    public var attributes: RouteAttributes
    /// The session (index) that taught it, or -1 for configured routes.
    public var session: Int

    public init(prefix: IPPrefix, link: LinkID, source: RouteSource, attributes: RouteAttributes = RouteAttributes(), session: Int = -1) {
        self.prefix = prefix
        self.link = link
        self.source = source
        self.attributes = attributes
        self.session = session
    }
}
