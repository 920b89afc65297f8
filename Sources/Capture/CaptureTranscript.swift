extension CaptureReader {
    /// Everything a reader gives for `path`, as text: a line per record
    /// (number, timestamp, wire and captured lengths, link type, an FNV-1a
    /// digest of the bytes), then `end` or the error that stopped it, then the
    /// counts and faults. For holding two read paths (dxemu's own record loop
    /// and libpcap's, `readsRecordsItself`) to the same result in the tests
    /// and the capture fuzzer.
    public static func transcript(of path: String, readsRecordsItself: Bool, filter: String? = nil) -> [String] {
        var lines: [String] = []
        do {
            let reader = try CaptureReader(path: path, readsRecordsItself: readsRecordsItself)
            if let filter { try reader.setFilter(filter) }
            do {
                while let r = try reader.next() {
                    var digest: UInt64 = 0xCBF2_9CE4_8422_2325
                    for byte in r.bytes { digest = (digest ^ UInt64(byte)) &* 0x100_0000_01B3 }
                    lines.append("\(r.number) \(r.timestamp) \(r.wireLength) \(r.bytes.count) \(r.linkType.rawValue) \(digest)")
                }
                lines.append("end")
            } catch {
                lines.append("error \(error)")
            }
            lines.append("read \(reader.recordsRead) filtered \(reader.recordsFilteredOut) faults \(reader.recordFaultCount) \(reader.recordFaults)")
        } catch {
            lines.append("open error \(error)")
        }
        return lines
    }
}
