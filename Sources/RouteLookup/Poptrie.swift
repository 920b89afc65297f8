/// One internal node of a ``Poptrie``: 64 children, one per value of the next 6
/// address bits, described by two bitmaps (24 bytes, no references).
///
/// - `vector` bit *i* set: child *i* is an internal node, stored at
///   `childBase + popcount(vector & (bits below i))`; children are contiguous.
/// - otherwise child *i* is a leaf. Runs of equal leaves are stored once:
///   `leafvec` bit *i* marks a leaf child that starts a new run, and the leaf of
///   child *i* is `leaves[leafBase + popcount(leafvec & (bits 0...i)) - 1]`.
public struct PoptrieNode: Sendable {
    public var vector: UInt64
    public var leafvec: UInt64
    public var leafBase: UInt32
    public var childBase: UInt32

    @inlinable
    init(vector: UInt64, leafvec: UInt64, leafBase: UInt32, childBase: UInt32) {
        self.vector = vector
        self.leafvec = leafvec
        self.leafBase = leafBase
        self.childBase = childBase
    }
}

/// A longest-prefix-match table after Poptrie (Asai and Ohara, SIGCOMM 2015):
/// a direct-pointing array for the first `Family.directBits` bits, then a
/// multiway trie of 6-bit strides whose nodes are compressed with population
/// counts, and runs of equal next hops stored once.
///
/// Lookups allocate nothing and take no locks: one load from the direct array,
/// then one node and one leaf load per 6 bits (IPv4: at most 3 nodes). Batch
/// lookups walk many addresses level by level so their cache misses overlap.
///
/// Updates (``insert(_:length:nextHop:)``, ``withdraw(_:length:)``,
/// ``replace(_:length:nextHop:)``) go to a binary trie of every prefix and
/// rebuild only the part of the structure below the changed prefix (one
/// direct-array entry for prefixes longer than `directBits`); lookups between
/// updates always see a complete, correct table. Not thread-safe: one writer,
/// lookups on the same thread (dxemu's event loop).
public final class Poptrie<Family: AddressFamily> {
    public typealias Key = Family.Key

    /// Bits per trie level.
    public static var strideBits: Int { 6 }
    /// Direct-array entries with this bit set are leaves (next hop in the low 16 bits).
    @usableFromInline static var leafFlag: UInt32 { 0x8000_0000 }

    @usableFromInline let direct: UnsafeMutablePointer<UInt32>
    @exclusivity(unchecked) @usableFromInline var nodes: UnsafeMutablePointer<PoptrieNode>
    @exclusivity(unchecked) @usableFromInline var leaves: UnsafeMutablePointer<NextHop>
    var nodeCapacity = 0
    var leafCapacity = 0
    /// High-water marks of the node and leaf arrays.
    private(set) var nodeTop = 0
    private(set) var leafTop = 0
    /// Released blocks by size (1...64), reused before the arrays grow.
    var freeNodeBlocks: [[UInt32]] = Array(repeating: [], count: 65)
    var freeLeafBlocks: [[UInt32]] = Array(repeating: [], count: 65)
    var rib = PrefixTrie<Family>()

    /// An empty table: every lookup answers ``noRoute``.
    public init() {
        let size = 1 << Family.directBits
        direct = .allocate(capacity: size)
        direct.initialize(repeating: Self.leafFlag | UInt32(noRoute), count: size)
        nodeCapacity = 1024
        leafCapacity = 1024
        nodes = .allocate(capacity: nodeCapacity)
        leaves = .allocate(capacity: leafCapacity)
    }

    /// A table built in one pass from `routes` (later duplicates win).
    public convenience init(routes: some Sequence<(key: Key, length: Int, nextHop: NextHop)>) {
        self.init()
        for route in routes {
            precondition((0...Family.addressBits).contains(route.length), "prefix length out of range")
            precondition(route.nextHop != noRoute, "next hop 0xFFFF is reserved for 'no route'")
            rib.insert(Self.masked(route.key, route.length), length: route.length, nextHop: route.nextHop)
        }
        rebuildAll()
    }

