/// One 64-byte line of a ``Poptrie``'s arena holding a full internal node:
/// 64 children, one per value of the next 6 address bits, described by two
/// bitmaps. No references; the arena is one contiguous array of these lines.
///
/// - `vector` bit *i* set: child *i* is an internal node, at line
///   `childBase + popcount(vector & (bits below i))`; children are contiguous.
/// - otherwise child *i* is a leaf. Runs of equal leaves are stored once:
///   `leafvec` bit *i* marks a leaf child that starts a new run, and child *i*
///   reads run number `r = popcount(leafvec & (bits 0...i))` (from 1).
/// - Run *r*'s next hop is the 2 bytes at arena byte `leafBias + 2r`. Up to
///   ``inlineLeafCapacity`` runs live in the node's own line (`leafBias` points
///   just before its inline leaves), so a lookup that ends here reads one line;
///   more runs go to leaf lines of the same arena. One address expression for
///   both cases: no branch and no select on the lookup path.
///
/// Full nodes hold the levels below the direct array, and a direct-level
/// node that has internal children. A direct-level node without children
/// (nearly all of them in a real table) is stored *compact* instead; see
/// ``Poptrie``.
public struct PoptrieNode: Sendable {
    public var vector: UInt64
    public var leafvec: UInt64
    public var childBase: UInt32
    /// Arena byte offset of run 1's next hop, minus 2.
    public var leafBias: UInt32
    /// The inline leaves: 20 next hops of 2 bytes.
    @usableFromInline var inlineLeaves: (UInt64, UInt64, UInt64, UInt64, UInt64)

    /// Leaf runs that fit in the node's own line.
    public static var inlineLeafCapacity: Int { 20 }
    /// Byte offsets of the fields within the line (the lookup reads them raw).
    @usableFromInline static var leafvecOffset: Int { 8 }
    @usableFromInline static var childBaseOffset: Int { 16 }
    @usableFromInline static var leafBiasOffset: Int { 20 }
    @usableFromInline static var inlineLeafOffset: Int { 24 }
    /// `leafBias` of a node built with inline leaves, until it is placed in a line.
    static var unplacedInline: UInt32 { .max }

    init(vector: UInt64, leafvec: UInt64, childBase: UInt32, leafBias: UInt32) {
        self.vector = vector
        self.leafvec = leafvec
        self.childBase = childBase
        self.leafBias = leafBias
        inlineLeaves = (0, 0, 0, 0, 0)
    }

    /// Stores inline leaf `index` (0-based).
    mutating func setInlineLeaf(_ index: Int, _ hop: NextHop) {
        withUnsafeMutableBytes(of: &inlineLeaves) { $0.storeBytes(of: hop, toByteOffset: index * 2, as: NextHop.self) }
    }
}

/// A longest-prefix-match table after Poptrie (Asai and Ohara, SIGCOMM 2015):
/// a direct-pointing array for the first `Family.directBits` bits, then a
/// multiway trie of 6-bit strides whose nodes are compressed with population
/// counts, and runs of equal next hops stored once.
///
/// dxemu's variant keeps everything in one arena of 64-byte lines, cut into
/// 16-byte granules, and every direct entry names granules:
///
/// - a *compact node*: `leafvec` (8 bytes) followed by the leaves (2 bytes
///   per run), in 1 to 4 granules that never straddle a line (or in whole
///   lines, past 28 runs). This is a direct-level node with no internal
///   children: a real table's nodes are nearly all of this kind, and at 16 to
///   32 bytes for the usual 2 to 12 runs the table takes half the memory of
///   one line per node, so much more of it stays in the cache.
/// - a *hop slot*: a compact node of one run, one per next hop in use, where
///   the direct array alone resolves the address (a few KiB: it stays in L1).
/// - a full ``PoptrieNode`` (the entry then carries ``slowFlag``): a
///   direct-level node with internal children, i.e. a prefix longer than
///   `directBits + 6` bits below it.
///
/// A lookup is one direct load, one compact node, no branch but the rare slow
/// flag. Lookups allocate nothing and take no locks. The batch lookup of IPv4
/// vectorizes (gathers on x86-64 with AVX2 or AVX-512).
///
/// Updates (``insert(_:length:nextHop:)``, ``withdraw(_:length:)``,
/// ``replace(_:length:nextHop:)``) go to a binary trie of every prefix and
/// rebuild only the part of the structure below the changed prefix (one
/// direct-array entry for prefixes longer than `directBits`); the new part is
/// built before the old is released, so lookups between updates always see a
/// complete, correct table. Not thread-safe: one writer, lookups on the same
/// thread (dxemu's event loop).
public final class Poptrie<Family: AddressFamily> {
    public typealias Key = Family.Key

