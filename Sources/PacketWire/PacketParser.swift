import NetAddress

/// Parses captured frames into ``PacketInfo`` values: link layer, the outermost IP
/// header (IPv4 with options and fragments, IPv6 with extension headers), and the
/// transport header. Reads fields straight from the bytes; allocates nothing.
///
/// Every length is checked before it is read. A frame whose headers end early
/// is classified with a ``MalformedReason``; one cut by the capture's snap length
/// (captured bytes < wire length) is classified as ``MalformedReason/headersCutBySnaplen``.
public enum PacketParser {

    /// Parses one frame of `linkType`. `bytes` are the captured bytes; `wireLength`
    /// is the frame's length on the wire (at least `bytes.count`).
    @inlinable
    public static func parse(_ bytes: UnsafeRawBufferPointer, wireLength: Int, linkType: LinkType) -> PacketInfo {
        var info = PacketInfo()
        parse(bytes, wireLength: wireLength, linkType: linkType, into: &info)
        return info
    }

    /// Parses into `info`, which must be freshly initialised (`PacketInfo()`):
    /// the form the hot loops use, so nothing is copied.
    @inlinable @inline(__always)
    public static func parse(_ bytes: UnsafeRawBufferPointer, wireLength: Int, linkType: LinkType,
                             into info: inout PacketInfo) {
        let wireEnd = max(wireLength, bytes.count)
        if linkType == .ethernet && parsePlainEthernetIPv4(bytes, wireEnd: wireEnd, into: &info) { return }
        parseGeneral(bytes, wireEnd: wireEnd, linkType: linkType, into: &info)
    }

    /// The general parse (every link type, tag, option and fault), which
    /// ``parse(_:wireLength:linkType:into:)`` uses for what the plain path does not take.
    @inlinable
    static func parseGeneral(_ bytes: UnsafeRawBufferPointer, wireEnd: Int, linkType: LinkType, into info: inout PacketInfo) {
        let (offset, etherType) = locateNetworkLayer(bytes, wireEnd: wireEnd, linkType: linkType, info: &info)
        guard offset >= 0 else { return }
        info.etherType = etherType
        info.networkOffset = Int32(clamping: offset)
        // The IPv4 path is inlined whole; IPv6 and faults go through parseIP.
        if etherType == EtherType.ipv4 && offset < bytes.count && bytes.u8(offset) >> 4 == 4 {
            info.ip.offset = Int32(clamping: offset)
            parseIPv4(bytes, at: offset, wireEnd: wireEnd, quoted: false, into: &info.ip)
        } else if etherType == EtherType.ipv4 || etherType == EtherType.ipv6 {
            parseIP(bytes, at: offset, wireEnd: wireEnd, expectedVersion: etherType == EtherType.ipv4 ? 4 : 6,
                    quoted: false, into: &info.ip)
        }
    }

