import ControlPlane
import Emulator
import NetAddress
import Testing

let prefix = IPPrefix.v4(try! IPv4Prefix(parsing: "10.0.0.0/16"))

func route(_ link: Int32, _ source: RouteSource, asPath: Int = 1, med: UInt32 = 0, localPreference: UInt32 = 100,
           communities: Set<Community> = [], session: Int = 0) -> Route {
    Route(prefix: prefix, link: LinkID(index: link), source: source,
          attributes: RouteAttributes(localPreference: localPreference, asPath: Array(repeating: 65000, count: asPath),
                                      med: med, communities: communities), session: session)
}

func links(_ routes: [Route]) -> [Int32] { routes.map(\.link.index) }

/// One test per AWS route-selection rule (AWS-FACTS §1.5, §3.1, §3.2).
@Suite("AWS route selection rules")
struct SelectionRuleTests {
    @Test func vgwPrefersDirectConnectOverVPNStaticOverVPNBGP() {
        let all = [route(3, .vpnBGP, session: 3), route(2, .vpnStatic, session: 2), route(1, .directConnect, session: 1)]
        #expect(links(BestPathSelector.select(all, policy: .virtualPrivateGateway)) == [1])
        #expect(links(BestPathSelector.select(Array(all.prefix(2)), policy: .virtualPrivateGateway)) == [2])
        #expect(links(BestPathSelector.select([all[0]], policy: .virtualPrivateGateway)) == [3])
    }

    /// "DX routes are preferred regardless of the AS PATH prepend length" (§7 item 9).
    @Test func vgwPrefersDirectConnectWhateverTheVPNASPath() {
        let all = [route(1, .directConnect, asPath: 6, session: 1), route(2, .vpnBGP, asPath: 1, session: 2)]
        #expect(links(BestPathSelector.select(all, policy: .virtualPrivateGateway)) == [1])
    }

    @Test func vgwComparesASPathThenMEDAmongVPNRoutes() {
        let shorter = [route(1, .vpnBGP, asPath: 3, session: 1), route(2, .vpnBGP, asPath: 2, session: 2)]
        #expect(links(BestPathSelector.select(shorter, policy: .virtualPrivateGateway)) == [2])
        let lowerMED = [route(1, .vpnBGP, med: 200, session: 1), route(2, .vpnBGP, med: 100, session: 2)]
        #expect(links(BestPathSelector.select(lowerMED, policy: .virtualPrivateGateway)) == [2])
    }

    /// "Local preference BGP community tags are evaluated before any AS_PATH attribute" (§1.5).
    @Test func vgwEvaluatesLocalPreferenceCommunitiesBeforeASPath() {
        let all = [route(1, .directConnect, asPath: 1, communities: [.awsLowPreference], session: 1),
                   route(2, .directConnect, asPath: 4, communities: [.awsHighPreference], session: 2)]
        #expect(links(BestPathSelector.select(all, policy: .virtualPrivateGateway)) == [2])
        // No community counts as medium: above low, below high.
        let none = [route(1, .directConnect, communities: [.awsLowPreference], session: 1), route(2, .directConnect, session: 2)]
        #expect(links(BestPathSelector.select(none, policy: .virtualPrivateGateway)) == [2])
    }

    /// Active/active: equal DX routes load-balance per flow (§1.5).
    @Test func vgwUsesECMPAcrossEqualDirectConnectRoutes() {
        let all = [route(1, .directConnect, session: 1), route(2, .directConnect, session: 2)]
        #expect(links(BestPathSelector.select(all, policy: .virtualPrivateGateway)) == [1, 2])
        let prepended = [route(1, .directConnect, session: 1), route(2, .directConnect, asPath: 3, session: 2)]
        #expect(links(BestPathSelector.select(prepended, policy: .virtualPrivateGateway)) == [1])
    }

    /// "AWS selects one of the two redundant tunnels as the primary egress path" (§3.1).
    @Test func vgwUsesOneVPNTunnelOnly() {
        let tunnels = [route(5, .vpnBGP, session: 5), route(4, .vpnBGP, session: 4)]
        #expect(links(BestPathSelector.select(tunnels, policy: .virtualPrivateGateway)) == [4])
        let statics = [route(5, .vpnStatic, session: 5), route(4, .vpnStatic, session: 4)]
        #expect(BestPathSelector.select(statics, policy: .virtualPrivateGateway).count == 1)
    }