    /// Bits per trie level.
    public static var strideBits: Int { 6 }
    /// Bytes per arena line (one full node) and per granule, as shifts.
    @usableFromInline static var lineShift: Int { 6 }
    @usableFromInline static var granuleShift: Int { 4 }

    /// Granule index of every `directBits`-bit prefix's node, with flags:
    /// 3 bytes an entry (plus one spare byte at the end, so an entry is read
    /// as 4 bytes and masked). A quarter smaller than 4-byte entries: with a
    /// real table the whole structure then fits a 2 MiB L2 cache.
    @usableFromInline let direct: UnsafeMutableRawPointer
    @usableFromInline static var directEntryBytes: Int { 3 }
    @usableFromInline static var directEntryMask: UInt32 { 0xFF_FFFF }

    /// Direct entry `i` of the table at `direct`.
    @inlinable @inline(__always)
    static func directEntry(_ direct: UnsafeRawPointer, _ i: Int) -> UInt32 {
        direct.loadUnaligned(fromByteOffset: i &* directEntryBytes, as: UInt32.self) & directEntryMask
    }

    private func setDirectEntry(_ i: Int, _ entry: UInt32) {
        precondition(entry <= Self.directEntryMask, "direct entry out of range")
        let p = direct + i * Self.directEntryBytes
        p.storeBytes(of: UInt8(truncatingIfNeeded: entry), as: UInt8.self)
        (p + 1).storeBytes(of: UInt8(truncatingIfNeeded: entry >> 8), as: UInt8.self)
        (p + 2).storeBytes(of: UInt8(truncatingIfNeeded: entry >> 16), as: UInt8.self)
    }

    private static var directBytes: Int { (1 << Family.directBits) * directEntryBytes + 1 }
    /// Full nodes, leaf lines, compact nodes and hop slots.
    @exclusivity(unchecked) @usableFromInline var arena: UnsafeMutablePointer<PoptrieNode>
    @exclusivity(unchecked) var lineCapacity = 0
    /// High-water mark of the arena, in lines.
    @exclusivity(unchecked) private(set) var lineTop = 0
    /// Released blocks of whole lines by size (1...64), reused before the arena grows.
    @exclusivity(unchecked) var freeBlocks: [[UInt32]] = Array(repeating: [], count: 65)
    /// Released granule blocks by size (1...4 granules, never straddling a line).
    @exclusivity(unchecked) var freeGranules: [[UInt32]] = Array(repeating: [], count: 5)
    /// Granule of each next hop's hop slot (0: none yet; ``noRoute``'s is granule 0).
    @exclusivity(unchecked) var hopSlots: [UInt32] = []
    /// Nodes in use: compact and full.
    @exclusivity(unchecked) private(set) var nodesInUse = 0
    @exclusivity(unchecked) var rib = PrefixTrie<Family>()

    /// An empty table: every lookup answers ``noRoute``.
    public init() {
        let bytes = Self.directBytes
        direct = LargeBuffer.allocateZeroed(bytes: bytes)
        lineCapacity = 1024
        arena = Self.allocateArena(lineCapacity)
        reset()
    }

    /// Line 0 holds the hop slot of ``noRoute`` (granule 0): an empty table's
    /// direct entries name it, and 0 can mean "no children" in `childBase`.
    private func reset() {
        lineTop = 0
        nodesInUse = 0
        hopSlots = []
        for i in freeBlocks.indices { freeBlocks[i].removeAll() }
        for i in freeGranules.indices { freeGranules[i].removeAll() }
        _ = allocateLines(1)
        writeHopSlot(noRoute, at: 0)
    }

    /// A table built in one pass from `routes` (later duplicates win).
    public convenience init(routes: [(key: Key, length: Int, nextHop: NextHop)]) {
        self.init()
        load(routes)
    }