    /// The frame most captures are made of, parsed in one pass of fixed
    /// offsets: untagged Ethernet II, IPv4 without options or fragmentation,
    /// whole within the frame, carrying a TCP or UDP header that is whole and
    /// consistent. Fills `info` exactly as the general parse would (the tests
    /// hold the two to the same result on mutated frames) and returns true;
    /// returns false, having written nothing, for any other frame.
    @inlinable @inline(__always)
    static func parsePlainEthernetIPv4(_ b: UnsafeRawBufferPointer, wireEnd: Int, into info: inout PacketInfo) -> Bool {
        // Untagged Ethernet II; the IPv4 header and the 8 bytes both transports have.
        let ip = 14, l4 = ip + IPv4Header.minimumLength
        guard b.count >= l4 + UDPHeader.length, b.u16(ip - 2) == EtherType.ipv4 else { return false }
        let h = IPv4Header(unchecked: UnsafeRawBufferPointer(rebasing: b[ip...]))
        let total = Int(h.totalLength), end = ip + total
        // Version 4, no options, not a fragment, the datagram within the frame.
        guard h.version == 4, h.headerLength == IPv4Header.minimumLength, !h.moreFragments, h.fragmentOffset == 0,
              total >= IPv4Header.minimumLength + UDPHeader.length, end <= wireEnd else { return false }
        let transport = UnsafeRawBufferPointer(rebasing: b[l4...])
        switch h.protocol {
        case IPProtocol.tcp:
            guard b.count >= l4 + TCPHeader.minimumLength, end >= l4 + TCPHeader.minimumLength else { return false }
            let dataOffset = TCPHeader(unchecked: transport).headerLength
            guard dataOffset >= TCPHeader.minimumLength, l4 + dataOffset <= end else { return false }
        case IPProtocol.udp:
            let length = Int(UDPHeader(unchecked: transport).datagramLength)
            guard length >= UDPHeader.length, l4 + length <= end else { return false }
        default:
            return false
        }
        info.etherType = EtherType.ipv4
        info.networkOffset = Int32(ip)
        info.ip.offset = Int32(ip)
        info.ip.flow.ipVersion = 4
        info.ip.flow.sourceLow = UInt64(h.source.rawValue)
        info.ip.flow.destinationLow = UInt64(h.destination.rawValue)
        info.ip.flow.ipProtocol = h.protocol
        // TCP and UDP both start with the two ports.
        info.ip.flow.sourcePort = UDPHeader(unchecked: transport).sourcePort
        info.ip.flow.destinationPort = UDPHeader(unchecked: transport).destinationPort
        info.ip.headerProtocol = h.protocol
        info.ip.hopLimit = h.timeToLive
        info.ip.dontFragment = h.dontFragment
        info.ip.identification = UInt32(h.identification)
        info.ip.length = UInt32(total)
        info.ip.end = Int32(end)
        info.ip.transportOffset = Int32(l4)
        return true
    }

    // MARK: - Link layer

    /// A pseudo-EtherType for raw-IP link types: the version nibble decides.
    @usableFromInline static let etherTypeByVersion: UInt16 = 0xFFFF

    /// Finds the network header. Returns its offset and EtherType, or -1 when the
    /// frame carries no network header dxemu knows (the reason, if any, is in `info`).
    @inlinable @inline(__always)
    public static func locateNetworkLayer(_ b: UnsafeRawBufferPointer, wireEnd: Int, linkType: LinkType,
                                          info: inout PacketInfo) -> (offset: Int, etherType: UInt16) {
        let n = b.count
        @inline(__always) func short(_ end: Int) -> (Int, UInt16) {
            info.linkMalformed = end <= wireEnd ? .headersCutBySnaplen : .truncatedLinkHeader
            return (-1, 0)
        }
        switch linkType {
        case .ethernet:
            return ethernet(b, at: 0, wireEnd: wireEnd, info: &info)
        case .linuxSLL:
            guard n >= 16 else { return short(16) }
            return etherTypePayload(b, at: 16, etherType: b.u16(14), wireEnd: wireEnd, info: &info)
        case .linuxSLL2:
            guard n >= 20 else { return short(20) }
            return etherTypePayload(b, at: 20, etherType: b.u16(0), wireEnd: wireEnd, info: &info)
        case .null, .loop:
            guard n >= 4 else { return short(4) }
            var family = linkType == .loop ? b.u32(0) : b.u32le(0)
            // DLT_NULL is in the writer's byte order: a family is a small number.
            if family & 0xFFFF_0000 != 0 { family = family.byteSwapped }
            switch family {
            case 2: return (4, EtherType.ipv4)
            case 10, 24, 28, 30: return (4, EtherType.ipv6)  // Linux, Net/OpenBSD, FreeBSD, Darwin
            default: return (-1, 0)
            }
        case .raw, .rawLegacy12, .rawLegacy14:
            guard n >= 1 else { return short(1) }
            switch b.u8(0) >> 4 {
            case 4: return (0, EtherType.ipv4)
            case 6: return (0, EtherType.ipv6)
            default:
                info.linkMalformed = .badIPVersion
                return (-1, 0)
            }
        case .ipv4:
            return (0, EtherType.ipv4)
        case .ipv6:
            return (0, EtherType.ipv6)
        case .ppp, .pppHDLC:
            return ppp(b, at: 0, wireEnd: wireEnd, info: &info)
        case .ieee80211:
            return ieee80211(b, at: 0, wireEnd: wireEnd, info: &info)
        case .ieee80211Radiotap:
            guard n >= 4 else { return short(4) }
            let length = Int(b.u16le(2))
            guard length >= 8 else { info.linkMalformed = .truncatedLinkHeader; return (-1, 0) }
            return ieee80211(b, at: length, wireEnd: wireEnd, info: &info)
        default:
            return (-1, 0)
        }
    }

