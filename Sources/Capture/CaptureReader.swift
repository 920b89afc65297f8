import CPcap
import PacketWire
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One frame read from a capture. `bytes` point into libpcap's buffer and stay
/// valid only until the next call to ``CaptureReader/next()``.
public struct CaptureRecord {
    /// The captured bytes (`count` is the captured length).
    public var bytes: UnsafeRawBufferPointer
    /// The frame's length on the wire (at least `bytes.count`).
    public var wireLength: Int
    /// Nanoseconds since the Unix epoch.
    public var timestamp: Int64
    /// The link type of the interface the frame was captured on.
    public var linkType: LinkType
    /// 1-based position of the record in the file (filtered-out records count too).
    public var number: Int

    @inlinable
    public init(bytes: UnsafeRawBufferPointer, wireLength: Int, timestamp: Int64, linkType: LinkType, number: Int) {
        self.bytes = bytes
        self.wireLength = wireLength
        self.timestamp = timestamp
        self.linkType = linkType
        self.number = number
    }
}

/// Reads a pcap or pcapng file through libpcap, one record at a time, in
/// constant memory, with nanosecond timestamps.
///
/// pcapng files whose interfaces differ in link type or snap length, which
/// libpcap 1.10 refuses, are read too: see ``MultiLinkRewriter``.
public final class CaptureReader {
    /// The file as the caller named it ("-" is standard input).
    public let path: String
    /// Container format, from the file's magic number.
    public let format: CaptureFormat
    /// The link type of the first interface.
    @exclusivity(unchecked) public internal(set) var linkType: LinkType
    /// The snap length libpcap reports for the file.
    @exclusivity(unchecked) public internal(set) var snapLength: Int
    /// Records read so far (before filtering).
    public var recordsRead: Int { recordCount }
    @exclusivity(unchecked) @usableFromInline var recordCount = 0
    /// Records rejected by the BPF filter so far.
    @exclusivity(unchecked) public private(set) var recordsFilteredOut = 0
    /// True once the reader switched to per-record link types (mixed pcapng).
    @exclusivity(unchecked) public private(set) var hasMixedLinkTypes = false {
        didSet { needsSlowPath = hasMixedLinkTypes || filterExpression != nil }
    }

    /// Records that libpcap accepted but that break the format (captured length
    /// over the snap length or over the wire length); reading goes on past them.
    /// The first ``maximumRecordFaults`` are kept, all are counted.
    public private(set) var recordFaults: [CaptureError] = []
    /// How many record faults were found.
    public private(set) var recordFaultCount = 0
    /// The stdio buffer given to the file libpcap reads.
    public static let fileBufferBytes = 1 << 20
    /// How many record faults are kept in ``recordFaults``.
    public static let maximumRecordFaults = 100

    @exclusivity(unchecked) @usableFromInline var handle: OpaquePointer
    /// Classic pcap 2.4 files are read by this stream, not libpcap, until a
    /// record that is not plain (see ``PcapRecordStream``); an inactive one otherwise.
    @exclusivity(unchecked) @usableFromInline var stream = PcapRecordStream.inactive
    /// Byte offset of the next pcap record (classic pcap only; -1 otherwise).
    @exclusivity(unchecked) @usableFromInline var nextRecordOffset = -1
    /// True with a BPF filter or per-record link types: `next()` takes the general path.
    @exclusivity(unchecked) @usableFromInline var needsSlowPath = false
    @exclusivity(unchecked) private var filterExpression: String? {
        didSet { needsSlowPath = hasMixedLinkTypes || filterExpression != nil }
    }
    @usableFromInline var filters: [(LinkType, bpf_program)] = []
    private var lastFilterIndex = -1

