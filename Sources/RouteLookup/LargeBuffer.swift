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
}