    /// Ethernet II / 802.3 with any number of 802.1Q / 802.1ad tags and LLC/SNAP.
    @inlinable @inline(__always)
    public static func ethernet(_ b: UnsafeRawBufferPointer, at start: Int, wireEnd: Int,
                                info: inout PacketInfo) -> (offset: Int, etherType: UInt16) {
        let n = b.count
        var offset = start + 14
        guard offset <= n else {
            info.linkMalformed = offset <= wireEnd ? .headersCutBySnaplen : .truncatedLinkHeader
            return (-1, 0)
        }
        var type = b.u16(offset - 2)
        while type == EtherType.vlan || type == EtherType.qinq || type == EtherType.qinqLegacy {
            guard offset + 4 <= n else {
                info.linkMalformed = offset + 4 <= wireEnd ? .headersCutBySnaplen : .truncatedLinkHeader
                return (-1, 0)
            }
            if info.vlanTags == 0 { info.vlanID = Int16(b.u16(offset) & 0x0FFF) }
            info.vlanTags &+= 1
            type = b.u16(offset + 2)
            offset += 4
        }
        if type <= 1500 {
            // IEEE 802.3 length field: look for LLC/SNAP carrying an EtherType.
            guard offset + 8 <= n, b.u16(offset) == 0xAAAA, b.u8(offset + 2) == 0x03 else { return (-1, 0) }
            type = b.u16(offset + 6)
            offset += 8
        }
        return etherTypePayload(b, at: offset, etherType: type, wireEnd: wireEnd, info: &info)
    }

    /// Follows an EtherType through MPLS and PPPoE to IPv4/IPv6; other types are
    /// returned as they are (ARP, LLDP, ...).
    @inlinable @inline(__always)
    static func etherTypePayload(_ b: UnsafeRawBufferPointer, at start: Int, etherType: UInt16, wireEnd: Int,
                                 info: inout PacketInfo) -> (offset: Int, etherType: UInt16) {
        let n = b.count
        var offset = start
        switch etherType {
        case EtherType.mplsUnicast, EtherType.mplsMulticast:
            while true {
                guard offset + 4 <= n else {
                    info.linkMalformed = offset + 4 <= wireEnd ? .headersCutBySnaplen : .truncatedLinkHeader
                    return (-1, 0)
                }
                let bottom = b.u32(offset) & 0x100 != 0
                offset += 4
                if bottom { break }
            }
            guard offset < n else { return (-1, etherType) }
            switch b.u8(offset) >> 4 {
            case 4: return (offset, EtherType.ipv4)
            case 6: return (offset, EtherType.ipv6)
            default: return (-1, etherType)
            }
        case EtherType.pppoeSession:
            guard offset + 8 <= n else {
                info.linkMalformed = offset + 8 <= wireEnd ? .headersCutBySnaplen : .truncatedLinkHeader
                return (-1, 0)
            }
            switch b.u16(offset + 6) {
            case 0x0021: return (offset + 8, EtherType.ipv4)
            case 0x0057: return (offset + 8, EtherType.ipv6)
            default: return (-1, etherType)
            }
        default:
            return (offset, etherType)
        }
    }

