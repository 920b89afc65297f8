#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The records of a classic pcap file (version 2.4), read straight from a
/// large buffer that `read(2)` fills: a record costs a 16-byte header decode
/// and no copy. libpcap's own read costs two `fread` calls per record, which
/// was most of a replay's reading.
///
/// Only *plain* records are returned: whole in the file, with a captured
/// length within the snap length. At the first record that is not (cut off
/// by the end of the file, over the snap length, or a read error) the stream
/// stops with ``Status/handOver``, and ``CaptureReader`` seeks libpcap to
/// that record, so libpcap reads it and everything after with its usual
/// behaviour and messages. A file that was valid thus reads the same either
/// way; the tests compare the two readers record by record.
@usableFromInline
struct PcapRecordStream {
    @usableFromInline enum Status { case reading, end, handOver }

    /// A record whose bytes are in the buffer until the next call to ``next()``.
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

    /// Size of the buffer: a record (at most the snap length, libpcap caps it
    /// at 262,144 bytes, plus its header) always fits.
    static let bufferBytes = 1 << 20
    /// Bytes asked of one `read(2)`: much less than the buffer, so the bytes
    /// streaming through stay a small part of the core's L2 cache (a read of
    /// the whole megabyte evicted the replay's conversation table and link
    /// state on every refill).
    static let readBytes = 1 << 16

    @usableFromInline var buffer: UnsafeMutableRawPointer?
    @usableFromInline var start = 0
    @usableFromInline var end = 0
    @usableFromInline var swapped = false
    /// Nanoseconds per unit of the timestamp's second field: 1 or 1,000.
    @usableFromInline var fractionScale: Int64 = 1
    @usableFromInline var snapLength = 0
    /// `.handOver` also for a stream that never opened (see ``inactive``).
    @usableFromInline var status = Status.handOver
    private var descriptor: Int32 = -1
    private var fileEnded = false

    /// A stream that reads nothing: its owner reads through libpcap.
    static var inactive: PcapRecordStream { PcapRecordStream() }

    private init() {}

    /// True while the stream, not libpcap, gives the records: until it hands
    /// over (at the end of the file it stays the one that answers nil).
    @inlinable var givesRecords: Bool { status != .handOver }

    /// A stream over `path` from its first record, or nil when the file is not
    /// one this stream reads (not a regular file, not classic pcap, or cannot
    /// be opened). The caller has opened it with libpcap, which checked the
    /// file header (version 2.4 or later is the caller's check: earlier
    /// versions may have the two lengths swapped, which libpcap sorts out).
    /// The owner calls ``close()`` when done with it.
    init?(path: String, format: CaptureFormat, snapLength: Int) {
        guard case let .pcap(nanosecond, bigEndian) = format, path != "-", snapLength > 0,
              snapLength <= Self.bufferBytes / 2 else { return nil }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        // Only a regular file can be opened twice and read from the start by
        // both (a FIFO would split its bytes between libpcap and the stream).
        var fileInfo = stat()
        guard fstat(fd, &fileInfo) == 0, fileInfo.st_mode & S_IFMT == S_IFREG, lseek(fd, 24, SEEK_SET) == 24 else {
            _ = Glibc.close(fd)
            return nil
        }
        #if os(Linux)
        _ = posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL)
        #endif
        descriptor = fd
        swapped = bigEndian != (UInt32(1).bigEndian == 1)
        fractionScale = nanosecond ? 1 : 1_000
        self.snapLength = snapLength
        buffer = UnsafeMutableRawPointer.allocate(byteCount: Self.bufferBytes, alignment: 64)
        status = .reading
    }

    /// Frees the buffer and closes the file; the stream then reads nothing.
    mutating func close() {
        buffer?.deallocate()
        buffer = nil
        if descriptor >= 0 { _ = Glibc.close(descriptor) }
        descriptor = -1
        if status == .reading { status = .handOver }
    }

    /// The next plain record, or nil with ``status`` `.end` (the file ended
    /// after a whole record) or `.handOver` (see the type's description).
    @inlinable @inline(__always)
    mutating func next() -> Record? {
        guard let buffer else { return nil }
        while true {
            let available = end &- start
            if available >= 16 {
                let h = UnsafeRawPointer(buffer + start)
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
            guard refill() else { return nil }
        }
    }

    /// Moves the unread bytes to the front and reads more; false (with the
    /// status set) when nothing more can be read.
    @usableFromInline
    mutating func refill() -> Bool {
        guard let buffer else { return false }
        if start > 0 {
            let unread = end - start
            if unread > 0 { buffer.copyMemory(from: buffer + start, byteCount: unread) }
            start = 0
            end = unread
        }
        while !fileEnded && end < Self.bufferBytes {
            let n = read(descriptor, buffer + end, min(Self.bufferBytes - end, Self.readBytes))
            if n > 0 {
                end += n
                return true
            }
            if n < 0 && errno == EINTR { continue }
            fileEnded = true
            if n < 0 {
                status = .handOver
                return false
            }
        }
        status = end == 0 ? .end : .handOver
        return false
    }
}
