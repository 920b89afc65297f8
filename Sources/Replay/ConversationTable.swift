import PacketWire

/// An open-addressing hash table from a capture's flow keys to the emulator
/// flows they were mapped to. This is the per-packet lookup of a replay. It
/// has no Swift `Dictionary`, no hashing protocol dispatch and no allocation
/// except when the table grows (amortised, on new flows only).
struct ConversationTable {
    /// What a key maps to: the emulator flow that carries it. The occupied
    /// flag sits in the entry's padding, so a probe reads one slot, not two arrays.
    struct Entry {
        var key: FlowKey
        var flow: Int32
        var occupied: Bool
    }

    private(set) var count = 0
    private var slots: [Entry]
    private var mask: Int

    init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = Array(repeating: Entry(key: FlowKey(), flow: -1, occupied: false), count: size)
        mask = size - 1
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
        slots.withUnsafeBufferPointer { table in
            var i = ConversationTable.hash(key) & mask
            while table[i].occupied {
                if table[i].key == key { return table[i].flow }
                i = (i + 1) & mask
            }
            return nil
        }
    }

    mutating func insert(_ key: FlowKey, flow: Int32) {
        if (count + 1) * 2 > slots.count { grow() }
        var i = ConversationTable.hash(key) & mask
        while slots[i].occupied {
            if slots[i].key == key { slots[i].flow = flow; return }
            i = (i + 1) & mask
        }
        slots[i] = Entry(key: key, flow: flow, occupied: true)
        count += 1
    }

    private mutating func grow() {
        let old = slots.filter(\.occupied)
        let size = slots.count * 2
        slots = Array(repeating: Entry(key: FlowKey(), flow: -1, occupied: false), count: size)
        mask = size - 1
        count = 0
        for e in old { insert(e.key, flow: e.flow) }
    }
}