    /// Opens `path` for reading. Throws a ``CaptureError`` naming the file, the
    /// byte offset and the reason when the file is missing, unreadable, not a
    /// capture, or of an unsupported version.
    ///
    /// `readsRecordsItself: false` reads every record through libpcap (the
    /// tests compare the two ways).
    public init(path: String, readsRecordsItself: Bool = true) throws(CaptureError) {
        self.path = path
        let magic = CaptureReader.sniff(path: path, count: 8)
        format = CaptureFormat(magic: Array(magic.prefix(4)))
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        let opened: OpaquePointer?
        if path == "-" {
            opened = pcap_open_offline_with_tstamp_precision(path, UInt32(PCAP_TSTAMP_PRECISION_NANO), &errbuf)
        } else if let file = fopen(path, "rb") {
            // libpcap reads each record with two small freads; a large stdio buffer
            // turns ~40 read(2) calls per 4 KiB into one per MiB.
            setvbuf(file, nil, _IOFBF, CaptureReader.fileBufferBytes)
            opened = pcap_fopen_offline_with_tstamp_precision(file, UInt32(PCAP_TSTAMP_PRECISION_NANO), &errbuf)
            if opened == nil { fclose(file) }
        } else {
            // Let libpcap say why the file cannot be opened.
            opened = pcap_open_offline_with_tstamp_precision(path, UInt32(PCAP_TSTAMP_PRECISION_NANO), &errbuf)
        }
        guard let p = opened else {
            let message = errbuf.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw CaptureReader.openError(path: path, magic: magic, format: format, libpcap: message)
        }
        handle = p
        linkType = LinkType(rawValue: UInt32(bitPattern: pcap_datalink(p)))
        snapLength = Int(pcap_snapshot(p))
        if case .pcap = format, path != "-" { nextRecordOffset = 24 }
        // Versions before 2.4 may have the two lengths swapped; libpcap sorts that out.
        if readsRecordsItself && linkType.isSupported && pcap_major_version(p) == 2 && pcap_minor_version(p) >= 4 {
            stream = PcapRecordStream(path: path, format: format, snapLength: snapLength) ?? .inactive
        }
    }

    deinit {
        stream.close()
        for i in filters.indices { pcap_freecode(&filters[i].1) }
        pcap_close(handle)
    }

    /// Installs a BPF filter (tcpdump syntax), compiled with `pcap_compile` and
    /// applied to each record with `pcap_offline_filter`.
    public func setFilter(_ expression: String) throws(CaptureError) {
        for i in filters.indices { pcap_freecode(&filters[i].1) }
        filters.removeAll()
        lastFilterIndex = -1
        filterExpression = expression
        _ = try filterIndex(for: linkType)
    }

    /// The next record, or nil at the end of the file. A read fault throws a
    /// ``CaptureError`` with the record number and byte offset; the records
    /// returned before it stay valid results.
    ///
    /// Inlinable: the common case (no filter, one link type) is a call to
    /// `pcap_next_ex` and a few additions.
    @inlinable @inline(__always)
    public func next() throws(CaptureError) -> CaptureRecord? {
        if needsSlowPath { return try nextFilteredOrUnwrapped() }
        if stream.givesRecords, let answer = nextFromStream() { return answer }
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        let rc = pcap_next_ex(handle, &header, &data)
        guard rc == 1, let header, let data else { return try endOrFault(rc) }
        return accept(header, data)
    }

    /// Counts the record, checks its lengths and wraps it.
    @inlinable @inline(__always)
    func accept(_ header: UnsafeMutablePointer<pcap_pkthdr>, _ data: UnsafePointer<UInt8>) -> CaptureRecord {
        recordCount &+= 1
        let caplen = Int(header.pointee.caplen), wire = Int(header.pointee.len)
        if nextRecordOffset >= 0 {
            // Classic pcap: follow the file position, to catch records libpcap cut.
            if caplen == snapLength { checkRecordLengths(header.pointee) }
            else { nextRecordOffset &+= 16 &+ caplen }
        }
        if caplen > wire { addRecordFault(offset: nil, reason: "captured length \(caplen) is over the wire length \(wire)") }
        return CaptureRecord(
            bytes: UnsafeRawBufferPointer(start: data, count: caplen),
            wireLength: wire,
            timestamp: Int64(header.pointee.ts.tv_sec) &* 1_000_000_000 &+ Int64(header.pointee.ts.tv_usec),
            linkType: linkType,
            number: recordCount)
    }

    /// Counts a record of the stream and wraps it (it is within the snap length).
    @inlinable @inline(__always)
    func accept(_ raw: PcapRecordStream.Record) -> CaptureRecord {
        recordCount &+= 1
        nextRecordOffset &+= 16 &+ raw.capturedLength
        if raw.capturedLength > raw.wireLength {
            addRecordFault(offset: nil, reason: "captured length \(raw.capturedLength) is over the wire length \(raw.wireLength)")
        }
        return CaptureRecord(
            bytes: UnsafeRawBufferPointer(start: raw.data, count: raw.capturedLength),
            wireLength: raw.wireLength, timestamp: raw.timestamp, linkType: linkType, number: recordCount)
    }

    /// The stream's answer: a record, or nil (`.some(nil)`) at the end of the
    /// file; nil when it handed over to libpcap, which reads on from there.
    @inlinable @inline(__always)
    func nextFromStream() -> CaptureRecord?? {
        if let raw = stream.next() { return .some(accept(raw)) }
        if stream.status == .end { return .some(nil) }
        handOverToLibpcap()
        return nil
    }

