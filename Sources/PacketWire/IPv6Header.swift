import NetAddress

/// A read-only view of the fixed 40-byte IPv6 header (RFC 8200) at the start of `bytes`.
public struct IPv6Header {
    /// Byte offsets of the fixed header's fields.
    public enum Field {
        public static let versionClassFlow = 0
        public static let payloadLength = 4
        public static let nextHeader = 6
        public static let hopLimit = 7
        public static let source = 8
        public static let destination = 24
    }
    /// Length of the fixed header.
    public static let length = 40
    /// Hop-by-hop option type of the Jumbo Payload option (RFC 2675).
    public static let jumboOptionType: UInt8 = 0xC2

    public let bytes: UnsafeRawBufferPointer

    @inlinable
    public init(unchecked bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// Validates the version and that the whole fixed header is present.
    public init(checking bytes: UnsafeRawBufferPointer) throws(MalformedReason) {
        guard bytes.count >= IPv6Header.length else { throw .ipv6TruncatedHeader }
        self.bytes = bytes
        guard version == 6 else { throw .badIPVersion }
    }

    @inlinable public var version: UInt8 { bytes.u8(0) >> 4 }
    @inlinable public var trafficClass: UInt8 { UInt8(truncatingIfNeeded: bytes.u16(0) >> 4) }
    @inlinable public var flowLabel: UInt32 { bytes.u32(0) & 0x000F_FFFF }
    /// Payload length in bytes (0 for a jumbogram).
    @inlinable public var payloadLength: UInt16 { bytes.u16(Field.payloadLength) }
    @inlinable public var nextHeader: UInt8 { bytes.u8(Field.nextHeader) }
    @inlinable public var hopLimit: UInt8 { bytes.u8(Field.hopLimit) }
    @inlinable public var source: IPv6Address {
        IPv6Address(high: bytes.u64(Field.source), low: bytes.u64(Field.source + 8))
    }
    @inlinable public var destination: IPv6Address {
        IPv6Address(high: bytes.u64(Field.destination), low: bytes.u64(Field.destination + 8))
    }

    /// True for the extension headers that share the generic
    /// "next header, length in 8-octet units minus one" layout.
    @inlinable
    public static func isGenericExtensionHeader(_ value: UInt8) -> Bool {
        switch value {
        case IPProtocol.hopByHop, IPProtocol.routing, IPProtocol.destinationOptions,
             IPProtocol.mobility, IPProtocol.hip, IPProtocol.shim6, 253, 254:
            return true
        default:
            return false
        }
    }
}
