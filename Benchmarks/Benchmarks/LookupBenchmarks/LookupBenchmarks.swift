import Benchmark
import DeterministicRandom
import Foundation
import RouteLookup

/// A table shaped like the Internet's (mostly /24, then /22, /23, /21, /20, /16;
/// many nested more-specifics), made here so the benchmarks need no input files.
/// For the peer comparison use `dxemu bench lookup` with ../shared/peers/lpm.
func syntheticIPv4Routes(count: Int, seed: UInt64) -> [(key: UInt64, length: Int, nextHop: NextHop)] {
    var rng = SeededGenerator(seed: seed)
    let shares: [(Int, Int)] = [(24, 606), (22, 115), (23, 108), (21, 54), (20, 46), (19, 26), (16, 13),
                                (18, 12), (17, 8), (25, 2), (26, 2), (28, 1), (32, 1), (12, 1), (14, 2), (15, 3)]
    let total = shares.reduce(0) { $0 + $1.1 }
    var routes: [(key: UInt64, length: Int, nextHop: NextHop)] = []
    var seen = Set<UInt64>()
    while routes.count < count {
        var pick = Int(rng.next(below: UInt64(total)))
        var length = 24
        for (l, w) in shares { if pick < w { length = l; break }; pick -= w }
        // Cluster in the routed part of the space (1.0.0.0 to 223.255.255.255).
        let address = (UInt64(1 + rng.next(below: 223)) << 24) | rng.next(below: 1 << 24)
        let mask: UInt64 = (0xFFFF_FFFF << UInt64(32 - length)) & 0xFFFF_FFFF
        let key = (address & mask) << 32
        guard seen.insert(key | UInt64(length)).inserted else { continue }
        routes.append((key, length, NextHop(rng.next(below: 256))))
    }
    return routes
}

func syntheticIPv6Routes(count: Int, seed: UInt64) -> [(key: UInt128, length: Int, nextHop: NextHop)] {
    var rng = SeededGenerator(seed: seed)
    let lengths = [48, 48, 48, 48, 48, 32, 32, 44, 40, 36, 29, 47, 46, 56]
    var routes: [(key: UInt128, length: Int, nextHop: NextHop)] = []
    var seen = Set<UInt128>()
    let blocks: [UInt128] = [0x2001, 0x2400, 0x2600, 0x2800, 0x2A00, 0x2C00].map { UInt128($0) << 112 }
    while routes.count < count {
        let length = lengths[Int(rng.next(below: UInt64(lengths.count)))]
        let block = blocks[Int(rng.next(below: UInt64(blocks.count)))]
        let address = block | (UInt128(rng.next()) << 64 | UInt128(rng.next())) >> 16
        let key = address & ~(UInt128.max >> length)
        guard seen.insert(key | UInt128(length)).inserted else { continue }
        routes.append((key, length, NextHop(rng.next(below: 256))))
    }
    return routes
}

let benchmarks: @Sendable () -> Void = {
    let v4Routes = syntheticIPv4Routes(count: 900_000, seed: 1)
    let v6Routes = syntheticIPv6Routes(count: 200_000, seed: 1)
    nonisolated(unsafe) let v4 = Poptrie<IPv4Family>(routes: v4Routes)
    nonisolated(unsafe) let v6 = Poptrie<IPv6Family>(routes: v6Routes)
    var rng = SeededGenerator(seed: 7)
    // Half uniform addresses, half inside routes: a mix of misses and deep hits.
    let lookupsPerIteration = 1 << 20
    let v4Keys: [UInt64] = (0..<lookupsPerIteration).map { i in
        if i & 1 == 0 { return (rng.next() & 0xFFFF_FFFF) << 32 }
        let r = v4Routes[Int(rng.next(below: UInt64(v4Routes.count)))]
        let network: UInt64 = r.length == 0 ? 0 : UInt64.max << UInt64(64 - r.length)
        return r.key | ((rng.next() << 32) & ~network)
    }
    let v6Keys: [UInt128] = (0..<lookupsPerIteration).map { _ in
        let r = v6Routes[Int(rng.next(below: UInt64(v6Routes.count)))]
        return r.key | ((UInt128(rng.next()) << 64 | UInt128(rng.next())) & (UInt128.max >> r.length))
    }
    let updates = v4Routes.shuffled(using: &rng).prefix(20_000)
    let config = Benchmark.Configuration(metrics: [.wallClock, .throughput, .mallocCountTotal, .instructions],
                                         warmupIterations: 1, scalingFactor: .mega, maxDuration: .seconds(10),
                                         maxIterations: 20)

    Benchmark("Lookup.IPv4.Scalar", configuration: config) { benchmark in
        var sum: UInt64 = 0
        v4Keys.withUnsafeBufferPointer { keys in
            for key in keys { sum &+= UInt64(v4.lookup(key)) }
        }
        blackHole(sum)
    }
    Benchmark("Lookup.IPv4.Batch", configuration: config) { benchmark in
        var results = [NextHop](repeating: 0, count: v4Keys.count)
        benchmark.startMeasurement()
        v4Keys.withUnsafeBufferPointer { keys in results.withUnsafeMutableBufferPointer { v4.lookup(batch: keys, into: $0) } }
        benchmark.stopMeasurement()
        blackHole(results)
    }
    Benchmark("Lookup.IPv6.Scalar", configuration: config) { benchmark in
        var sum: UInt64 = 0
        v6Keys.withUnsafeBufferPointer { keys in
            for key in keys { sum &+= UInt64(v6.lookup(key)) }
        }
        blackHole(sum)
    }
    Benchmark("Lookup.IPv6.Batch", configuration: config) { benchmark in
        var results = [NextHop](repeating: 0, count: v6Keys.count)
        benchmark.startMeasurement()
        v6Keys.withUnsafeBufferPointer { keys in results.withUnsafeMutableBufferPointer { v6.lookup(batch: keys, into: $0) } }
        benchmark.stopMeasurement()
        blackHole(results)
    }
    // Updates on the full 900k table: withdraw then re-insert 20,000 routes.
    let updateConfig = Benchmark.Configuration(metrics: [.wallClock, .throughput, .mallocCountTotal],
                                               warmupIterations: 0, maxDuration: .seconds(20), maxIterations: 5)
    Benchmark("Update.IPv4.WithdrawInsert20k", configuration: updateConfig) { benchmark in
        for r in updates { v4.withdraw(r.key, length: r.length) }
        for r in updates { v4.insert(r.key, length: r.length, nextHop: r.nextHop) }
    }
    Benchmark("Build.IPv4.900k", configuration: updateConfig) { benchmark in
        blackHole(Poptrie<IPv4Family>(routes: v4Routes))
    }
}
