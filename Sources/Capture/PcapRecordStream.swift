#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The records of a classic pcap file (version 2.4), read in place from a
/// window of the file mapped into memory (`mmap`): a record costs a 16-byte
/// header decode and no copy, neither libpcap's two `fread` calls per record
/// nor the kernel's copy of every byte that `read(2)` makes.
///
/// The window slides along the file (a few MiB mapped at a time, the pages
/// behind unmapped), so memory stays flat however long the capture.
///
/// Only *plain* records are returned: whole in the file, with a captured
/// length within the snap length. At the first record that is not (cut off
/// by the end of the file, over the snap length, or a file that cannot be
/// mapped or has grown since it was opened) the stream stops with
/// ``Status/handOver``, and ``CaptureReader`` seeks libpcap to that record,
/// so libpcap reads it and everything after with its usual behaviour and
/// messages. A file that was valid thus reads the same either way; the tests
/// compare the two readers record by record.
///
/// A file truncated by another process while it is being read would fault
/// in the mapping (`SIGBUS`); the stream is for captures at rest. Standard
/// input and other non-regular files are read by libpcap.
@usableFromInline
struct PcapRecordStream {
    @usableFromInline enum Status { case reading, end, handOver }

    /// A record whose bytes are in the window until the next call to ``next()``.
    @usableFromInline struct Record {
        @usableFromInline var data: UnsafeRawPointer
        @usableFromInline var capturedLength: Int
        @usableFromInline var wireLength: Int
        @usableFromInline var timestamp: Int64

        @inlinable init(data: UnsafeRawPointer, capturedLength: Int, wireLength: Int, timestamp: Int64) {
            self.data = data
            self.capturedLength = capturedLength
            self.wireLength = wireLength
            self.timestamp = timestamp
        }
    }

    /// Bytes of the file mapped at a time. A record (at most the snap length,
    /// which must be at most half the window, plus its header) always fits
    /// in a window that starts at its page. Mapping and unmapping cost a few
    /// tens of microseconds, paid once per window.
    static let windowBytes = 4 << 20

    /// The mapped window, `end` bytes of it, whose first byte is the file's
    /// byte `windowOffset`; `start`: the next record's offset in the window.
    @usableFromInline var buffer: UnsafeRawPointer?
    @usableFromInline var start = 0
    @usableFromInline var end = 0
    @usableFromInline var swapped = false
    /// Nanoseconds per unit of the timestamp's second field: 1 or 1,000.
    @usableFromInline var fractionScale: Int64 = 1
    @usableFromInline var snapLength = 0
    /// `.handOver` also for a stream that never opened (see ``inactive``).
    @usableFromInline var status = Status.handOver
    private var descriptor: Int32 = -1
    private var fileSize = 0
    private var windowOffset = 0
    private var window = PcapRecordStream.windowBytes
    private var pageSize = 4096

    /// A stream that reads nothing: its owner reads through libpcap.
    static var inactive: PcapRecordStream { PcapRecordStream() }

    private init() {}

    /// True while the stream, not libpcap, gives the records: until it hands
    /// over (at the end of the file it stays the one that answers nil).
    @inlinable var givesRecords: Bool { status != .handOver }