    /// A table built in one pass from the routes of a table file.
    public convenience init(routes: [RouteEntry<Family>]) {
        self.init()
        load(routes.map { ($0.key, $0.length, $0.nextHop) })
    }

    @_specialize(exported: true, where Family == IPv4Family)
    @_specialize(exported: true, where Family == IPv6Family)
    func load(_ routes: [(key: Key, length: Int, nextHop: NextHop)]) {
        rib.reserveCapacity(nodes: routes.count * 4)
        for route in routes {
            precondition((0...Family.addressBits).contains(route.length), "prefix length out of range")
            precondition(route.nextHop != noRoute, "next hop 0xFFFF is reserved for 'no route'")
            rib.insert(Self.masked(route.key, route.length), length: route.length, nextHop: route.nextHop)
        }
        rebuildAll()
    }

    deinit {
        LargeBuffer.freeZeroed(direct, bytes: Self.directBytes)
        LargeBuffer.free(arena)
    }

    /// Number of prefixes in the table.
    public var count: Int { rib.count }

    /// Bytes of the lookup structure: the direct array plus the arena up to
    /// its high-water mark (blocks freed by updates included).
    public var lookupStructureBytes: Int {
        Self.directBytes + lineTop * MemoryLayout<PoptrieNode>.stride
    }

    /// Internal nodes in use (compact and full).
    public var nodeCount: Int { nodesInUse }

    // MARK: - Lookup

    /// A direct entry with this bit names a full node (one with internal
    /// children), line-aligned; the others name a compact node or hop slot.
    public static var slowFlag: UInt32 { 0x80_0000 }
    @usableFromInline static var granuleMask: UInt32 { 0x7F_FFFF }
    /// Byte of a compact node's run 0, were there one: runs start at byte 8.
    @usableFromInline static var compactLeafBias: Int { 6 }

    /// The 6 bits of `key` that pick a child at a node `offset` bits deep.
    @inlinable @inline(__always)
    static func chunk(_ key: Key, at offset: Int) -> UInt64 {
        UInt64(truncatingIfNeeded: (key &<< offset) &>> (Key.bitWidth &- 6))
    }

    /// The line of the full node a slow direct entry names.
    @inlinable @inline(__always)
    static func fullNodeLine(_ entry: UInt32) -> UInt32 { (entry & granuleMask) &>> 2 }

    /// The next hop of the longest prefix that matches `key`, or ``noRoute``.
    @inlinable @inline(__always)
    public func lookup(_ key: Key) -> NextHop {
        let entry = Self.directEntry(direct, Int(truncatingIfNeeded: key &>> (Key.bitWidth &- Family.directBits)))
        let arena = UnsafeRawPointer(self.arena)
        if entry & Self.slowFlag != 0 {
            return Self.resolve(key, line: Self.fullNodeLine(entry), arena: arena)
        }
        let node = Int(entry) &<< Self.granuleShift
        let chunk = Self.chunk(key, at: Family.directBits)
        let run = (arena.load(fromByteOffset: node, as: UInt64.self) &<< (63 &- chunk)).nonzeroBitCount
        return arena.load(fromByteOffset: node &+ Self.compactLeafBias &+ run &* 2, as: NextHop.self)
    }

    /// Looks up every key of `keys` into `results` (same count).
    ///
    /// IPv4 (64-bit keys) runs in blocks of 64 keys. The block's direct
    /// entries are read first, into a stack buffer, so all their cache misses
    /// overlap (measured 1.1-1.2x on both trace kinds against reading each
    /// key's entry in the pass below). Then a pass finishes every key as if
    /// its direct entry named a compact node (nearly all do): a loop with no
    /// branch and no store the compiler cannot prove apart from the table, so
    /// it vectorizes. On x86-64 with AVX2 or AVX-512 the direct entries,
    /// `leafvec` words and leaves are read with gathers, and ranked with
    /// vector popcounts. Keys whose entry carries ``slowFlag`` are finished
    /// again by the scalar walk in a last pass. IPv6 keys (128 bits) do not vectorize, and their lookups
    /// mostly descend several full nodes: they run one by one (prefetching
    /// ahead was measured slower).
    @inlinable
    public func lookup(batch keys: UnsafeBufferPointer<Key>, into results: UnsafeMutableBufferPointer<NextHop>) {
        precondition(results.count >= keys.count, "results must have room for every key")
        guard let k = keys.baseAddress, let out = results.baseAddress else { return }
        if Key.bitWidth <= 64 {
            lookupInBlocks(k, count: keys.count, into: out)
        } else {
            for i in 0..<keys.count { out[i] = lookup(k[i]) }
        }
    }

