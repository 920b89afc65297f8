import PacketWire

/// An open-addressing hash table from a capture's flow keys to the emulator
/// flows they were mapped to. This is the per-packet lookup of a replay. It
/// has no Swift `Dictionary`, no hashing protocol dispatch and no allocation
/// except when the table grows (amortised, on new flows only).
///
/// IPv4 keys, nearly every key of most captures, live in a compact table of
/// 16-byte slots; the rest (IPv6, and flows past 16 million) in a table of
/// whole keys. With thousands of conversations the lookup is a cache miss
/// per packet, and the compact slots (at up to 3/4 load) make the table a
/// sixth of the size: 4,096 conversations take 128 KiB, where 48-byte slots
/// at half load took 768 KiB of the reader core's 1 MiB L2 cache.
struct ConversationTable {
    /// A key of any family and the flow it maps to. The occupied flag sits
    /// in the entry's padding, so a probe reads one slot, not two arrays.
    struct Entry {
        var key: FlowKey
        var flow: Int32
        var occupied: Bool
    }

    /// The parts of an IPv4 key a compact slot keeps.
    struct CompactKey: Equatable {
        var addresses: UInt64
        var ports: UInt32
        var ipProtocol: UInt8

        init(addresses: UInt64, ports: UInt32, ipProtocol: UInt8) {
            self.addresses = addresses
            self.ports = ports
            self.ipProtocol = ipProtocol
        }

        @inline(__always)
        init(_ k: FlowKey) {
            self.init(addresses: k.sourceLow << 32 | k.destinationLow,
                      ports: UInt32(k.sourcePort) << 16 | UInt32(k.destinationPort), ipProtocol: k.ipProtocol)
        }

        /// The whole key again (for rehashing when the table is rebuilt).
        var flowKey: FlowKey {
            var k = FlowKey()
            k.ipVersion = 4
            k.sourceLow = addresses >> 32
            k.destinationLow = addresses & 0xFFFF_FFFF
            k.sourcePort = UInt16(ports >> 16)
            k.destinationPort = UInt16(ports & 0xFFFF)
            k.ipProtocol = ipProtocol
            return k
        }
    }

    /// An IPv4 key and its flow in 16 bytes: the two addresses, the two
    /// ports, and the protocol beside the flow (biased by ``CompactEntry/bias``
    /// so that the empty slot is 0 and the negative markers fit).
    struct CompactEntry {
        var addresses: UInt64
        var ports: UInt32
        /// Protocol << 24 | (flow + bias); 0: empty.
        var tag: UInt32

        static let bias: Int32 = 3
        /// The largest flow a compact slot holds.
        static let largestFlow = Int32(0xFF_FFFF) - bias
        static let empty = CompactEntry(addresses: 0, ports: 0, tag: 0)

        init(addresses: UInt64, ports: UInt32, tag: UInt32) {
            self.addresses = addresses
            self.ports = ports
            self.tag = tag
        }

        init(_ key: CompactKey, flow: Int32) {
            self.init(addresses: key.addresses, ports: key.ports,
                      tag: UInt32(key.ipProtocol) << 24 | UInt32(bitPattern: flow &+ CompactEntry.bias))
        }

        @inline(__always) var isEmpty: Bool { tag == 0 }
        @inline(__always) var flow: Int32 { Int32(bitPattern: tag & 0xFF_FFFF) &- CompactEntry.bias }
        @inline(__always) func holds(_ k: CompactKey) -> Bool {
            addresses == k.addresses && ports == k.ports && tag >> 24 == UInt32(k.ipProtocol)
        }
        var key: CompactKey { CompactKey(addresses: addresses, ports: ports, ipProtocol: UInt8(tag >> 24)) }
    }

    /// Keys held, in both tables.
    var count: Int { compactCount + wideCount }
    private var slots: [Entry]
    private var mask: Int
    private var wideCount = 0
    private var compact: [CompactEntry]
    private var compactMask: Int
    private var compactCount = 0
    /// Whether the wide table holds IPv4 keys too (flows past the compact range).
    private var wideHoldsIPv4 = false

