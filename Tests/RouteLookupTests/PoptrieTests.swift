import NetAddress
import RouteLookup
import Testing

/// Reproducible noise for property tests.
struct Noise {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

func v4(_ text: String) -> UInt64 { IPv4Family.key(try! IPv4Address(parsing: text)) }

/// A random IPv4 table shaped to stress the structure: a default route, /32s,
/// nested and overlapping prefixes, runs of neighbours, clusters in a few /8s.
func randomIPv4Table(_ noise: inout Noise, count: Int) -> [(key: UInt64, length: Int, nextHop: NextHop)] {
    var routes: [(key: UInt64, length: Int, nextHop: NextHop)] = []
    let lengths = [0, 1, 7, 8, 12, 15, 16, 17, 18, 19, 20, 22, 23, 24, 24, 24, 25, 28, 30, 31, 32, 32]
    let clusters: [UInt64] = [0x0A00_0000, 0xC0A8_0000, 0x6400_0000, 0x0100_0000]
    for _ in 0..<count {
        let length = lengths[noise.below(lengths.count)]
        var address = UInt64(truncatingIfNeeded: noise.next()) & 0xFFFF_FFFF
        if noise.below(3) > 0 { address = clusters[noise.below(clusters.count)] | (address & 0x00FF_FFFF) }
        if !routes.isEmpty && noise.below(4) == 0 {
            // Nest inside (or next to) an existing prefix.
            let parent = routes[noise.below(routes.count)]
            address = (parent.key >> 32) ^ (address & ((1 << UInt64(32 - parent.length)) - 1))
        }
        let mask: UInt64 = length == 0 ? 0 : (0xFFFF_FFFF << UInt64(32 - length)) & 0xFFFF_FFFF
        routes.append((key: (address & mask) << 32, length: length, nextHop: NextHop(noise.below(300))))
    }
    return routes
}

/// Addresses that test a prefix's edges: first, last, and the neighbours outside.
func edges(_ key: UInt64, _ length: Int) -> [UInt64] {
    let first = key >> 32
    let last = first | (length == 32 ? 0 : (UInt64(1) << UInt64(32 - length)) - 1)
    return [first, last, (first &- 1) & 0xFFFF_FFFF, (last + 1) & 0xFFFF_FFFF, (first + last) / 2].map { $0 << 32 }
}

@Suite("Poptrie (IPv4) against the reference")
struct PoptrieIPv4Tests {
    func check(_ table: Poptrie<IPv4Family>, _ reference: ReferenceLPM<IPv4Family>, _ probes: [UInt64],
               sourceLocation: SourceLocation = #_sourceLocation) {
        var wrong = 0
        for key in probes where table.lookup(key) != reference.lookup(key) {
            wrong += 1
            if wrong <= 3 {
                Issue.record("\(IPv4Address(UInt32(key >> 32))): poptrie \(table.lookup(key)), reference \(reference.lookup(key))",
                             sourceLocation: sourceLocation)
            }
        }
        #expect(wrong == 0, sourceLocation: sourceLocation)
        // The batch path must agree with the scalar one.
        var results = [NextHop](repeating: 0, count: probes.count)
        probes.withUnsafeBufferPointer { keys in
            results.withUnsafeMutableBufferPointer { table.lookup(batch: keys, into: $0) }
        }
        #expect(results == probes.map { reference.lookup($0) }, sourceLocation: sourceLocation)
    }

    @Test("random tables, random trace and every prefix edge", arguments: [1, 2, 3, 4, 5])
    func randomTables(seed: UInt64) {
        var noise = Noise(state: seed)
        let routes = randomIPv4Table(&noise, count: 3000)
        var reference = ReferenceLPM<IPv4Family>()
        for r in routes { reference.insert(r.key, length: r.length, nextHop: r.nextHop) }
        let table = Poptrie<IPv4Family>(routes: routes)
        #expect(table.count == reference.count)
        var probes = routes.flatMap { edges($0.key, $0.length) }
        for _ in 0..<20_000 { probes.append((noise.next() & 0xFFFF_FFFF) << 32) }
        check(table, reference, probes)
    }

