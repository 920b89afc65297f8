import Emulator

/// AWS numbers used as defaults, each from ../shared/docs/AWS-FACTS.md (the
/// section is named beside it). Where AWS is silent, the value is a documented
/// assumption and a parameter of the design.
public enum AWSDefaults {
    /// DX BGP keepalive and hold time by default: 30 s / 90 s (AWS-FACTS §1.3).
    public static let directConnectKeepalive = SimTime.seconds(30)
    public static let directConnectHold = SimTime.seconds(90)
    /// AWS BFD minimum interval 300 ms and multiplier 3 (§1.3, §1.4): 900 ms detection.
    public static let bfdInterval = SimTime.milliseconds(300)
    public static let bfdMultiplier = 3
    /// Routes a customer may advertise on a private VIF: 100, more takes the
    /// session down (§1.6).
    public static let privateVIFPrefixLimit = 100
    /// Private VIF jumbo MTU: 8500 in the current API, 9001 in the older guide
    /// (§1.2 ⚠); 1500 without jumbo frames.
    public static let privateVIFJumboMTU = 8500
    public static let privateVIFLegacyJumboMTU = 9001
    /// VPN per tunnel: 1.25 Gbps and 140,000 packets per second (§2.2).
    public static let vpnTunnelBandwidth = BitRate.gigabits(1.25)
    public static let vpnTunnelPacketsPerSecond = 140_000
    /// VPN inner MTU with AES-GCM and no NAT-T: 1446; MSS 1406 (§2.3).
    public static let vpnInnerMTU = 1446
    public static let vpnMSS = 1406
    /// ESP tunnel-mode overhead with AES-GCM-16, no NAT-T: 54 bytes (§2.4).
    public static let vpnESPOverhead = 54
    /// Plus 0-3 bytes of padding: the inner packet and the 2-byte ESP trailer
    /// are aligned to 4 bytes (RFC 4106/4303 layout, §2.4).
    public static let vpnESPAlignment = 4
    /// VPN BGP keepalive 10 s and hold 30 s, from AWS's sample configurations (§2.6).
    public static let vpnKeepalive = SimTime.seconds(10)
    public static let vpnHold = SimTime.seconds(30)
    /// About 30 s for a VPN BGP peering to be established (§2.6).
    public static let vpnEstablish = SimTime.seconds(30)
    /// IPsec DPD: R-U-THERE after 10 s idle; timeout 30 s by default (§2.5).
    public static let dpdInterval = SimTime.seconds(10)
    public static let dpdTimeout = SimTime.seconds(30)
    /// VGW default ASN 64512 (§2.1).
    public static let gatewayASN: UInt32 = 64512
    /// Intra-Region VPC peering carries jumbo frames (9001, §4.2).
    public static let peeringMTU = 9001

    // Assumptions where AWS publishes nothing (parameters of every design):
    /// Route-propagation / FIB programming delay after a BGP change, AWS side:
    /// not published (§6); assumed 100 ms.
    public static let gatewayProgrammingDelay = SimTime.milliseconds(100)
    /// Same on the customer router: assumed 50 ms (hardware FIB update).
    public static let customerProgrammingDelay = SimTime.milliseconds(50)
    /// Time to bring a DX BGP session back after the path is healthy: not
    /// published; assumed 5 s (TCP + OPEN + first UPDATE).
    public static let directConnectEstablish = SimTime.seconds(5)
    /// VPC peering latency: AWS gives none (§4.3; a third party says 0.5-1 ms,
    /// unverified): assumed 0.5 ms.
    public static let peeringLatency = SimTime.microseconds(500)
}
