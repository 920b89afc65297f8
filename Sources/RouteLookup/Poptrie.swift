import CPrefetch

/// One internal node of a ``Poptrie``: 64 children, one per value of the next 6
/// address bits, described by two bitmaps. 64 bytes, one cache line, no references.
///
/// - `vector` bit *i* set: child *i* is an internal node, stored at
///   `childBase + popcount(vector & (bits below i))`; children are contiguous.
/// - otherwise child *i* is a leaf. Runs of equal leaves are stored once:
///   `leafvec` bit *i* marks a leaf child that starts a new run, and the leaf of
///   child *i* is run number `popcount(leafvec & (bits 0...i)) - 1`.
/// - Up to ``inlineLeafCapacity`` runs live in the node's own cache line
///   (`leafBase == 0`), so a lookup that ends here costs one memory access;
///   more runs go to the shared leaf array from `leafBase`.
public struct PoptrieNode: Sendable {
    public var vector: UInt64
    public var leafvec: UInt64
    public var childBase: UInt32
    /// First leaf in the leaf array, or 0 when the leaves are inline.
    public var leafBase: UInt32
    /// The inline leaves: 20 next hops of 2 bytes.
    @usableFromInline var inlineLeaves: (UInt64, UInt64, UInt64, UInt64, UInt64)

    /// Leaf runs that fit in the node itself.
    public static var inlineLeafCapacity: Int { 20 }
    /// Byte offset of the inline leaves.
    @usableFromInline static var inlineLeafOffset: Int { 24 }

    @inlinable
    init(vector: UInt64, leafvec: UInt64, childBase: UInt32, leafBase: UInt32) {
        self.vector = vector
        self.leafvec = leafvec
        self.childBase = childBase
        self.leafBase = leafBase
        inlineLeaves = (0, 0, 0, 0, 0)
    }

