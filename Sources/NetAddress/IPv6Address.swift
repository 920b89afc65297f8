/// An IPv6 address as two host-order 64-bit halves: `high` holds the first
/// eight bytes of the network-order address, `low` the last eight.
public struct IPv6Address: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Bytes 0...7 of the address, most significant first.
    public var high: UInt64
    /// Bytes 8...15 of the address.
    public var low: UInt64

    @inlinable
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Builds an address from its eight 16-bit groups, first group first.
    public init(groups: [UInt16]) {
        precondition(groups.count == 8, "an IPv6 address has eight groups")
        var h: UInt64 = 0, l: UInt64 = 0
        for i in 0..<4 { h = h << 16 | UInt64(groups[i]) }
        for i in 4..<8 { l = l << 16 | UInt64(groups[i]) }
        high = h; low = l
    }

    /// The eight 16-bit groups, first group first.
    public var groups: [UInt16] {
        (0..<8).map { i in
            let word = i < 4 ? high : low
            return UInt16(truncatingIfNeeded: word >> (48 - 16 * UInt64(i % 4)))
        }
    }

    /// The IPv4 address embedded in an IPv4-mapped address (`::ffff:a.b.c.d`), if it is one.
    public var ipv4Mapped: IPv4Address? {
        high == 0 && low >> 32 == 0xFFFF ? IPv4Address(UInt32(truncatingIfNeeded: low)) : nil
    }

    /// Parses RFC 4291 text: eight groups, `::` for one run of zero groups, and an
    /// optional dotted-quad IPv4 tail (`::ffff:192.0.2.1`).
    public init(parsing text: some StringProtocol) throws(AddressParseError) {
        let s = String(text)
        func fail(_ why: String) -> AddressParseError { AddressParseError("IPv6 address '\(s)': \(why)") }
        if s.isEmpty { throw fail("empty") }
        var head: [UInt16] = []
        var tail: [UInt16] = []
        var sawDoubleColon = false
        var pieces: [String] = []
        if let range = s.firstRange(of: "::") {
            let rest = s[range.upperBound...]
            if rest.contains("::") { throw fail("'::' appears more than once") }
            pieces = [String(s[..<range.lowerBound]), String(rest)]
        } else {
            pieces = [s]
        }
        sawDoubleColon = pieces.count == 2

        func groups(of part: String, allowIPv4Tail: Bool) throws(AddressParseError) -> [UInt16] {
            if part.isEmpty { return [] }
            let fields = part.split(separator: ":", omittingEmptySubsequences: false)
            var out: [UInt16] = []
            for (i, field) in fields.enumerated() {
                if field.isEmpty { throw fail("empty group") }
                if field.contains(".") {
                    guard allowIPv4Tail && i == fields.count - 1 else { throw fail("an IPv4 part may only end the address") }
                    let v4 = try IPv4Address(parsing: field)
                    out.append(UInt16(v4.rawValue >> 16))
                    out.append(UInt16(v4.rawValue & 0xFFFF))
                    continue
                }
                guard field.utf8.count <= 4 else { throw fail("group '\(field)' has more than four hex digits") }
                guard let v = UInt16(field, radix: 16) else { throw fail("group '\(field)' is not hexadecimal") }
                out.append(v)
            }
            return out
        }
        if sawDoubleColon {
            head = try groups(of: pieces[0], allowIPv4Tail: false)
            tail = try groups(of: pieces[1], allowIPv4Tail: true)
            if head.count + tail.count > 7 { throw fail("too many groups around '::'") }
        } else {
            head = try groups(of: pieces[0], allowIPv4Tail: true)
            if head.count != 8 { throw fail("expected eight groups, found \(head.count)") }
        }
        let all = head + [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
        self.init(groups: all)
    }

    /// RFC 5952 text: lower-case hex, no leading zeros, the longest run of two or
    /// more zero groups (the first on a tie) written as `::`; IPv4-mapped addresses
    /// end in dotted quad.
    public var description: String {
        if let v4 = ipv4Mapped { return "::ffff:\(v4)" }
        let g = groups
        var bestStart = -1, bestLength = 0
        var i = 0
        while i < 8 {
            if g[i] == 0 {
                var j = i
                while j < 8 && g[j] == 0 { j += 1 }
                if j - i > bestLength && j - i >= 2 { bestStart = i; bestLength = j - i }
                i = j
            } else {
                i += 1
            }
        }
        func hex(_ range: Range<Int>) -> String {
            range.map { String(g[$0], radix: 16) }.joined(separator: ":")
        }
        if bestStart < 0 { return hex(0..<8) }
        return hex(0..<bestStart) + "::" + hex((bestStart + bestLength)..<8)
    }

    @inlinable
    public static func < (lhs: IPv6Address, rhs: IPv6Address) -> Bool {
        lhs.high != rhs.high ? lhs.high < rhs.high : lhs.low < rhs.low
    }
}
