/// IPv4 fragmentation arithmetic (RFC 791 §3.2, "Fragmentation"): how a
/// datagram is cut to cross a link of a smaller MTU.
public enum Fragmentation {
    /// One fragment: its total length, its offset in 8-byte units, and whether
    /// more fragments follow.
    public struct Fragment: Sendable, Equatable {
        public var totalLength: Int
        public var offsetUnits: Int
        public var moreFragments: Bool
    }

    /// The fragments of a datagram of `totalLength` bytes with a
    /// `headerLength`-byte header over a link of `mtu` bytes. Every fragment but
    /// the last carries the largest multiple of 8 data bytes that fits; the
    /// header is repeated in each. A datagram that fits is returned whole; an
    /// MTU too small for a header and 8 data bytes gives no fragments.
    public static func fragments(totalLength: Int, headerLength: Int = 20, mtu: Int) -> [Fragment] {
        if totalLength <= mtu { return [Fragment(totalLength: totalLength, offsetUnits: 0, moreFragments: false)] }
        let perFragment = (mtu - headerLength) & ~7
        guard perFragment >= 8 else { return [] }
        let data = totalLength - headerLength
        var out: [Fragment] = []
        var offset = 0
        while offset < data {
            let chunk = min(perFragment, data - offset)
            out.append(Fragment(totalLength: chunk + headerLength, offsetUnits: offset / 8, moreFragments: offset + chunk < data))
            offset += chunk
        }
        return out
    }

    /// How many fragments `fragments(totalLength:headerLength:mtu:)` returns,
    /// without building them (the emulator's per-packet path).
    @inlinable
    public static func count(totalLength: Int, headerLength: Int = 20, mtu: Int) -> Int {
        if totalLength <= mtu { return 1 }
        let perFragment = (mtu - headerLength) & ~7
        guard perFragment >= 8 else { return 0 }
        return (totalLength - headerLength + perFragment - 1) / perFragment
    }
}
