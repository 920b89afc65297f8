/// The next arrival of every link with packets in flight, kept sorted by
/// (time, order): a ring of heap entries, earliest first, at most one per link.
///
/// Links are few (tens) and FIFO, and their next arrivals come round in a
/// near-fixed rotation: the link just run is usually due again after the
/// others (it goes to the back, found by one comparison from the back) or at
/// once (it stays in front, one comparison with the second). A binary heap
/// pays a sift through its levels for either. Sources, timers and TCP, which
/// can be many, stay in the ``EventHeap``; the simulation runs whichever of
/// the two fronts comes first, so the order of events is the same (the keys
/// are unique: one entity, one order). An entry that lands mid-ring costs
/// one move per entry behind it: linear in the links with packets in
/// flight, where a heap is logarithmic, which pays while those are tens.
struct LinkSchedule {
    typealias Entry = EventHeap.Entry

    /// The key a missing entry compares as: after every real one.
    static let none = UInt128.max

    /// The ring; when it is empty, the slot at `head` holds ``none``, so
    /// that ``firstKey`` is one load.
    private var slots: UnsafeMutablePointer<Entry>
    private var mask: Int
    private var head = 0
    private(set) var count = 0

    init(capacity: Int = 16) {
        var c = 1
        while c < max(capacity, 2) { c <<= 1 }
        slots = .allocate(capacity: c)
        mask = c - 1
        slots[0] = Entry(key: Self.none)
    }

    func deallocate() { slots.deallocate() }

    /// The earliest entry's key, or ``none`` when no link has packets in flight.
    @inline(__always)
    var firstKey: UInt128 { slots[head].key }

    /// The entries, earliest first (for tests and checks).
    var entries: [Entry] { (0..<count).map { slots[(head &+ $0) & mask] } }

    /// Adds the entry of a link that had no packets in flight.
    @inline(__always)
    mutating func insert(_ e: Entry) {
        if count > mask { grow() }
        // From the back: a new arrival is most often the latest.
        var i = count
        while i > 0 {
            let before = slots[(head &+ i &- 1) & mask]
            if !Entry.precedes(e, before) { break }
            slots[(head &+ i) & mask] = before
            i &-= 1
        }
        slots[(head &+ i) & mask] = e
        count &+= 1
    }

    /// Removes the earliest entry (its link has nothing more in flight).
    @inline(__always)
    mutating func removeFirst() {
        head = (head &+ 1) & mask
        count &-= 1
        if count == 0 { slots[head] = Entry(key: Self.none) }
    }

    /// Gives the earliest entry the key of `e` (its link's next arrival) and
    /// returns whether it is still the earliest here.
    @inline(__always)
    mutating func updateFirst(_ e: Entry) -> Bool {
        let h = head
        let n = count
        if n < 2 || Entry.precedes(e, slots[(h &+ 1) & mask]) {
            slots[h] = e
            return true
        }
        // The second comes first now: the ring turns by one, and `e` goes
        // in from the back (the second precedes it, which ends the scan).
        head = (h &+ 1) & mask
        var i = (h &+ n) & mask
        while true {
            let j = (i &- 1) & mask
            let before = slots[j]
            if !Entry.precedes(e, before) { break }
            slots[i] = before
            i = j
        }
        slots[i] = e
        return false
    }

    private mutating func grow() {
        let capacity = (mask + 1) * 2
        let fresh = UnsafeMutablePointer<Entry>.allocate(capacity: capacity)
        for i in 0..<count { fresh[i] = slots[(head + i) & mask] }
        if count == 0 { fresh[0] = Entry(key: Self.none) }
        slots.deallocate()
        slots = fresh
        mask = capacity - 1
        head = 0
    }
}
