import PacketWire
import Testing

/// A small xorshift generator: tests need reproducible noise, not good randomness.
struct TestNoise {
    var state: UInt64
    mutating func next() -> UInt64 {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return state
    }
}

@Suite("parser robustness")
struct RobustnessTests {
    static let linkTypes: [LinkType] = [.ethernet, .linuxSLL, .linuxSLL2, .null, .loop, .raw, .ipv4, .ipv6, .ppp,
                                        .ieee80211, .ieee80211Radiotap, LinkType(rawValue: 147)]

    /// Checks the invariants every parse must keep, whatever the input.
    static func checkInvariants(_ info: PacketInfo, count: Int, wire: Int) {
        if info.networkOffset >= 0 { #expect(Int(info.networkOffset) <= max(count, wire)) }
        if info.ip.transportOffset >= 0 { #expect(info.ip.transportOffset >= info.networkOffset) }
        if info.ip.flow.ipVersion != 0 { #expect(info.ip.flow.ipVersion == 4 || info.ip.flow.ipVersion == 6) }
        #expect(Int(info.ip.end) <= max(count, wire))
    }

    @Test func randomBytesNeverCrash() {
        var noise = TestNoise(state: 0x9E37_79B9_7F4A_7C15)
        for _ in 0..<20_000 {
            let length = Int(noise.next() % 200)
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: noise.next()) }
            for link in Self.linkTypes {
                let wire = length + Int(noise.next() % 3) * 50
                let info = bytes.withUnsafeBytes { PacketParser.parse($0, wireLength: wire, linkType: link) }
                Self.checkInvariants(info, count: length, wire: wire)
            }
        }
    }

    /// Mutations of real frames reach deep into the parser (valid headers with one
    /// field off), where random bytes rarely go.
    @Test func mutatedRealFramesNeverCrash() {
        var noise = TestNoise(state: 42)
        let seeds: [([UInt8], LinkType)] = [(RealFrames.sllTCPSyn, .linuxSLL), (RealFrames.stackedVLANEcho, .ethernet),
                                            (RealFrames.ipv6TimeExceeded, .ethernet), (RealFrames.jumbogramHead, .ethernet),
                                            (RealFrames.firstFragmentHead, .ethernet), (RealFrames.dnsQuery, .ethernet)]
        for _ in 0..<20_000 {
            let (seed, link) = seeds[Int(noise.next() % UInt64(seeds.count))]
            var frame = seed
            for _ in 0..<(1 + noise.next() % 4) {
                frame[Int(noise.next() % UInt64(frame.count))] = UInt8(truncatingIfNeeded: noise.next())
            }
            let cut = Int(noise.next() % UInt64(frame.count + 1))
            let bytes = Array(frame.prefix(cut))
            let wire = cut + Int(noise.next() % 2) * Int(noise.next() % 70_000)
            let info = bytes.withUnsafeBytes { PacketParser.parse($0, wireLength: wire, linkType: link) }
            Self.checkInvariants(info, count: cut, wire: wire)
        }
    }
}

@Suite("fuzzer regressions")
struct FuzzerRegressionTests {
    /// libFuzzer found this: a Jumbo Payload option of 0xFFFFFFFF overflowed the
    /// 32-bit datagram length (40 + payload). It must be a clean parse instead.
    @Test func hugeJumboPayloadDoesNotOverflow() {
        var frame = RealFrames.jumbogramHead
        frame.replaceSubrange(58..<62, with: [0xFF, 0xFF, 0xFF, 0xFF])
        let info = frame.withUnsafeBytes { PacketParser.parse($0, wireLength: frame.count, linkType: .ethernet) }
        #expect(info.ip.length == UInt32.max)
        #expect(info.malformed == .ipv6PayloadLengthBeyondFrame)
    }

    @Test func wireLengthBeyondInt32DoesNotOverflow() {
        let info = RealFrames.dnsQuery.withUnsafeBytes { PacketParser.parse($0, wireLength: Int(UInt32.max), linkType: .ethernet) }
        #expect(info.ip.flow.destinationPort == 53)
    }
}
