/// A growable array of values in manually managed memory, for the emulator's
/// hot tables (links, flows, nodes, sources). Unlike `Array` it is not
/// copy-on-write: mutating an element through the subscript writes in place,
/// with no uniqueness check or retain. The owner calls ``deallocate()``.
struct UnsafeTable<Element> {
    private(set) var base: UnsafeMutablePointer<Element>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int = 16) {
        self.capacity = max(capacity, 1)
        base = .allocate(capacity: self.capacity)
    }

    @inline(__always)
    subscript(index: Int) -> Element {
        unsafeAddress { UnsafePointer(base + index) }
        nonmutating unsafeMutableAddress { base + index }
    }

    var indices: Range<Int> { 0..<count }
    var isEmpty: Bool { count == 0 }

    mutating func append(_ element: Element) {
        if count == capacity {
            let grown = capacity * 2
            let fresh = UnsafeMutablePointer<Element>.allocate(capacity: grown)
            fresh.moveInitialize(from: base, count: count)
            base.deallocate()
            base = fresh
            capacity = grown
        }
        (base + count).initialize(to: element)
        count += 1
    }

    @discardableResult
    mutating func removeLast() -> Element {
        count -= 1
        return (base + count).move()
    }

    /// The elements, copied out (for reports and checks, not the hot path).
    var elements: [Element] { Array(UnsafeBufferPointer(start: base, count: count)) }

    func deallocate() {
        base.deinitialize(count: count)
        base.deallocate()
    }
}
