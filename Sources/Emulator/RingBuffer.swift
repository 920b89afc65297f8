/// A growable FIFO of plain values (no references: entries are copied
/// bitwise, never deinitialised) in manually managed memory: a link's
/// packets in flight, a host uplink's pending transmissions, a replay's
/// waiting work. Not copy-on-write (a copy shares the storage); the owner
/// calls ``free()``. The capacity stays a power of two, so an index wraps
/// with a mask.
public struct RingBuffer<Element> {
    @usableFromInline var buffer: UnsafeMutablePointer<Element>
    @usableFromInline var capacity: Int
    @usableFromInline var head = 0
    @usableFromInline var storedCount = 0

    /// An empty ring with room for `capacity` (rounded up to a power of two).
    public init(capacity: Int = 64) {
        var c = 1
        while c < capacity { c <<= 1 }
        self.capacity = c
        buffer = .allocate(capacity: c)
    }

    @inlinable public var count: Int { storedCount }
    @inlinable public var isEmpty: Bool { storedCount == 0 }

    /// The entry `offset` places after the oldest.
    @inlinable
    public subscript(offset: Int) -> Element { buffer[(head &+ offset) & (capacity &- 1)] }

    /// Where the entry `offset` places after the oldest is (or will be) stored.
    @inlinable
    public func address(of offset: Int) -> UnsafeMutablePointer<Element> { buffer + ((head &+ offset) & (capacity &- 1)) }

    /// The oldest entry, in place (the ring must not be empty).
    @inlinable public var first: UnsafeMutablePointer<Element> { buffer + head }

    @inlinable
    public mutating func append(_ entry: Element) {
        if count == capacity { grow() }
        buffer[(head &+ count) & (capacity &- 1)] = entry
        storedCount &+= 1
    }

    /// Forgets the oldest entry (the ring must not be empty).
    @inlinable
    public mutating func discardFirst() {
        head = (head &+ 1) & (capacity &- 1)
        storedCount &-= 1
    }

    /// Copies up to `count` of the oldest entries into `destination` (plain
    /// values: a block copy, whatever it held before), as many
    /// as lie in one stretch of the storage (before it wraps), and forgets
    /// them; returns how many (at least one while `count` and the ring are
    /// not 0).
    @inlinable
    public mutating func moveFirst(_ count: Int, to destination: UnsafeMutablePointer<Element>) -> Int {
        let n = Swift.min(count, storedCount, capacity &- head)
        destination.initialize(from: buffer + head, count: n)
        head = (head &+ n) & (capacity &- 1)
        storedCount &-= n
        return n
    }

    /// Removes and returns the oldest entry (the ring must not be empty).
    @inlinable
    public mutating func removeFirst() -> Element {
        let entry = buffer[head]
        discardFirst()
        return entry
    }

    public mutating func removeAll() {
        head = 0
        storedCount = 0
    }

    @usableFromInline
    mutating func grow() {
        let fresh = UnsafeMutablePointer<Element>.allocate(capacity: capacity * 2)
        for i in 0..<count { fresh[i] = self[i] }
        buffer.deallocate()
        buffer = fresh
        capacity *= 2
        head = 0
    }

    public func free() { buffer.deallocate() }
}