    /// PPP (RFC 1661), with or without the HDLC address/control bytes and with
    /// a compressed (one-byte) protocol field.
    @inlinable
    public static func ppp(_ b: UnsafeRawBufferPointer, at start: Int, wireEnd: Int,
                           info: inout PacketInfo) -> (offset: Int, etherType: UInt16) {
        let n = b.count
        var offset = start
        if offset + 2 <= n && b.u8(offset) == 0xFF && b.u8(offset + 1) == 0x03 { offset += 2 }
        guard offset + 1 <= n else {
            info.linkMalformed = offset + 1 <= wireEnd ? .headersCutBySnaplen : .truncatedLinkHeader
            return (-1, 0)
        }
        var proto = UInt16(b.u8(offset))
        if proto & 1 == 0 {
            guard offset + 2 <= n else {
                info.linkMalformed = offset + 2 <= wireEnd ? .headersCutBySnaplen : .truncatedLinkHeader
                return (-1, 0)
            }
            proto = b.u16(offset)
            offset += 2
        } else {
            offset += 1
        }
        switch proto {
        case 0x0021: return (offset, EtherType.ipv4)
        case 0x0057: return (offset, EtherType.ipv6)
        default: return (-1, 0)
        }
    }

    /// An IEEE 802.11 data frame with an LLC/SNAP header. Management, control,
    /// null-data and protected (encrypted) frames carry no visible network layer.
    @inlinable
    public static func ieee80211(_ b: UnsafeRawBufferPointer, at start: Int, wireEnd: Int,
                                 info: inout PacketInfo) -> (offset: Int, etherType: UInt16) {
        let n = b.count
        guard start + 2 <= n else {
            info.linkMalformed = start + 2 <= wireEnd ? .headersCutBySnaplen : .truncatedLinkHeader
            return (-1, 0)
        }
        let fc0 = b.u8(start), fc1 = b.u8(start + 1)
        let frameType = (fc0 >> 2) & 0x3, subtype = fc0 >> 4
        guard frameType == 2, subtype & 0x4 == 0, fc1 & 0x40 == 0 else { return (-1, 0) }
        var header = 24
        if fc1 & 0x03 == 0x03 { header += 6 }           // four-address (WDS) frame
        if subtype & 0x8 != 0 {                          // QoS data
            header += 2
            if fc1 & 0x80 != 0 { header += 4 }           // +HT control
        }
        let llc = start + header
        guard llc + 8 <= n else {
            if llc + 8 > wireEnd { info.linkMalformed = .truncatedLinkHeader }
            else { info.linkMalformed = .headersCutBySnaplen }
            return (-1, 0)
        }
        // LLC/SNAP: AA AA 03 + OUI 00-00-00 (RFC 1042) or 00-00-F8 (bridge tunnel).
        guard b.u16(llc) == 0xAAAA, b.u8(llc + 2) == 0x03, b.u8(llc + 3) == 0, b.u8(llc + 4) == 0,
              b.u8(llc + 5) == 0 || b.u8(llc + 5) == 0xF8 else { return (-1, 0) }
        return etherTypePayload(b, at: llc + 8, etherType: b.u16(llc + 6), wireEnd: wireEnd, info: &info)
    }

    // MARK: - Network layer

    /// Parses the IP header at `offset` and the transport header behind it.
    ///
    /// - Parameters:
    ///   - wireEnd: where the enclosing frame (or tunnel payload) ends on the wire.
    ///   - expectedVersion: 4 or 6 when the link layer named the protocol (a
    ///     mismatching version nibble is ``MalformedReason/badIPVersion``); 0 to
    ///     accept either.
    ///   - quoted: true for the datagram quoted inside an ICMP error, which is cut
    ///     short by design: lengths beyond the quote are not faults.
    @inlinable
    public static func parseIP(_ b: UnsafeRawBufferPointer, at offset: Int, wireEnd: Int,
                               expectedVersion: UInt8 = 0, quoted: Bool = false) -> IPLayer {
        var layer = IPLayer()
        parseIP(b, at: offset, wireEnd: wireEnd, expectedVersion: expectedVersion, quoted: quoted, into: &layer)
        return layer
    }