    /// VPC route tables: the local route first; static over propagated (§3.1).
    @Test func vpcRouteTableLocalThenStaticThenPropagated() {
        let all = [route(1, .directConnect, session: -5), route(2, .peering), route(3, .local)]
        #expect(links(BestPathSelector.select(all, policy: .vpcRouteTable)) == [3])
        #expect(links(BestPathSelector.select(Array(all.prefix(2)), policy: .vpcRouteTable)) == [2])
        #expect(links(BestPathSelector.select([route(1, .vpnBGP, session: -5), route(2, .directConnect, session: -6)], policy: .vpcRouteTable)) == [2])
    }

    /// Customer router: local preference, AS_PATH, MED, then the lowest session.
    @Test func customerRouterRunsOrdinaryBestPath() {
        let byPreference = [route(1, .bgp, localPreference: 100, session: 1), route(2, .bgp, asPath: 5, localPreference: 200, session: 2)]
        #expect(links(BestPathSelector.select(byPreference, policy: .customerRouter(maximumPaths: 1))) == [2])
        let byPath = [route(1, .bgp, asPath: 3, session: 1), route(2, .bgp, asPath: 1, session: 2)]
        #expect(links(BestPathSelector.select(byPath, policy: .customerRouter(maximumPaths: 1))) == [2])
        let byMED = [route(1, .bgp, med: 10, session: 1), route(2, .bgp, med: 5, session: 2)]
        #expect(links(BestPathSelector.select(byMED, policy: .customerRouter(maximumPaths: 1))) == [2])
        let tie = [route(2, .bgp, session: 2), route(1, .bgp, session: 1)]
        #expect(links(BestPathSelector.select(tie, policy: .customerRouter(maximumPaths: 1))) == [1])
        #expect(links(BestPathSelector.select(tie, policy: .customerRouter(maximumPaths: 2))) == [1, 2])
    }

    /// Transit Gateway (§3.2): static (VPN static too) > VPC > DX gateway > VPN;
    /// "a static route pointing to a VPN attachment is more preferred to a
    /// dynamically propagated Direct Connect gateway route".
    @Test func transitGatewayStaticVPNRouteBeatsDirectConnectGatewayRoute() {
        let all = [route(1, .directConnect, session: 1), route(2, .vpnStatic, session: 2)]
        #expect(links(BestPathSelector.select(all, policy: .transitGateway(vpnECMP: true))) == [2])
        let dxOverVPN = [route(1, .vpnBGP, session: 1), route(2, .directConnect, session: 2)]
        #expect(links(BestPathSelector.select(dxOverVPN, policy: .transitGateway(vpnECMP: true))) == [2])
    }

    /// VPN ECMP on a TGW when enabled (VpnEcmpSupport, on by default), one tunnel when not.
    @Test func transitGatewayECMPAcrossEqualVPNRoutes() {
        let tunnels = [route(1, .vpnBGP, session: 1), route(2, .vpnBGP, session: 2), route(3, .vpnBGP, asPath: 2, session: 3)]
        #expect(links(BestPathSelector.select(tunnels, policy: .transitGateway(vpnECMP: true))) == [1, 2])
        #expect(links(BestPathSelector.select(tunnels, policy: .transitGateway(vpnECMP: false))) == [1])
    }

    /// BFD negotiation (§1.3): transmit at max(local min tx, peer min rx); detect
    /// after the peer's transmission interval times the local multiplier.
    @Test func bfdNegotiationUsesTheSlowerRateAndTheLocalMultiplier() {
        let t = LivenessTimer.bfd(localMinTx: .milliseconds(300), localMinRx: .milliseconds(300), localMultiplier: 3,
                                  peerMinTx: .milliseconds(300), peerMinRx: .milliseconds(500))
        #expect(t.tx == .milliseconds(500))
        #expect(t.detect == .milliseconds(900))
        let slowPeer = LivenessTimer.bfd(localMinTx: .milliseconds(300), localMinRx: .milliseconds(300), localMultiplier: 3,
                                         peerMinTx: .milliseconds(1000), peerMinRx: .milliseconds(300))
        #expect(slowPeer.detect == .milliseconds(3000))
    }
}
