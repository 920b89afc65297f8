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

        @inline(__always)
        static func addresses(_ k: FlowKey) -> UInt64 { k.sourceLow << 32 | k.destinationLow }
        @inline(__always)
        static func ports(_ k: FlowKey) -> UInt32 { UInt32(k.sourcePort) << 16 | UInt32(k.destinationPort) }
        @inline(__always)
        var flow: Int32 { Int32(bitPattern: tag & 0xFF_FFFF) &- CompactEntry.bias }
    }

    /// Keys held, in both tables.
    private(set) var count = 0
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
        compact = Array(repeating: CompactEntry(addresses: 0, ports: 0, tag: 0), count: size)
        compactMask = size - 1
    }

    /// Whether `k` fits a compact slot: IPv4, its addresses 32-bit.
    @inline(__always)
    static func isCompact(_ k: FlowKey) -> Bool {
        k.ipVersion == 4 && (k.sourceHigh | k.destinationHigh | (k.sourceLow | k.destinationLow) >> 32) == 0
    }

    /// Two scalar multiplications: the addresses' low words in one (an IPv4
    /// pair fills it exactly), the high words, ports and protocol in the
    /// other. (Five products of the five words let the compiler use a
    /// vector multiply whose latency sat on every lookup's path.)
    @inline(__always)
    static func hash(_ k: FlowKey) -> Int {
        let low = k.sourceLow ^ (k.destinationLow << 32 | k.destinationLow >> 32)
        let rest = k.sourceHigh ^ (k.destinationHigh << 32 | k.destinationHigh >> 32)
            ^ (UInt64(k.sourcePort) << 24 | UInt64(k.destinationPort) << 8 | UInt64(k.ipProtocol)) &* 0x1_0000_0001
        var h = (low &* 0x9E37_79B9_7F4A_7C15) ^ (rest &* 0xC2B2_AE3D_27D4_EB4F)
        h ^= h >> 29
        h ^= h >> 47
        return Int(truncatingIfNeeded: h)
    }

    /// The flow `key` maps to, or nil.
    @inline(__always)
    func find(_ key: FlowKey) -> Int32? {
        if ConversationTable.isCompact(key) {
            if let f = findCompact(key) { return f }
            if !wideHoldsIPv4 { return nil }
        }
        return findWide(key)
    }

    @inline(__always)
    private func findCompact(_ key: FlowKey) -> Int32? {
        let addresses = CompactEntry.addresses(key), ports = CompactEntry.ports(key), proto = UInt32(key.ipProtocol)
        return compact.withUnsafeBufferPointer { table in
            var i = ConversationTable.hash(key) & compactMask
            while true {
                let e = table[i]
                if e.tag == 0 { return nil }
                if e.addresses == addresses && e.ports == ports && e.tag >> 24 == proto { return e.flow }
                i = (i &+ 1) & compactMask
            }
        }
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
        let compactFits = flow <= CompactEntry.largestFlow
        if ConversationTable.isCompact(key) && compactFits && !(wideHoldsIPv4 && findWide(key) != nil) {
            if insertCompact(key, flow: flow) { count += 1 }
            return
        }
        if ConversationTable.isCompact(key) {
            // Past the compact range: the key moves to the wide table.
            wideHoldsIPv4 = true
            if removeCompact(key) { count -= 1 }
        }
        if insertWide(key, flow: flow) { count += 1 }
    }

    /// True when the key is new.
    private mutating func insertCompact(_ key: FlowKey, flow: Int32) -> Bool {
        if (compactCount + 1) * 4 > compact.count * 3 { growCompact() }
        let addresses = CompactEntry.addresses(key), ports = CompactEntry.ports(key), proto = UInt32(key.ipProtocol)
        let tag = proto << 24 | UInt32(bitPattern: flow &+ CompactEntry.bias)
        var i = ConversationTable.hash(key) & compactMask
        while compact[i].tag != 0 {
            if compact[i].addresses == addresses && compact[i].ports == ports && compact[i].tag >> 24 == proto {
                compact[i].tag = tag
                return false
            }
            i = (i + 1) & compactMask
        }
        compact[i] = CompactEntry(addresses: addresses, ports: ports, tag: tag)
        compactCount += 1
        return true
    }

    /// Takes `key` out of the compact table (rebuilding it: rare, a flow past
    /// 16 million); true when it was there.
    private mutating func removeCompact(_ key: FlowKey) -> Bool {
        guard findCompact(key) != nil else { return false }
        let addresses = CompactEntry.addresses(key), ports = CompactEntry.ports(key), proto = UInt32(key.ipProtocol)
        let kept = compact.filter { $0.tag != 0 && !($0.addresses == addresses && $0.ports == ports && $0.tag >> 24 == proto) }
        rebuildCompact(kept, size: compact.count)
        return true
    }

    private mutating func growCompact() {
        rebuildCompact(compact.filter { $0.tag != 0 }, size: compact.count * 2)
    }

    private mutating func rebuildCompact(_ kept: [CompactEntry], size: Int) {
        compact = Array(repeating: CompactEntry(addresses: 0, ports: 0, tag: 0), count: size)
        compactMask = size - 1
        compactCount = 0
        for e in kept {
            var k = FlowKey()
            k.ipVersion = 4
            k.sourceLow = e.addresses >> 32
            k.destinationLow = e.addresses & 0xFFFF_FFFF
            k.sourcePort = UInt16(e.ports >> 16)
            k.destinationPort = UInt16(e.ports & 0xFFFF)
            k.ipProtocol = UInt8(e.tag >> 24)
            _ = insertCompact(k, flow: e.flow)
        }
    }

    /// True when the key is new.
    private mutating func insertWide(_ key: FlowKey, flow: Int32) -> Bool {
        if (wideCount + 1) * 2 > slots.count { growWide() }
        var i = ConversationTable.hash(key) & mask
        while slots[i].occupied {
            if slots[i].key == key { slots[i].flow = flow; return false }
            i = (i + 1) & mask
        }
        slots[i] = Entry(key: key, flow: flow, occupied: true)
        wideCount += 1
        return true
    }

    private mutating func growWide() {
        let old = slots.filter(\.occupied)
        let size = slots.count * 2
        slots = Array(repeating: Entry(key: FlowKey(), flow: -1, occupied: false), count: size)
        mask = size - 1
        wideCount = 0
        for e in old { _ = insertWide(e.key, flow: e.flow) }
    }
}
