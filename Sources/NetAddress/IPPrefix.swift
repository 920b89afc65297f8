/// An IPv4 prefix (`10.1.0.0/16`). Host bits below the length are always zero.
public struct IPv4Prefix: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The network address; its host bits are zero.
    public let address: IPv4Address
    /// The prefix length, 0...32.
    public let length: UInt8

    /// Builds a prefix, refusing a length over 32 or host bits that are set.
    public init(_ address: IPv4Address, length: Int) throws(AddressParseError) {
        guard (0...32).contains(length) else {
            throw AddressParseError("prefix \(address)/\(length): length must be 0...32")
        }
        let mask = IPv4Prefix.mask(length: length)
        guard address.rawValue & ~mask == 0 else {
            throw AddressParseError("prefix \(address)/\(length): host bits are set (did you mean \(IPv4Address(address.rawValue & mask))/\(length)?)")
        }
        self.address = address
        self.length = UInt8(length)
    }

    /// Builds a prefix by clearing the host bits of `address`.
    public init(truncating address: IPv4Address, length: Int) {
        precondition((0...32).contains(length), "IPv4 prefix length out of range")
        self.address = IPv4Address(address.rawValue & IPv4Prefix.mask(length: length))
        self.length = UInt8(length)
    }

    /// Parses `a.b.c.d/len`.
    public init(parsing text: some StringProtocol) throws(AddressParseError) {
        guard let slash = text.firstIndex(of: "/") else {
            throw AddressParseError("prefix '\(text)': missing '/length'")
        }
        let address = try IPv4Address(parsing: text[..<slash])
        let lengthText = text[text.index(after: slash)...]
        guard let length = Int(lengthText), lengthText.utf8.count <= 2 else {
            throw AddressParseError("prefix '\(text)': length '\(lengthText)' is not a number 0...32")
        }
        try self.init(address, length: length)
    }

    /// The network mask for `length` bits, host order.
    @inlinable
    public static func mask(length: Int) -> UInt32 {
        length == 0 ? 0 : UInt32.max << UInt32(32 - length)
    }

    /// True when `address` lies inside this prefix.
    @inlinable
    public func contains(_ address: IPv4Address) -> Bool {
        address.rawValue & IPv4Prefix.mask(length: Int(length)) == self.address.rawValue
    }

    /// The last address inside the prefix.
    public var lastAddress: IPv4Address {
        IPv4Address(address.rawValue | ~IPv4Prefix.mask(length: Int(length)))
    }

    public var description: String { "\(address)/\(length)" }

    public static func < (lhs: IPv4Prefix, rhs: IPv4Prefix) -> Bool {
        (lhs.address, lhs.length) < (rhs.address, rhs.length)
    }
}

/// An IPv6 prefix (`2001:db8::/32`). Host bits below the length are always zero.
public struct IPv6Prefix: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The network address; its host bits are zero.
    public let address: IPv6Address
    /// The prefix length, 0...128.
    public let length: UInt8

    /// Builds a prefix, refusing a length over 128 or host bits that are set.
    public init(_ address: IPv6Address, length: Int) throws(AddressParseError) {
        guard (0...128).contains(length) else {
            throw AddressParseError("prefix \(address)/\(length): length must be 0...128")
        }
        let masked = IPv6Prefix.apply(length: length, to: address)
        guard masked == address else {
            throw AddressParseError("prefix \(address)/\(length): host bits are set (did you mean \(masked)/\(length)?)")
        }
        self.address = address
        self.length = UInt8(length)
    }

    /// Builds a prefix by clearing the host bits of `address`.
    public init(truncating address: IPv6Address, length: Int) {
        precondition((0...128).contains(length), "IPv6 prefix length out of range")
        self.address = IPv6Prefix.apply(length: length, to: address)
        self.length = UInt8(length)
    }

    /// Parses `addr/len`.
    public init(parsing text: some StringProtocol) throws(AddressParseError) {
        guard let slash = text.firstIndex(of: "/") else {
            throw AddressParseError("prefix '\(text)': missing '/length'")
        }
        let address = try IPv6Address(parsing: text[..<slash])
        let lengthText = text[text.index(after: slash)...]
        guard let length = Int(lengthText), lengthText.utf8.count <= 3 else {
            throw AddressParseError("prefix '\(text)': length '\(lengthText)' is not a number 0...128")
        }
        try self.init(address, length: length)
    }

    /// `address` with every bit past `length` cleared.
    @inlinable
    public static func apply(length: Int, to address: IPv6Address) -> IPv6Address {
        if length >= 128 { return address }
        if length >= 64 {
            let keep = length - 64
            return IPv6Address(high: address.high, low: keep == 0 ? 0 : address.low & (UInt64.max << UInt64(64 - keep)))
        }
        return IPv6Address(high: length == 0 ? 0 : address.high & (UInt64.max << UInt64(64 - length)), low: 0)
    }

    /// True when `address` lies inside this prefix.
    @inlinable
    public func contains(_ address: IPv6Address) -> Bool {
        IPv6Prefix.apply(length: Int(length), to: address) == self.address
    }

    /// The last address inside the prefix.
    public var lastAddress: IPv6Address {
        let l = Int(length)
        if l >= 128 { return address }
        if l >= 64 {
            return IPv6Address(high: address.high, low: address.low | (l == 64 ? UInt64.max : UInt64.max >> UInt64(l - 64)))
        }
        return IPv6Address(high: address.high | (l == 0 ? UInt64.max : UInt64.max >> UInt64(l)), low: UInt64.max)
    }

    public var description: String { "\(address)/\(length)" }

    public static func < (lhs: IPv6Prefix, rhs: IPv6Prefix) -> Bool {
        lhs.address != rhs.address ? lhs.address < rhs.address : lhs.length < rhs.length
    }
}

/// An IPv4 or IPv6 prefix.
public enum IPPrefix: Hashable, Comparable, Sendable, CustomStringConvertible {
    case v4(IPv4Prefix)
    case v6(IPv6Prefix)

    /// Parses either family (`10.0.0.0/8`, `2001:db8::/32`).
    public init(parsing text: some StringProtocol) throws(AddressParseError) {
        if text.contains(":") { self = .v6(try IPv6Prefix(parsing: text)) } else { self = .v4(try IPv4Prefix(parsing: text)) }
    }

    public var length: Int {
        switch self {
        case let .v4(p): return Int(p.length)
        case let .v6(p): return Int(p.length)
        }
    }

    public var version: Int {
        switch self {
        case .v4: return 4
        case .v6: return 6
        }
    }

    /// True when `address` lies inside.
    public func contains(_ address: IPAddress) -> Bool {
        switch (self, address) {
        case let (.v4(p), .v4(a)): return p.contains(a)
        case let (.v6(p), .v6(a)): return p.contains(a)
        default: return false
        }
    }

    /// True when `other` lies inside this prefix (equal or more specific).
    public func covers(_ other: IPPrefix) -> Bool {
        switch (self, other) {
        case let (.v4(a), .v4(b)): return b.length >= a.length && a.contains(b.address)
        case let (.v6(a), .v6(b)): return b.length >= a.length && a.contains(b.address)
        default: return false
        }
    }

    public var description: String {
        switch self {
        case let .v4(p): return p.description
        case let .v6(p): return p.description
        }
    }

    public static func < (a: IPPrefix, b: IPPrefix) -> Bool {
        switch (a, b) {
        case let (.v4(x), .v4(y)): return x < y
        case let (.v6(x), .v6(y)): return x < y
        case (.v4, .v6): return true
        case (.v6, .v4): return false
        }
    }
}