    @Test("random update sequences: every step matches", arguments: [11, 12, 13])
    func randomUpdates(seed: UInt64) {
        var noise = Noise(state: seed)
        let pool = randomIPv4Table(&noise, count: 400)
        var reference = ReferenceLPM<IPv4Family>()
        let table = Poptrie<IPv4Family>()
        let fixedProbes = (0..<500).map { _ in (noise.next() & 0xFFFF_FFFF) << 32 } + pool.flatMap { edges($0.key, $0.length) }
        for step in 0..<1500 {
            let r = pool[noise.below(pool.count)]
            switch noise.below(10) {
            case 0..<5:
                let previous = table.insert(r.key, length: r.length, nextHop: r.nextHop)
                let hadIt = reference.lookupExact(r.key, r.length)
                #expect(previous == (hadIt ?? noRoute))
                reference.insert(r.key, length: r.length, nextHop: r.nextHop)
            case 5..<8:
                let removed = table.withdraw(r.key, length: r.length)
                #expect((removed != noRoute) == reference.remove(r.key, length: r.length))
            default:
                let hop = NextHop(noise.below(300))
                let present = reference.lookupExact(r.key, r.length) != nil
                #expect(table.replace(r.key, length: r.length, nextHop: hop) == present)
                if present { reference.insert(r.key, length: r.length, nextHop: hop) }
            }
            #expect(table.count == reference.count)
            // After every step: the edges of the changed prefix and a random sample;
            // every 100 steps: the whole fixed probe set.
            var probes = edges(r.key, r.length)
            for _ in 0..<64 { probes.append((noise.next() & 0xFFFF_FFFF) << 32) }
            if step % 100 == 99 { probes += fixedProbes }
            check(table, reference, probes)
        }
    }

    /// Edge cases in the spirit of DPDK's app/test/test_lpm.c.
    @Test func edgeCases() {
        let t = Poptrie<IPv4Family>()
        #expect(t.lookup(v4("1.2.3.4")) == noRoute)                   // empty table
        t.insert(0, length: 0, nextHop: 1)                             // default route
        #expect(t.lookup(v4("255.255.255.255")) == 1)
        #expect(t.lookup(0) == 1)
        t.insert(v4("10.0.0.0"), length: 8, nextHop: 2)
        t.insert(v4("10.1.2.3"), length: 32, nextHop: 3)               // /32 deep inside
        #expect(t.lookup(v4("10.1.2.3")) == 3)
        #expect(t.lookup(v4("10.1.2.2")) == 2)
        #expect(t.lookup(v4("10.1.2.4")) == 2)
        #expect(t.lookup(v4("11.0.0.0")) == 1)
        t.insert(v4("10.1.2.0"), length: 24, nextHop: 4)               // covering prefix added after
        #expect(t.lookup(v4("10.1.2.3")) == 3)
        #expect(t.lookup(v4("10.1.2.255")) == 4)
        #expect(t.withdraw(v4("10.1.2.3"), length: 32) == 3)           // withdraw the /32
        #expect(t.lookup(v4("10.1.2.3")) == 4)
        #expect(t.withdraw(v4("10.1.2.3"), length: 32) == noRoute)     // twice: nothing
        #expect(t.withdraw(v4("10.0.0.0"), length: 8) == 2)
        #expect(t.lookup(v4("10.200.0.1")) == 1)
        #expect(t.lookup(v4("10.1.2.9")) == 4)
        #expect(t.replace(v4("10.1.2.0"), length: 24, nextHop: 9))
        #expect(t.lookup(v4("10.1.2.9")) == 9)
        #expect(!t.replace(v4("10.9.9.0"), length: 24, nextHop: 9))    // replace needs the prefix
        t.insert(v4("255.255.255.255"), length: 32, nextHop: 5)        // top of the space
        #expect(t.lookup(v4("255.255.255.255")) == 5)
        #expect(t.lookup(v4("255.255.255.254")) == 1)
        t.insert(v4("128.0.0.0"), length: 1, nextHop: 6)
        #expect(t.lookup(v4("200.0.0.0")) == 6)
        #expect(t.lookup(v4("127.255.255.255")) == 1)
        #expect(t.withdraw(0, length: 0) == 1)
        #expect(t.lookup(v4("1.1.1.1")) == noRoute)
        #expect(t.count == 3)
    }

    @Test func moreSpecificsWithTheSameNextHopCollapse() {
        // 256 /24s under a /16, all with the /16's next hop: the structure keeps one leaf.
        var routes: [(key: UInt64, length: Int, nextHop: NextHop)] = [(v4("10.1.0.0"), 16, 7)]
        for i in 0..<256 { routes.append(((0x0A01_0000 | UInt64(i) << 8) << 32, 24, 7)) }
        let t = Poptrie<IPv4Family>(routes: routes)
        #expect(t.nodeCount == 0)
        #expect(t.lookup(v4("10.1.77.1")) == 7)
    }