    /// Parses into a freshly initialised `layer` (no copy).
    @inlinable
    public static func parseIP(_ b: UnsafeRawBufferPointer, at offset: Int, wireEnd: Int,
                               expectedVersion: UInt8, quoted: Bool, into layer: inout IPLayer) {
        layer.offset = Int32(clamping: offset)
        guard offset < b.count else {
            layer.malformed = offset < wireEnd ? .headersCutBySnaplen : (expectedVersion == 6 ? .ipv6TruncatedHeader : .ipv4TruncatedHeader)
            return
        }
        let version = b.u8(offset) >> 4
        if expectedVersion != 0 && version != expectedVersion {
            layer.malformed = .badIPVersion
            return
        }
        switch version {
        case 4: parseIPv4(b, at: offset, wireEnd: wireEnd, quoted: quoted, into: &layer)
        case 6: parseIPv6(b, at: offset, wireEnd: wireEnd, quoted: quoted, into: &layer)
        default: layer.malformed = .badIPVersion
        }
    }

    @inlinable @inline(__always)
    static func parseIPv4(_ b: UnsafeRawBufferPointer, at o: Int, wireEnd: Int, quoted: Bool, into layer: inout IPLayer) {
        let n = b.count
        guard o + IPv4Header.minimumLength <= n else {
            layer.malformed = quoted || o + IPv4Header.minimumLength <= wireEnd ? .headersCutBySnaplen : .ipv4TruncatedHeader
            return
        }
        let h = IPv4Header(unchecked: UnsafeRawBufferPointer(rebasing: b[o...]))
        layer.flow.ipVersion = 4
        layer.flow.sourceLow = UInt64(h.source.rawValue)
        layer.flow.destinationLow = UInt64(h.destination.rawValue)
        layer.flow.ipProtocol = h.protocol
        layer.headerProtocol = h.protocol
        layer.hopLimit = h.timeToLive
        layer.dontFragment = h.dontFragment
        layer.identification = UInt32(h.identification)
        let ihl = h.headerLength
        var total = Int(h.totalLength)
        layer.length = UInt32(clamping: total)
        let available = wireEnd - o
        guard ihl >= IPv4Header.minimumLength else { layer.malformed = .ipv4BadHeaderLength; layer.end = Int32(clamping: min(wireEnd, n)); return }
        if total == 0 && !quoted {
            // A zero total length is what TCP segmentation offload leaves in
            // captures taken on the sending host: the frame gives the length.
            total = available
        }
        var end = o + total
        if total < ihl {
            layer.malformed = quoted ? .none : .ipv4TotalLengthTooSmall
            end = wireEnd
        } else if end > wireEnd {
            if !quoted { layer.malformed = .ipv4TotalLengthBeyondFrame }
            end = wireEnd
        }
        layer.end = Int32(clamping: end)
        guard o + ihl <= n else {
            if layer.malformed == .none {
                layer.malformed = quoted || o + ihl <= end ? .headersCutBySnaplen : .ipv4TruncatedHeader
            }
            return
        }
        let fragmentOffset = h.fragmentOffset
        if fragmentOffset != 0 {
            layer.fragment = .later
            return
        }
        if h.moreFragments { layer.fragment = .first }
        parseTransport(b, protocol: h.protocol, at: o + ihl, end: end, quoted: quoted, into: &layer)
    }

