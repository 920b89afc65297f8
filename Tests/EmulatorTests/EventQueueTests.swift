import DeterministicRandom
@testable import Emulator
import Testing

/// The two halves of the pending-event set (``LinkSchedule`` for link
/// arrivals, ``EventHeap`` for the rest) must give the events in exactly
/// (time, order) order: results are compared byte for byte across runs.
@Suite("event queue")
struct EventQueueTests {
    private typealias Entry = EventHeap.Entry

    /// Random inserts, removals and reschedulings of the front, with times
    /// drawn from a small range so that ties (broken by order) are common,
    /// against a sorted array.
    @Test func theLinkScheduleStaysSortedUnderRandomUse() {
        var random = SeededGenerator(seed: 7)
        var schedule = LinkSchedule(capacity: 2)
        defer { schedule.deallocate() }
        var reference: [Entry] = []
        var idle = Array(0..<40)
        var now: Int64 = 0
        for _ in 0..<200_000 {
            let choice = random.next(below: 10)
            if (choice < 3 || reference.isEmpty), !idle.isEmpty {
                // A link with nothing in flight gets a packet.
                let link = idle.remove(at: Int(random.next(below: UInt64(idle.count))))
                let e = Entry(time: now &+ Int64(random.next(below: 50)), order: EventHeap.order(.link, link))
                schedule.insert(e)
                reference.append(e)
                reference.sort { Entry.precedes($0, $1) }
            } else if choice < 5, !reference.isEmpty {
                // The front link's last packet arrives.
                let front = reference.removeFirst()
                now = front.time
                idle.append(EventHeap.id(of: front.order))
                schedule.removeFirst()
            } else if !reference.isEmpty {
                // The front link's next packet is due later (never earlier).
                let front = reference[0]
                now = front.time
                let e = Entry(time: now &+ Int64(random.next(below: 60)), order: front.order)
                reference[0] = e
                reference.sort { Entry.precedes($0, $1) }
                let stillFirst = schedule.updateFirst(e)
                #expect(stillFirst == (reference[0].key == e.key))
            }
            #expect(schedule.count == reference.count)
            #expect(schedule.firstKey == (reference.first?.key ?? LinkSchedule.none))
        }
        #expect(schedule.entries.map(\.key) == reference.map(\.key))
    }

    @Test func anEmptyScheduleAndHeapComeAfterEveryEvent() {
        var schedule = LinkSchedule()
        var heap = EventHeap()
        defer { schedule.deallocate(); heap.deallocate() }
        let last = Entry.lastKey(at: Int64.max)
        #expect(schedule.firstKey > last && heap.firstKey > last)
        heap.push(Entry(time: 5, order: EventHeap.order(.timer, 0)))
        schedule.insert(Entry(time: 5, order: EventHeap.order(.link, 0)))
        // At one instant a timer comes before a link arrival.
        #expect(heap.firstKey < schedule.firstKey)
        _ = heap.pop()
        schedule.removeFirst()
        #expect(schedule.firstKey == LinkSchedule.none && heap.firstKey == LinkSchedule.none)
    }
}
