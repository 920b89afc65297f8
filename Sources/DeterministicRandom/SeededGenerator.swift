/// The one random source of dxemu: xoshiro256** (Blackman and Vigna), seeded
/// through SplitMix64 so that any 64-bit seed gives a well-mixed state.
///
/// Same seed, same sequence, on every platform and Swift version: dxemu never
/// uses the system generator, so runs are reproducible byte for byte.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    @usableFromInline var s0: UInt64
    @usableFromInline var s1: UInt64
    @usableFromInline var s2: UInt64
    @usableFromInline var s3: UInt64

    /// A generator whose whole sequence is fixed by `seed`.
    public init(seed: UInt64) {
        var sm = seed
        func splitMix() -> UInt64 {
            sm &+= 0x9E37_79B9_7F4A_7C15
            var z = sm
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(); s1 = splitMix(); s2 = splitMix(); s3 = splitMix()
    }

    /// An independent generator for a named sub-stream (a flow, a link), derived
    /// from this one's seed material without consuming it, so adding a consumer
    /// does not shift everybody else's numbers.
    public func derived(_ stream: UInt64) -> SeededGenerator {
        SeededGenerator(seed: s0 ^ (stream &* 0xD1B5_4A32_D192_ED03) ^ s3.rotatedLeft(17))
    }

    @inlinable
    public mutating func next() -> UInt64 {
        let result = (s1 &* 5).rotatedLeft(7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = s3.rotatedLeft(45)
        return result
    }

    /// A uniform double in [0, 1) with 53 random bits.
    @inlinable
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform integer in `0..<bound` (Lemire's nearly-divisionless method).
    @inlinable
    public mutating func next(below bound: UInt64) -> UInt64 {
        precondition(bound > 0)
        var m = next().multipliedFullWidth(by: bound)
        if m.low < bound {
            let threshold = (0 &- bound) % bound
            while m.low < threshold { m = next().multipliedFullWidth(by: bound) }
        }
        return m.high
    }
}

extension UInt64 {
    /// Bit rotation (used by the generator).
    @inlinable @inline(__always)
    func rotatedLeft(_ k: UInt64) -> UInt64 { (self << k) | (self >> (64 - k)) }
}
