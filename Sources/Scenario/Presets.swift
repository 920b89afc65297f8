import Emulator

/// The built-in designs (SPEC §1, §4): no file needed.
public enum Preset: String, CaseIterable, Sendable {
    /// One DX connection to VPC-1's VGW: the situation today.
    case baseline
    /// Option A: a second DX at another location, active/active (ECMP).
    case optionA = "option-a"
    /// Option A, active/passive (local-preference communities, §1.5).
    case optionAPassive = "option-a-passive"
    /// Option A with both connections at the same DX location.
    case optionASameLocation = "option-a-same-location"
    /// Option B: a Site-to-Site VPN (two tunnels) to VPC-1's VGW as backup.
    case optionB = "option-b"
    /// A + B: two DX locations and a VPN backup (the recommended design).
    case recommended
    /// Option C: the second DX goes to VPC-2 (peering is not transitive).
    case optionC = "option-c"
    /// Option D: a VPN to VPC-2 (peering is not transitive).
    case optionD = "option-d"
    /// Option E: VPN CloudHub (links branch sites; no backup for the data centre).
    case optionE = "option-e"
    /// Transit Gateway: DX gateway + transit VIF, VPN attachments with ECMP.
    case tgw

    /// The options `dxemu compare` runs by default, in order.
    public static let comparison: [Preset] = [.baseline, .optionA, .optionB, .recommended, .optionC, .optionD, .optionE, .tgw]

    /// Short names accepted on the command line (`a` for option-a, ...).
    public init?(name: String) {
        if let p = Preset(rawValue: name) { self = p; return }
        if let p = Preset(rawValue: "option-" + name) { self = p; return }
        return nil
    }

    public var summary: String {
        switch self {
        case .baseline: return "one DX to VPC-1"
        case .optionA: return "second DX at another location, active/active"
        case .optionAPassive: return "second DX at another location, active/passive"
        case .optionASameLocation: return "second DX at the same location, active/active"
        case .optionB: return "VPN backup to VPC-1's VGW"
        case .recommended: return "two DX locations + VPN backup (A + B)"
        case .optionC: return "second DX to VPC-2"
        case .optionD: return "VPN to VPC-2"
        case .optionE: return "VPN CloudHub for a branch site"
        case .tgw: return "Transit Gateway: DX gateway + VPN attachments (ECMP)"
        }
    }

    public var design: SecureCartDesign {
        let dx1 = DXConnection(name: "dx1", location: "eqx-dc2")
        var dx2 = DXConnection(name: "dx2", location: "cs-ny1", latency: .milliseconds(3))
        switch self {
        case .baseline:
            return SecureCartDesign(name: rawValue, dx: [dx1])
        case .optionA:
            return SecureCartDesign(name: rawValue, dx: [dx1, dx2])
        case .optionAPassive:
            dx2.primary = false
            var d = SecureCartDesign(name: rawValue, dx: [dx1, dx2])
            d.activeActive = false
            return d
        case .optionASameLocation:
            dx2.location = dx1.location
            dx2.latency = dx1.latency
            return SecureCartDesign(name: rawValue, dx: [dx1, dx2])
        case .optionB:
            return SecureCartDesign(name: rawValue, dx: [dx1], vpn: [VPNConnection(name: "vpn1")])
        case .recommended:
            return SecureCartDesign(name: rawValue, dx: [dx1, dx2], vpn: [VPNConnection(name: "vpn1")])
        case .optionC:
            var d = SecureCartDesign(name: rawValue, dx: [dx1, DXConnection(name: "dx2", location: "cs-ny1", gateway: .vpc2, latency: .milliseconds(3))])
            d.floatingRouteToVPC1ViaVPC2 = true
            return d
        case .optionD:
            var d = SecureCartDesign(name: rawValue, dx: [dx1], vpn: [VPNConnection(name: "vpn1", gateway: .vpc2)])
            d.floatingRouteToVPC1ViaVPC2 = true
            return d
        case .optionE:
            var hub = VPNConnection(name: "cloudhub")
            hub.fromBranch = true
            return SecureCartDesign(name: rawValue, dx: [dx1], vpn: [hub])
        case .tgw:
            var dx = dx1
            dx.gateway = .transitGateway
            var d = SecureCartDesign(name: rawValue, dx: [dx], vpn: [VPNConnection(name: "vpn1", gateway: .transitGateway)])
            d.jumboFrames = true
            return d
        }
    }

    /// The scenario `dxemu failover` and `dxemu compare` run: default traffic,
    /// DX-1 failing silently at 5 s for 15 s, 30 s in all.
    public var scenario: ScenarioSpec {
        ScenarioSpec(name: rawValue, design: design, traffic: ScenarioSpec.defaultTraffic, failures: ScenarioSpec.defaultFailure())
    }
}