    deinit {
        direct.deallocate()
        nodes.deallocate()
        leaves.deallocate()
    }

    /// Number of prefixes in the table.
    public var count: Int { rib.count }

    /// Bytes of the lookup structure: the direct array plus the node and leaf
    /// arrays up to their high-water marks (blocks freed by updates included).
    public var lookupStructureBytes: Int {
        (1 << Family.directBits) * MemoryLayout<UInt32>.stride
            + nodeTop * MemoryLayout<PoptrieNode>.stride + leafTop * MemoryLayout<NextHop>.stride
    }

    /// Internal nodes in use (high-water mark).
    public var nodeCount: Int { nodeTop }

    // MARK: - Lookup

    /// The next hop of the longest prefix that matches `key`, or ``noRoute``.
    @inlinable @inline(__always)
    public func lookup(_ key: Key) -> NextHop {
        let d = direct[Int(truncatingIfNeeded: key &>> (Key.bitWidth &- Family.directBits))]
        if d & Self.leafFlag != 0 { return NextHop(truncatingIfNeeded: d) }
        var index = Int(d)
        var offset = Family.directBits
        while true {
            let node = nodes[index]
            let v = (key &<< offset) &>> (Key.bitWidth &- 6)
            let bit: UInt64 = 1 &<< UInt64(truncatingIfNeeded: v)
            if node.vector & bit != 0 {
                index = Int(node.childBase) &+ (node.vector & (bit &- 1)).nonzeroBitCount
                offset &+= 6
            } else {
                return leaves[Int(node.leafBase) &+ (node.leafvec & ((bit &<< 1) &- 1)).nonzeroBitCount &- 1]
            }
        }
    }

