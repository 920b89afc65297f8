import Dispatch
import PacketWire
import Scenario

/// One item of work for the simulation thread, made by the reader thread:
/// a captured packet to send (or its fate on a host uplink the reader sends
/// on), a closed-loop TCP write, or a new flow. 48 bytes, no references.
struct ReplayWork {
    enum Kind: UInt8 {
        /// Run the simulation to `time`, then send the packet from its host.
        case send
        /// Run to `time`, then hand `size` bytes to the direction's TCP sender.
        case write
        /// The packet crossed its host's uplink (sent on the reader thread) and
        /// reaches the far end at `arrival`.
        case arrival
        /// The packet was dropped on its host's uplink when sent at `time`.
        case drop
        /// Make the direction's flow, the simulation run to `time` first
        /// (not at all when `time` is negative).
        case newFlow
    }

    /// When it enters the network (virtual nanoseconds).
    var time: Int64
    /// `arrival`: when it reaches the far end of its host's uplink.
    var arrival: Int64 = 0
    /// IP datagram length (of this fragment, when fragmented on the uplink).
    var size: Int32
    /// Index of its direction (see ``DirectionPlan``).
    var direction: Int32
    /// `arrival`, `drop`: the packet's sequence number in its flow.
    var sequence: UInt32 = 0
    /// The reader's number of a datagram the uplink fragmented (0: none),
    /// its size and its fragment count.
    var datagram: UInt32 = 0
    var datagramSize: Int32 = 0
    var fragments: UInt16 = 0
    var kind: Kind
    /// `drop`: the ``DropReason``'s raw value.
    var reason: UInt8 = 0
    /// `arrival`: which of the reader's uplink senders carried it.
    var sender: UInt8 = 0
    /// The IPv4 Don't Fragment bit as captured.
    var dontFragment: Bool
    /// `arrival`, `drop`: the datagram's first piece (it counts as one packet sent).
    var counts = false
    /// `drop`: over the MTU with DF set, on a link that reports it (ICMP).
    var tooBig = false
}

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
