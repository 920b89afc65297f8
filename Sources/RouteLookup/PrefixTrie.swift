/// The routing information base behind ``Poptrie``: a binary trie of every
/// prefix, kept in flat arrays (indices, not references: no ARC, no per-node
/// allocation). ``Poptrie`` rebuilds the part of its lookup structure that an
/// update touches from here.
struct PrefixTrie<Family: AddressFamily> {
    /// `children[2 * i + bit]`: the child of node `i` for the next bit, or -1.
    var children: [Int32] = [-1, -1]
    /// The next hop of the prefix that ends at node `i`, or ``noRoute``.
    var nextHops: [NextHop] = [noRoute]
    /// Indices of released nodes, reused first.
    var free: [Int32] = []
    /// Number of prefixes held.
    private(set) var count = 0

    static var root: Int32 { 0 }

    /// Makes room for `count` nodes without reallocating.
    mutating func reserveCapacity(nodes count: Int) {
        children.reserveCapacity(2 * count)
        nextHops.reserveCapacity(count)
    }

    @inline(__always)
    static func bit(_ key: Family.Key, at depth: Int) -> Int {
        Int(truncatingIfNeeded: (key &<< depth) &>> (Family.Key.bitWidth - 1))
    }

    @inline(__always)
    func child(_ node: Int32, _ bit: Int) -> Int32 { children[Int(node) << 1 | bit] }

    @inline(__always)
    func hasChildren(_ node: Int32) -> Bool {
        children[Int(node) << 1] >= 0 || children[Int(node) << 1 | 1] >= 0
    }

    private mutating func newNode() -> Int32 {
        if let reused = free.popLast() {
            children[Int(reused) << 1] = -1
            children[Int(reused) << 1 | 1] = -1
            nextHops[Int(reused)] = noRoute
            return reused
        }
        children.append(-1)
        children.append(-1)
        nextHops.append(noRoute)
        return Int32(nextHops.count - 1)
    }

    /// Sets the next hop of `key/length`; returns the previous one (``noRoute`` if new).
    @_specialize(where Family == IPv4Family)
    @_specialize(where Family == IPv6Family)
    @discardableResult
    mutating func insert(_ key: Family.Key, length: Int, nextHop: NextHop) -> NextHop {
        var node = Self.root
        for depth in 0..<length {
            let b = Self.bit(key, at: depth)
            var next = child(node, b)
            if next < 0 {
                next = newNode()
                children[Int(node) << 1 | b] = next
            }
            node = next
        }
        let previous = nextHops[Int(node)]
        nextHops[Int(node)] = nextHop
        if previous == noRoute { count += 1 }
        return previous
    }

    /// Removes `key/length` and prunes nodes left empty; returns the removed next
    /// hop, or ``noRoute`` if the prefix was not there.
    @_specialize(where Family == IPv4Family)
    @_specialize(where Family == IPv6Family)
    @discardableResult
    mutating func remove(_ key: Family.Key, length: Int) -> NextHop {
        // The path from the root, kept on the stack: (node, bit taken) per level.
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: length + 1) { path in
            var node = Self.root
            for depth in 0..<length {
                let next = child(node, Self.bit(key, at: depth))
                if next < 0 { return noRoute }
                path[depth] = node
                node = next
            }
            let previous = nextHops[Int(node)]
            guard previous != noRoute else { return noRoute }
            nextHops[Int(node)] = noRoute
            count -= 1
            // Prune upwards while the node holds nothing.
            var depth = length
            while depth > 0, nextHops[Int(node)] == noRoute, !hasChildren(node) {
                depth -= 1
                let parent = path[depth]
                children[Int(parent) << 1 | Self.bit(key, at: depth)] = -1
                free.append(node)
                node = parent
            }
            return previous
        }
    }

    /// The node at `depth` on the path of `key` (or nil where the path stops),
    /// and the next hop of the longest prefix strictly shorter than `depth` on it.
    @_specialize(where Family == IPv4Family)
    @_specialize(where Family == IPv6Family)
    func descend(_ key: Family.Key, to depth: Int) -> (node: Int32?, inherited: NextHop) {
        var node = Self.root
        var inherited = noRoute
        for d in 0..<depth {
            if nextHops[Int(node)] != noRoute { inherited = nextHops[Int(node)] }
            let next = child(node, Self.bit(key, at: d))
            if next < 0 { return (nil, inherited) }
            node = next
        }
        return (node, inherited)
    }

    /// The next hop of `key/length` if that exact prefix is present.
    @_specialize(where Family == IPv4Family)
    @_specialize(where Family == IPv6Family)
    func exact(_ key: Family.Key, length: Int) -> NextHop {
        let (node, _) = descend(key, to: length)
        return node.map { nextHops[Int($0)] } ?? noRoute
    }
}