    @inlinable
    static func parseIPv6(_ b: UnsafeRawBufferPointer, at o: Int, wireEnd: Int, quoted: Bool, into layer: inout IPLayer) {
        let n = b.count
        guard o + IPv6Header.length <= n else {
            layer.malformed = quoted || o + IPv6Header.length <= wireEnd ? .headersCutBySnaplen : .ipv6TruncatedHeader
            return
        }
        let h = IPv6Header(unchecked: UnsafeRawBufferPointer(rebasing: b[o...]))
        layer.flow.ipVersion = 6
        layer.flow.sourceHigh = b.u64(o + IPv6Header.Field.source)
        layer.flow.sourceLow = b.u64(o + IPv6Header.Field.source + 8)
        layer.flow.destinationHigh = b.u64(o + IPv6Header.Field.destination)
        layer.flow.destinationLow = b.u64(o + IPv6Header.Field.destination + 8)
        layer.headerProtocol = h.nextHeader
        layer.hopLimit = h.hopLimit
        layer.dontFragment = true
        var payload = Int(h.payloadLength)
        // Payload length 0 with a hop-by-hop header may be an RFC 2675 jumbogram.
        let jumboCandidate = payload == 0 && h.nextHeader == IPProtocol.hopByHop && !quoted
        var end = jumboCandidate ? wireEnd : o + IPv6Header.length + payload
        if end > wireEnd {
            if !quoted { layer.malformed = .ipv6PayloadLengthBeyondFrame }
            end = wireEnd
        }
        layer.end = Int32(clamping: end)
        layer.length = UInt32(clamping: IPv6Header.length + payload)
        var next = h.nextHeader
        var pos = o + IPv6Header.length
        // Every step advances `pos` by at least 8 bytes, so the walk ends.
        while IPv6Header.isGenericExtensionHeader(next) || next == IPProtocol.ah || next == IPProtocol.fragment {
            guard pos + 2 <= min(n, end) else {
                markExtensionCut(needed: pos + 2, end: end, quoted: quoted, into: &layer)
                layer.flow.ipProtocol = next
                return
            }
            let length: Int
            switch next {
            case IPProtocol.fragment: length = 8
            case IPProtocol.ah: length = (Int(b.u8(pos + 1)) + 2) << 2
            default: length = (Int(b.u8(pos + 1)) + 1) << 3
            }
            guard pos + length <= min(n, end) else {
                markExtensionCut(needed: pos + length, end: end, quoted: quoted, into: &layer)
                layer.flow.ipProtocol = next
                return
            }
            if jumboCandidate && pos == o + IPv6Header.length {
                guard let jumbo = jumboPayloadLength(b, options: pos + 2, end: pos + length), jumbo > 65535 else {
                    layer.malformed = .ipv6BadJumbogram
                    layer.flow.ipProtocol = next
                    return
                }
                payload = Int(jumbo)
                layer.length = UInt32(clamping: IPv6Header.length + payload)
                end = o + IPv6Header.length + payload
                if end > wireEnd { layer.malformed = .ipv6PayloadLengthBeyondFrame; end = wireEnd }
                layer.end = Int32(clamping: end)
            }
            let following = b.u8(pos)
            if next == IPProtocol.fragment {
                let word = b.u16(pos + 2)
                layer.identification = b.u32(pos + 4)
                if word & 0xFFF8 != 0 {
                    layer.fragment = .later
                    layer.flow.ipProtocol = following
                    return
                }
                if word & 1 != 0 { layer.fragment = .first }
            }
            pos += length
            next = following
        }
        layer.flow.ipProtocol = next
        parseTransport(b, protocol: next, at: pos, end: end, quoted: quoted, into: &layer)
    }

    /// Records an extension header that does not fit: cut by the snap length when
    /// it would fit in the payload, truncated otherwise.
    @inlinable
    static func markExtensionCut(needed: Int, end: Int, quoted: Bool, into layer: inout IPLayer) {
        guard layer.malformed == .none else { return }
        layer.malformed = quoted || needed <= end ? .headersCutBySnaplen : .ipv6TruncatedExtensionHeader
    }

