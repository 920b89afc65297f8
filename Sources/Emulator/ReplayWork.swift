/// One item of work for the simulation thread, made by the reader thread:
/// a captured packet to send (or its fate on a host uplink the reader sends
/// on), a closed-loop TCP write, or a new flow. 48 bytes, no references.
/// It lives here, not in Replay, so that a run of arrivals can be handed to
/// the simulation in one call (``Simulation/arriveRun(_:count:flowOfDirection:directions:uplinks:lookahead:)``).
public struct ReplayWork: Sendable {
    public enum Kind: UInt8, Sendable {
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
    public var time: Int64
    /// `arrival`: when it reaches the far end of its host's uplink.
    public var arrival: Int64 = 0
    /// IP datagram length (of this fragment, when fragmented on the uplink).
    public var size: Int32
    /// Index of its direction (the replay's direction plans).
    public var direction: Int32
    /// `arrival`, `drop`: the packet's sequence number in its flow.
    public var sequence: UInt32 = 0
    /// The reader's number of a datagram the uplink fragmented (0: none),
    /// its size and its fragment count.
    public var datagram: UInt32 = 0
    public var datagramSize: Int32 = 0
    public var fragments: UInt16 = 0
    public var kind: Kind
    /// `drop`: the ``DropReason``'s raw value.
    public var reason: UInt8 = 0
    /// `arrival`: which of the reader's uplink senders carried it.
    public var sender: UInt8 = 0
    /// The IPv4 Don't Fragment bit as captured.
    public var dontFragment: Bool
    /// `arrival`, `drop`: the datagram's first piece (it counts as one packet sent).
    public var counts = false
    /// `drop`: over the MTU with DF set, on a link that reports it (ICMP).
    public var tooBig = false

    /// A work item with the given fields and every other one zero or false.
    public init(time: Int64, size: Int32, direction: Int32, kind: Kind, dontFragment: Bool) {
        self.time = time
        self.size = size
        self.direction = direction
        self.kind = kind
        self.dontFragment = dontFragment
    }
}