    /// libpcap reads on from the record the stream stopped at.
    @usableFromInline
    func handOverToLibpcap() {
        stream.close()
        if let file = pcap_file(handle) { fseeko(file, off_t(nextRecordOffset), SEEK_SET) }
    }

    /// The next record through the stream or libpcap; nil at the end of the file.
    @usableFromInline
    func nextUnfiltered() throws(CaptureError) -> CaptureRecord? {
        if stream.givesRecords, let answer = nextFromStream() { return answer }
        while true {
            var header: UnsafeMutablePointer<pcap_pkthdr>?
            var data: UnsafePointer<UInt8>?
            let rc = pcap_next_ex(handle, &header, &data)
            guard rc == 1, let header, let data else {
                if rc == PCAP_ERROR_BREAK { return nil }
                try recoverOrThrow()
                continue
            }
            return accept(header, data)
        }
    }

    /// End of file (nil), or the fault, or a switch to the mixed-link rewriter.
    @usableFromInline
    func endOrFault(_ rc: Int32) throws(CaptureError) -> CaptureRecord? {
        if rc == PCAP_ERROR_BREAK { return nil }
        try recoverOrThrow()
        return try next()
    }

    /// The path with a BPF filter or per-record link types.
    @usableFromInline
    func nextFilteredOrUnwrapped() throws(CaptureError) -> CaptureRecord? {
        while true {
            guard var record = try nextUnfiltered() else { return nil }
            if hasMixedLinkTypes {
                MultiLinkRewriter.unwrap(&record)
            }
            if filterExpression != nil {
                let index = try filterIndex(for: record.linkType)
                // The filter reads only the two lengths of the header.
                var h = pcap_pkthdr()
                h.caplen = UInt32(record.bytes.count)
                h.len = UInt32(record.wireLength)
                // An empty record has no base address; the filter reads none of it.
                let empty: UInt8 = 0
                let base = record.bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
                if withUnsafePointer(to: empty, { pcap_offline_filter(&filters[index].1, &h, base ?? $0) }) == 0 {
                    recordsFilteredOut += 1
                    continue
                }
            }
            return record
        }
    }

    /// Byte offset where record `number` (1-based) starts, found by walking the
    /// record headers; nil for standard input. Meant for error messages.
    public func byteOffset(ofRecord number: Int) -> Int? {
        RecordLocator.offset(ofRecord: number, inFile: path, format: format)
    }

    // MARK: - Errors

    /// Catches records libpcap reads without complaint although they break the
    /// format. libpcap 1.10 silently cuts a record whose captured length exceeds
    /// the file's snap length down to the snap length; the file position tells
    /// the real length (checked only for records exactly at the snap length).
    @usableFromInline
    func checkRecordLengths(_ header: pcap_pkthdr) {
        let caplen = Int(header.caplen)
        let recordOffset = nextRecordOffset
        var next = recordOffset + 16 + caplen
        if let file = pcap_file(handle) {
            let position = Int(ftello(file))
            if position > next {
                let onFile = position - recordOffset - 16
                addRecordFault(offset: recordOffset, reason:
                    "captured length \(onFile) is over the file's snap length \(snapLength)" +
                    (onFile > Int(header.len) ? " and over the wire length \(header.len)" : "") +
                    " (libpcap keeps the first \(snapLength) bytes)")
                next = position
            }
        }
        nextRecordOffset = next
    }

    @usableFromInline
    func addRecordFault(offset: Int?, reason: String) {
        recordFaultCount += 1
        if recordFaults.count < CaptureReader.maximumRecordFaults {
            recordFaults.append(CaptureError(path: path, byteOffset: offset, record: recordsRead, reason: reason))
        }
    }

    @usableFromInline
    func recoverOrThrow() throws(CaptureError) {
        let message = String(cString: pcap_geterr(handle))
        if case .pcapng = format, !hasMixedLinkTypes, MultiLinkRewriter.isMixedInterfaceError(message) {
            try switchToMultiLink()
            return
        }
        let recordNumber = recordsRead + 1
        throw CaptureError(path: path,
                           byteOffset: RecordLocator.offset(ofRecord: recordNumber, inFile: path, format: format),
                           record: recordNumber,
                           reason: CaptureReader.describeReadError(message))
    }

