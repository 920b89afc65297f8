import NetAddress
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A route-table file that cannot be used: the file, the line and why.
public struct RouteTableError: Error, Equatable, Sendable, CustomStringConvertible {
    public var path: String
    /// 1-based line number, or nil for faults of the whole file.
    public var line: Int?
    public var reason: String

    public var description: String {
        line.map { "\(path):\($0): \(reason)" } ?? "\(path): \(reason)"
    }
}

/// One route of a table file.
public struct RouteEntry<Family: AddressFamily>: Sendable {
    public var key: Family.Key
    public var length: Int
    public var nextHop: NextHop
}

/// Reads route tables in the format of ../shared/peers/lpm: one route per line,
/// `prefix/len nexthop` (IPv4 dotted quad or IPv6 RFC 4291 text), blank lines
/// and `#` comments allowed. Host bits set, a length out of range, a bad
/// address, a missing or out-of-range next hop, or a prefix listed twice are
/// errors that name the line.
public enum RouteTableFile {
    /// Reads an IPv4 table. Fast path: a byte-level parser (900k lines in well under a second).
    public static func readIPv4(path: String) throws(RouteTableError) -> [RouteEntry<IPv4Family>] {
        let bytes = try contents(of: path)
        var routes: [RouteEntry<IPv4Family>] = []
        routes.reserveCapacity(bytes.count / 20)
        var seen = Set<UInt64>()
        var line = 0
        var i = 0
        let n = bytes.count
        while i < n {
            line += 1
            var end = i
            while end < n && bytes[end] != 0x0A { end += 1 }
            defer { i = end + 1 }
            var p = i
            while p < end && (bytes[p] == 0x20 || bytes[p] == 0x09 || bytes[p] == 0x0D) { p += 1 }
            if p == end || bytes[p] == UInt8(ascii: "#") { continue }
            func fail(_ why: String) -> RouteTableError {
                let text = String(decoding: bytes[i..<end], as: UTF8.self).trimmingTrailingWhitespace
                return RouteTableError(path: path, line: line, reason: "\(why): '\(text)'")
            }
            func number(_ limit: Int) -> Int? {
                var v = 0, digits = 0
                while p < end, bytes[p] >= 0x30, bytes[p] <= 0x39 {
                    v = v * 10 + Int(bytes[p] - 0x30)
                    digits += 1
                    p += 1
                    if v > limit { return nil }
                }
                return digits == 0 ? nil : v
            }
            var address: UInt32 = 0
            for part in 0..<4 {
                guard let octet = number(255) else { throw fail("bad IPv4 address (part \(part + 1))") }
                address = address << 8 | UInt32(octet)
                if part < 3 {
                    guard p < end, bytes[p] == UInt8(ascii: ".") else { throw fail("bad IPv4 address") }
                    p += 1
                }
            }
            guard p < end, bytes[p] == UInt8(ascii: "/") else { throw fail("missing '/length'") }
            p += 1
            guard let length = number(32) else { throw fail("prefix length must be 0...32") }
            guard p < end, bytes[p] == 0x20 || bytes[p] == 0x09 else { throw fail("expected 'prefix/len nexthop'") }
            while p < end && (bytes[p] == 0x20 || bytes[p] == 0x09) { p += 1 }
            guard let hop = number(Int(noRoute) - 1) else { throw fail("next hop must be 0...\(Int(noRoute) - 1)") }
            while p < end && (bytes[p] == 0x20 || bytes[p] == 0x09 || bytes[p] == 0x0D) { p += 1 }
            guard p == end else { throw fail("unexpected text after the next hop") }
            let mask = IPv4Prefix.mask(length: length)
            guard address & ~mask == 0 else {
                throw fail("host bits are set (did you mean \(IPv4Address(address & mask))/\(length)?)")
            }
            let key = IPv4Family.key(address)
            guard seen.insert(key | UInt64(length)).inserted else { throw fail("prefix listed twice") }
            routes.append(RouteEntry(key: key, length: length, nextHop: NextHop(hop)))
        }
        return routes
    }

    /// Reads an IPv6 table (`2001:db8::/32 7`).
    public static func readIPv6(path: String) throws(RouteTableError) -> [RouteEntry<IPv6Family>] {
        let bytes = try contents(of: path)
        var routes: [RouteEntry<IPv6Family>] = []
        var seen = Set<IPv6Prefix>()
        for (index, raw) in bytes.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            let text = String(decoding: raw, as: UTF8.self).trimmingTrailingWhitespace
            let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if fields.isEmpty || fields[0].hasPrefix("#") { continue }
            func fail(_ why: String) -> RouteTableError {
                RouteTableError(path: path, line: index + 1, reason: "\(why): '\(text)'")
            }
            guard fields.count == 2 else { throw fail("expected 'prefix/len nexthop'") }
            let prefix: IPv6Prefix
            do { prefix = try IPv6Prefix(parsing: fields[0]) } catch { throw fail(error.reason) }
            guard let hop = Int(fields[1]), (0..<Int(noRoute)).contains(hop) else {
                throw fail("next hop must be 0...\(Int(noRoute) - 1)")
            }
            guard seen.insert(prefix).inserted else { throw fail("prefix listed twice") }
            routes.append(RouteEntry(key: IPv6Family.key(prefix.address), length: Int(prefix.length), nextHop: NextHop(hop)))
        }
        return routes
    }

    static func contents(of path: String) throws(RouteTableError) -> [UInt8] {
        guard let file = fopen(path, "rb") else {
            throw RouteTableError(path: path, line: nil, reason: "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let got = fread(&chunk, 1, chunk.count, file)
            if got == 0 { break }
            bytes.append(contentsOf: chunk[0..<got])
        }
        if ferror(file) != 0 { throw RouteTableError(path: path, line: nil, reason: "read error") }
        return bytes
    }
}

/// Lookup traces: raw addresses, as ../shared/peers/lpm writes them.
public enum LookupTrace {
    /// IPv4: little-endian uint32 per address (gen_trace.py). Returns lookup keys.
    public static func readIPv4(path: String) throws(RouteTableError) -> [UInt64] {
        let bytes = try RouteTableFile.contents(of: path)
        guard bytes.count % 4 == 0 else {
            throw RouteTableError(path: path, line: nil, reason: "size \(bytes.count) is not a multiple of 4 bytes")
        }
        return bytes.withUnsafeBytes { raw in
            (0..<(bytes.count / 4)).map { IPv4Family.key(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }

    /// IPv6: 16 bytes per address in network byte order (`dxemu bench trace --family 6`).
    public static func readIPv6(path: String) throws(RouteTableError) -> [UInt128] {
        let bytes = try RouteTableFile.contents(of: path)
        guard bytes.count % 16 == 0 else {
            throw RouteTableError(path: path, line: nil, reason: "size \(bytes.count) is not a multiple of 16 bytes")
        }
        return bytes.withUnsafeBytes { raw in
            (0..<(bytes.count / 16)).map { i in
                let high = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: i * 16, as: UInt64.self))
                let low = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: i * 16 + 8, as: UInt64.self))
                return UInt128(high) << 64 | UInt128(low)
            }
        }
    }
}

extension String {
    var trimmingTrailingWhitespace: String {
        var s = Substring(self)
        while let last = s.last, last == " " || last == "\t" || last == "\r" { s.removeLast() }
        return String(s)
    }
}
