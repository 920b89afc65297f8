import ArgumentParser
import DeterministicRandom
import RouteLookup
#if canImport(Glibc)
import Glibc
#endif

/// `dxemu bench trace`: writes lookup traces, chiefly IPv6 ones, which
/// ../shared/peers/lpm has no generator for.
struct BenchTraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Write an address trace for 'bench lookup' (deterministic: same seed, same bytes).",
        discussion: """
        uniform: IPv4 uniformly random 32-bit values; IPv6 uniformly random inside
        2000::/3 (global unicast, where routes live). table: a route of TABLE picked
        uniformly, then a uniformly random address inside it. IPv4 traces are
        little-endian uint32 (as gen_trace.py writes them, not the same values);
        IPv6 traces are 16 bytes per address in network order.
        """
    )

    enum Mode: String, ExpressibleByArgument { case uniform, table }

    @Argument(help: "uniform or table.")
    var mode: Mode

    @Option(name: .customShort("t"), help: "Route table (for 'table').")
    var table: String?

    @Option(name: .customShort("n"), help: "Addresses to write.")
    var count = 1 << 24

    @Option(name: .customShort("s"), help: "Random seed.")
    var seed: UInt64 = 1

    @Option(name: .customShort("o"), help: "Output file.")
    var output: String

    @Flag(name: [.customShort("6"), .customLong("ipv6")], help: "IPv6 addresses.")
    var ipv6 = false

    mutating func validate() throws {
        if mode == .table && table == nil { throw ValidationError("'table' mode needs -t TABLE") }
        if count < 0 { throw ValidationError("-n must not be negative") }
    }

    func run() throws {
        var rng = SeededGenerator(seed: seed)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count * (ipv6 ? 16 : 4))
        do {
            if ipv6 {
                let routes = try mode == .table ? RouteTableFile.readIPv6(path: table!) : []
                guard mode == .uniform || !routes.isEmpty else { throw InputError("\(table!): no routes") }
                for _ in 0..<count {
                    var random = UInt128(rng.next()) << 64 | UInt128(rng.next())
                    let address: UInt128
                    if mode == .uniform {
                        address = (UInt128(1) << 125) | (random >> 3)  // 2000::/3
                    } else {
                        let r = routes[Int(rng.next(below: UInt64(routes.count)))]
                        if r.length >= 128 { random = 0 } else if r.length > 0 { random &= UInt128.max >> r.length }
                        address = r.key | random
                    }
                    for k in 0..<16 { bytes.append(UInt8(truncatingIfNeeded: address >> (120 - 8 * k))) }
                }
            } else {
                let routes = try mode == .table ? RouteTableFile.readIPv4(path: table!) : []
                guard mode == .uniform || !routes.isEmpty else { throw InputError("\(table!): no routes") }
                for _ in 0..<count {
                    var value = UInt32(truncatingIfNeeded: rng.next())
                    if mode == .table {
                        let r = routes[Int(rng.next(below: UInt64(routes.count)))]
                        let host: UInt32 = r.length == 0 ? ~0 : (r.length >= 32 ? 0 : ~0 >> UInt32(r.length))
                        value = UInt32(truncatingIfNeeded: r.key >> 32) | (value & host)
                    }
                    for k in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt32(k)))) }
                }
            }
        } catch let error as RouteTableError {
            throw InputError(error.description)
        }
        guard let file = fopen(output, "wb") else { throw InputError("\(output): cannot create the file") }
        defer { fclose(file) }
        guard fwrite(bytes, 1, bytes.count, file) == bytes.count else { throw InputError("\(output): write failed") }
    }
}
