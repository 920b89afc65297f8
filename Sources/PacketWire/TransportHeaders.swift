/// A read-only view of a TCP header (RFC 9293).
public struct TCPHeader {
    public enum Field {
        public static let sourcePort = 0
        public static let destinationPort = 2
        public static let sequenceNumber = 4
        public static let acknowledgementNumber = 8
        public static let dataOffsetAndFlags = 12
        public static let window = 14
        public static let checksum = 16
        public static let urgentPointer = 18
    }
    public static let minimumLength = 20
    /// TCP flag bits in the low byte of the offset/flags word.
    public enum Flag {
        public static let fin: UInt8 = 0x01
        public static let syn: UInt8 = 0x02
        public static let rst: UInt8 = 0x04
        public static let psh: UInt8 = 0x08
        public static let ack: UInt8 = 0x10
    }

    public let bytes: UnsafeRawBufferPointer
    @inlinable public init(unchecked bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    @inlinable public var sourcePort: UInt16 { bytes.u16(Field.sourcePort) }
    @inlinable public var destinationPort: UInt16 { bytes.u16(Field.destinationPort) }
    @inlinable public var sequenceNumber: UInt32 { bytes.u32(Field.sequenceNumber) }
    @inlinable public var acknowledgementNumber: UInt32 { bytes.u32(Field.acknowledgementNumber) }
    /// Header length in bytes (data offset x 4).
    @inlinable public var headerLength: Int { Int(bytes.u8(Field.dataOffsetAndFlags) >> 4) << 2 }
    @inlinable public var flags: UInt8 { bytes.u8(Field.dataOffsetAndFlags + 1) }
    @inlinable public var window: UInt16 { bytes.u16(Field.window) }
    @inlinable public var checksum: UInt16 { bytes.u16(Field.checksum) }
}

/// A read-only view of a UDP header (RFC 768).
public struct UDPHeader {
    public enum Field {
        public static let sourcePort = 0
        public static let destinationPort = 2
        public static let length = 4
        public static let checksum = 6
    }
    public static let length = 8
    /// VXLAN's IANA port (RFC 7348).
    public static let vxlanPort: UInt16 = 4789

    public let bytes: UnsafeRawBufferPointer
    @inlinable public init(unchecked bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    @inlinable public var sourcePort: UInt16 { bytes.u16(Field.sourcePort) }
    @inlinable public var destinationPort: UInt16 { bytes.u16(Field.destinationPort) }
    /// Length of header and data in bytes.
    @inlinable public var datagramLength: UInt16 { bytes.u16(Field.length) }
    @inlinable public var checksum: UInt16 { bytes.u16(Field.checksum) }
}

/// A read-only view of an ICMP (RFC 792) or ICMPv6 (RFC 4443) header.
public struct ICMPHeader {
    public enum Field {
        public static let type = 0
        public static let code = 1
        public static let checksum = 2
        public static let restOfHeader = 4
    }
    public static let length = 8

    public let bytes: UnsafeRawBufferPointer
    @inlinable public init(unchecked bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    @inlinable public var type: UInt8 { bytes.u8(Field.type) }
    @inlinable public var code: UInt8 { bytes.u8(Field.code) }
    @inlinable public var checksum: UInt16 { bytes.u16(Field.checksum) }

    /// ICMPv4 types whose body quotes the offending datagram's IP header
    /// (destination unreachable, source quench, redirect, time exceeded, parameter problem).
    @inlinable
    public static func v4QuotesDatagram(type: UInt8) -> Bool {
        type == 3 || type == 4 || type == 5 || type == 11 || type == 12
    }

    /// ICMPv6 error types (1...4) quote as much of the offending packet as fits.
    @inlinable
    public static func v6QuotesDatagram(type: UInt8) -> Bool { type >= 1 && type <= 4 }

    /// ICMPv4 "destination unreachable" / "fragmentation needed and DF set" (type 3, code 4).
    public static let fragmentationNeeded: (type: UInt8, code: UInt8) = (3, 4)
    /// ICMPv6 "packet too big" (type 2, code 0).
    public static let packetTooBig: (type: UInt8, code: UInt8) = (2, 0)
}

/// A read-only view of an ESP header (RFC 4303): SPI and sequence number; the rest is opaque.
public struct ESPHeader {
    public enum Field {
        public static let spi = 0
        public static let sequenceNumber = 4
    }
    public static let length = 8

    public let bytes: UnsafeRawBufferPointer
    @inlinable public init(unchecked bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    @inlinable public var spi: UInt32 { bytes.u32(Field.spi) }
    @inlinable public var sequenceNumber: UInt32 { bytes.u32(Field.sequenceNumber) }
}

/// A read-only view of a GRE header: RFC 2784/2890 (version 0) and the enhanced
/// GRE of PPTP (RFC 2637, version 1).
public struct GREHeader {
    public enum Field {
        public static let flagsAndVersion = 0
        public static let protocolType = 2
        public static let optional = 4
    }
    public static let minimumLength = 4
    public enum Flag {
        public static let checksum: UInt16 = 0x8000
        public static let routing: UInt16 = 0x4000
        public static let key: UInt16 = 0x2000
        public static let sequence: UInt16 = 0x1000
        /// Acknowledgement-number present (version 1 only).
        public static let acknowledgement: UInt16 = 0x0080
    }

    public let bytes: UnsafeRawBufferPointer
    @inlinable public init(unchecked bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    @inlinable public var flags: UInt16 { bytes.u16(Field.flagsAndVersion) }
    @inlinable public var version: UInt8 { UInt8(flags & 0x7) }
    /// The EtherType of the payload.
    @inlinable public var protocolType: UInt16 { bytes.u16(Field.protocolType) }

    /// Length of the header with its optional fields, for versions 0 and 1.
    /// (Source routing, RFC 1701's R bit, is not supported and yields nil.)
    @inlinable
    public var headerLength: Int? {
        let f = flags
        switch version {
        case 0:
            if f & Flag.routing != 0 { return nil }
            var length = 4
            if f & Flag.checksum != 0 { length += 4 }  // checksum + reserved
            if f & Flag.key != 0 { length += 4 }
            if f & Flag.sequence != 0 { length += 4 }
            return length
        case 1:
            var length = 8  // payload length + call ID are always present
            if f & Flag.sequence != 0 { length += 4 }
            if f & Flag.acknowledgement != 0 { length += 4 }
            return length
        default:
            return nil
        }
    }
}