    @Test func batchGroupsOfEveryMixAnswerAsTheReference() {
        // 10.0.0.0/18: 64 /24s with alternating next hops (64 runs: leaves in
        // their own lines); 10.1.0.0/18: three /24s (leaves inline in the node);
        // 10.128.0.0/9: resolved by the direct array (a hop line); 11.0.0.0/24
        // under it: a second level. Runs of 32 keys then range from no node
        // key to all.
        var routes: [(key: UInt64, length: Int, nextHop: NextHop)] = [(v4("10.128.0.0"), 9, 5)]
        for i in 0..<64 { routes.append(((0x0A00_0000 | UInt64(i) << 8) << 32, 24, NextHop(i % 2 + 1))) }
        for i in [3, 9, 40] { routes.append(((0x0A01_0000 | UInt64(i) << 8) << 32, 24, NextHop(10 + i))) }
        routes += [(v4("11.0.0.0"), 16, 3), (v4("11.0.0.0"), 24, 4), (v4("11.0.0.128"), 26, 6)]
        var reference = ReferenceLPM<IPv4Family>()
        for r in routes { reference.insert(r.key, length: r.length, nextHop: r.nextHop) }
        let table = Poptrie<IPv4Family>(routes: routes)
        var noise = Noise(state: 99)
        let pools: [ClosedRange<UInt64>] = [0x0A00_0000...0x0A00_3FFF, 0x0A01_0000...0x0A01_3FFF,
                                            0x0A80_0000...0x0AFF_FFFF, 0x0B00_0000...0x0B00_00FF]
        var probes: [UInt64] = []
        for group in 0..<64 {
            // Group g draws a node lane (first, second or fourth pool) with probability g/63.
            for _ in 0..<32 {
                let wantsNode = noise.below(63) < group
                let pool = wantsNode ? [0, 1, 3][noise.below(3)] : 2
                probes.append((pools[pool].lowerBound + noise.next() % UInt64(pools[pool].count)) << 32)
            }
        }
        check(table, reference, probes)
    }

    @Test func batchesOfEverySizeAgreeWithSingleLookups() {
        // Whole blocks of 64, a partial last block, and no block at all.
        var noise = Noise(state: 7)
        let table = Poptrie<IPv4Family>(routes: randomIPv4Table(&noise, count: 2000))
        let keys = (0..<300).map { _ in (noise.next() & 0xFFFF_FFFF) << 32 }
        let expected = keys.map { table.lookup($0) }
        for n in [0, 1, 5, 63, 64, 65, 128, 300] {
            var results = [NextHop](repeating: 0, count: n)
            keys.withUnsafeBufferPointer { all in
                results.withUnsafeMutableBufferPointer { table.lookup(batch: UnsafeBufferPointer(rebasing: all[0..<n]), into: $0) }
            }
            #expect(results == Array(expected[0..<n]), "\(n) keys")
        }
    }

    @Test func aNodeChangingKindUnderUpdatesStaysCorrectInBatches() {
        // One /18 block (10.0.0.0/18) goes through every kind of node the
        // direct array can name: a few /24s (leaves inline), then 40 /24s
        // with alternating next hops (more runs than fit inline: leaves in
        // the lines after the node), then a /26 under one of them (internal
        // children: the slow path), then back again.
        let table = Poptrie<IPv4Family>()
        var reference = ReferenceLPM<IPv4Family>()
        func apply(_ key: UInt64, _ length: Int, _ hop: NextHop?) {
            if let hop {
                table.insert(key, length: length, nextHop: hop)
                reference.insert(key, length: length, nextHop: hop)
            } else {
                table.withdraw(key, length: length)
                reference.remove(key, length: length)
            }
        }
        var noise = Noise(state: 5)
        let probes = (0..<640).map { _ in (0x0A00_0000 | noise.next() & 0x3FFF) << 32 } + [v4("10.0.0.0"), v4("10.0.63.255")]
        let slash24 = { (i: UInt64) in (0x0A00_0000 | i << 8) << 32 }
        apply(v4("10.0.0.0"), 8, 1)
        check(table, reference, probes)
        for i: UInt64 in [2, 9, 30] { apply(slash24(i), 24, 2) }
        check(table, reference, probes)
        for i: UInt64 in 0..<40 { apply(slash24(i), 24, NextHop(10 + i % 2)) }
        check(table, reference, probes)
        apply(v4("10.0.5.64"), 26, 7)
        check(table, reference, probes)
        apply(v4("10.0.5.64"), 26, nil)
        check(table, reference, probes)
        for i: UInt64 in 0..<40 { apply(slash24(i), 24, nil) }
        check(table, reference, probes)
        #expect(table.nodeCount == 0)
    }

