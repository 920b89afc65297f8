import Capture
import Inspect
import PacketWire

/// Renders ``CaptureSummary`` values for people (text) and machines (JSON).
public enum InspectReport {
    /// Version of the `inspect --json` schema (docs/inspect-json.md).
    public static let schemaVersion = 1

    /// How many flows the report lists.
    public static let topFlowCount = 10

    // MARK: Text

    public static func text(_ s: CaptureSummary) -> String {
        var out = "\(s.path)\n"
        out += "  format        \(s.format)\n"
        out += "  link types    \(linkTypeText(s))\n"
        out += "  snap length   \(s.snapLength)\n"
        out += "  packets       \(s.packets)\(s.filteredOut > 0 ? " (\(s.filteredOut) rejected by the filter)" : "")\n"
        out += "  bytes         \(s.wireBytes) on the wire, \(s.capturedBytes) captured\n"
        if let first = s.firstTimestamp, let last = s.lastTimestamp {
            out += "  time span     \(formatDuration(s.duration)) (\(formatTimestamp(first)) to \(formatTimestamp(last)))\n"
        }
        if s.packets > 0 {
            out += "\n  protocol mix\n"
            var table = TextTable(["protocol", "packets", "share"])
            for (name, count) in protocolMix(s) {
                table.add([name, String(count), percent(count, of: s.packets)])
            }
            out += table.rendered(indent: "    ")
            if s.fragments > 0 || s.vlanTagged > 0 {
                out += "    IP fragments: \(s.fragments), VLAN-tagged frames: \(s.vlanTagged)\n"
            }
            if let bad = s.badIPv4Checksums { out += "    bad IPv4 header checksums: \(bad)\n" }
        }
        let top = s.topFlows(topFlowCount)
        if !top.isEmpty {
            out += "\n  top flows (of \(s.flows.count)\(s.packetsOfUntrackedFlows > 0 ? "+" : ""))\n"
            var table = TextTable(["flow", "packets", "bytes"])
            for (key, counters) in top { table.add([key.description, String(counters.packets), String(counters.wireBytes)]) }
            out += table.rendered(indent: "    ")
        }
        let malformed = malformedList(s)
        out += "\n  malformed     \(s.malformedTotal)\(s.unsupportedLinkType > 0 ? ", unsupported link type: \(s.unsupportedLinkType)" : "")\n"
        for (reason, count) in malformed { out += "    \(reason): \(count)\n" }
        if s.recordFaultCount > 0 {
            out += "\n  record faults \(s.recordFaultCount)\n"
            for fault in s.recordFaults.prefix(5) { out += "    \(fault)\n" }
        }
        if let first = s.firstMalformed { out += "\n  first malformed frame: \(first)\n" }
        if let error = s.error { out += "\n  ERROR: \(error)\n" }
        return out
    }

    // MARK: JSON

    public static func json(_ s: CaptureSummary) -> JSONValue {
        var pairs: [(String, JSONValue)] = [
            ("file", .string(s.path)),
            ("format", .string(s.format.key)),
            ("format_detail", .string(s.format.description)),
            ("link_types", .array(sortedLinkTypes(s).map { .object([("dlt", .count(Int($0.0.rawValue))), ("name", .string($0.0.name)), ("packets", .count($0.1))]) })),
            ("snap_length", .count(s.snapLength)),
            ("packets", .count(s.packets)),
            ("filtered_out", .count(s.filteredOut)),
            ("wire_bytes", .count(s.wireBytes)),
            ("captured_bytes", .count(s.capturedBytes)),
            ("first_timestamp_ns", s.firstTimestamp.map { .int($0) } ?? .null),
            ("last_timestamp_ns", s.lastTimestamp.map { .int($0) } ?? .null),
            ("duration_ns", .int(s.duration)),
            ("protocols", .object(protocolMix(s).map { ($0.0, .count($0.1)) })),
            ("ip_fragments", .count(s.fragments)),
            ("vlan_tagged", .count(s.vlanTagged)),
        ]
        if let bad = s.badIPv4Checksums { pairs.append(("bad_ipv4_checksums", .count(bad))) }
        pairs.append(("flow_count", .count(s.flows.count)))
        pairs.append(("packets_of_untracked_flows", .count(s.packetsOfUntrackedFlows)))
        pairs.append(("top_flows", .array(s.topFlows(topFlowCount).map { key, c in
            .object([
                ("protocol", .string(IPProtocol.name(key.ipProtocol))),
                ("src", .string(key.sourceText)), ("dst", .string(key.destinationText)),
                ("src_port", .count(Int(key.sourcePort))), ("dst_port", .count(Int(key.destinationPort))),
                ("packets", .count(c.packets)), ("wire_bytes", .count(c.wireBytes)),
            ])
        })))
        pairs.append(("malformed_total", .count(s.malformedTotal)))
        pairs.append(("malformed", .object(malformedKeys(s).map { ($0.0, .count($0.1)) })))
        pairs.append(("unsupported_link_type", .count(s.unsupportedLinkType)))
        pairs.append(("record_fault_count", .count(s.recordFaultCount)))
        pairs.append(("record_faults", .array(s.recordFaults.map(errorJSON))))
        pairs.append(("first_malformed", s.firstMalformed.map(errorJSON) ?? .null))
        pairs.append(("error", s.error.map(errorJSON) ?? .null))
        return .object(pairs)
    }

