import ArgumentParser
import DeterministicRandom
import RouteLookup
#if canImport(Glibc)
import Glibc
#endif

/// `dxemu bench lookup`: the LPM yardstick of ../shared/peers/lpm, same inputs,
/// same `TABLE`/`BUILD`/`TRACE`/`RESULT` lines, so that
/// `EXTRA_BENCH="dxemu bench lookup" ./run_bench.sh` runs it beside rte_lpm.
struct BenchLookupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lookup",
        abstract: "Longest-prefix-match lookup rate on a route table and address traces.",
        discussion: """
        Table: one route per line, 'prefix/len nexthop'. Trace: raw addresses, IPv4 as
        little-endian uint32 (gen_trace.py), IPv6 as 16 bytes in network order
        (dxemu bench trace --ipv6). The checksum is the sum of the next hop of every
        address, 256 per miss. One warm-up pass, then REPS timed passes per variant.
        """
    )

    @Option(name: .customShort("t"), help: "Route table file.")
    var table: String

    @Option(name: .customShort("r"), help: "Address trace (repeatable).")
    var traces: [String] = []

    @Option(name: .customShort("R"), help: "Timed passes per variant.")
    var reps = 5

    @Flag(name: [.customShort("6"), .customLong("ipv6")], help: "IPv6 table and traces.")
    var ipv6 = false

    @Option(name: .long, help: "Variants: batch, scalar (comma-separated).")
    var variants = "batch,scalar"

    @Option(name: .long, help: "Check the first N addresses of each trace against the reference LPM (0: off).")
    var verify = 0

    mutating func validate() throws {
        if reps < 1 { throw ValidationError("-R must be at least 1") }
        for v in variants.split(separator: ",") where v != "batch" && v != "scalar" {
            throw ValidationError("unknown variant '\(v)' (batch, scalar)")
        }
    }

    func run() throws {
        do {
            if ipv6 { try runFamily(IPv6Family.self, routes: RouteTableFile.readIPv6(path: table), keys: LookupTrace.readIPv6) }
            else { try runFamily(IPv4Family.self, routes: RouteTableFile.readIPv4(path: table), keys: LookupTrace.readIPv4) }
        } catch let error as RouteTableError {
            throw InputError(error.description)
        }
    }

    private func runFamily<F: AddressFamily>(_ family: F.Type, routes: [RouteEntry<F>],
                                             keys: (String) throws(RouteTableError) -> [F.Key]) throws {
        let suffix = ipv6 ? "6" : ""
        Output.line("TABLE file=\(baseName(table)) routes=\(routes.count)")
        let start = Clock.nanoseconds()
        let lpm = Poptrie<F>(routes: routes)
        let buildMs = Double(Clock.nanoseconds() - start) / 1e6
        Output.line("BUILD impl=dxemu_poptrie\(suffix) build_ms=\(fixed(buildMs, 1)) "
                    + "lookup_struct_bytes=\(lpm.lookupStructureBytes) nodes=\(lpm.nodeCount)")
        Output.flush()
        for trace in traces {
            let addresses = try keys(trace)
            Output.line("TRACE file=\(baseName(trace)) lookups=\(addresses.count)")
            if verify > 0 {
                var reference = ReferenceLPM<F>()
                for r in routes { reference.insert(r.key, length: r.length, nextHop: r.nextHop) }
                let sample = addresses.prefix(verify)
                let wrong = sample.filter { lpm.lookup($0) != reference.lookup($0) }.count
                Output.line("CHECK impl=dxemu_poptrie\(suffix) verified=\(sample.count) mismatches=\(wrong)")
                if wrong > 0 { throw InputError("dxemu_poptrie disagrees with the reference on \(wrong) of \(sample.count) addresses") }
            }
            for variant in variants.split(separator: ",") {
                let name = "dxemu_poptrie\(suffix)" + (variant == "batch" ? "_batch" : "")
                var wall: [Double] = [], cpu: [Double] = []
                var preempt = 0
                var checksum: UInt64 = 0
                for pass in 0...reps {
                    let before = Sample()
                    checksum = variant == "batch" ? Self.batchPass(lpm, addresses) : Self.scalarPass(lpm, addresses)
                    let after = Sample()
                    if pass == 0 { continue }  // warm-up
                    wall.append(Double(addresses.count) / Double(after.wall - before.wall) * 1e3)
                    cpu.append(Double(addresses.count) / Double(after.cpu - before.cpu) * 1e3)
                    preempt += after.involuntarySwitches - before.involuntarySwitches
                }
                let w = Stats(wall), c = Stats(cpu)
                Output.line("RESULT impl=\(name) table=\(baseName(table)) trace=\(baseName(trace)) lookups=\(addresses.count) "
                            + "reps=\(reps) mlps_median=\(fixed(w.median, 2)) mlps_min=\(fixed(w.min, 2)) "
                            + "mlps_max=\(fixed(w.max, 2)) ns_per_lookup=\(fixed(1000 / w.median, 2)) checksum=\(checksum) "
                            + "cpu_mlps_median=\(fixed(c.median, 2)) cpu_mlps_min=\(fixed(c.min, 2)) "
                            + "cpu_mlps_max=\(fixed(c.max, 2)) preempt=\(preempt)")
                Output.flush()
            }
        }
    }

    /// One lookup after another, summing next hops (256 per miss).
    static func scalarPass<F: AddressFamily>(_ lpm: Poptrie<F>, _ keys: [F.Key]) -> UInt64 {
        var sum: UInt64 = 0
        keys.withUnsafeBufferPointer { buffer in
            for key in buffer {
                let hop = lpm.lookup(key)
                sum &+= hop == noRoute ? 256 : UInt64(hop)
            }
        }
        return sum
    }

    /// Batch lookups of 64 addresses at a time: the bulk size of the DPDK
    /// peers (`BULK` in ../shared/peers/lpm/rte_lpm_bench.c).
    static func batchPass<F: AddressFamily>(_ lpm: Poptrie<F>, _ keys: [F.Key]) -> UInt64 {
        var sum: UInt64 = 0
        let chunk = 64
        withUnsafeTemporaryAllocation(of: NextHop.self, capacity: chunk) { results in
            keys.withUnsafeBufferPointer { buffer in
                var start = 0
                while start < buffer.count {
                    let count = min(chunk, buffer.count - start)
                    let slice = UnsafeBufferPointer(rebasing: buffer[start..<(start + count)])
                    let out = UnsafeMutableBufferPointer(rebasing: results[0..<count])
                    lpm.lookup(batch: slice, into: out)
                    for hop in out { sum &+= hop == noRoute ? 256 : UInt64(hop) }
                    start += count
                }
            }
        }
        return sum
    }
}

