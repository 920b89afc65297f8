import CacheHints
import Dispatch
import Synchronization
import Emulator
import PacketWire
import Scenario

/// A conversation direction first seen by the reader: where it was mapped.
/// The simulation side makes its flow or TCP connection on first use.
struct DirectionPlan {
    var mapped: FlowKey
    var from: Site
    var to: Site
    var ttl: UInt8
    var dontFragment: Bool
    /// ICMP type and code of the direction's first packet (echo request or
    /// reply, ...), for per-link captures; 0 for other protocols.
    var icmpType: UInt8 = 0
    var icmpCode: UInt8 = 0
}

/// A batch of work handed from the reader thread to the simulation thread.
/// Its storage is allocated once and reused for the whole replay.
final class WorkChunk: @unchecked Sendable {
    static let capacity = 4096
    let items = UnsafeMutablePointer<ReplayWork>.allocate(capacity: WorkChunk.capacity)
    var count = 0
    /// How many items this chunk takes before it is handed over: the
    /// capacity, less for the first chunks of a replay (see ``ChunkPipe/acquireEmpty()``).
    var limit = WorkChunk.capacity
    /// Directions first seen in this chunk, in order of their indices.
    var newDirections: [DirectionPlan] = []
    /// The reader's last chunk.
    var isLast = false

    init() { newDirections.reserveCapacity(64) }
    deinit { items.deallocate() }

    var isFull: Bool { count >= limit }

    func reset() {
        count = 0
        newDirections.removeAll(keepingCapacity: true)
        isLast = false
    }
}

/// A bounded single-producer, single-consumer queue of reusable chunks: the
/// reader fills one while the simulation drains another, so reading and
/// parsing overlap with simulating on a second core. The two sides count
/// the chunks they have handed over in two atomics; a side that finds
/// nothing to take spins briefly (the other is usually a few microseconds
/// from handing one over), and only then sleeps on a semaphore (see
/// ``Handoff``). The order of the work is the reader's, so results do not
/// depend on timing.
final class ChunkPipe: @unchecked Sendable {
    private let chunks: [WorkChunk]
    /// Chunks the reader has filled and published, and the simulation has given back.
    private let published = Handoff()
    private let released = Handoff()
    /// The reader's and the simulation's own counts of chunks taken (each side reads only its own).
    private var produceIndex = 0
    private var consumeIndex = 0

    /// The first chunk takes capacity >> rampChunks items, each next one
    /// twice as many, up to the capacity.
    static let rampChunks = 4

    init(depth: Int = 4) {
        chunks = (0..<depth).map { _ in WorkChunk() }
    }

    /// The reader's next empty chunk (waits while all are full).
    func acquireEmpty() -> WorkChunk {
        let wanted = produceIndex - chunks.count + 1
        released.wait(untilCountReaches: wanted)
        let chunk = chunks[produceIndex % chunks.count]
        chunk.reset()
        // The first chunks are small, so the simulation starts soon: a
        // replay's first packets are mostly new conversations, slow to read,
        // and the simulation waited milliseconds for a whole first chunk.
        chunk.limit = WorkChunk.capacity >> max(ChunkPipe.rampChunks &- produceIndex, 0)
        produceIndex += 1
        return chunk
    }

    /// Hands a filled chunk to the simulation side.
    func publish(_ chunk: WorkChunk) { published.advance(to: produceIndex) }

    /// The next filled chunk, in order (waits while none is ready).
    func acquireFilled() -> WorkChunk {
        published.wait(untilCountReaches: consumeIndex + 1)
        let chunk = chunks[consumeIndex % chunks.count]
        consumeIndex += 1
        return chunk
    }

    /// Gives a drained chunk back to the reader.
    func release(_ chunk: WorkChunk) { released.advance(to: consumeIndex) }
}

/// A count one thread raises and another waits on. Raising it costs one
/// atomic store and one atomic exchange; waiting spins (with the CPU's
/// pause hint) for up to ``spinNanoseconds`` before it sleeps on a
/// semaphore. A sleep and a wake-up through the kernel cost tens of
/// microseconds, a tenth of the time a chunk takes: spinning first keeps
/// both cores busy when the two threads run at nearly the same pace.
final class Handoff: @unchecked Sendable {
    private let count = Atomic<Int>(0)
    /// Set by the waiter before it sleeps; the raiser that clears it signals.
    private let sleeping = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)
    /// How long a waiter spins before it sleeps.
    static let spinNanoseconds: UInt64 = 200_000

    /// Raises the count to `value` (only ever up; one thread raises) and
    /// wakes the waiter if it sleeps.
    func advance(to value: Int) {
        count.store(value, ordering: .sequentiallyConsistent)
        if sleeping.exchange(false, ordering: .sequentiallyConsistent) { wake.signal() }
    }

    /// Returns once the count is at least `value`; what the raiser wrote
    /// before raising it is then visible here.
    func wait(untilCountReaches value: Int) {
        if count.load(ordering: .acquiring) >= value { return }
        let start = DispatchTime.now().uptimeNanoseconds
        var spins = 0
        while count.load(ordering: .acquiring) < value {
            dxemu_spin_pause()
            spins &+= 1
            if spins & 63 == 0 && DispatchTime.now().uptimeNanoseconds &- start > Handoff.spinNanoseconds { break }
        }
        while true {
            sleeping.store(true, ordering: .sequentiallyConsistent)
            if count.load(ordering: .sequentiallyConsistent) >= value {
                // Take the flag back; a raiser that took it first has signalled.
                if !sleeping.exchange(false, ordering: .sequentiallyConsistent) { wake.wait() }
                return
            }
            wake.wait()
            if count.load(ordering: .acquiring) >= value { return }
        }
    }
}