    /// Looks up every key of `keys` into `results` (same count). Addresses are
    /// taken in groups of ``batchWidth`` and walked level by level, so the
    /// memory accesses of a group are independent and overlap.
    @inlinable
    public func lookup(batch keys: UnsafeBufferPointer<Key>, into results: UnsafeMutableBufferPointer<NextHop>) {
        precondition(results.count >= keys.count, "results must have room for every key")
        let width = Self.batchWidth
        let n = keys.count
        var start = 0
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 2 * width) { scratch in
            let pending = scratch.baseAddress!          // node index, or -1 when resolved
            let offsets = scratch.baseAddress! + width  // bits consumed
            while start + width <= n {
                var active = 0
                for j in 0..<width {
                    let key = keys[start &+ j]
                    let d = direct[Int(truncatingIfNeeded: key &>> (Key.bitWidth &- Family.directBits))]
                    if d & Self.leafFlag != 0 {
                        results[start &+ j] = NextHop(truncatingIfNeeded: d)
                        pending[j] = -1
                    } else {
                        pending[j] = Int(d)
                        offsets[j] = Family.directBits
                        active &+= 1
                    }
                }
                while active > 0 {
                    active = 0
                    for j in 0..<width where pending[j] >= 0 {
                        let node = nodes[pending[j]]
                        let v = (keys[start &+ j] &<< offsets[j]) &>> (Key.bitWidth &- 6)
                        let bit: UInt64 = 1 &<< UInt64(truncatingIfNeeded: v)
                        if node.vector & bit != 0 {
                            pending[j] = Int(node.childBase) &+ (node.vector & (bit &- 1)).nonzeroBitCount
                            offsets[j] &+= 6
                            active &+= 1
                        } else {
                            results[start &+ j] = leaves[Int(node.leafBase) &+ (node.leafvec & ((bit &<< 1) &- 1)).nonzeroBitCount &- 1]
                            pending[j] = -1
                        }
                    }
                }
                start &+= width
            }
        }
        while start < n {
            results[start] = lookup(keys[start])
            start &+= 1
        }
    }

    /// Addresses walked together by ``lookup(batch:into:)``.
    public static var batchWidth: Int { 16 }

    // MARK: - Updates

    /// Adds `key/length` with `nextHop`, or changes its next hop if present;
    /// returns the previous next hop (``noRoute`` if the prefix is new).
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
    private func refresh(_ key: Key, length: Int) {
        let depth = min(length, Family.directBits)
        let (node, inherited) = rib.descend(key, to: depth)
        let bits = depth == 0 ? 0 : Int(truncatingIfNeeded: key &>> (Key.bitWidth - depth))
        fillDirect(node, depth: depth, bits: bits, inherited: inherited)
    }

    // MARK: - Building

    /// Rebuilds the whole structure from the binary trie and trims the arrays.
    func rebuildAll() {
        nodeTop = 0
        leafTop = 0
        for i in freeNodeBlocks.indices { freeNodeBlocks[i].removeAll() }
        for i in freeLeafBlocks.indices { freeLeafBlocks[i].removeAll() }
        direct.update(repeating: Self.leafFlag | UInt32(noRoute), count: 1 << Family.directBits)
        fillDirect(PrefixTrie<Family>.root, depth: 0, bits: 0, inherited: noRoute)
        resizeNodes(to: max(nodeTop, 64))
        resizeLeaves(to: max(leafTop, 64))
    }

    /// Fills the direct entries under the trie node `node` at `depth`, whose
    /// first `depth` bits are `bits`; `inherited` is the best next hop above it.
    private func fillDirect(_ node: Int32?, depth: Int, bits: Int, inherited: NextHop) {
        let s = Family.directBits
        guard let node else {
            setDirect(range: bits << (s - depth), count: 1 << (s - depth), Self.leafFlag | UInt32(inherited))
            return
        }
        let own = rib.nextHops[Int(node)]
        let hop = own != noRoute ? own : inherited
        if !rib.hasChildren(node) || depth == s {
            let entry: UInt32
            if depth == s && rib.hasChildren(node) {
                switch build(node, depth: depth, inherited: hop) {
                case let .leaf(value):
                    entry = Self.leafFlag | UInt32(value)
                case let .node(value):
                    let index = allocateNodes(1)
                    nodes[Int(index)] = value
                    entry = index
                }
                setDirect(range: bits, count: 1, entry)
            } else {
                setDirect(range: bits << (s - depth), count: 1 << (s - depth), Self.leafFlag | UInt32(hop))
            }
            return
        }
        for b in 0...1 {
            let c = rib.child(node, b)
            fillDirect(c >= 0 ? c : nil, depth: depth + 1, bits: bits << 1 | b, inherited: hop)
        }
    }

    /// Writes `count` direct entries from `start`, freeing the subtrees they held.
    private func setDirect(range start: Int, count: Int, _ value: UInt32) {
        for i in start..<(start + count) {
            let old = direct[i]
            if old & Self.leafFlag == 0 {
                let node = nodes[Int(old)]
                release(node)
                releaseNodes(old, count: 1)
            }
            direct[i] = value
        }
    }

    /// What a subtree turned into: a single next hop, or a node.
    enum Built {
        case leaf(NextHop)
        case node(PoptrieNode)
    }

    /// Builds the node for the 6 bits below `node` (at `depth`), recursively.
    private func build(_ node: Int32, depth: Int, inherited: NextHop) -> Built {
        // Each slot: the trie node of an internal child (>= 0), or -1 with a leaf.
        withUnsafeTemporaryAllocation(of: (Int32, NextHop).self, capacity: 64) { slots in
            expand(node, depth: depth, level: 0, index: 0, inherited: inherited, into: slots)
            // Children first (they may collapse into leaves), then the two bitmaps.
            var children: [PoptrieNode] = []
            var kinds = [Bool](repeating: false, count: 64)  // true: internal child
            for i in 0..<64 where slots[i].0 >= 0 {
                switch build(slots[i].0, depth: depth + 6, inherited: slots[i].1) {
                case let .leaf(value): slots[i] = (-1, value)
                case let .node(child):
                    children.append(child)
                    kinds[i] = true
                }
            }
            var vector: UInt64 = 0
            var leafvec: UInt64 = 0
            var runs: [NextHop] = []
            var last: NextHop? = nil
            for i in 0..<64 {
                if kinds[i] {
                    vector |= 1 << UInt64(i)
                } else if slots[i].1 != last {
                    leafvec |= 1 << UInt64(i)
                    runs.append(slots[i].1)
                    last = slots[i].1
                }
            }
            if vector == 0 && runs.count == 1 { return .leaf(runs[0]) }
            let childBase = children.isEmpty ? 0 : allocateNodes(children.count)
            for (k, child) in children.enumerated() { nodes[Int(childBase) + k] = child }
            let leafBase = runs.isEmpty ? 0 : allocateLeaves(runs.count)
            for (k, hop) in runs.enumerated() { leaves[Int(leafBase) + k] = hop }
            return .node(PoptrieNode(vector: vector, leafvec: leafvec, leafBase: leafBase, childBase: childBase))
        }
    }

    /// Fills the 64 slots below `node` by walking the binary trie `level` bits
    /// into the window; slot `index` at `level` covers 2^(6 - level) slots.
    private func expand(_ node: Int32, depth: Int, level: Int, index: Int, inherited: NextHop,
                        into slots: UnsafeMutableBufferPointer<(Int32, NextHop)>) {
        let own = rib.nextHops[Int(node)]
        let hop = own != noRoute ? own : inherited
        let span = 1 << (6 - level)
        if level == 6 {
            slots[index] = (rib.hasChildren(node) ? node : -1, hop)
            return
        }
        if depth + level == Family.addressBits || !rib.hasChildren(node) {
            for i in (index * span)..<((index + 1) * span) { slots[i] = (-1, hop) }
            return
        }
        for b in 0...1 {
            let c = rib.child(node, b)
            let childIndex = index << 1 | b
            if c >= 0 {
                expand(c, depth: depth, level: level + 1, index: childIndex, inherited: hop, into: slots)
            } else {
                let childSpan = span >> 1
                for i in (childIndex * childSpan)..<((childIndex + 1) * childSpan) { slots[i] = (-1, hop) }
            }
        }
    }

    /// Returns a subtree's blocks to the free lists.
    private func release(_ node: PoptrieNode) {
        let childCount = node.vector.nonzeroBitCount
        for k in 0..<childCount { release(nodes[Int(node.childBase) + k]) }
        if childCount > 0 { releaseNodes(node.childBase, count: childCount) }
        let runs = node.leafvec.nonzeroBitCount
        if runs > 0 { freeLeafBlocks[runs].append(node.leafBase) }
    }

    // MARK: - Block allocation

    private func allocateNodes(_ count: Int) -> UInt32 {
        if let reused = freeNodeBlocks[count].popLast() { return reused }
        if nodeTop + count > nodeCapacity { resizeNodes(to: max(nodeCapacity * 3 / 2, nodeTop + count + 64)) }
        defer { nodeTop += count }
        precondition(nodeTop + count < Int(Self.leafFlag), "too many Poptrie nodes")
        return UInt32(nodeTop)
    }

    private func releaseNodes(_ start: UInt32, count: Int) {
        freeNodeBlocks[count].append(start)
    }

    private func allocateLeaves(_ count: Int) -> UInt32 {
        if let reused = freeLeafBlocks[count].popLast() { return reused }
        if leafTop + count > leafCapacity { resizeLeaves(to: max(leafCapacity * 3 / 2, leafTop + count + 64)) }
        defer { leafTop += count }
        return UInt32(leafTop)
    }

    private func resizeNodes(to capacity: Int) {
        let fresh = UnsafeMutablePointer<PoptrieNode>.allocate(capacity: capacity)
        fresh.moveInitialize(from: nodes, count: min(nodeTop, capacity))
        nodes.deallocate()
        nodes = fresh
        nodeCapacity = capacity
    }

    private func resizeLeaves(to capacity: Int) {
        let fresh = UnsafeMutablePointer<NextHop>.allocate(capacity: capacity)
        fresh.moveInitialize(from: leaves, count: min(leafTop, capacity))
        leaves.deallocate()
        leaves = fresh
        leafCapacity = capacity
    }
}
