/// How a router chooses among routes to the same prefix (longest prefix match
/// has already picked the prefix: these rules break ties between sources).
public enum SelectionPolicy: Sendable, Equatable {
    /// Ordinary BGP best path: highest local preference, shortest AS_PATH,
    /// lowest MED, then the lowest session index (deterministic). Up to
    /// `maximumPaths` equal routes are used together (ECMP).
    case customerRouter(maximumPaths: Int)
    /// A virtual private gateway (AWS-FACTS §3.1): DX BGP > VPN static > VPN BGP;
    /// among DX routes the local-preference communities first (§1.5), then the
    /// shorter AS_PATH, then the lower MED; equal DX routes are used together
    /// (active/active, §1.5); one VPN tunnel only (no ECMP on a VGW, §3.1).
    case virtualPrivateGateway
    /// A VPC route table (§3.1): the local route first, also over more specific
    /// propagated routes; static over propagated; propagated as a VGW orders them.
    case vpcRouteTable
    /// A Transit Gateway route table (§3.2): static (VPN static routes too) >
    /// VPC > DX gateway > VPN BGP; among BGP routes AS_PATH then MED; ECMP across
    /// equal VPN BGP routes when enabled (static VPN routes never use ECMP).
    case transitGateway(vpnECMP: Bool)
}

/// Applies a ``SelectionPolicy`` to the candidate routes of one prefix.
public enum BestPathSelector {
    /// The routes to install (empty: none; several: ECMP), in a fixed order.
    public static func select(_ candidates: [Route], policy: SelectionPolicy) -> [Route] {
        guard !candidates.isEmpty else { return [] }
        let ordered = candidates.sorted { ($0.session, $0.link.index) < ($1.session, $1.link.index) }
        switch policy {
        case let .customerRouter(maximumPaths):
            return bgpBest(ordered, maximumPaths: maximumPaths, useLocalPreference: true)
        case .virtualPrivateGateway:
            return vgwBest(ordered)
        case .vpcRouteTable:
            for rank in [RouteSource.local, .manual, .peering] {
                let tier = ordered.filter { $0.source == rank }
                if !tier.isEmpty { return [tier[0]] }
            }
            return Array(vgwBest(ordered).prefix(1))
        case let .transitGateway(vpnECMP):
            // Static routes (VPN static routes among them) > VPC > DX gateway > VPN BGP.
            let tiers: [[RouteSource]] = [[.manual, .vpnStatic], [.vpcAttachment], [.directConnect], [.vpnBGP]]
            for tier in tiers {
                let routes = ordered.filter { tier.contains($0.source) }
                if routes.isEmpty { continue }
                switch tier[0] {
                case .vpnBGP: return bgpBest(routes, maximumPaths: vpnECMP ? routes.count : 1, useLocalPreference: false)
                case .directConnect: return bgpBest(routes, maximumPaths: routes.count, useLocalPreference: false)
                default: return [routes[0]]
                }
            }
            return []
        }
    }

    /// §3.1 order for gateway-learnt routes (the attached VPC's own CIDR first).
    static func vgwBest(_ routes: [Route]) -> [Route] {
        if let local = routes.first(where: { $0.source == .local }) { return [local] }
        let dx = routes.filter { $0.source == .directConnect }
        if !dx.isEmpty {
            let top = dx.map(\.attributes.awsCommunityPreference).max()!
            return bgpBest(dx.filter { $0.attributes.awsCommunityPreference == top }, maximumPaths: dx.count, useLocalPreference: false)
        }
        let vpnStatic = routes.filter { $0.source == .vpnStatic }
        if !vpnStatic.isEmpty { return [vpnStatic[0]] }
        let vpnBGP = routes.filter { $0.source == .vpnBGP }
        if !vpnBGP.isEmpty { return bgpBest(vpnBGP, maximumPaths: 1, useLocalPreference: false) }
        return Array(routes.prefix(1))
    }

    /// Local preference (optional), AS_PATH length, MED; the first `maximumPaths`
    /// of the equal best in session order.
    static func bgpBest(_ routes: [Route], maximumPaths: Int, useLocalPreference: Bool) -> [Route] {
        var best = routes
        if useLocalPreference {
            let lp = best.map(\.attributes.localPreference).max()!
            best = best.filter { $0.attributes.localPreference == lp }
        }
        let shortest = best.map(\.attributes.asPath.count).min()!
        best = best.filter { $0.attributes.asPath.count == shortest }
        let med = best.map(\.attributes.med).min()!
        best = best.filter { $0.attributes.med == med }
        return Array(best.prefix(max(1, maximumPaths)))
    }
}