    /// Reopens the file through the rewriter and skips what was already delivered.
    private func switchToMultiLink() throws(CaptureError) {
        let file = try MultiLinkRewriter.rewrite(path: path)
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        guard let p = pcap_fopen_offline_with_tstamp_precision(file, UInt32(PCAP_TSTAMP_PRECISION_NANO), &errbuf) else {
            fclose(file)
            let message = errbuf.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw CaptureError(path: path, reason: "cannot read pcapng with mixed interfaces (libpcap: \(message))")
        }
        pcap_close(handle)
        handle = p
        hasMixedLinkTypes = true
        snapLength = Int(pcap_snapshot(p))
        for _ in 0..<recordsRead {
            var header: UnsafeMutablePointer<pcap_pkthdr>?
            var data: UnsafePointer<UInt8>?
            guard pcap_next_ex(handle, &header, &data) == 1 else {
                throw CaptureError(path: path, reason: "pcapng with mixed interfaces could not be re-read")
            }
        }
    }

    @usableFromInline
    func filterIndex(for type: LinkType) throws(CaptureError) -> Int {
        if lastFilterIndex >= 0 && filters[lastFilterIndex].0 == type { return lastFilterIndex }
        if let i = filters.firstIndex(where: { $0.0 == type }) {
            lastFilterIndex = i
            return i
        }
        guard let expression = filterExpression else { return -1 }
        // Compile against a dead handle of the record's own link type, so one
        // expression works on every interface of a mixed pcapng file.
        guard let dead = pcap_open_dead(Int32(bitPattern: type.rawValue), 262_144) else {
            throw CaptureError(path: path, reason: "cannot compile filter for link type \(type)")
        }
        defer { pcap_close(dead) }
        var program = bpf_program()
        if pcap_compile(dead, &program, expression, 1, PCAP_NETMASK_UNKNOWN) != 0 {
            let message = String(cString: pcap_geterr(dead))
            throw CaptureError(path: path, reason: "bad filter '\(expression)' for link type \(type): \(message)")
        }
        filters.append((type, program))
        lastFilterIndex = filters.count - 1
        return lastFilterIndex
    }

    /// The first `count` bytes of the file (fewer when it is shorter or unreadable).
    static func sniff(path: String, count: Int) -> [UInt8] {
        guard path != "-", let f = fopen(path, "rb") else { return [] }
        defer { fclose(f) }
        var buffer = [UInt8](repeating: 0, count: count)
        let got = fread(&buffer, 1, count, f)
        return Array(buffer.prefix(got))
    }

    static func openError(path: String, magic: [UInt8], format: CaptureFormat, libpcap message: String) -> CaptureError {
        if path != "-" && access(path, F_OK) != 0 {
            return CaptureError(path: path, reason: "no such file")
        }
        if magic.isEmpty {
            return CaptureError(path: path, byteOffset: 0, reason: "the file is empty or unreadable (libpcap: \(message))")
        }
        if magic.count < 4 {
            return CaptureError(path: path, byteOffset: 0,
                                reason: "too short to be a capture file (\(magic.count) bytes; libpcap: \(message))")
        }
        switch format {
        case .unknown:
            let hex = magic.prefix(4).map { String($0, radix: 16).leftPad(2) }.joined(separator: " ")
            return CaptureError(path: path, byteOffset: 0,
                                reason: "not a pcap or pcapng file: magic bytes \(hex) (libpcap: \(message))")
        case let .pcap(_, bigEndian) where magic.count >= 8:
            let major = bigEndian ? UInt16(magic[4]) << 8 | UInt16(magic[5]) : UInt16(magic[5]) << 8 | UInt16(magic[4])
            let minor = bigEndian ? UInt16(magic[6]) << 8 | UInt16(magic[7]) : UInt16(magic[7]) << 8 | UInt16(magic[6])
            if major != 2 {
                return CaptureError(path: path, byteOffset: 4,
                                    reason: "unsupported pcap version \(major).\(minor); only 2.x is readable (libpcap: \(message))")
            }
            return CaptureError(path: path, byteOffset: 0, reason: "bad pcap file header (libpcap: \(message))")
        case .pcapng:
            return CaptureError(path: path, byteOffset: 0, reason: "bad pcapng section header block (libpcap: \(message))")
        default:
            return CaptureError(path: path, byteOffset: 0, reason: message)
        }
    }

    static func describeReadError(_ message: String) -> String {
        if message.hasPrefix("truncated dump file") {
            return "truncated record: the file ends inside it (libpcap: \(message))"
        }
        if message.contains("bigger than") || message.contains("invalid packet capture length") {
            return "captured length over the limit (libpcap: \(message))"
        }
        if message.contains("different from the type of the first interface") ||
           message.contains("different from the snapshot length") {
            return "pcapng interfaces differ (libpcap: \(message))"
        }
        return "unreadable record (libpcap: \(message))"
    }
}

extension String {
    func leftPad(_ width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
