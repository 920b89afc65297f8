/// An IPv4 or IPv6 address.
public enum IPAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    case v4(IPv4Address)
    case v6(IPv6Address)

    /// Parses either family: text with a ':' is IPv6, otherwise dotted-quad IPv4.
    public init(parsing text: some StringProtocol) throws(AddressParseError) {
        if text.contains(":") { self = .v6(try IPv6Address(parsing: text)) }
        else { self = .v4(try IPv4Address(parsing: text)) }
    }

    /// 4 or 6.
    public var version: Int {
        switch self {
        case .v4: return 4
        case .v6: return 6
        }
    }

    public var description: String {
        switch self {
        case let .v4(a): return a.description
        case let .v6(a): return a.description
        }
    }

    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        switch (lhs, rhs) {
        case let (.v4(a), .v4(b)): return a < b
        case let (.v6(a), .v6(b)): return a < b
        case (.v4, .v6): return true
        case (.v6, .v4): return false
        }
    }
}