    @Test func updateCyclesReuseTheLinesTheyFree() {
        // Withdrawing every route leaves no node; inserting them again reuses
        // the freed lines, so the arena stops growing after the first cycle.
        var noise = Noise(state: 31)
        let routes = randomIPv4Table(&noise, count: 1500)
        let table = Poptrie<IPv4Family>()
        var sizes: [Int] = []
        for _ in 0..<3 {
            for r in routes { table.insert(r.key, length: r.length, nextHop: r.nextHop) }
            sizes.append(table.lookupStructureBytes)
            for r in routes { table.withdraw(r.key, length: r.length) }
            #expect(table.count == 0)
            #expect(table.nodeCount == 0)
            #expect((0..<2000).allSatisfy { _ in table.lookup((noise.next() & 0xFFFF_FFFF) << 32) == noRoute })
        }
        #expect(sizes[2] == sizes[1], "arena bytes per cycle: \(sizes)")
    }
}

extension ReferenceLPM {
    func lookupExact(_ key: Family.Key, _ length: Int) -> NextHop? {
        routes.first { $0.length == length && $0.key == key }?.nextHop
    }
}

@Suite("Poptrie (IPv6) against the reference")
struct PoptrieIPv6Tests {
    static func key(_ text: String) -> UInt128 { IPv6Family.key(try! IPv6Address(parsing: text)) }

    func randomTable(_ noise: inout Noise, count: Int) -> [(key: UInt128, length: Int, nextHop: NextHop)] {
        let lengths = [0, 3, 16, 19, 29, 32, 32, 36, 40, 44, 47, 48, 48, 48, 56, 64, 96, 127, 128]
        var routes: [(key: UInt128, length: Int, nextHop: NextHop)] = []
        for _ in 0..<count {
            let length = lengths[noise.below(lengths.count)]
            var address = UInt128(noise.next()) << 64 | UInt128(noise.next())
            if noise.below(2) == 0 { address = (UInt128(0x2001_0DB8) << 96) | (address & (UInt128.max >> 40)) }
            if !routes.isEmpty && noise.below(3) == 0 {
                let parent = routes[noise.below(routes.count)]
                address = parent.key ^ (address & (parent.length == 0 ? UInt128.max : (UInt128.max >> parent.length)))
            }
            let mask: UInt128 = length == 0 ? 0 : ~(UInt128.max >> length)
            routes.append((key: address & mask, length: length, nextHop: NextHop(noise.below(300))))
        }
        return routes
    }

    func edges(_ key: UInt128, _ length: Int) -> [UInt128] {
        let last = key | (length == 128 ? 0 : UInt128.max >> length)
        return [key, last, key &- 1, last &+ 1]
    }

    @Test("random tables and updates", arguments: [21, 22])
    func randomTablesAndUpdates(seed: UInt64) {
        var noise = Noise(state: seed)
        let routes = randomTable(&noise, count: 1500)
        var reference = ReferenceLPM<IPv6Family>()
        for r in routes { reference.insert(r.key, length: r.length, nextHop: r.nextHop) }
        let table = Poptrie<IPv6Family>(routes: routes)
        var probes = routes.flatMap { edges($0.key, $0.length) }
        for _ in 0..<5000 { probes.append(UInt128(noise.next()) << 64 | UInt128(noise.next())) }
        #expect(probes.filter { table.lookup($0) != reference.lookup($0) }.isEmpty)
        for _ in 0..<600 {
            let r = routes[noise.below(routes.count)]
            if noise.below(2) == 0 {
                table.withdraw(r.key, length: r.length)
                reference.remove(r.key, length: r.length)
            } else {
                let hop = NextHop(noise.below(300))
                table.insert(r.key, length: r.length, nextHop: hop)
                reference.insert(r.key, length: r.length, nextHop: hop)
            }
            let sample = edges(r.key, r.length) + (0..<32).map { _ in UInt128(noise.next()) << 64 | UInt128(noise.next()) }
            #expect(sample.filter { table.lookup($0) != reference.lookup($0) }.isEmpty)
        }
        var results = [NextHop](repeating: 0, count: probes.count)
        probes.withUnsafeBufferPointer { keys in results.withUnsafeMutableBufferPointer { table.lookup(batch: keys, into: $0) } }
        #expect(results == probes.map { reference.lookup($0) })
    }

    @Test func edgeCases() {
        let t = Poptrie<IPv6Family>()
        t.insert(Self.key("2001:db8::"), length: 32, nextHop: 1)
        t.insert(Self.key("2001:db8:1::"), length: 48, nextHop: 2)
        t.insert(Self.key("2001:db8:1::1"), length: 128, nextHop: 3)
        t.insert(Self.key("::"), length: 0, nextHop: 4)
        #expect(t.lookup(Self.key("2001:db8:1::1")) == 3)
        #expect(t.lookup(Self.key("2001:db8:1::2")) == 2)
        #expect(t.lookup(Self.key("2001:db8:2::1")) == 1)
        #expect(t.lookup(Self.key("2001:db9::")) == 4)
        #expect(t.lookup(Self.key("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")) == 4)
        t.withdraw(Self.key("2001:db8:1::"), length: 48)
        #expect(t.lookup(Self.key("2001:db8:1::2")) == 1)
        #expect(t.lookup(Self.key("2001:db8:1::1")) == 3)
    }
}