    @inlinable @inline(__always)
    func lookupInBlocks(_ k: UnsafePointer<Key>, count n: Int, into out: UnsafeMutablePointer<NextHop>) {
        let shift = Key.bitWidth &- Family.directBits
        // Local copies: the arrays cannot move during a lookup, and the
        // compiler would otherwise reload them from the object per key.
        let arena = UnsafeRawPointer(self.arena), direct = UnsafeRawPointer(self.direct)
        // Results and flags go to the stack first: the compiler knows those
        // stores cannot change the table, which is what lets it vectorize.
        withUnsafeTemporaryAllocation(of: NextHop.self, capacity: 64) { hopBuffer in
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { slowBuffer in
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { entryBuffer in
            let hops = hopBuffer.baseAddress!, slow = slowBuffer.baseAddress!, entries = entryBuffer.baseAddress!
            var start = 0
            while start < n {
                let count = min(64, n &- start)
                let block = k + start
                var anySlow: UInt32 = 0
                // The direct entries of the whole block first: 64 independent
                // loads in flight before any node load that depends on them.
                for j in 0..<count {
                    entries[j] = Self.directEntry(direct, Int(truncatingIfNeeded: block[j] &>> shift))
                }
                for j in 0..<count {
                    let key = block[j]
                    let entry = entries[j]
                    let node = Int(entry & Self.granuleMask) &<< Self.granuleShift
                    let chunk = Self.chunk(key, at: Family.directBits)
                    let run = (arena.load(fromByteOffset: node, as: UInt64.self) &<< (63 &- chunk)).nonzeroBitCount
                    // Gathers have no 2-byte form: read the 4 bytes that end
                    // with the leaf and keep the high half. They never leave
                    // the node, whose granules never straddle a line.
                    let pair = arena.loadUnaligned(fromByteOffset: node &+ Self.compactLeafBias &- 2 &+ run &* 2, as: UInt32.self)
                    hops[j] = NextHop(truncatingIfNeeded: pair &>> 16)
                    let flag = entry &>> 23
                    slow[j] = UInt8(truncatingIfNeeded: flag)
                    anySlow |= flag
                }
                (out + start).update(from: hops, count: count)
                if anySlow != 0 {
                    for j in 0..<count where slow[j] != 0 {
                        out[start &+ j] = Self.resolve(block[j], line: Self.fullNodeLine(entries[j]), arena: arena)
                    }
                }
                start &+= count
            }
        }
        }
        }
    }

    /// Finishes a lookup from the full node in `line`: walks down while the
    /// key's next 6 bits name an internal child, then reads the leaf of the
    /// child they name.
    @inlinable @inline(__always)
    static func resolve(_ key: Key, line: UInt32, arena: UnsafeRawPointer) -> NextHop {
        var node = arena + (Int(line) &<< lineShift)
        var offset = Family.directBits
        var vector = node.load(as: UInt64.self)
        var chunk = Self.chunk(key, at: offset)
        while (vector &>> chunk) & 1 != 0 {
            let below = (vector & ((1 &<< chunk) &- 1)).nonzeroBitCount
            let child = Int(node.load(fromByteOffset: PoptrieNode.childBaseOffset, as: UInt32.self)) &+ below
            node = arena + (child &<< lineShift)
            offset &+= 6
            vector = node.load(as: UInt64.self)
            chunk = Self.chunk(key, at: offset)
        }
        let leafvec = node.load(fromByteOffset: PoptrieNode.leafvecOffset, as: UInt64.self)
        let run = (leafvec &<< (63 &- chunk)).nonzeroBitCount
        let bias = node.load(fromByteOffset: PoptrieNode.leafBiasOffset, as: UInt32.self)
        return arena.load(fromByteOffset: Int(bias) &+ run &* 2, as: NextHop.self)
    }

    // MARK: - Updates