    /// Stores inline leaf `rank`.
    mutating func setInlineLeaf(_ rank: Int, _ hop: NextHop) {
        withUnsafeMutableBytes(of: &inlineLeaves) { $0.storeBytes(of: hop, toByteOffset: rank * 2, as: NextHop.self) }
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
    @exclusivity(unchecked) var nodeCapacity = 0
    @exclusivity(unchecked) var leafCapacity = 0
    /// High-water marks of the node and leaf arrays.
    @exclusivity(unchecked) private(set) var nodeTop = 0
    @exclusivity(unchecked) private(set) var leafTop = 0
    /// Released blocks by size (1...64), reused before the arrays grow.
    @exclusivity(unchecked) var freeNodeBlocks: [[UInt32]] = Array(repeating: [], count: 65)
    @exclusivity(unchecked) var freeLeafBlocks: [[UInt32]] = Array(repeating: [], count: 65)
    @exclusivity(unchecked) var rib = PrefixTrie<Family>()

    /// An empty table: every lookup answers ``noRoute``.
    public init() {
        let size = 1 << Family.directBits
        direct = LargeBuffer.allocate(UInt32.self, count: size)
        direct.initialize(repeating: Self.leafFlag | UInt32(noRoute), count: size)
        nodeCapacity = 1024
        leafCapacity = 1024
        nodes = LargeBuffer.allocate(PoptrieNode.self, count: nodeCapacity)
        leaves = .allocate(capacity: leafCapacity)
        reserveSentinels()
    }

    /// Node 0 and leaf 0 are never used, so that 0 can mean "none": a direct
    /// entry or a pending batch lane never points to node 0, and a leaf base of 0
    /// means the leaves are inline.
    private func reserveSentinels() {
        nodes[0] = PoptrieNode(vector: 0, leafvec: 1, childBase: 0, leafBase: 0)
        leaves[0] = noRoute
        nodeTop = 1
        leafTop = 1
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
        LargeBuffer.free(nodes)
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
    public var nodeCount: Int { nodeTop - 1 }

    // MARK: - Lookup

    /// The next hop of the longest prefix that matches `key`, or ``noRoute``.
    @inlinable @inline(__always)
    public func lookup(_ key: Key) -> NextHop {
        let d = direct[Int(truncatingIfNeeded: key &>> (Key.bitWidth &- Family.directBits))]
        if d & Self.leafFlag != 0 { return NextHop(truncatingIfNeeded: d) }
        return finish(key, node: Int(d), offset: Family.directBits)
    }

    /// Looks up every key of `keys` into `results` (same count).
    ///
    /// A software pipeline over groups of ``batchWidth`` keys, each stage a group
    /// behind the one before: while group *g*'s direct entries are read (and
    /// the node lines they point to are prefetched), group *g + 1*'s direct
    /// entries are being prefetched and group *g - 1*, whose node lines were
    /// prefetched a whole group earlier, is finished. Every load then finds its
    /// line already on the way, and the misses of three groups overlap. A group
    /// whose lanes mostly need a node is finished without a branch per lane
    /// (the RouteViews table trace: 95% of lookups go past the direct array).
    @inlinable
    public func lookup(batch keys: UnsafeBufferPointer<Key>, into results: UnsafeMutableBufferPointer<NextHop>) {
        precondition(results.count >= keys.count, "results must have room for every key")
        let width = Self.batchWidth
        let n = keys.count
        let groups = n / width
        let shift = Key.bitWidth &- Family.directBits
        guard groups > 0, let k = keys.baseAddress, let out = results.baseAddress else {
            for i in 0..<n { results[i] = lookup(keys[i]) }
            return
        }
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 2 &* width) { scratch in
            // pending[g % 2][j]: node to finish for key j of group g, or 0 when resolved.
            let pending = scratch.baseAddress!
            var nodeLanes = (0, 0)
            // Local copies: the arrays cannot move during a lookup, and the
            // compiler would otherwise reload them from the object per lane.
            let nodes = self.nodes, leaves = self.leaves, direct = self.direct
            for j in 0..<width { dxemu_prefetch(direct + Int(truncatingIfNeeded: k[j] &>> shift)) }
            for g in 0...groups {
                if g &+ 1 < groups {
                    let next = k + (g &+ 1) &* width
                    for j in 0..<width { dxemu_prefetch(direct + Int(truncatingIfNeeded: next[j] &>> shift)) }
                }
                if g < groups {
                    let current = k + g &* width
                    let slot = pending + (g & 1) &* width
                    var count = 0
                    for j in 0..<width {
                        // Branch-free: a leaf's answer is stored now and its lane
                        // cleared; a node index is kept and its line prefetched
                        // (a leaf prefetches the unused sentinel node 0).
                        let d = direct[Int(truncatingIfNeeded: current[j] &>> shift)]
                        let isNode = d & Self.leafFlag == 0
                        let index = isNode ? d : 0
                        out[g &* width &+ j] = NextHop(truncatingIfNeeded: d)
                        dxemu_prefetch(nodes + Int(index))
                        slot[j] = index
                        count &+= Int(truncatingIfNeeded: (d &>> 31) ^ 1)  // leafFlag is bit 31
                    }
                    if g & 1 == 0 { nodeLanes.0 = count } else { nodeLanes.1 = count }
                }
                if g > 0 {
                    let previous = k + (g &- 1) &* width
                    let slot = pending + ((g &- 1) & 1) &* width
                    let answers = out + (g &- 1) &* width
                    let count = (g &- 1) & 1 == 0 ? nodeLanes.0 : nodeLanes.1
                    if count &* Self.branchFreeDivisor >= width {
                        // Many lanes to walk: every lane walks, a resolved one
                        // through the sentinel node (no children, one inline
                        // leaf) and keeps its answer. Nothing for the branch
                        // predictor to miss when leaves and nodes mix.
                        for j in 0..<width {
                            let index = slot[j]
                            let hop = Self.finishWithoutLeafBranch(previous[j], node: Int(index), offset: Family.directBits,
                                                                   nodes: nodes, leaves: leaves)
                            answers[j] = index == 0 ? answers[j] : hop
                        }
                    } else {
                        // Few: walk only those, a well-predicted skip for the rest.
                        for j in 0..<width where slot[j] != 0 {
                            answers[j] = Self.finishWithoutLeafBranch(previous[j], node: Int(slot[j]), offset: Family.directBits,
                                                                          nodes: nodes, leaves: leaves)
                        }
                    }
                }
            }
        }
        for i in (groups &* width)..<n { results[i] = lookup(keys[i]) }
    }

    /// Continues a lookup from node `index`, `offset` bits into the key.
    @inlinable @inline(__always)
    func finish(_ key: Key, node index: Int, offset first: Int) -> NextHop {
        let (node, bit) = Self.descend(key, node: index, offset: first, nodes: nodes)
        let rank = (node.pointee.leafvec & ((bit &<< 1) &- 1)).nonzeroBitCount &- 1
        let base = node.pointee.leafBase
        if base == 0 {
            return UnsafeRawPointer(node).load(fromByteOffset: PoptrieNode.inlineLeafOffset &+ rank &* 2, as: NextHop.self)
        }
        return leaves[Int(base) &+ rank]
    }

    /// Walks down from node `index` while the key's next 6 bits (from
    /// `offset`) name an internal child; returns the node whose child is a
    /// leaf, and that child's bit.
    @inlinable @inline(__always)
    static func descend(_ key: Key, node index: Int, offset first: Int,
                        nodes: UnsafeMutablePointer<PoptrieNode>) -> (node: UnsafeMutablePointer<PoptrieNode>, bit: UInt64) {
        var node = nodes + index
        var offset = first
        var vector = node.pointee.vector
        var bit: UInt64 = 1 &<< UInt64(truncatingIfNeeded: (key &<< offset) &>> (Key.bitWidth &- 6))
        while vector & bit != 0 {
            node = nodes + (Int(node.pointee.childBase) &+ (vector & (bit &- 1)).nonzeroBitCount)
            offset &+= 6
            vector = node.pointee.vector
            bit = 1 &<< UInt64(truncatingIfNeeded: (key &<< offset) &>> (Key.bitWidth &- 6))
        }
        return (node, bit)
    }

    /// ``finish(_:node:offset:)`` for the batch: the leaf is read from the
    /// node's own line or the leaf array through a selected address instead of
    /// a branch, so only descending a level can mispredict.
    @inlinable @inline(__always)
    static func finishWithoutLeafBranch(_ key: Key, node index: Int, offset first: Int,
                                        nodes: UnsafeMutablePointer<PoptrieNode>, leaves: UnsafeMutablePointer<NextHop>) -> NextHop {
        let (node, bit) = descend(key, node: index, offset: first, nodes: nodes)
        let rank = (node.pointee.leafvec & ((bit &<< 1) &- 1)).nonzeroBitCount &- 1
        let base = Int(node.pointee.leafBase)
        let inline = UnsafeRawPointer(node) + (PoptrieNode.inlineLeafOffset &+ rank &* 2)
        let shared = UnsafeRawPointer(leaves + (base &+ rank))
        // All ones when the leaves are shared: (base | -base) has the sign bit
        // set exactly when base != 0 (base < 2^32). Arithmetic, so the compiler
        // keeps it a select rather than a branch.
        let sharedMask = (base | (0 &- base)) &>> 63
        let distance = shared - inline
        return inline.advanced(by: distance & sharedMask).load(as: NextHop.self)
    }

    /// Addresses walked together by ``lookup(batch:into:)``.
    public static var batchWidth: Int { 32 }
    /// A group walks every lane branch-free when at least 1/divisor of its
    /// lanes need a node.
    @usableFromInline static var branchFreeDivisor: Int { 4 }

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

    /// Rebuilds the whole structure from the binary trie and trims the arrays.
    @_specialize(exported: true, where Family == IPv4Family)
    @_specialize(exported: true, where Family == IPv6Family)
    func rebuildAll() {
        reserveSentinels()
        for i in freeNodeBlocks.indices { freeNodeBlocks[i].removeAll() }
        for i in freeLeafBlocks.indices { freeLeafBlocks[i].removeAll() }
        direct.update(repeating: Self.leafFlag | UInt32(noRoute), count: 1 << Family.directBits)
        fillDirect(PrefixTrie<Family>.root, depth: 0, bits: 0, inherited: noRoute)
        resizeNodes(to: max(nodeTop, 64))
        resizeLeaves(to: max(leafTop, 64))
    }

    /// Fills the direct entries under the trie node `node` at `depth`, whose
    /// first `depth` bits are `bits`; `inherited` is the best next hop above it.
    @_specialize(where Family == IPv4Family)
    @_specialize(where Family == IPv6Family)
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
    @_specialize(where Family == IPv4Family)
    @_specialize(where Family == IPv6Family)
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
            for k in 0..<childCount { nodes[Int(childBase) + k] = children[k] }
            var built = PoptrieNode(vector: vector, leafvec: leafvec, childBase: childBase, leafBase: 0)
            if runCount <= PoptrieNode.inlineLeafCapacity {
                for k in 0..<runCount { built.setInlineLeaf(k, runs[k]) }
            } else {
                built.leafBase = allocateLeaves(runCount)
                for k in 0..<runCount { leaves[Int(built.leafBase) + k] = runs[k] }
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

    /// Returns a subtree's blocks to the free lists.
    @_specialize(where Family == IPv4Family)
    @_specialize(where Family == IPv6Family)
    private func release(_ node: PoptrieNode) {
        let childCount = node.vector.nonzeroBitCount
        for k in 0..<childCount { release(nodes[Int(node.childBase) + k]) }
        if childCount > 0 { releaseNodes(node.childBase, count: childCount) }
        if node.leafBase != 0 { freeLeafBlocks[node.leafvec.nonzeroBitCount].append(node.leafBase) }
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
        let fresh = LargeBuffer.allocate(PoptrieNode.self, count: capacity)
        fresh.moveInitialize(from: nodes, count: min(nodeTop, capacity))
        LargeBuffer.free(nodes)
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