    /// A stream over `path` from its first record, or nil when the file is not
    /// one this stream reads (not a regular file, not classic pcap, cannot be
    /// opened or mapped, or a snap length over half the window). The caller
    /// has opened it with libpcap, which checked the file header (version 2.4
    /// or later is the caller's check: earlier versions may have the two
    /// lengths swapped, which libpcap sorts out). `window` is the bytes mapped
    /// at a time (smaller in tests, to make records cross many windows). The
    /// owner calls ``close()`` when done with it.
    init?(path: String, format: CaptureFormat, snapLength: Int, window: Int = PcapRecordStream.windowBytes) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        guard case let .pcap(nanosecond, bigEndian) = format, path != "-", snapLength > 0, page > 0,
              window % page == 0, snapLength <= window / 2 - page else { return nil }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        // Only a regular file can be opened twice and read from the start by
        // both (a FIFO would split its bytes between libpcap and the stream).
        var fileInfo = stat()
        guard fstat(fd, &fileInfo) == 0, fileInfo.st_mode & S_IFMT == S_IFREG, fileInfo.st_size >= 24 else {
            _ = Glibc.close(fd)
            return nil
        }
        #if os(Linux)
        _ = posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL)
        #endif
        descriptor = fd
        fileSize = Int(fileInfo.st_size)
        pageSize = page
        self.window = window
        swapped = bigEndian != (UInt32(1).bigEndian == 1)
        fractionScale = nanosecond ? 1 : 1_000
        self.snapLength = snapLength
        status = .reading
        guard map(at: 24) else {
            close()
            return nil
        }
    }

    /// Unmaps the window and closes the file; the stream then reads nothing.
    mutating func close() {
        unmap()
        if descriptor >= 0 { _ = Glibc.close(descriptor) }
        descriptor = -1
        if status == .reading { status = .handOver }
    }

    private mutating func unmap() {
        if let buffer { munmap(UnsafeMutableRawPointer(mutating: buffer), end) }
        buffer = nil
    }

    /// Maps the window that holds the file's byte `offset` (from its page on);
    /// false when it cannot be mapped.
    private mutating func map(at offset: Int) -> Bool {
        unmap()
        let base = offset / pageSize * pageSize
        let length = min(window, fileSize - base)
        guard length > 0 else { return false }
        #if os(Linux)
        let flags = MAP_PRIVATE | MAP_POPULATE
        #else
        let flags = MAP_PRIVATE
        #endif
        let mapped = mmap(nil, length, PROT_READ, flags, descriptor, off_t(base))
        guard let mapped, mapped != MAP_FAILED else { return false }
        #if os(Linux)
        _ = madvise(mapped, length, MADV_SEQUENTIAL)
        #endif
        buffer = UnsafeRawPointer(mapped)
        windowOffset = base
        start = offset - base
        end = length
        return true
    }

    /// The next plain record, or nil with ``status`` `.end` (the file ended
    /// after a whole record) or `.handOver` (see the type's description).
    @inlinable @inline(__always)
    mutating func next() -> Record? {
        guard let buffer else { return nil }
        let available = end &- start
        if available >= 16 {
            let h = buffer + start
            var seconds = h.loadUnaligned(as: UInt32.self)
            var fraction = h.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
            var captured = h.loadUnaligned(fromByteOffset: 8, as: UInt32.self)
            var wire = h.loadUnaligned(fromByteOffset: 12, as: UInt32.self)
            // As libpcap gives the two timestamp fields: signed 32-bit
            // numbers in a file of this machine's byte order, unsigned ones
            // in a byte-swapped file; microseconds are scaled after widening.
            let secondsValue: Int64, fractionValue: Int64
            if swapped {
                seconds = seconds.byteSwapped
                fraction = fraction.byteSwapped
                captured = captured.byteSwapped
                wire = wire.byteSwapped
                secondsValue = Int64(seconds)
                fractionValue = Int64(fraction)
            } else {
                secondsValue = Int64(Int32(bitPattern: seconds))
                fractionValue = Int64(Int32(bitPattern: fraction))
            }
            let length = Int(captured)
            guard length <= snapLength else {
                status = .handOver
                return nil
            }
            if available &- 16 >= length {
                start &+= 16 &+ length
                let stamp = secondsValue &* 1_000_000_000 &+ fractionValue &* fractionScale
                return Record(data: h + 16, capturedLength: length, wireLength: Int(wire), timestamp: stamp)
            }
        }
        return nextInNewWindow()
    }

    /// ``next()`` for a record that does not lie whole in the window: the
    /// window slides to it, or the file has ended.
    @usableFromInline
    mutating func nextInNewWindow() -> Record? {
        let position = windowOffset + start
        if windowOffset + end < fileSize {
            guard map(at: position) else {
                status = .handOver
                return nil
            }
            return next()
        }
        // The end of the file as it was opened: done, unless bytes are left
        // over (a record cut off) or the file has grown meanwhile; libpcap
        // reads those from here.
        var fileInfo = stat()
        let grown = fstat(descriptor, &fileInfo) != 0 || Int(fileInfo.st_size) != fileSize
        status = position == fileSize && !grown ? .end : .handOver
        return nil
    }
}
