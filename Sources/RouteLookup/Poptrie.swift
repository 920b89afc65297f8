import CPrefetch

/// One 64-byte line of a ``Poptrie``'s arena holding an internal node: 64
/// children, one per value of the next 6 address bits, described by two
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

    /// A hop line: the one-leaf pseudo-node a direct entry names when its
    /// whole block resolves to `hop`. Real nodes never look like this (a node
    /// with no children and one run collapses into a leaf), which is how the
    /// updates tell the two apart.
    var isHopLine: Bool { vector == 0 && leafvec == 1 }
}

/// A longest-prefix-match table after Poptrie (Asai and Ohara, SIGCOMM 2015):
/// a direct-pointing array for the first `Family.directBits` bits, then a
/// multiway trie of 6-bit strides whose nodes are compressed with population
/// counts, and runs of equal next hops stored once.
///
/// dxemu's variant keeps nodes and out-of-line leaves in one arena of 64-byte
/// lines and makes every direct entry name a line: a node, or a *hop line*
/// (a one-leaf pseudo-node, one per next hop in use, a few KiB that stay in
/// L1) where the direct array alone resolves the address. Every lookup then
/// runs the same straight-line code: one direct load, one node line, one
/// 2-byte leaf read, no data-dependent branch except the rare descent past a
/// node (a prefix longer than `directBits + 6`).
///
/// Lookups allocate nothing and take no locks. Batch lookups load the direct
/// entries of one group and prefetch their lines while the previous group,
/// whose lines are on their way, is finished; the misses of two groups overlap.
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
    /// Bytes per arena line (one node).
    @usableFromInline static var lineShift: Int { 6 }

    /// Line of every `directBits`-bit prefix: a node or a hop line.
    @usableFromInline let direct: UnsafeMutablePointer<UInt32>
    /// Nodes, leaf lines and hop lines.
    @exclusivity(unchecked) @usableFromInline var arena: UnsafeMutablePointer<PoptrieNode>
    @exclusivity(unchecked) var lineCapacity = 0
    /// High-water mark of the arena.
    @exclusivity(unchecked) private(set) var lineTop = 0
    /// Released blocks by size in lines (1...64), reused before the arena grows.
    @exclusivity(unchecked) var freeBlocks: [[UInt32]] = Array(repeating: [], count: 65)
    /// Line of each next hop's hop line (0: none yet; ``noRoute``'s is line 0).
    @exclusivity(unchecked) var hopLines: [UInt32] = []
    /// Lines holding nodes (not leaves, not hop lines).
    @exclusivity(unchecked) private(set) var nodeLines = 0
    @exclusivity(unchecked) var rib = PrefixTrie<Family>()

    /// An empty table: every lookup answers ``noRoute``.
    public init() {
        let size = 1 << Family.directBits
        direct = LargeBuffer.allocate(UInt32.self, count: size)
        direct.initialize(repeating: 0, count: size)
        lineCapacity = 1024
        arena = LargeBuffer.allocate(PoptrieNode.self, count: lineCapacity)
        reset()
    }

    /// Line 0 is the hop line of ``noRoute``: an empty table's direct entries
    /// name it, and 0 can mean "no children" in `childBase`.
    private func reset() {
        lineTop = 0
        nodeLines = 0
        hopLines = []
        for i in freeBlocks.indices { freeBlocks[i].removeAll() }
        var empty = PoptrieNode(vector: 0, leafvec: 1, childBase: 0, leafBias: PoptrieNode.unplacedInline)
        empty.setInlineLeaf(0, noRoute)
        place(empty, at: allocateLines(1))
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
        LargeBuffer.free(direct)
        LargeBuffer.free(arena)
    }

    /// Number of prefixes in the table.
    public var count: Int { rib.count }

    /// Bytes of the lookup structure: the direct array plus the arena up to
    /// its high-water mark (blocks freed by updates included).
    public var lookupStructureBytes: Int {
        (1 << Family.directBits) * MemoryLayout<UInt32>.stride + lineTop * MemoryLayout<PoptrieNode>.stride
    }

    /// Internal nodes in use.
    public var nodeCount: Int { nodeLines }

    // MARK: - Lookup

    /// The next hop of the longest prefix that matches `key`, or ``noRoute``.
    @inlinable @inline(__always)
    public func lookup(_ key: Key) -> NextHop {
        let line = direct[Int(truncatingIfNeeded: key &>> (Key.bitWidth &- Family.directBits))]
        return Self.resolve(key, line: line, arena: UnsafeRawPointer(arena))
    }

    /// Looks up every key of `keys` into `results` (same count).
    ///
    /// One pass with software prefetch: while key *i* is finished, the line
    /// key *i + distance* will need is prefetched (its direct entry is a cache
    /// hit: the direct array is small), so about `distance` node-line misses
    /// are in flight at once. A batch no longer than `distance` prefetches
    /// every line first, then finishes every key. The finishing code has no
    /// data-dependent branch but the rare descent past a node.
    @inlinable
    public func lookup(batch keys: UnsafeBufferPointer<Key>, into results: UnsafeMutableBufferPointer<NextHop>,
                       distance: Int = Poptrie.prefetchDistance) {
        precondition(results.count >= keys.count, "results must have room for every key")
        let n = keys.count
        guard let k = keys.baseAddress, let out = results.baseAddress else { return }
        let shift = Key.bitWidth &- Family.directBits
        // Local copies: the arrays cannot move during a lookup, and the
        // compiler would otherwise reload them from the object per key.
        let arena = UnsafeRawPointer(self.arena), direct = UnsafePointer(self.direct)
        let ahead = min(max(distance, 0), n)
        for i in 0..<ahead {
            dxemu_prefetch(arena + (Int(direct[Int(truncatingIfNeeded: k[i] &>> shift)]) &<< Self.lineShift))
        }
        for i in 0..<(n &- ahead) {
            dxemu_prefetch(arena + (Int(direct[Int(truncatingIfNeeded: k[i &+ ahead] &>> shift)]) &<< Self.lineShift))
            let key = k[i]
            out[i] = Self.resolve(key, line: direct[Int(truncatingIfNeeded: key &>> shift)], arena: arena)
        }
        for i in (n &- ahead)..<n {
            let key = k[i]
            out[i] = Self.resolve(key, line: direct[Int(truncatingIfNeeded: key &>> shift)], arena: arena)
        }
    }

    /// Keys between a prefetch and its use in ``lookup(batch:into:distance:)``:
    /// enough misses in flight to cover a DRAM access, measured best on
    /// dxemu's CI machines (48 to 64 alike; 16 and 128 slower).
    public static var prefetchDistance: Int { 48 }

    /// Finishes a lookup from the line its direct entry names: walks down
    /// while the key's next 6 bits name an internal child, then reads the
    /// leaf of the child they name.
    @inlinable @inline(__always)
    static func resolve(_ key: Key, line: UInt32, arena: UnsafeRawPointer) -> NextHop {
        var node = arena + (Int(line) &<< lineShift)
        var offset = Family.directBits
        var vector = node.load(as: UInt64.self)
        var chunk = UInt64(truncatingIfNeeded: (key &<< offset) &>> (Key.bitWidth &- 6))
        while (vector &>> chunk) & 1 != 0 {
            let below = (vector & ((1 &<< chunk) &- 1)).nonzeroBitCount
            let child = Int(node.load(fromByteOffset: PoptrieNode.childBaseOffset, as: UInt32.self)) &+ below
            node = arena + (child &<< lineShift)
            offset &+= 6
            vector = node.load(as: UInt64.self)
            chunk = UInt64(truncatingIfNeeded: (key &<< offset) &>> (Key.bitWidth &- 6))
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
        direct.update(repeating: 0, count: 1 << Family.directBits)
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
            setDirect(range: bits << (s - depth), count: 1 << (s - depth), hopLine(inherited))
            return
        }
        let own = rib.nextHops[Int(node)]
        let hop = own != noRoute ? own : inherited
        if !rib.hasChildren(node) || depth == s {
            if depth == s && rib.hasChildren(node) {
                let entry: UInt32
                switch build(node, depth: depth, inherited: hop) {
                case let .leaf(value):
                    entry = hopLine(value)
                case let .node(value):
                    entry = allocateNodes(1)
                    place(value, at: entry)
                }
                setDirect(range: bits, count: 1, entry)
            } else {
                setDirect(range: bits << (s - depth), count: 1 << (s - depth), hopLine(hop))
            }
            return
        }
        for b in 0...1 {
            let c = rib.child(node, b)
            fillDirect(c >= 0 ? c : nil, depth: depth + 1, bits: bits << 1 | b, inherited: hop)
        }
    }

    /// Writes `count` direct entries from `start`, then frees the subtrees they held.
    @_specialize(where Family == IPv4Family)
    @_specialize(where Family == IPv6Family)
    private func setDirect(range start: Int, count: Int, _ line: UInt32) {
        for i in start..<(start + count) {
            let old = direct[i]
            direct[i] = line
            if old != line && !arena[Int(old)].isHopLine {
                release(line: old)
                releaseNodes(old, count: 1)
            }
        }
    }

    /// The hop line of `hop`, made on first use. Hop lines live until the
    /// next full rebuild: there is at most one per next hop in use.
    private func hopLine(_ hop: NextHop) -> UInt32 {
        if hop == noRoute { return 0 }
        let h = Int(hop)
        if h >= hopLines.count { hopLines += Array(repeating: 0, count: h + 1 - hopLines.count) }
        if hopLines[h] != 0 { return hopLines[h] }
        var node = PoptrieNode(vector: 0, leafvec: 1, childBase: 0, leafBias: PoptrieNode.unplacedInline)
        node.setInlineLeaf(0, hop)
        let line = allocateLines(1)
        place(node, at: line)
        hopLines[h] = line
        return line
    }

    /// Stores a built node in its line (inline leaves learn their address here).
    private func place(_ node: PoptrieNode, at line: UInt32) {
        var node = node
        if node.leafBias == PoptrieNode.unplacedInline { node.leafBias = Self.inlineBias(line) }
        arena[Int(line)] = node
    }

    /// `leafBias` of the node in `line` when its leaves are inline.
    @inline(__always)
    private static func inlineBias(_ line: UInt32) -> UInt32 {
        line &<< UInt32(lineShift) &+ UInt32(PoptrieNode.inlineLeafOffset - 2)
    }

    /// Lines a block of `runs` out-of-line leaves takes.
    @inline(__always)
    private static func leafLines(_ runs: Int) -> Int { (runs * MemoryLayout<NextHop>.stride + 63) >> 6 }

    /// Builds the node for the 6 bits below `node` (at `depth`), recursively;
    /// a subtree that resolves to one next hop everywhere collapses into a leaf.
    @_specialize(where Family == IPv4Family)
    @_specialize(where Family == IPv6Family)
    private func build(_ node: Int32, depth: Int, inherited: NextHop) -> BuiltSubtree {
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

    /// Returns what the node in `line` holds (its children's blocks and its
    /// out-of-line leaves) to the free lists; the line itself stays.
    @_specialize(where Family == IPv4Family)
    @_specialize(where Family == IPv6Family)
    private func release(line: UInt32) {
        let node = arena[Int(line)]
        let childCount = node.vector.nonzeroBitCount
        for k in 0..<childCount { release(line: node.childBase + UInt32(k)) }
        if childCount > 0 { releaseNodes(node.childBase, count: childCount) }
        if node.leafBias != Self.inlineBias(line) {
            freeLines((node.leafBias &+ 2) >> UInt32(Self.lineShift), count: Self.leafLines(node.leafvec.nonzeroBitCount))
        }
    }

    // MARK: - Arena blocks

    private func allocateNodes(_ count: Int) -> UInt32 {
        nodeLines += count
        return allocateLines(count)
    }

    private func releaseNodes(_ start: UInt32, count: Int) {
        nodeLines -= count
        freeLines(start, count: count)
    }

    private func allocateLines(_ count: Int) -> UInt32 {
        if let reused = freeBlocks[count].popLast() { return reused }
        if lineTop + count > lineCapacity { resizeArena(to: max(lineCapacity * 3 / 2, lineTop + count + 64)) }
        // Byte offsets of lines must fit the 32-bit leafBias.
        precondition(lineTop + count < 1 << (32 - Self.lineShift), "too many Poptrie nodes")
        defer { lineTop += count }
        return UInt32(lineTop)
    }

    private func freeLines(_ start: UInt32, count: Int) {
        freeBlocks[count].append(start)
    }

    private func resizeArena(to capacity: Int) {
        let fresh = LargeBuffer.allocate(PoptrieNode.self, count: capacity)
        fresh.moveInitialize(from: arena, count: min(lineTop, capacity))
        LargeBuffer.free(arena)
        arena = fresh
        lineCapacity = capacity
    }
}

/// What a subtree turned into: a single next hop, or a node.
enum BuiltSubtree {
    case leaf(NextHop)
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
