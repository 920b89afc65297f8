import NetAddress

/// The 5-tuple that names a flow: addresses, transport ports and IP protocol,
/// for IPv4 and IPv6 alike (40 bytes, no references).
///
/// IPv4 addresses sit in the low 32 bits of `sourceLow`/`destinationLow` with
/// the high words zero; `ipVersion` tells the two families apart. Ports are zero
/// for protocols without ports (ICMP, ESP, GRE) and for non-first fragments.
public struct FlowKey: Hashable, Sendable {
    public var sourceHigh: UInt64
    public var sourceLow: UInt64
    public var destinationHigh: UInt64
    public var destinationLow: UInt64
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    /// IP protocol / final IPv6 next header (6 TCP, 17 UDP, ...).
    public var ipProtocol: UInt8
    /// 4, 6, or 0 when the frame carries no IP header.
    public var ipVersion: UInt8

    @inlinable
    public init() {
        sourceHigh = 0; sourceLow = 0; destinationHigh = 0; destinationLow = 0
        sourcePort = 0; destinationPort = 0; ipProtocol = 0; ipVersion = 0
    }

    /// An IPv4 flow.
    @inlinable
    public init(source: IPv4Address, destination: IPv4Address, sourcePort: UInt16 = 0,
                destinationPort: UInt16 = 0, ipProtocol: UInt8) {
        sourceHigh = 0; sourceLow = UInt64(source.rawValue)
        destinationHigh = 0; destinationLow = UInt64(destination.rawValue)
        self.sourcePort = sourcePort; self.destinationPort = destinationPort
        self.ipProtocol = ipProtocol; ipVersion = 4
    }

    /// An IPv6 flow.
    @inlinable
    public init(source: IPv6Address, destination: IPv6Address, sourcePort: UInt16 = 0,
                destinationPort: UInt16 = 0, ipProtocol: UInt8) {
        sourceHigh = source.high; sourceLow = source.low
        destinationHigh = destination.high; destinationLow = destination.low
        self.sourcePort = sourcePort; self.destinationPort = destinationPort
        self.ipProtocol = ipProtocol; ipVersion = 6
    }

    /// The IPv4 source (meaningful when `ipVersion == 4`).
    @inlinable public var sourceIPv4: IPv4Address { IPv4Address(UInt32(truncatingIfNeeded: sourceLow)) }
    /// The IPv4 destination (meaningful when `ipVersion == 4`).
    @inlinable public var destinationIPv4: IPv4Address { IPv4Address(UInt32(truncatingIfNeeded: destinationLow)) }
    /// The IPv6 source (meaningful when `ipVersion == 6`).
    @inlinable public var sourceIPv6: IPv6Address { IPv6Address(high: sourceHigh, low: sourceLow) }
    /// The IPv6 destination (meaningful when `ipVersion == 6`).
    @inlinable public var destinationIPv6: IPv6Address { IPv6Address(high: destinationHigh, low: destinationLow) }

    /// Field-wise equality, inlinable so that a hash-table probe in another
    /// module compares in place (the synthesised one is an out-of-line call);
    /// the four address words and the packed tail are combined without a
    /// branch per field.
    @inlinable
    public static func == (a: FlowKey, b: FlowKey) -> Bool {
        let addresses = (a.sourceHigh ^ b.sourceHigh) | (a.sourceLow ^ b.sourceLow)
            | (a.destinationHigh ^ b.destinationHigh) | (a.destinationLow ^ b.destinationLow)
        let tail = (UInt64(a.sourcePort ^ b.sourcePort) << 32) | (UInt64(a.destinationPort ^ b.destinationPort) << 16)
            | (UInt64(a.ipProtocol ^ b.ipProtocol) << 8) | UInt64(a.ipVersion ^ b.ipVersion)
        return addresses | tail == 0
    }

    /// Hashes the same fields as `==` compares.
    @inlinable
    public func hash(into hasher: inout Hasher) {
        hasher.combine(sourceHigh); hasher.combine(sourceLow)
        hasher.combine(destinationHigh); hasher.combine(destinationLow)
        hasher.combine(sourcePort); hasher.combine(destinationPort)
        hasher.combine(ipProtocol); hasher.combine(ipVersion)
    }

    /// The key of the opposite direction (addresses and ports swapped).
    @inlinable
    public var reversed: FlowKey {
        var r = self
        r.sourceHigh = destinationHigh; r.sourceLow = destinationLow
        r.destinationHigh = sourceHigh; r.destinationLow = sourceLow
        r.sourcePort = destinationPort; r.destinationPort = sourcePort
        return r
    }

    /// The source address as text, or "" when there is no IP header.
    public var sourceText: String {
        switch ipVersion {
        case 4: return sourceIPv4.description
        case 6: return sourceIPv6.description
        default: return ""
        }
    }

    /// The destination address as text, or "" when there is no IP header.
    public var destinationText: String {
        switch ipVersion {
        case 4: return destinationIPv4.description
        case 6: return destinationIPv6.description
        default: return ""
        }
    }
}

extension FlowKey: CustomStringConvertible {
    /// `tcp 10.0.0.1:443 > 10.1.0.2:5432`, with IPv6 addresses in brackets.
    public var description: String {
        let name = IPProtocol.name(ipProtocol)
        func endpoint(_ address: String, _ port: UInt16) -> String {
            let a = ipVersion == 6 ? "[\(address)]" : address
            return hasPorts ? "\(a):\(port)" : a
        }
        return "\(name) \(endpoint(sourceText, sourcePort)) > \(endpoint(destinationText, destinationPort))"
    }

    /// Whether the protocol carries ports (TCP, UDP, SCTP, UDP-Lite).
    public var hasPorts: Bool {
        ipProtocol == IPProtocol.tcp || ipProtocol == IPProtocol.udp
            || ipProtocol == IPProtocol.sctp || ipProtocol == IPProtocol.udpLite
    }
}