    /// Adds `key/length` with `nextHop`, or changes its next hop if present;
    /// returns the previous next hop (``noRoute`` if the prefix is new).
    @_specialize(exported: true, where Family == IPv4Family)
    @_specialize(exported: true, where Family == IPv6Family)
    @discardableResult
    public func insert(_ key: Key, length: Int, nextHop: NextHop) -> NextHop {
        precondition((0...Family.addressBits).contains(length), "prefix length out of range")
        precondition(nextHop != noRoute, "next hop 0xFFFF is reserved for 'no route'")
        let k = Self.masked(key, length)
        let previous = rib.insert(k, length: length, nextHop: nextHop)
        if previous != nextHop { refresh(k, length: length) }
        return previous
    }

    /// Removes `key/length`; returns its next hop, or ``noRoute`` if it was absent.
    @_specialize(exported: true, where Family == IPv4Family)
    @_specialize(exported: true, where Family == IPv6Family)
    @discardableResult
    public func withdraw(_ key: Key, length: Int) -> NextHop {
        precondition((0...Family.addressBits).contains(length), "prefix length out of range")
        let k = Self.masked(key, length)
        let previous = rib.remove(k, length: length)
        if previous != noRoute { refresh(k, length: length) }
        return previous
    }

    /// Changes the next hop of a prefix that is present; returns false (and
    /// changes nothing) when it is absent.
    @discardableResult
    public func replace(_ key: Key, length: Int, nextHop: NextHop) -> Bool {
        let k = Self.masked(key, length)
        guard rib.exact(k, length: length) != noRoute else { return false }
        insert(k, length: length, nextHop: nextHop)
        return true
    }

    /// The next hop stored for exactly `key/length`, or ``noRoute``.
    public func nextHop(of key: Key, length: Int) -> NextHop {
        rib.exact(Self.masked(key, length), length: length)
    }

    @inline(__always)
    static func masked(_ key: Key, _ length: Int) -> Key {
        // Masking shifts reduce the count modulo the width: handle 0 and full width apart.
        if length == 0 { return 0 }
        if length >= Key.bitWidth { return key }
        return key & ~(Key.max &>> length)
    }

    /// Rebuilds what lies under `key/length` from the binary trie.
    @_specialize(where Family == IPv4Family)
    @_specialize(where Family == IPv6Family)
    private func refresh(_ key: Key, length: Int) {
        let depth = min(length, Family.directBits)
        let (node, inherited) = rib.descend(key, to: depth)
        let bits = depth == 0 ? 0 : Int(truncatingIfNeeded: key &>> (Key.bitWidth - depth))
        fillDirect(node, depth: depth, bits: bits, inherited: inherited)
    }

    // MARK: - Building

    /// Rebuilds the whole structure from the binary trie and trims the arena.
    @_specialize(exported: true, where Family == IPv4Family)
    @_specialize(exported: true, where Family == IPv6Family)
    func rebuildAll() {
        reset()
        direct.initializeMemory(as: UInt8.self, repeating: 0, count: Self.directBytes)
        fillDirect(PrefixTrie<Family>.root, depth: 0, bits: 0, inherited: noRoute)
        resizeArena(to: max(lineTop, 64))
    }

    /// Fills the direct entries under the trie node `node` at `depth`, whose
    /// first `depth` bits are `bits`; `inherited` is the best next hop above it.
    @_specialize(where Family == IPv4Family)
    @_specialize(where Family == IPv6Family)
    private func fillDirect(_ node: Int32?, depth: Int, bits: Int, inherited: NextHop) {
        let s = Family.directBits
        guard let node else {
            setDirect(range: bits << (s - depth), count: 1 << (s - depth), hopSlot(inherited))
            return
        }
        let own = rib.nextHops[Int(node)]
        let hop = own != noRoute ? own : inherited
        if !rib.hasChildren(node) || depth == s {
            if depth == s && rib.hasChildren(node) {
                let entry: UInt32
                switch build(node, depth: depth, inherited: hop, compact: true) {
                case let .leaf(value):
                    entry = hopSlot(value)
                case let .compact(granule):
                    entry = granule
                case let .node(value):
                    // Internal children: a full node, flagged slow.
                    nodesInUse += 1
                    let line = allocateLines(1)
                    place(value, at: line)
                    entry = line &<< 2 | Self.slowFlag
                }
                setDirect(range: bits, count: 1, entry)
            } else {
                setDirect(range: bits << (s - depth), count: 1 << (s - depth), hopSlot(hop))
            }
            return
        }
        for b in 0...1 {
            let c = rib.child(node, b)
            fillDirect(c >= 0 ? c : nil, depth: depth + 1, bits: bits << 1 | b, inherited: hop)
        }
    }

