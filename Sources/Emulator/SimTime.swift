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
