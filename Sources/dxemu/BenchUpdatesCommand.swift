import ArgumentParser
import DeterministicRandom
import RouteLookup

/// `dxemu bench updates`: latency of single withdraw and insert operations on a
/// full table (the control plane's route churn during a failover).
struct BenchUpdatesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "updates",
        abstract: "Time single route withdrawals and insertions on a full table.",
        discussion: """
        Builds the table, then withdraws N routes chosen at random (seeded) one at a
        time and inserts each back, timing every operation. Prints
        'UPDATES impl=... op=withdraw|insert n=N p50_us=... p99_us=... max_us=...'
        and checks that the table answers as before when all are back.
        """
    )

    @Option(name: .customShort("t"), help: "Route table file.")
    var table: String

    @Option(name: .customShort("n"), help: "Routes to withdraw and insert back.")
    var count = 100_000

    @Option(name: .long, help: "Random seed.")
    var seed: UInt64 = 1

    @Flag(name: [.customShort("6"), .customLong("ipv6")], help: "IPv6 table.")
    var ipv6 = false

    func run() throws {
        do {
            if ipv6 { try measure(RouteTableFile.readIPv6(path: table)) } else { try measure(RouteTableFile.readIPv4(path: table)) }
        } catch let error as RouteTableError {
            throw InputError(error.description)
        }
    }

    private func measure<F: AddressFamily>(_ routes: [RouteEntry<F>]) throws {
        guard !routes.isEmpty else { throw InputError("\(table): no routes") }
        let lpm = Poptrie<F>(routes: routes)
        var rng = SeededGenerator(seed: seed)
        let picks = (0..<min(count, routes.count)).map { _ in routes[Int(rng.next(below: UInt64(routes.count)))] }
        var probe = SeededGenerator(seed: seed ^ 0xABCDEF)
        let probes: [F.Key] = picks.map { $0.key | (F.Key(truncatingIfNeeded: probe.next()) & ~Self.networkMask(F.self, $0.length)) }
        let before = probes.map { lpm.lookup($0) }
        var withdraw: [Int64] = [], insert: [Int64] = []
        withdraw.reserveCapacity(picks.count)
        insert.reserveCapacity(picks.count)
        for route in picks {
            let t0 = Clock.nanoseconds()
            lpm.withdraw(route.key, length: route.length)
            let t1 = Clock.nanoseconds()
            lpm.insert(route.key, length: route.length, nextHop: route.nextHop)
            let t2 = Clock.nanoseconds()
            withdraw.append(t1 - t0)
            insert.append(t2 - t1)
        }
        let after = probes.map { lpm.lookup($0) }
        guard before == after else { throw InputError("table answers differently after withdraw + insert (bug)") }
        let name = "dxemu_poptrie" + (ipv6 ? "6" : "")
        for (op, samples) in [("withdraw", withdraw), ("insert", insert)] {
            let s = samples.sorted()
            func at(_ q: Double) -> String { fixed(Double(s[min(s.count - 1, Int(q * Double(s.count)))]) / 1000, 2) }
            Output.line("UPDATES impl=\(name) table=\(baseName(table)) op=\(op) n=\(s.count) p50_us=\(at(0.5)) "
                        + "p99_us=\(at(0.99)) p999_us=\(at(0.999)) max_us=\(fixed(Double(s.last!) / 1000, 2)) "
                        + "lookup_struct_bytes=\(lpm.lookupStructureBytes)")
        }
    }

    static func networkMask<F: AddressFamily>(_: F.Type, _ length: Int) -> F.Key {
        if length == 0 { return 0 }
        if length >= F.Key.bitWidth { return ~0 }
        return ~(F.Key.max >> length)
    }
}