/// Wall time, this thread's CPU time and involuntary context switches, at one instant.
struct Sample {
    var wall: Int64
    var cpu: Int64
    var involuntarySwitches: Int

    init() {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        wall = Int64(t.tv_sec) * 1_000_000_000 + Int64(t.tv_nsec)
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        cpu = Int64(t.tv_sec) * 1_000_000_000 + Int64(t.tv_nsec)
        var usage = rusage()
        getrusage(__rusage_who_t(1), &usage)  // RUSAGE_THREAD
        involuntarySwitches = usage.ru_nivcsw
    }
}

/// Median (mean of the middle two for an even count), minimum and maximum.
struct Stats {
    var median: Double, min: Double, max: Double
    init(_ values: [Double]) {
        let s = values.sorted()
        median = s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
        min = s.first ?? 0
        max = s.last ?? 0
    }
}

func baseName(_ path: String) -> String {
    path.split(separator: "/").last.map(String.init) ?? path
}

/// `x` with `digits` decimals, like printf's %.Nf.
func fixed(_ x: Double, _ digits: Int) -> String {
    guard x.isFinite else { return "0" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = (x * scale).rounded()
    let integer = Int64(scaled)
    if digits == 0 { return String(integer) }
    let unit = Int64(scale)
    let whole = integer / unit, frac = abs(integer % unit)
    let fracText = String(frac)
    return (integer < 0 && whole == 0 ? "-" : "") + "\(whole)." + String(repeating: "0", count: digits - fracText.count) + fracText
}
