/// The pending events: a binary min-heap ordered by (time, order).
///
/// Entities hold at most one entry each (a link's next arrival, a source's next
/// send, a control timer), so the heap stays small however many packets are in
/// flight: packets wait in their link's FIFO, not here. `order` breaks ties
/// deterministically: control timers first (by creation), then link arrivals
/// (by link index), then sources (by source index).
struct EventHeap {
    struct Entry {
        var time: Int64
        var order: UInt64

        @inline(__always)
        static func precedes(_ a: Entry, _ b: Entry) -> Bool {
            a.time != b.time ? a.time < b.time : a.order < b.order
        }
    }

    enum Kind: UInt64 {
        case timer = 0, link = 1, source = 2
    }

    static func order(_ kind: Kind, _ id: Int) -> UInt64 { kind.rawValue << 60 | UInt64(id) }
    static func kind(of order: UInt64) -> Kind { Kind(rawValue: order >> 60)! }
    static func id(of order: UInt64) -> Int { Int(order & ((1 << 60) - 1)) }

    private(set) var entries: [Entry] = []

    var isEmpty: Bool { entries.isEmpty }
    var count: Int { entries.count }

    @inline(__always)
    var first: Entry? { entries.first }

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
        if !entries.isEmpty {
            var i = 0
            let n = entries.count
            while true {
                let l = 2 * i + 1
                if l >= n { break }
                let r = l + 1
                let c = r < n && Entry.precedes(entries[r], entries[l]) ? r : l
                if !Entry.precedes(entries[c], last) { break }
                entries[i] = entries[c]
                i = c
            }
            entries[i] = last
        }
        return top
    }
}
