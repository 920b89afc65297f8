import NetAddress

/// An address family as the lookup structures see it: a key is an unsigned
/// integer whose most significant bits are the address (IPv4: the 32 address
/// bits on top of a 64-bit key, the rest zero; IPv6: all 128 bits).
///
/// Keeping the address at the top lets one expression take any chunk of bits:
/// `(key &<< offset) &>> (Key.bitWidth - width)`, zero-padded past the address.
public protocol AddressFamily: Sendable {
    associatedtype Key: FixedWidthInteger & UnsignedInteger & Sendable
    /// Address width in bits (32 or 128).
    static var addressBits: Int { get }
    /// Bits resolved by the direct-pointing array of ``Poptrie`` (its size is 2^directBits).
    static var directBits: Int { get }
}

/// IPv4: 64-bit keys, the address in the upper 32 bits; an 18-bit direct array
/// (1 MiB), as Poptrie's authors chose for IPv4.
public enum IPv4Family: AddressFamily {
    public typealias Key = UInt64
    public static let addressBits = 32
    public static let directBits = 18

    /// The key of an address.
    @inlinable @inline(__always)
    public static func key(_ address: IPv4Address) -> UInt64 { UInt64(address.rawValue) &<< 32 }

    /// The key of a raw host-order address.
    @inlinable @inline(__always)
    public static func key(_ raw: UInt32) -> UInt64 { UInt64(raw) &<< 32 }
}

/// IPv6: 128-bit keys; a 16-bit direct array (256 KiB).
public enum IPv6Family: AddressFamily {
    public typealias Key = UInt128
    public static let addressBits = 128
    public static let directBits = 16

    /// The key of an address.
    @inlinable @inline(__always)
    public static func key(_ address: IPv6Address) -> UInt128 { UInt128(address.high) &<< 64 | UInt128(address.low) }
}

/// A next hop: an index into the caller's table of next hops (0...65534).
public typealias NextHop = UInt16

/// The value lookups return when no prefix matches.
public let noRoute: NextHop = 0xFFFF
