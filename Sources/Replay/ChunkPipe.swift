import Dispatch
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
    /// Directions first seen in this chunk, in order of their indices.
    var newDirections: [DirectionPlan] = []
    /// The reader's last chunk.
    var isLast = false

    init() { newDirections.reserveCapacity(64) }
    deinit { items.deallocate() }

    var isFull: Bool { count == WorkChunk.capacity }

    func reset() {
        count = 0
        newDirections.removeAll(keepingCapacity: true)
        isLast = false
    }
}

/// A bounded single-producer, single-consumer queue of reusable chunks: the
/// reader fills one while the simulation drains another, so reading and
/// parsing overlap with simulating on a second core. Synchronisation is one
/// semaphore operation per chunk of 4,096 packets, none per packet; the
/// order of the work is the reader's, so results do not depend on timing.
final class ChunkPipe: @unchecked Sendable {
    private let chunks: [WorkChunk]
    private let filled = DispatchSemaphore(value: 0)
    private let free: DispatchSemaphore
    private var produceIndex = 0
    private var consumeIndex = 0

    init(depth: Int = 4) {
        chunks = (0..<depth).map { _ in WorkChunk() }
        free = DispatchSemaphore(value: depth)
    }

    /// The reader's next empty chunk (waits while all are full).
    func acquireEmpty() -> WorkChunk {
        free.wait()
        let chunk = chunks[produceIndex % chunks.count]
        produceIndex += 1
        chunk.reset()
        return chunk
    }

    /// Hands a filled chunk to the simulation side.
    func publish(_ chunk: WorkChunk) { filled.signal() }

    /// The next filled chunk, in order (waits while none is ready).
    func acquireFilled() -> WorkChunk {
        filled.wait()
        let chunk = chunks[consumeIndex % chunks.count]
        consumeIndex += 1
        return chunk
    }

    /// Gives a drained chunk back to the reader.
    func release(_ chunk: WorkChunk) { free.signal() }
}
