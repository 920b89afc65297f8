#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Memory for the lookup arrays: 2 MiB-aligned and, where the kernel allows
/// transparent huge pages on request (`madvise`), backed by them, so a
/// multi-megabyte table costs a few TLB entries instead of thousands.
enum LargeBuffer {
    static let hugePage = 2 << 20

    static func allocate<T>(_: T.Type, count: Int) -> UnsafeMutablePointer<T> {
        let bytes = max(count * MemoryLayout<T>.stride, 64)
        let alignment = bytes >= hugePage ? hugePage : 64
        let rounded = (bytes + alignment - 1) / alignment * alignment
        var raw: UnsafeMutableRawPointer?
        guard posix_memalign(&raw, alignment, rounded) == 0, let raw else {
            fatalError("out of memory allocating \(rounded) bytes for the lookup table")
        }
        #if os(Linux)
        if rounded >= hugePage { _ = madvise(raw, rounded, 14) }  // MADV_HUGEPAGE
        #endif
        return raw.bindMemory(to: T.self, capacity: count)
    }

    static func free<T>(_ pointer: UnsafeMutablePointer<T>) {
        Glibc.free(pointer)
    }

    /// `bytes` of zeroed memory straight from the kernel (an anonymous
    /// mapping, page-aligned, 2 MiB-aligned and huge-page backed from
    /// 2 MiB up): nothing is written now, and a page costs only when it is
    /// first touched. A table that routes a handful of prefixes touches a
    /// few pages of its direct array instead of clearing all of it (a
    /// scenario builds two tables per router: `dxemu compare` takes half
    /// the page faults it took with a cleared allocation).
    /// Free it with ``freeZeroed(_:bytes:)`` and the same `bytes`.
    static func allocateZeroed(bytes: Int) -> UnsafeMutableRawPointer {
        let length = mappedLength(bytes)
        let slack = length >= hugePage ? hugePage : 0
        guard let raw = mmap(nil, length + slack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              raw != MAP_FAILED else {
            fatalError("out of memory mapping \(length) bytes for the lookup table")
        }
        guard slack > 0 else { return raw }
        // Keep the 2 MiB-aligned part and give back the rest.
        let start = (Int(bitPattern: raw) + hugePage - 1) / hugePage * hugePage
        let head = start - Int(bitPattern: raw)
        if head > 0 { munmap(raw, head) }
        if slack - head > 0 { munmap(UnsafeMutableRawPointer(bitPattern: start + length), slack - head) }
        let aligned = UnsafeMutableRawPointer(bitPattern: start)!
        #if os(Linux)
        _ = madvise(aligned, length, 14)  // MADV_HUGEPAGE
        #endif
        return aligned
    }

    /// Releases memory from ``allocateZeroed(bytes:)``.
    static func freeZeroed(_ pointer: UnsafeMutableRawPointer, bytes: Int) {
        munmap(pointer, mappedLength(bytes))
    }

    private static func mappedLength(_ bytes: Int) -> Int {
        let page = 4096
        return max((bytes + page - 1) / page * page, page)
    }
}
