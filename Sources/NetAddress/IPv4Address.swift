/// An IPv4 address, held as a 32-bit integer in host byte order
/// (`10.0.0.1` is `0x0A00_0001`).
public struct IPv4Address: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The address as a host-order integer; the first octet is the most significant byte.
    public var rawValue: UInt32

    @inlinable
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }

    /// Builds an address from its four octets, most significant first.
    @inlinable
    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        rawValue = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    /// Parses dotted-quad text (`192.0.2.1`). Each part is 0...255 in decimal;
    /// a leading zero (`010`) is refused because some tools read it as octal.
    public init(parsing text: some StringProtocol) throws(AddressParseError) {
        var value: UInt32 = 0
        var parts = 0
        var current: UInt32 = 0
        var digits = 0
        var leadingZero = false
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if digits == 1 && current == 0 { leadingZero = true }
                current = current * 10 + UInt32(byte - UInt8(ascii: "0"))
                digits += 1
                if digits > 3 || current > 255 {
                    throw AddressParseError("IPv4 address '\(text)': part \(parts + 1) is greater than 255")
                }
            case UInt8(ascii: "."):
                guard digits > 0 else { throw AddressParseError("IPv4 address '\(text)': empty part \(parts + 1)") }
                guard !leadingZero else { throw AddressParseError("IPv4 address '\(text)': part \(parts + 1) has a leading zero") }
                value = value << 8 | current
                parts += 1
                if parts > 3 { throw AddressParseError("IPv4 address '\(text)': more than four parts") }
                current = 0; digits = 0; leadingZero = false
            default:
                throw AddressParseError("IPv4 address '\(text)': unexpected character '\(Character(Unicode.Scalar(byte)))'")
            }
        }
        guard digits > 0 else { throw AddressParseError("IPv4 address '\(text)': empty part \(parts + 1)") }
        guard !leadingZero else { throw AddressParseError("IPv4 address '\(text)': part \(parts + 1) has a leading zero") }
        guard parts == 3 else { throw AddressParseError("IPv4 address '\(text)': expected four parts, found \(parts + 1)") }
        rawValue = value << 8 | current
    }

    /// Dotted-quad text.
    public var description: String {
        "\(rawValue >> 24).\(rawValue >> 16 & 0xFF).\(rawValue >> 8 & 0xFF).\(rawValue & 0xFF)"
    }

    @inlinable
    public static func < (lhs: IPv4Address, rhs: IPv4Address) -> Bool { lhs.rawValue < rhs.rawValue }
}