    static func errorJSON(_ e: CaptureError) -> JSONValue {
        .object([
            ("message", .string(e.description)), ("reason", .string(e.reason)),
            ("byte_offset", e.byteOffset.map { .count($0) } ?? .null),
            ("record", e.record.map { .count($0) } ?? .null),
        ])
    }

    /// The document for several files: `{"schema": ..., "files": [...]}`.
    public static func json(_ summaries: [CaptureSummary]) -> JSONValue {
        .object([("schema", .string("dxemu.inspect")), ("schema_version", .count(schemaVersion)),
                 ("files", .array(summaries.map(json)))])
    }

    // MARK: Helpers

    static func sortedLinkTypes(_ s: CaptureSummary) -> [(LinkType, Int)] {
        var list = s.linkTypes.sorted { $0.key.rawValue < $1.key.rawValue }.map { ($0.key, $0.value) }
        if list.isEmpty, let t = s.fileLinkType { list = [(t, 0)] }
        return list
    }

    static func linkTypeText(_ s: CaptureSummary) -> String {
        let list = sortedLinkTypes(s)
        if list.count <= 1 { return list.first.map { $0.0.description } ?? "-" }
        return list.map { "\($0.0) x\($0.1)" }.joined(separator: ", ")
    }

    /// Protocol shares in a fixed order: IPv4, IPv6, then transports, then non-IP.
    static func protocolMix(_ s: CaptureSummary) -> [(String, Int)] {
        var out: [(String, Int)] = []
        if s.ipv4Packets > 0 { out.append(("ipv4", s.ipv4Packets)) }
        if s.ipv6Packets > 0 { out.append(("ipv6", s.ipv6Packets)) }
        for (proto, count) in s.byIPProtocol.enumerated() where count > 0 {
            out.append(("ip/" + IPProtocol.name(UInt8(proto)), count))
        }
        for (etherType, count) in s.nonIPByEtherType.sorted(by: { $0.key < $1.key }) {
            out.append((etherTypeName(etherType), count))
        }
        return out
    }

    static func etherTypeName(_ t: UInt16) -> String {
        switch t {
        case 0: return "non-ip/other"
        case EtherType.arp: return "non-ip/arp"
        case 0x88CC: return "non-ip/lldp"
        case 0x88A2: return "non-ip/aoe"
        case 0x8035: return "non-ip/rarp"
        case 0x8863: return "non-ip/pppoe-discovery"
        case EtherType.mplsUnicast, EtherType.mplsMulticast: return "non-ip/mpls"
        default: return "non-ip/ethertype-0x" + String(t, radix: 16).leftPadded(4)
        }
    }

    static func malformedList(_ s: CaptureSummary) -> [(String, Int)] {
        MalformedReason.allCases.dropFirst().compactMap { r in
            let c = s.malformed[Int(r.rawValue)]
            return c > 0 ? (r.description, c) : nil
        }
    }

    static func malformedKeys(_ s: CaptureSummary) -> [(String, Int)] {
        MalformedReason.allCases.dropFirst().compactMap { r in
            let c = s.malformed[Int(r.rawValue)]
            return c > 0 ? (r.key, c) : nil
        }
    }

    static func percent(_ part: Int, of whole: Int) -> String {
        guard whole > 0 else { return "-" }
        let tenths = (part * 1000 + whole / 2) / whole
        return "\(tenths / 10).\(tenths % 10)%"
    }

    /// `12.345678 s` with microsecond precision, or `0 s`.
    public static func formatDuration(_ ns: Int64) -> String {
        if ns == 0 { return "0 s" }
        let us = (ns + 500) / 1000
        let frac = String(us % 1_000_000).leftPadded(6)
        return "\(us / 1_000_000).\(frac) s"
    }

    /// UTC `YYYY-MM-DD hh:mm:ss.nnnnnnnnn`.
    public static func formatTimestamp(_ ns: Int64) -> String {
        let seconds = ns >= 0 ? ns / 1_000_000_000 : (ns - 999_999_999) / 1_000_000_000
        let nanos = ns - seconds * 1_000_000_000
        var days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let secOfDay = seconds - days * 86400
        // Civil-from-days (Howard Hinnant's algorithm).
        days += 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let doe = days - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        var year = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        if month <= 2 { year += 1 }
        func two(_ v: Int64) -> String { String(v).leftPadded(2) }
        return "\(year)-\(two(month))-\(two(day)) \(two(secOfDay / 3600)):\(two(secOfDay / 60 % 60)):\(two(secOfDay % 60)).\(String(nanos).leftPadded(9))"
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
