import ControlPlane
import Emulator
import NetAddress
import PacketWire
import Report
import Scenario
import Testing

/// A closed-loop TCP transfer across a silent DX-1 failure (active/passive,
/// so it all rides DX-1). The stall ends when the first retransmission
/// timeout after the customer router moved to DX-2 sends a segment that
/// arrives: the timer arithmetic of RFC 6298 with Linux's 200 ms floor.
@Suite struct TCPFailoverTests {
    static func run(bfd: Bool, duration: SimTime) throws -> (RunResult, GroupResult) {
        var spec = Preset.optionAPassive.scenario
        spec.design.timers.bfd = bfd
        spec.duration = duration
        var tcp = TCPConfiguration()
        tcp.receiveWindow = 64 << 10
        var g = TrafficGroup(name: "backup", from: .onPrem, to: .vpc1, packetsPerSecond: 1)
        g.ipProtocol = IPProtocol.tcp
        g.bothDirections = false
        g.closedLoop = tcp
        spec.traffic = [g]
        spec.failures = [FailureSpec(kind: .silent, target: "dx1", at: .seconds(5))]
        let r = try ScenarioRun(spec).run()
        #expect(r.accountingViolations == 0)
        return (r, r.groups.first { $0.tcp != nil }!)
    }

    /// When the retransmission that ends the stall should arrive.
    static func expectedStallEnd(_ r: RunResult, _ g: GroupResult) -> Int64 {
        let moved = r.convergence.first { $0.router == "customer-router" && $0.prefix == "10.1.0.0/16" }!.time.nanoseconds
        // The last ACK before the failure (one way back, about 2.1 ms on DX-1) armed the timer.
        let armed = g.tcp!.longestStallStart + 2_100_000
        var backoff: Int64 = 200_000_000, firing = armed + backoff
        while firing < moved { backoff *= 2; firing += backoff }
        // The segment then crosses DX-2 (3 ms) and the LAN and subnet hops.
        return firing + 3_100_000
    }

    @Test func withBFDTheStallIsWellUnderTwoSeconds() throws {
        let (r, g) = try Self.run(bfd: true, duration: .seconds(12))
        let tcp = g.tcp!
        #expect(tcp.longestStall < 2_000_000_000)
        #expect(tcp.longestStall > 600_000_000, "no shorter than BFD's detection")
        let end = tcp.longestStallStart + tcp.longestStall
        #expect(abs(end - Self.expectedStallEnd(r, g)) < 1_000_000, "stall ended at \(end)")
        #expect(tcp.timeouts >= 2 && tcp.timeouts <= 4)
        // Goodput comes back on DX-2: the last second carries more than half the
        // pre-failure rate (a 64 KiB window over DX-2's longer RTT caps it lower).
        let lastSecond = tcp.goodput.suffix(from: 110).prefix(10).reduce(0, +)
        #expect(Double(lastSecond) * 8 > 0.5 * tcp.goodputBefore!, "\(lastSecond) bytes in the last second")
    }

    @Test func withoutBFDTheStallIsTheHoldTimePlusTheBackoff() throws {
        let (r, g) = try Self.run(bfd: false, duration: .seconds(150))
        let tcp = g.tcp!
        let moved = r.convergence.first { $0.router == "customer-router" && $0.prefix == "10.1.0.0/16" }!.time
        // Hold timer: 90 s after the last keepalive, which came 0-30 s before the failure.
        #expect(moved >= .seconds(65) && moved <= .seconds(95.1))
        // Timeouts at 0.2, 0.6, 1.4, ... 51.0, 102.2 s after the last ACK: the
        // hold time plus the backoff.
        let end = tcp.longestStallStart + tcp.longestStall
        #expect(abs(end - Self.expectedStallEnd(r, g)) < 1_000_000, "stall ended at \(end)")
        #expect(tcp.longestStall > 90_000_000_000 && tcp.longestStall < 103_000_000_000)
        #expect(tcp.timeouts == 9)
    }
}
