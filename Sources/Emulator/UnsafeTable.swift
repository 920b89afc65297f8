/// A growable array of values in manually managed memory, for the emulator's
/// hot tables (links, flows, nodes, sources). Unlike `Array` it is not
/// copy-on-write: mutating an element through the subscript writes in place,
/// with no uniqueness check or retain. The owner calls ``deallocate()``.
/// Public for the replay's reader thread, whose per-packet tables it is too.
public struct UnsafeTable<Element> {
    public private(set) var base: UnsafeMutablePointer<Element>
    public private(set) var count = 0
    private var capacity: Int
    private let alignment: Int

    /// An empty table; `alignment` (a power of two) aligns its first element,
    /// e.g. 64 to start each element of a whole-cache-line stride on a line.
    public init(capacity: Int = 16, alignment: Int = 16) {
        self.capacity = max(capacity, 1)
        self.alignment = max(alignment, MemoryLayout<Element>.alignment)
        base = Self.allocate(self.capacity, alignment: self.alignment)
    }

    private static func allocate(_ capacity: Int, alignment: Int) -> UnsafeMutablePointer<Element> {
        UnsafeMutableRawPointer.allocate(byteCount: capacity * MemoryLayout<Element>.stride, alignment: alignment)
            .bindMemory(to: Element.self, capacity: capacity)
    }

    @inlinable @inline(__always)
    public subscript(index: Int) -> Element {
        unsafeAddress { UnsafePointer(base + index) }
        nonmutating unsafeMutableAddress { base + index }
    }

    @inlinable public var indices: Range<Int> { 0..<count }
    @inlinable public var isEmpty: Bool { count == 0 }

    public mutating func append(_ element: Element) {
        if count == capacity {
            let grown = capacity * 2
            let fresh = Self.allocate(grown, alignment: alignment)
            fresh.moveInitialize(from: base, count: count)
            UnsafeMutableRawPointer(base).deallocate()
            base = fresh
            capacity = grown
        }
        (base + count).initialize(to: element)
        count += 1
    }

    @discardableResult
    public mutating func removeLast() -> Element {
        count -= 1
        return (base + count).move()
    }

    /// The elements, copied out (for reports and checks, not the hot path).
    public var elements: [Element] { Array(UnsafeBufferPointer(start: base, count: count)) }

    public func deallocate() {
        base.deinitialize(count: count)
        UnsafeMutableRawPointer(base).deallocate()
    }
}
