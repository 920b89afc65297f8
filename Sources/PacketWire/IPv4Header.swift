import NetAddress

/// A read-only view of an IPv4 header (RFC 791) at the start of `bytes`.
///
/// Build it with ``init(checking:)`` when the bytes come from outside, or with
/// ``init(unchecked:)`` once a parser has checked that at least
/// ``minimumLength`` bytes (and the whole IHL) are present.
public struct IPv4Header {
    /// Byte offsets of the fixed header's fields.
    public enum Field {
        public static let versionAndIHL = 0
        public static let typeOfService = 1
        public static let totalLength = 2
        public static let identification = 4
        public static let flagsAndFragmentOffset = 6
        public static let timeToLive = 8
        public static let `protocol` = 9
        public static let checksum = 10
        public static let source = 12
        public static let destination = 16
    }
    /// Length of a header without options.
    public static let minimumLength = 20
    /// The Don't Fragment bit in the flags/offset word.
    public static let dontFragmentBit: UInt16 = 0x4000
    /// The More Fragments bit in the flags/offset word.
    public static let moreFragmentsBit: UInt16 = 0x2000

    /// The bytes from the first header byte to the end of the capture.
    public let bytes: UnsafeRawBufferPointer

    @inlinable
    public init(unchecked bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// Validates version, IHL and that the header with its options is present.
    public init(checking bytes: UnsafeRawBufferPointer) throws(MalformedReason) {
        guard bytes.count >= IPv4Header.minimumLength else { throw .ipv4TruncatedHeader }
        self.bytes = bytes
        guard version == 4 else { throw .badIPVersion }
        guard headerLength >= IPv4Header.minimumLength else { throw .ipv4BadHeaderLength }
        guard headerLength <= bytes.count else { throw .ipv4TruncatedHeader }
        guard Int(totalLength) >= headerLength else { throw .ipv4TotalLengthTooSmall }
    }

    @inlinable public var version: UInt8 { bytes.u8(Field.versionAndIHL) >> 4 }
    /// Header length in bytes (IHL x 4).
    @inlinable public var headerLength: Int { Int(bytes.u8(Field.versionAndIHL) & 0x0F) << 2 }
    @inlinable public var typeOfService: UInt8 { bytes.u8(Field.typeOfService) }
    /// Length of the whole datagram in bytes, header included.
    @inlinable public var totalLength: UInt16 { bytes.u16(Field.totalLength) }
    @inlinable public var identification: UInt16 { bytes.u16(Field.identification) }
    @inlinable public var dontFragment: Bool { bytes.u16(Field.flagsAndFragmentOffset) & IPv4Header.dontFragmentBit != 0 }
    @inlinable public var moreFragments: Bool { bytes.u16(Field.flagsAndFragmentOffset) & IPv4Header.moreFragmentsBit != 0 }
    /// Fragment offset in bytes (the field counts 8-byte units).
    @inlinable public var fragmentOffset: Int { Int(bytes.u16(Field.flagsAndFragmentOffset) & 0x1FFF) << 3 }
    @inlinable public var timeToLive: UInt8 { bytes.u8(Field.timeToLive) }
    @inlinable public var `protocol`: UInt8 { bytes.u8(Field.protocol) }
    @inlinable public var checksum: UInt16 { bytes.u16(Field.checksum) }
    @inlinable public var source: IPv4Address { IPv4Address(bytes.u32(Field.source)) }
    @inlinable public var destination: IPv4Address { IPv4Address(bytes.u32(Field.destination)) }

    /// True when the header checksum (over the IHL bytes) is correct.
    public var checksumIsValid: Bool {
        InternetChecksum.sum(UnsafeRawBufferPointer(rebasing: bytes[0..<headerLength])).finalized == 0
    }
}
