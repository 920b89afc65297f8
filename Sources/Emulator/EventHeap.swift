/// The pending events other than link arrivals (those are in the
/// ``LinkSchedule``): a binary min-heap ordered by (time, order).
///
/// Entities hold at most one entry each (a source's next send, a control
/// timer, a TCP connection's timer), so the heap stays small however many
/// packets are in flight: packets wait in their link's FIFO. `order` breaks
/// ties deterministically: control timers first (by creation), then link
/// arrivals (by link index), then sources (by source index), then TCP.
struct EventHeap {
    struct Entry {
        /// `time` (never negative) in the high 64 bits, `order` in the low:
        /// one 128-bit comparison orders by time, then by order.
        var key: UInt128

        @inline(__always)
        init(time: Int64, order: UInt64) { key = UInt128(UInt64(bitPattern: time)) << 64 | UInt128(order) }

        @inline(__always)
        init(key: UInt128) { self.key = key }

        /// The key of the last possible entry at `time`: every event due by
        /// `time` has a key not above it.
        @inline(__always)
        static func lastKey(at time: Int64) -> UInt128 { Entry(time: time, order: .max).key }

        @inline(__always) var time: Int64 { Int64(bitPattern: UInt64(truncatingIfNeeded: key >> 64)) }
        @inline(__always) var order: UInt64 { UInt64(truncatingIfNeeded: key) }

        @inline(__always)
        static func precedes(_ a: Entry, _ b: Entry) -> Bool { a.key < b.key }
    }

    enum Kind: UInt64 {
        case timer = 0, link = 1, source = 2, tcp = 3
    }

    /// `id` is an index (never negative, below 2^60).
    @inline(__always)
    static func order(_ kind: Kind, _ id: Int) -> UInt64 { kind.rawValue << 60 | UInt64(truncatingIfNeeded: id) }
    static func kind(of order: UInt64) -> Kind { Kind(rawValue: order >> 60).unsafelyUnwrapped }
    static func id(of order: UInt64) -> Int { Int(order & ((1 << 60) - 1)) }

    /// The heap array, in manually managed memory (no copy-on-write checks).
    /// When the heap is empty its first slot holds ``LinkSchedule/none``, so
    /// that ``firstKey`` is one load.
    private(set) var entries = UnsafeTable<Entry>(capacity: 64)

    init() { entries[0] = Entry(key: LinkSchedule.none) }

    /// The least entry's key, or ``LinkSchedule/none`` when the heap is empty.
    @inline(__always)
    var firstKey: UInt128 { entries[0].key }

    func deallocate() { entries.deallocate() }

    /// Puts `e` into the hole at `start`, moving smaller children up until
    /// `e` precedes both children of its place (the one sift-down of the heap).
    @inline(__always)
    private func siftDown(_ e: Entry, from start: Int) {
        let n = entries.count
        let a = entries
        var i = start
        while true {
            let l = 2 &* i &+ 1
            if l >= n { break }
            let r = l &+ 1
            let c = r < n && Entry.precedes(a[r], a[l]) ? r : l
            if !Entry.precedes(a[c], e) { break }
            a[i] = a[c]
            i = c
        }
        a[i] = e
    }

    /// Replaces the top entry by `e` (an entity rescheduling itself): one
    /// sift-down instead of a pop and a push.
    @inline(__always)
    mutating func replaceFirst(with e: Entry) { siftDown(e, from: 0) }

    /// Gives the top entry (the entity being run) the key `e`. Returns true
    /// when it is still the least, so the caller may run it again at once;
    /// otherwise sifts it down and returns false. The comparison with the
    /// top's children serves both the test and the first step of the sift.
    @inline(__always)
    mutating func updateTop(_ e: Entry) -> Bool {
        let n = entries.count
        let a = entries
        if n > 1 {
            let c = n > 2 && Entry.precedes(a[2], a[1]) ? 2 : 1
            if !Entry.precedes(e, a[c]) {
                a[0] = a[c]
                siftDown(e, from: c)
                return false
            }
        }
        a[0] = e
        return true
    }

    mutating func push(_ e: Entry) {
        entries.append(e)
        var i = entries.count - 1
        while i > 0 {
            let parent = (i - 1) >> 1
            if !Entry.precedes(e, entries[parent]) { break }
            entries[i] = entries[parent]
            i = parent
        }
        entries[i] = e
    }

    mutating func pop() -> Entry {
        let top = entries[0]
        let last = entries.removeLast()
        if entries.isEmpty {
            entries[0] = Entry(key: LinkSchedule.none)
        } else {
            siftDown(last, from: 0)
        }
        return top
    }
}