    /// Writes `count` direct entries from `start`, then frees the nodes they named.
    @_specialize(where Family == IPv4Family)
    @_specialize(where Family == IPv6Family)
    private func setDirect(range start: Int, count: Int, _ entry: UInt32) {
        for i in start..<(start + count) {
            let old = Self.directEntry(direct, i)
            setDirectEntry(i, entry)
            if old != entry { releaseDirectEntry(old) }
        }
    }

    /// Frees the node a direct entry named (nothing for a hop slot).
    private func releaseDirectEntry(_ entry: UInt32) {
        let granule = entry & Self.granuleMask
        if entry & Self.slowFlag != 0 {
            let line = granule >> 2
            releaseContents(line: line)
            freeLines(line, count: 1)
            nodesInUse -= 1
            return
        }
        let leafvec = UnsafeRawPointer(arena).load(fromByteOffset: Int(granule) << Self.granuleShift, as: UInt64.self)
        if leafvec == 1 { return }  // a hop slot: a compact node has 2 runs or more
        freeCompact(granule, runs: leafvec.nonzeroBitCount)
        nodesInUse -= 1
    }

    /// The hop slot of `hop`, made on first use. Hop slots live until the
    /// next full rebuild: there is at most one per next hop in use.
    private func hopSlot(_ hop: NextHop) -> UInt32 {
        if hop == noRoute { return 0 }
        let h = Int(hop)
        if h >= hopSlots.count { hopSlots += Array(repeating: 0, count: h + 1 - hopSlots.count) }
        if hopSlots[h] != 0 { return hopSlots[h] }
        let granule = allocateCompact(runs: 1)
        writeHopSlot(hop, at: granule)
        hopSlots[h] = granule
        return granule
    }

    /// Writes a hop slot: a compact node of one run.
    private func writeHopSlot(_ hop: NextHop, at granule: UInt32) {
        withUnsafePointer(to: hop) { writeCompact(at: granule, leafvec: 1, runs: $0, count: 1) }
    }

    /// Writes a compact node: `leafvec`, then the `count` leaves from `runs`.
    private func writeCompact(at granule: UInt32, leafvec: UInt64, runs: UnsafePointer<NextHop>, count: Int) {
        let bytes = UnsafeMutableRawPointer(arena) + (Int(granule) << Self.granuleShift)
        bytes.storeBytes(of: leafvec, as: UInt64.self)
        (bytes + 8).copyMemory(from: runs, byteCount: count * MemoryLayout<NextHop>.stride)
    }

    /// Stores a built full node in its line (inline leaves learn their address here).
    private func place(_ node: PoptrieNode, at line: UInt32) {
        var node = node
        if node.leafBias == PoptrieNode.unplacedInline { node.leafBias = Self.inlineBias(line) }
        arena[Int(line)] = node
    }

    /// `leafBias` of the full node in `line` when its leaves are inline.
    @inline(__always)
    private static func inlineBias(_ line: UInt32) -> UInt32 {
        line &<< UInt32(lineShift) &+ UInt32(PoptrieNode.inlineLeafOffset - 2)
    }

    /// Lines a block of `runs` out-of-line leaves of a full node takes.
    @inline(__always)
    private static func leafLines(_ runs: Int) -> Int { (runs * MemoryLayout<NextHop>.stride + 63) >> 6 }