    init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = Array(repeating: Entry(key: FlowKey(), flow: -1, occupied: false), count: 16)
        mask = 15
        compact = Array(repeating: .empty, count: size)
        compactMask = size - 1
    }

    /// Whether `k` fits a compact slot: IPv4, its addresses 32-bit.
    @inline(__always)
    static func isCompact(_ k: FlowKey) -> Bool {
        isCompact(version: k.ipVersion, sourceHigh: k.sourceHigh, destinationHigh: k.destinationHigh,
                  sourceLow: k.sourceLow, destinationLow: k.destinationLow)
    }

    /// ``isCompact(_:)`` of a key given as parts.
    @inline(__always)
    static func isCompact(version: UInt8, sourceHigh: UInt64, destinationHigh: UInt64, sourceLow: UInt64, destinationLow: UInt64) -> Bool {
        version == 4 && (sourceHigh | destinationHigh | (sourceLow | destinationLow) >> 32) == 0
    }

    /// Two scalar multiplications: the addresses' low words in one (an IPv4
    /// pair fills it exactly), the high words, ports and protocol in the
    /// other. (Five products of the five words let the compiler use a
    /// vector multiply whose latency sat on every lookup's path.)
    @inline(__always)
    static func hash(_ k: FlowKey) -> Int {
        hash(sourceLow: k.sourceLow, destinationLow: k.destinationLow,
             high: k.sourceHigh ^ (k.destinationHigh << 32 | k.destinationHigh >> 32),
             sourcePort: k.sourcePort, destinationPort: k.destinationPort, ipProtocol: k.ipProtocol)
    }

    /// ``hash(_:)`` of a key given as parts (`high` folds the two high
    /// address words; 0 for IPv4).
    @inline(__always)
    static func hash(sourceLow: UInt64, destinationLow: UInt64, high: UInt64,
                     sourcePort: UInt16, destinationPort: UInt16, ipProtocol: UInt8) -> Int {
        let low = sourceLow ^ (destinationLow << 32 | destinationLow >> 32)
        let rest = high ^ (UInt64(sourcePort) << 24 | UInt64(destinationPort) << 8 | UInt64(ipProtocol)) &* 0x1_0000_0001
        var h = (low &* 0x9E37_79B9_7F4A_7C15) ^ (rest &* 0xC2B2_AE3D_27D4_EB4F)
        h ^= h >> 29
        h ^= h >> 47
        return Int(truncatingIfNeeded: h)
    }

    /// The flow `key` maps to, or nil.
    @inline(__always)
    func find(_ key: FlowKey) -> Int32? {
        guard ConversationTable.isCompact(key) else { return findWide(key) }
        return find(ipv4Source: UInt32(truncatingIfNeeded: key.sourceLow), destination: UInt32(truncatingIfNeeded: key.destinationLow),
                    sourcePort: key.sourcePort, destinationPort: key.destinationPort, ipProtocol: key.ipProtocol)
    }

    /// ``find(_:)`` of a compact IPv4 key given as its parts. For the
    /// reader's per-packet lookup: the parts are read one by one from a
    /// parse the parser has just written field by field, where a copy of
    /// the whole key is read in wide loads that wait for those stores.
    @inline(__always)
    func find(ipv4Source source: UInt32, destination: UInt32, sourcePort: UInt16, destinationPort: UInt16,
              ipProtocol: UInt8) -> Int32? {
        if let f = findCompact(source: source, destination: destination, sourcePort: sourcePort,
                               destinationPort: destinationPort, ipProtocol: ipProtocol) { return f }
        guard wideHoldsIPv4 else { return nil }
        // Flows past the compact range are in the wide table.
        return findWide(CompactKey(addresses: UInt64(source) << 32 | UInt64(destination),
                                   ports: UInt32(sourcePort) << 16 | UInt32(destinationPort), ipProtocol: ipProtocol).flowKey)
    }

    /// The flow of a compact IPv4 key given as its parts, if the compact
    /// table holds it (nil: not there, though the wide table may hold it).
    @inline(__always)
    func findCompact(source: UInt32, destination: UInt32, sourcePort: UInt16, destinationPort: UInt16,
                     ipProtocol: UInt8) -> Int32? {
        let k = CompactKey(addresses: UInt64(source) << 32 | UInt64(destination),
                           ports: UInt32(sourcePort) << 16 | UInt32(destinationPort), ipProtocol: ipProtocol)
        let h = ConversationTable.hash(sourceLow: UInt64(source), destinationLow: UInt64(destination), high: 0,
                                       sourcePort: sourcePort, destinationPort: destinationPort, ipProtocol: ipProtocol)
        return compact.withUnsafeBufferPointer { table in
            var i = h & compactMask
            while !table[i].isEmpty {
                if table[i].holds(k) { return table[i].flow }
                i = (i &+ 1) & compactMask
            }
            return nil
        }
    }

    @inline(__always)
    private func findCompact(_ key: FlowKey) -> Int32? {
        // A compact key's high words are 0: its hash is that of its parts.
        findCompact(source: UInt32(truncatingIfNeeded: key.sourceLow), destination: UInt32(truncatingIfNeeded: key.destinationLow),
                    sourcePort: key.sourcePort, destinationPort: key.destinationPort, ipProtocol: key.ipProtocol)
    }

    private func findWide(_ key: FlowKey) -> Int32? {
        slots.withUnsafeBufferPointer { table in
            var i = ConversationTable.hash(key) & mask
            while table[i].occupied {
                if table[i].key == key { return table[i].flow }
                i = (i + 1) & mask
            }
            return nil
        }
    }

    /// Maps `key` to `flow` (a flow index, or a negative marker down to -3),
    /// replacing what it mapped to. A key is in one table only: an IPv4 key
    /// once in the wide table stays there.
    mutating func insert(_ key: FlowKey, flow: Int32) {
        precondition(flow >= -CompactEntry.bias, "flow markers go down to -3")
        guard ConversationTable.isCompact(key) else {
            insertWide(key, flow: flow)
            return
        }
        if flow <= CompactEntry.largestFlow && !(wideHoldsIPv4 && findWide(key) != nil) {
            insertCompact(key, flow: flow)
            return
        }
        // Past the compact range: the key moves to the wide table.
        wideHoldsIPv4 = true
        removeCompact(key)
        insertWide(key, flow: flow)
    }

    private mutating func insertCompact(_ key: FlowKey, flow: Int32) {
        if (compactCount + 1) * 4 > compact.count * 3 { rebuildCompact(size: compact.count * 2) }
        let k = CompactKey(key)
        var i = ConversationTable.hash(key) & compactMask
        while !compact[i].isEmpty {
            if compact[i].holds(k) {
                compact[i] = CompactEntry(k, flow: flow)
                return
            }
            i = (i + 1) & compactMask
        }
        compact[i] = CompactEntry(k, flow: flow)
        compactCount += 1
    }

    /// Takes `key` out of the compact table, if it is there (rebuilding the
    /// table: rare, a flow past 16 million).
    private mutating func removeCompact(_ key: FlowKey) {
        guard findCompact(key) != nil else { return }
        rebuildCompact(size: compact.count, leavingOut: CompactKey(key))
    }

    /// Rehashes the compact table's entries (but `left`) into `size` slots.
    private mutating func rebuildCompact(size: Int, leavingOut left: CompactKey? = nil) {
        let kept = compact.filter { !$0.isEmpty && $0.key != left }
        compact = Array(repeating: .empty, count: size)
        compactMask = size - 1
        compactCount = 0
        for e in kept { insertCompact(e.key.flowKey, flow: e.flow) }
    }

    private mutating func insertWide(_ key: FlowKey, flow: Int32) {
        if (wideCount + 1) * 2 > slots.count { growWide() }
        var i = ConversationTable.hash(key) & mask
        while slots[i].occupied {
            if slots[i].key == key { slots[i].flow = flow; return }
            i = (i + 1) & mask
        }
        slots[i] = Entry(key: key, flow: flow, occupied: true)
        wideCount += 1
    }

    private mutating func growWide() {
        let old = slots.filter(\.occupied)
        let size = slots.count * 2
        slots = Array(repeating: Entry(key: FlowKey(), flow: -1, occupied: false), count: size)
        mask = size - 1
        wideCount = 0
        for e in old { insertWide(e.key, flow: e.flow) }
    }
}
