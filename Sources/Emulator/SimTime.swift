/// A point or span of virtual time, in nanoseconds.
///
/// The emulator's clock: integer nanoseconds, so that the same inputs always
/// give the same event order on every machine (no floating-point drift).
public struct SimTime: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var nanoseconds: Int64

    @inlinable public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    public static let zero = SimTime(nanoseconds: 0)
    /// Later than any event.
    public static let never = SimTime(nanoseconds: .max)

    @inlinable public static func nanoseconds(_ n: Int64) -> SimTime { SimTime(nanoseconds: n) }
    @inlinable public static func microseconds(_ n: Int64) -> SimTime { SimTime(nanoseconds: n * 1_000) }
    @inlinable public static func milliseconds(_ n: Int64) -> SimTime { SimTime(nanoseconds: n * 1_000_000) }
    /// Whole or fractional seconds, rounded to the nearest nanosecond.
    @inlinable public static func seconds(_ s: Double) -> SimTime { SimTime(nanoseconds: Int64((s * 1e9).rounded())) }

    /// The time in seconds (for reports).
    public var seconds: Double { Double(nanoseconds) / 1e9 }

    @inlinable public static func < (a: SimTime, b: SimTime) -> Bool { a.nanoseconds < b.nanoseconds }
    @inlinable public static func + (a: SimTime, b: SimTime) -> SimTime { SimTime(nanoseconds: a.nanoseconds &+ b.nanoseconds) }
    @inlinable public static func - (a: SimTime, b: SimTime) -> SimTime { SimTime(nanoseconds: a.nanoseconds &- b.nanoseconds) }
    @inlinable public static func += (a: inout SimTime, b: SimTime) { a.nanoseconds &+= b.nanoseconds }

    /// `1.234567s`, `12.5ms`, `80us` or `7ns`.
    public var description: String {
        let n = nanoseconds
        if n % 1_000_000_000 == 0 { return "\(n / 1_000_000_000)s" }
        if abs(n) >= 1_000_000_000 { return "\(Double(n) / 1e9)s" }
        if n % 1_000_000 == 0 { return "\(n / 1_000_000)ms" }
        if abs(n) >= 1_000_000 { return "\(Double(n) / 1e6)ms" }
        if n % 1_000 == 0 { return "\(n / 1_000)us" }
        return "\(n)ns"
    }
}

/// A data rate in bits per second.
public struct BitRate: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var bitsPerSecond: Int64

    @inlinable public init(bitsPerSecond: Int64) { self.bitsPerSecond = bitsPerSecond }
    public static func gigabits(_ g: Double) -> BitRate { BitRate(bitsPerSecond: Int64(g * 1e9)) }
    public static func megabits(_ m: Double) -> BitRate { BitRate(bitsPerSecond: Int64(m * 1e6)) }

    /// Time to put `bytes` on the wire, rounded up to whole nanoseconds.
    @inlinable
    public func serialization(bytes: Int) -> SimTime {
        let bits = Int64(bytes) &* 8_000_000_000
        return SimTime(nanoseconds: (bits &+ bitsPerSecond &- 1) / bitsPerSecond)
    }

    public static func < (a: BitRate, b: BitRate) -> Bool { a.bitsPerSecond < b.bitsPerSecond }

    public var description: String {
        let b = Double(bitsPerSecond)
        if b >= 1e9 { return "\(b / 1e9)Gbps" }
        if b >= 1e6 { return "\(b / 1e6)Mbps" }
        return "\(bitsPerSecond)bps"
    }
}

/// Parsing of times and rates as people write them in scenario files and on
/// the command line: `5s`, `300ms`, `1.5s`, `80us`, `2m`; `10Gbps`, `500Mbps`.
public enum QuantityParser {
    /// Splits `1.25ms` into the decimal number and the unit, and scales the
    /// number exactly (no floating point) by `scale[unit]`.
    static func scaled(_ text: String, units: [(String, Int64)]) -> Int64? {
        let t = text.trimmingCharacters(in: " ")
        guard let unitStart = t.firstIndex(where: { !($0.isNumber || $0 == ".") }) else { return nil }
        let number = t[..<unitStart], unit = t[unitStart...].trimmingCharacters(in: " ")
        guard let scale = units.first(where: { $0.0 == unit })?.1 else { return nil }
        let parts = number.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first, !whole.isEmpty, whole.allSatisfy(\.isNumber),
              let w = Int64(whole), w <= Int64.max / scale else { return nil }
        var value = w * scale
        if parts.count == 2 {
            let fraction = parts[1]
            guard !fraction.isEmpty, fraction.count <= 18, fraction.allSatisfy(\.isNumber) else { return nil }
            var divisor: Int64 = 1
            for _ in 0..<fraction.count { divisor *= 10 }
            // scale * fraction / divisor, without overflow for scales up to 1e12.
            let f = Int64(fraction)!
            let part = (Double(f) / Double(divisor) * Double(scale)).rounded()
            value += Int64(part)
        }
        return value
    }

    public static let timeUnits: [(String, Int64)] = [("ns", 1), ("us", 1_000), ("µs", 1_000), ("ms", 1_000_000),
                                                      ("s", 1_000_000_000), ("m", 60_000_000_000), ("min", 60_000_000_000),
                                                      ("h", 3_600_000_000_000)]
    public static let rateUnits: [(String, Int64)] = [("bps", 1), ("kbps", 1_000), ("Kbps", 1_000), ("Mbps", 1_000_000),
                                                      ("Gbps", 1_000_000_000)]

    /// A non-negative time such as `300ms`; nil when the text is not one.
    public static func time(_ text: String) -> SimTime? { scaled(text, units: timeUnits).map(SimTime.init(nanoseconds:)) }
    /// A rate such as `10Gbps`; nil when the text is not one.
    public static func rate(_ text: String) -> BitRate? { scaled(text, units: rateUnits).map(BitRate.init(bitsPerSecond:)) }
}

extension StringProtocol {
    func trimmingCharacters(in character: Character) -> String {
        var s = Substring(self)
        while s.first == character { s.removeFirst() }
        while s.last == character { s.removeLast() }
        return String(s)
    }
}