    /// Builds the node for the 6 bits below `node` (at `depth`), recursively;
    /// a subtree that resolves to one next hop everywhere collapses into a
    /// leaf. With `compact` (a node the direct array names), a node without
    /// internal children is written compact at once.
    @_specialize(where Family == IPv4Family)
    @_specialize(where Family == IPv6Family)
    private func build(_ node: Int32, depth: Int, inherited: NextHop, compact: Bool = false) -> BuiltSubtree {
        // Scratch on the stack: slots (a trie node of an internal child, or -1
        // and a leaf), the children built, and the leaf runs.
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: 64) { slotNodes in
        withUnsafeTemporaryAllocation(of: NextHop.self, capacity: 64) { slotHops in
        withUnsafeTemporaryAllocation(of: PoptrieNode.self, capacity: 64) { children in
        withUnsafeTemporaryAllocation(of: NextHop.self, capacity: 64) { runs in
            let slots = Slots(nodes: slotNodes.baseAddress!, hops: slotHops.baseAddress!)
            expand(node, depth: depth, level: 0, index: 0, inherited: inherited, into: slots)
            var childCount = 0
            var vector: UInt64 = 0
            for i in 0..<64 where slots.nodes[i] >= 0 {
                switch build(slots.nodes[i], depth: depth + 6, inherited: slots.hops[i]) {
                case let .leaf(value):
                    slots.nodes[i] = -1
                    slots.hops[i] = value
                case let .node(child):
                    children[childCount] = child
                    childCount += 1
                    vector |= 1 << UInt64(i)
                case .compact:
                    preconditionFailure("only a node the direct array names is compact")
                }
            }
            var leafvec: UInt64 = 0
            var runCount = 0
            var last: NextHop = 0
            for i in 0..<64 where vector & (1 << UInt64(i)) == 0 {
                if runCount == 0 || slots.hops[i] != last {
                    leafvec |= 1 << UInt64(i)
                    last = slots.hops[i]
                    runs[runCount] = last
                    runCount += 1
                }
            }
            if vector == 0 && runCount == 1 { return .leaf(runs[0]) }
            if vector == 0 && compact {
                nodesInUse += 1
                let granule = allocateCompact(runs: runCount)
                writeCompact(at: granule, leafvec: leafvec, runs: runs.baseAddress!, count: runCount)
                return .compact(granule)
            }
            let childBase = childCount == 0 ? 0 : allocateNodes(childCount)
            for k in 0..<childCount { place(children[k], at: childBase + UInt32(k)) }
            var built = PoptrieNode(vector: vector, leafvec: leafvec, childBase: childBase, leafBias: PoptrieNode.unplacedInline)
            if runCount <= PoptrieNode.inlineLeafCapacity {
                for k in 0..<runCount { built.setInlineLeaf(k, runs[k]) }
            } else {
                let first = allocateLines(Self.leafLines(runCount))
                let bytes = UnsafeMutableRawPointer(arena) + (Int(first) << Self.lineShift)
                for k in 0..<runCount { bytes.storeBytes(of: runs[k], toByteOffset: k * 2, as: NextHop.self) }
                built.leafBias = first &<< UInt32(Self.lineShift) &- 2
            }
            return .node(built)
        }
        }
        }
        }
    }

    /// Fills the 64 slots below `node` by walking the binary trie `level` bits
    /// into the window; slot `index` at `level` covers 2^(6 - level) slots.
    @_specialize(where Family == IPv4Family)
    @_specialize(where Family == IPv6Family)
    private func expand(_ node: Int32, depth: Int, level: Int, index: Int, inherited: NextHop, into slots: Slots) {
        let own = rib.nextHops[Int(node)]
        let hop = own != noRoute ? own : inherited
        let span = 1 << (6 - level)
        if level == 6 {
            slots.nodes[index] = rib.hasChildren(node) ? node : -1
            slots.hops[index] = hop
            return
        }
        if depth + level == Family.addressBits || !rib.hasChildren(node) {
            slots.fill(from: index * span, count: span, hop)
            return
        }
        for b in 0...1 {
            let c = rib.child(node, b)
            let childIndex = index << 1 | b
            if c >= 0 {
                expand(c, depth: depth, level: level + 1, index: childIndex, inherited: hop, into: slots)
            } else {
                slots.fill(from: childIndex * (span >> 1), count: span >> 1, hop)
            }
        }
    }

    /// Returns what the full node in `line` holds (its children's blocks and
    /// its out-of-line leaves) to the free lists; the line itself stays.
    @_specialize(where Family == IPv4Family)
    @_specialize(where Family == IPv6Family)
    private func releaseContents(line: UInt32) {
        let node = arena[Int(line)]
        let childCount = node.vector.nonzeroBitCount
        for k in 0..<childCount { releaseContents(line: node.childBase + UInt32(k)) }
        if childCount > 0 { releaseNodes(node.childBase, count: childCount) }
        if node.leafBias != Self.inlineBias(line) {
            freeLines((node.leafBias &+ 2) >> UInt32(Self.lineShift), count: Self.leafLines(node.leafvec.nonzeroBitCount))
        }
    }

    // MARK: - Arena blocks

    /// A block of `count` full nodes (the children of one node).
    private func allocateNodes(_ count: Int) -> UInt32 {
        nodesInUse += count
        return allocateLines(count)
    }

    private func releaseNodes(_ start: UInt32, count: Int) {
        nodesInUse -= count
        freeLines(start, count: count)
    }

    /// Granules a compact node of `runs` runs takes: 1 to 4 within one line,
    /// or whole lines (4 granules each) past 28 runs.
    @inline(__always)
    private static func compactGranules(_ runs: Int) -> Int {
        let bytes = 8 + runs * MemoryLayout<NextHop>.stride
        return bytes <= 64 ? (bytes + 15) >> 4 : ((bytes + 63) >> 6) << 2
    }

    /// Room for a compact node; returns its first granule.
    private func allocateCompact(runs: Int) -> UInt32 {
        let granules = Self.compactGranules(runs)
        if granules > 4 { return allocateLines(granules >> 2) &<< 2 }
        if let reused = freeGranules[granules].popLast() { return reused }
        // Cut a fresh line: this block first, the rest to the free lists in
        // pieces that stay inside the line.
        let first = allocateLines(1) &<< 2
        var next = first + UInt32(granules)
        var left = 4 - granules
        while left > 0 {
            let piece = left >= granules ? granules : left
            freeGranules[piece].append(next)
            next += UInt32(piece)
            left -= piece
        }
        return first
    }

    private func freeCompact(_ granule: UInt32, runs: Int) {
        let granules = Self.compactGranules(runs)
        if granules > 4 {
            freeLines(granule >> 2, count: granules >> 2)
        } else {
            freeGranules[granules].append(granule)
        }
    }

    private func allocateLines(_ count: Int) -> UInt32 {
        if let reused = freeBlocks[count].popLast() { return reused }
        if lineTop + count > lineCapacity { resizeArena(to: max(lineCapacity * 3 / 2, lineTop + count + 64)) }
        // Granules (4 a line) must fit the 23 bits of a direct entry; this
        // also keeps byte offsets within the 32-bit leafBias.
        precondition(lineTop + count < 1 << 21, "too many Poptrie nodes (the arena is limited to 128 MiB)")
        defer { lineTop += count }
        return UInt32(lineTop)
    }

    /// An arena of `lines` lines plus spare zeroed ones: the vectorized
    /// batch pass reads a full node's line as if it were compact, up to 134
    /// bytes past its start, before the scalar pass redoes it.
    private static func allocateArena(_ lines: Int) -> UnsafeMutablePointer<PoptrieNode> {
        let spare = 3
        let memory = LargeBuffer.allocate(PoptrieNode.self, count: lines + spare)
        UnsafeMutableRawPointer(memory + lines).initializeMemory(as: UInt8.self, repeating: 0,
                                                                 count: spare * MemoryLayout<PoptrieNode>.stride)
        return memory
    }

    private func freeLines(_ start: UInt32, count: Int) {
        freeBlocks[count].append(start)
    }

    private func resizeArena(to capacity: Int) {
        let fresh = Self.allocateArena(capacity)
        fresh.moveInitialize(from: arena, count: min(lineTop, capacity))
        LargeBuffer.free(arena)
        arena = fresh
        lineCapacity = capacity
    }
}

/// What a subtree turned into: a single next hop, a compact node (its first
/// granule), or a full node still to be placed.
enum BuiltSubtree {
    case leaf(NextHop)
    case compact(UInt32)
    case node(PoptrieNode)
}

/// The 64 children of a node being built: a trie node for an internal child
/// (-1 for a leaf), and the next hop inherited there.
struct Slots {
    let nodes: UnsafeMutablePointer<Int32>
    let hops: UnsafeMutablePointer<NextHop>

    @inline(__always)
    func fill(from start: Int, count: Int, _ hop: NextHop) {
        for i in start..<(start + count) {
            nodes[i] = -1
            hops[i] = hop
        }
    }
}
