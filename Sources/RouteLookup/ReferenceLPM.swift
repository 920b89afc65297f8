/// The test oracle: a longest-prefix match that is obviously right rather than
/// fast. One dictionary per prefix length; a lookup masks the address to each
/// length, longest first, and stops at the first hit (as ../shared/peers/lpm's
/// `ref_lpm` oracle does).
public struct ReferenceLPM<Family: AddressFamily> {
    /// `byLength[len][maskedKey] = nextHop`
    var byLength: [[Family.Key: NextHop]]

    public init() {
        byLength = Array(repeating: [:], count: Family.addressBits + 1)
    }

    /// Number of prefixes held.
    public var count: Int { byLength.reduce(0) { $0 + $1.count } }

    static func mask(_ key: Family.Key, length: Int) -> Family.Key {
        if length == 0 { return 0 }
        if length >= Family.Key.bitWidth { return key }
        return key & ~(Family.Key.max >> length)
    }

    /// Adds or replaces a prefix (`key` is masked to `length`).
    public mutating func insert(_ key: Family.Key, length: Int, nextHop: NextHop) {
        byLength[length][Self.mask(key, length: length)] = nextHop
    }

    /// Removes a prefix; returns whether it was there.
    @discardableResult
    public mutating func remove(_ key: Family.Key, length: Int) -> Bool {
        byLength[length].removeValue(forKey: Self.mask(key, length: length)) != nil
    }

    /// The next hop of the longest matching prefix, or ``noRoute``.
    public func lookup(_ key: Family.Key) -> NextHop {
        for length in stride(from: Family.addressBits, through: 0, by: -1) {
            if let hop = byLength[length][Self.mask(key, length: length)] { return hop }
        }
        return noRoute
    }

    /// Every prefix and its next hop, shortest first.
    public var routes: [(key: Family.Key, length: Int, nextHop: NextHop)] {
        byLength.enumerated().flatMap { length, table in
            table.map { (key: $0.key, length: length, nextHop: $0.value) }
        }
    }
}
