import NetAddress
import Testing

@Suite("IPv4 and IPv6 addresses")
struct AddressTests {
    @Test("dotted quad round-trips", arguments: ["0.0.0.0", "10.1.0.5", "192.0.2.255", "255.255.255.255"])
    func ipv4RoundTrip(text: String) throws {
        #expect(try IPv4Address(parsing: text).description == text)
    }

    @Test func ipv4ValueIsHostOrder() throws {
        #expect(try IPv4Address(parsing: "10.0.0.1").rawValue == 0x0A00_0001)
        #expect(IPv4Address(192, 0, 2, 1).description == "192.0.2.1")
    }

    @Test("bad IPv4 text is refused with its reason", arguments: [
        ("10.0.0", "expected four parts"), ("10.0.0.256", "greater than 255"), ("10.0.0.01", "leading zero"),
        ("10..0.1", "empty part"), ("10.0.0.1.5", "more than four parts"), ("10.0.0.x", "unexpected character"),
        ("", "empty part"),
    ])
    func ipv4Errors(text: String, reason: String) {
        #expect {
            try IPv4Address(parsing: text)
        } throws: { error in
            (error as? AddressParseError)?.reason.contains(reason) == true
        }
    }

    /// RFC 5952 §4 text: lower case, no leading zeros, longest zero run compressed,
    /// first run on a tie, a single zero group never compressed.
    @Test("IPv6 canonical text (RFC 5952)", arguments: [
        ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
        ("2001:DB8::ABCD", "2001:db8::abcd"),
        ("::", "::"),
        ("::1", "::1"),
        ("1::", "1::"),
        ("2200:0:0:244:212:3fff:feae:22f7", "2200::244:212:3fff:feae:22f7"),
        ("2200:0:0:240:2:0:0:4", "2200::240:2:0:0:4"),
        ("::ffff:192.0.2.1", "::ffff:192.0.2.1"),
        ("fe80::1:2:3:4:5:6", "fe80:0:1:2:3:4:5:6"),
    ])
    func ipv6Canonical(input: String, canonical: String) throws {
        #expect(try IPv6Address(parsing: input).description == canonical)
    }

    @Test("bad IPv6 text is refused with its reason", arguments: [
        ("1::2::3", "more than once"), ("1:2:3:4:5:6:7", "expected eight groups"), ("12345::", "more than four"),
        ("g::1", "not hexadecimal"), ("1:2:3:4:5:6:7::8", "too many groups"), ("1.2.3.4::", "may only end"),
        ("", "empty"),
    ])
    func ipv6Errors(text: String, reason: String) {
        #expect {
            try IPv6Address(parsing: text)
        } throws: { error in
            (error as? AddressParseError)?.reason.contains(reason) == true
        }
    }

    @Test func ipv6HalvesAreNetworkOrder() throws {
        let a = try IPv6Address(parsing: "2001:db8::1")
        #expect(a.high == 0x2001_0DB8_0000_0000)
        #expect(a.low == 1)
        #expect(try IPv6Address(parsing: "::ffff:10.0.0.1").ipv4Mapped == IPv4Address(10, 0, 0, 1))
    }
}

@Suite("prefixes")
struct PrefixTests {
    @Test func ipv4PrefixParsesAndContains() throws {
        let p = try IPv4Prefix(parsing: "10.1.0.0/16")
        #expect(p.length == 16)
        #expect(p.contains(IPv4Address(10, 1, 255, 1)))
        #expect(!p.contains(IPv4Address(10, 2, 0, 0)))
        #expect(p.lastAddress == IPv4Address(10, 1, 255, 255))
        #expect(try IPv4Prefix(parsing: "0.0.0.0/0").contains(IPv4Address(255, 1, 2, 3)))
        #expect(try IPv4Prefix(parsing: "192.0.2.7/32").lastAddress == IPv4Address(192, 0, 2, 7))
    }

    @Test("bad IPv4 prefixes", arguments: [
        ("10.1.0.1/16", "host bits are set (did you mean 10.1.0.0/16?)"), ("10.0.0.0/33", "length must be 0...32"),
        ("10.0.0.0", "missing '/length'"), ("10.0.0.0/x", "is not a number"), ("10.0.0.0/-1", "length must be 0...32"),
    ])
    func ipv4PrefixErrors(text: String, reason: String) {
        #expect {
            try IPv4Prefix(parsing: text)
        } throws: { error in
            (error as? AddressParseError)?.reason.contains(reason) == true
        }
    }

    @Test func ipv6PrefixParsesAndContains() throws {
        let p = try IPv6Prefix(parsing: "2001:db8:1::/48")
        #expect(p.contains(try IPv6Address(parsing: "2001:db8:1:ffff::1")))
        #expect(!p.contains(try IPv6Address(parsing: "2001:db8:2::1")))
        #expect(p.lastAddress.description == "2001:db8:1:ffff:ffff:ffff:ffff:ffff")
        let host = try IPv6Prefix(parsing: "2001:db8::1/128")
        #expect(host.contains(try IPv6Address(parsing: "2001:db8::1")))
        #expect(!host.contains(try IPv6Address(parsing: "2001:db8::2")))
        let p65 = try IPv6Prefix(parsing: "2001:db8::8000:0:0:0/65")
        #expect(p65.contains(try IPv6Address(parsing: "2001:db8::ffff:0:0:1")))
        #expect(!p65.contains(try IPv6Address(parsing: "2001:db8::7fff:0:0:1")))
    }

    @Test("bad IPv6 prefixes", arguments: [
        ("2001:db8::1/64", "host bits are set (did you mean 2001:db8::/64?)"), ("::/129", "length must be 0...128"),
        ("2001:db8::", "missing '/length'"),
    ])
    func ipv6PrefixErrors(text: String, reason: String) {
        #expect {
            try IPv6Prefix(parsing: text)
        } throws: { error in
            (error as? AddressParseError)?.reason.contains(reason) == true
        }
    }

    @Test func truncatingClearsHostBits() {
        #expect(IPv4Prefix(truncating: IPv4Address(10, 1, 2, 3), length: 8).description == "10.0.0.0/8")
        let a = IPv6Address(high: 0x2001_0DB8_FFFF_FFFF, low: 0xFFFF_FFFF_FFFF_FFFF)
        #expect(IPv6Prefix(truncating: a, length: 33).description == "2001:db8:8000::/33")
        #expect(IPv6Prefix(truncating: a, length: 0).description == "::/0")
    }
}