    /// The Jumbo Payload length from hop-by-hop options in `options..<end`, if present.
    @inlinable
    static func jumboPayloadLength(_ b: UnsafeRawBufferPointer, options: Int, end: Int) -> UInt32? {
        var p = options
        while p < end {
            let type = b.u8(p)
            if type == 0 { p += 1; continue }  // Pad1
            guard p + 2 <= end else { return nil }
            let length = Int(b.u8(p + 1))
            if type == IPv6Header.jumboOptionType {
                guard length == 4, p + 6 <= end else { return nil }
                return b.u32(p + 2)
            }
            p += 2 + length
        }
        return nil
    }

    // MARK: - Transport layer

    /// Reads ports (TCP, UDP, SCTP, UDP-Lite), ICMP type/code and checks the header
    /// fits before `end`, the end of the IP payload.
    @inlinable @inline(__always)
    static func parseTransport(_ b: UnsafeRawBufferPointer, protocol proto: UInt8, at l4: Int, end: Int,
                               quoted: Bool, into layer: inout IPLayer) {
        let n = b.count
        @inline(__always) func need(_ length: Int, _ reason: MalformedReason) -> Bool {
            if l4 + length <= n && l4 + length <= end { return true }
            if layer.malformed == .none {
                layer.malformed = quoted || l4 + length <= end ? .headersCutBySnaplen : reason
            }
            return false
        }
        @inline(__always) func ports() {
            if l4 + 4 <= n && l4 + 4 <= end {
                layer.flow.sourcePort = b.u16(l4)
                layer.flow.destinationPort = b.u16(l4 + 2)
            }
        }
        layer.transportOffset = Int32(clamping: l4)
        switch proto {
        case IPProtocol.tcp:
            ports()
            guard need(TCPHeader.minimumLength, .tcpTruncatedHeader) else { return }
            let dataOffset = Int(b.u8(l4 + TCPHeader.Field.dataOffsetAndFlags) >> 4) << 2
            // In a first fragment the segment continues in later fragments.
            let beyond = l4 + dataOffset > end && layer.fragment != .first
            if !quoted && (dataOffset < TCPHeader.minimumLength || beyond) && layer.malformed == .none {
                layer.malformed = .tcpBadDataOffset
            }
        case IPProtocol.udp, IPProtocol.udpLite:
            ports()
            guard need(UDPHeader.length, .udpTruncatedHeader) else { return }
            if proto == IPProtocol.udp && !quoted && layer.malformed == .none {
                let length = Int(b.u16(l4 + UDPHeader.Field.length))
                // Length 0 is legal only in an IPv6 jumbogram (RFC 2675).
                let jumbo = length == 0 && layer.length > 65535
                // In a first fragment the datagram continues in later fragments.
                let beyond = l4 + length > end && layer.fragment != .first
                if !jumbo && (length < UDPHeader.length || beyond) { layer.malformed = .udpBadLength }
            }
        case IPProtocol.sctp:
            ports()
            _ = need(12, .headersCutBySnaplen)
        case IPProtocol.icmp, IPProtocol.icmpv6:
            if l4 + 2 <= n && l4 + 2 <= end {
                layer.icmpType = b.u8(l4)
                layer.icmpCode = b.u8(l4 + 1)
            }
            _ = need(ICMPHeader.length, .icmpTruncatedHeader)
        case IPProtocol.esp:
            _ = need(ESPHeader.length, .espTruncatedHeader)
        case IPProtocol.gre:
            guard need(GREHeader.minimumLength, .greTruncatedHeader) else { return }
            let gre = GREHeader(unchecked: UnsafeRawBufferPointer(rebasing: b[l4...]))
            if let length = gre.headerLength { _ = need(length, .greTruncatedHeader) }
        case IPProtocol.noNextHeader:
            layer.transportOffset = -1
        default:
            break
        }
    }
}
