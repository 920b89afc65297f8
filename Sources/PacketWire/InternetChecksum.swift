import NetAddress

/// The Internet checksum (RFC 1071): a one's-complement sum of 16-bit words.
///
/// Accumulate with ``sum(_:initial:)`` and ``adding(_:)``, then take
/// ``finalized``. A region that includes a correct checksum field finalises to 0.
public struct InternetChecksum: Sendable, Equatable {
    /// The running sum, not yet folded to 16 bits.
    public var accumulator: UInt64

    @inlinable public init(accumulator: UInt64 = 0) { self.accumulator = accumulator }

    /// Adds `bytes` (an odd trailing byte is padded with zero, as RFC 1071 says).
    @inlinable
    public static func sum(_ bytes: UnsafeRawBufferPointer, initial: InternetChecksum = InternetChecksum()) -> InternetChecksum {
        var acc = initial.accumulator
        var i = 0
        let n = bytes.count
        // 32-bit big-endian words into a 64-bit accumulator: no carry can be lost
        // for any frame shorter than 2^32 words.
        while i + 4 <= n {
            acc &+= UInt64(bytes.u32(i))
            i += 4
        }
        if i + 2 <= n {
            acc &+= UInt64(bytes.u16(i))
            i += 2
        }
        if i < n { acc &+= UInt64(bytes.u8(i)) << 8 }
        return InternetChecksum(accumulator: acc)
    }

    /// Adds one 16-bit word.
    @inlinable
    public func adding(_ word: UInt16) -> InternetChecksum {
        InternetChecksum(accumulator: accumulator &+ UInt64(word))
    }

    /// Adds one 32-bit value as two words.
    @inlinable
    public func adding(_ value: UInt32) -> InternetChecksum {
        InternetChecksum(accumulator: accumulator &+ UInt64(value >> 16) &+ UInt64(value & 0xFFFF))
    }

    /// The one's complement of the folded sum: the value to store in a checksum
    /// field, or 0 when verifying a region whose checksum is right.
    @inlinable
    public var finalized: UInt16 {
        var s = accumulator
        while s >> 16 != 0 { s = (s & 0xFFFF) &+ (s >> 16) }
        return ~UInt16(truncatingIfNeeded: s)
    }

    /// The IPv4 pseudo-header sum for TCP/UDP (RFC 9293 §3.1, RFC 768).
    @inlinable
    public static func pseudoHeader(source: IPv4Address, destination: IPv4Address,
                                    protocol: UInt8, length: Int) -> InternetChecksum {
        InternetChecksum().adding(source.rawValue).adding(destination.rawValue)
            .adding(UInt16(`protocol`)).adding(UInt32(truncatingIfNeeded: length))
    }

    /// The IPv6 pseudo-header sum for upper-layer checksums (RFC 8200 §8.1).
    @inlinable
    public static func pseudoHeader(source: IPv6Address, destination: IPv6Address,
                                    nextHeader: UInt8, length: Int) -> InternetChecksum {
        @inline(__always) func words(_ w: UInt64) -> UInt64 {
            (w >> 48) &+ (w >> 32 & 0xFFFF) &+ (w >> 16 & 0xFFFF) &+ (w & 0xFFFF)
        }
        let acc = words(source.high) &+ words(source.low) &+ words(destination.high) &+ words(destination.low)
        return InternetChecksum(accumulator: acc)
            .adding(UInt32(truncatingIfNeeded: length)).adding(UInt16(nextHeader))
    }
}
