import Capture
import Foundation
import PacketWire
import SampleCaptures
import TestSupport
import Testing

func readAll(_ path: String, filter: String? = nil) throws -> (records: [(Int64, [UInt8], Int, LinkType)], reader: CaptureReader) {
    let reader = try CaptureReader(path: path)
    if let filter { try reader.setFilter(filter) }
    var out: [(Int64, [UInt8], Int, LinkType)] = []
    while let r = try reader.next() { out.append((r.timestamp, Array(r.bytes), r.wireLength, r.linkType)) }
    return (out, reader)
}

func temporaryPath(_ name: String) -> String {
    Scratch.path("capture-\(name)")
}

@Suite("reading and writing captures through libpcap")
struct CaptureRoundTripTests {
    @Test func writtenFramesReadBackIdenticalWithNanosecondTimestamps() throws {
        let path = temporaryPath("roundtrip.pcap")
        defer { unlink(path) }
        let frames: [(Int64, [UInt8])] = [
            (1_767_225_600_123_456_789, [UInt8](repeating: 0xAB, count: 60)),
            (1_767_225_600_123_456_790, Array(0..<200).map { UInt8($0) }),
            (1_767_225_601_000_000_001, [UInt8](repeating: 1, count: 1514)),
        ]
        let writer = try CaptureWriter(path: path, linkType: .ethernet)
        for (t, b) in frames { writer.write(b, timestamp: t) }
        try writer.close()
        #expect(writer.recordsWritten == 3)
        // Nanosecond magic, little-endian on this machine: 4d 3c b2 a1.
        let head = try Data(contentsOf: URL(fileURLWithPath: path)).prefix(4)
        #expect(Array(head) == [0x4D, 0x3C, 0xB2, 0xA1])
        let (records, reader) = try readAll(path)
        #expect(reader.format == .pcap(nanosecond: true, bigEndian: false))
        #expect(reader.linkType == .ethernet)
        #expect(records.count == 3)
        for (r, f) in zip(records, frames) {
            #expect(r.0 == f.0)
            #expect(r.1 == f.1)
            #expect(r.2 == f.1.count)
        }
    }

    @Test func wireLengthAboveCapturedLengthIsKept() throws {
        let path = temporaryPath("snapped.pcap")
        defer { unlink(path) }
        let writer = try CaptureWriter(path: path, linkType: .raw, snapLength: 96)
        writer.write([UInt8](repeating: 0x45, count: 96), timestamp: 5, wireLength: 9001)
        try writer.close()
        let (records, reader) = try readAll(path)
        #expect(records.first?.2 == 9001)
        #expect(records.first?.1.count == 96)
        #expect(reader.snapLength == 96)
        // LINKTYPE_RAW (101) in the file is reported as DLT_RAW, which is 12 on Linux.
        #if os(Linux)
        #expect(reader.linkType == .rawLegacy12)
        #else
        #expect(reader.linkType == .rawLegacy12 || reader.linkType == .rawLegacy14 || reader.linkType == .raw)
        #endif
    }

    @Test func bundledCaptureMatchesItsGenerator() throws {
        let path = TestPaths.projectCaptures.appendingPathComponent("securecart.pcap").path
        let expected = SecureCartCapture.frames()
        let (records, reader) = try readAll(path)
        #expect(reader.format == .pcap(nanosecond: true, bigEndian: false))
        #expect(records.count == expected.count)
        for (r, e) in zip(records, expected) {
            #expect(r.0 == e.timestamp)
            #expect(r.1 == e.bytes)
        }
    }

    @Test func generatorIsDeterministicAndSeedSensitive() {
        let a = SecureCartCapture.frames(seed: 1), b = SecureCartCapture.frames(seed: 1), c = SecureCartCapture.frames(seed: 2)
        #expect(a.map(\.bytes) == b.map(\.bytes))
        #expect(a.map(\.timestamp) == b.map(\.timestamp))
        #expect(a.map(\.bytes) != c.map(\.bytes))
    }

    @Test func bundledCaptureHasWhatTheIssueAsksFor() throws {
        var sawV4 = false, sawV6 = false, sawTCPWithDF = false, sawUDP = false, sawJumbo = false
        var sizes: [Int] = []
        var prefixes: Set<String> = []
        for frame in SecureCartCapture.frames() {
            let info = frame.bytes.withUnsafeBytes { PacketParser.parse($0, wireLength: frame.bytes.count, linkType: .ethernet) }
            #expect(info.malformed == .none)
            sizes.append(frame.bytes.count)
            if info.ip.flow.ipVersion == 4 {
                sawV4 = true
                for a in [info.ip.flow.sourceIPv4, info.ip.flow.destinationIPv4] {
                    prefixes.insert("\(a.rawValue >> 24).\(a.rawValue >> 16 & 0xFF)")
                }
            }
            if info.ip.flow.ipVersion == 6 { sawV6 = true }
            if info.ip.flow.ipProtocol == IPProtocol.tcp && info.ip.dontFragment { sawTCPWithDF = true }
            if info.ip.flow.ipProtocol == IPProtocol.udp { sawUDP = true }
            if info.ip.length == 9001 { sawJumbo = true }
        }
        #expect(sawV4 && sawV6 && sawTCPWithDF && sawUDP && sawJumbo)
        #expect(prefixes == ["10.0", "10.1", "10.2"])
        #expect(sizes.min() == 60)
        #expect(sizes.contains(1514))
        #expect(sizes.max() == 9015)
    }
}

@Suite("BPF filters")
struct FilterTests {
    static let capture = TestPaths.projectCaptures.appendingPathComponent("securecart.pcap").path

    /// libpcap's BPF and dxemu's parser must agree on which frames match.
    static func predicate(_ expression: String) -> (PacketInfo) -> Bool {
        switch expression {
        case "tcp and dst port 5432": return { $0.ip.flow.ipProtocol == 6 && $0.ip.flow.destinationPort == 5432 }
        case "udp port 53": return { $0.ip.flow.ipProtocol == 17 && ($0.ip.flow.sourcePort == 53 || $0.ip.flow.destinationPort == 53) }
        case "ip6": return { $0.ip.flow.ipVersion == 6 }
        case "icmp": return { $0.ip.flow.ipProtocol == 1 }
        default: return { $0.ip.length + 14 >= 9000 }  // "greater 9000"
        }
    }

    /// libpcap's BPF and dxemu's parser must agree on which frames match.
    @Test("filter agrees with the parser", arguments: ["tcp and dst port 5432", "udp port 53", "ip6", "icmp", "greater 9000"])
    func filterAgreesWithParser(expression: String) throws {
        let predicate = Self.predicate(expression)
        let (all, _) = try readAll(Self.capture)
        let expected = all.filter { r in r.1.withUnsafeBytes { predicate(PacketParser.parse($0, wireLength: r.2, linkType: r.3)) } }.count
        let (matched, reader) = try readAll(Self.capture, filter: expression)
        #expect(expected > 0)
        #expect(matched.count == expected)
        #expect(reader.recordsFilteredOut == all.count - expected)
    }

    @Test func badFilterIsAClearError() throws {
        let reader = try CaptureReader(path: Self.capture)
        #expect {
            try reader.setFilter("tcp and port banana")
        } throws: { error in
            let e = error as! CaptureError
            return e.reason.contains("bad filter 'tcp and port banana'") && e.path == Self.capture
        }
    }
}

@Suite("opening bad files")
struct OpenErrorTests {
    @Test func missingFile() {
        #expect { try CaptureReader(path: "/nonexistent/x.pcap") } throws: { ($0 as! CaptureError).reason == "no such file" }
    }

    @Test func notACapture() throws {
        let path = temporaryPath("text.pcap")
        defer { unlink(path) }
        try "hello, this is text\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect { try CaptureReader(path: path) } throws: { error in
            let e = error as! CaptureError
            return e.byteOffset == 0 && e.reason.contains("not a pcap or pcapng file")
        }
    }

    @Test func emptyAndTinyFiles() throws {
        let empty = temporaryPath("empty.pcap"), tiny = temporaryPath("tiny.pcap")
        defer { unlink(empty); unlink(tiny) }
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        _ = FileManager.default.createFile(atPath: tiny, contents: Data([0xD4, 0xC3]))
        #expect { try CaptureReader(path: empty) } throws: { ($0 as! CaptureError).reason.contains("empty") }
        #expect { try CaptureReader(path: tiny) } throws: { ($0 as! CaptureError).reason.contains("too short") }
    }

    @Test func truncatedRecordOfAGeneratedFileNamesRecordAndOffset() throws {
        let path = temporaryPath("cut.pcap")
        defer { unlink(path) }
        let writer = try CaptureWriter(path: path, linkType: .ethernet)
        for i in 0..<5 { writer.write([UInt8](repeating: UInt8(i), count: 100), timestamp: Int64(i)) }
        try writer.close()
        // Cut inside the data of record 4: header 24 + 3 x (16 + 100) = 372; record 4 starts there.
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        try data.prefix(372 + 16 + 50).write(to: URL(fileURLWithPath: path))
        let reader = try CaptureReader(path: path)
        var read = 0
        #expect {
            while try reader.next() != nil { read += 1 }
        } throws: { error in
            let e = error as! CaptureError
            return e.record == 4 && e.byteOffset == 372 && e.reason.contains("truncated record")
        }
        #expect(read == 3)
    }
}

@Suite("writing errors")
struct WriterErrorTests {
    @Test func unwritablePathIsAClearError() {
        #expect {
            try CaptureWriter(path: "/nonexistent-dir/out.pcap", linkType: .ethernet)
        } throws: { error in
            let e = error as! CaptureError
            return e.path == "/nonexistent-dir/out.pcap" && e.reason.contains("cannot create the file")
        }
    }

    @Test func rawLinkTypeIsWrittenAsLinktypeRaw() throws {
        let path = temporaryPath("raw.pcap")
        defer { unlink(path) }
        let writer = try CaptureWriter(path: path, linkType: .raw)
        writer.write([0x45, 0, 0, 20] + [UInt8](repeating: 0, count: 16), timestamp: 1)
        try writer.close()
        // The file header's link type field (offset 20, little-endian) is LINKTYPE_RAW = 101.
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(bytes[20] == 101 && bytes[21] == 0)
    }
}

/// The reader's own classic-pcap stream against libpcap, record by record.
@Suite("classic pcap read without libpcap")
struct PcapRecordStreamTests {
    /// A little- or big-endian pcap (2.4) with the given records, written byte by byte.
    static func writePcap(_ path: String, bigEndian: Bool, nanosecond: Bool, snapLength: UInt32,
                          records: [(seconds: UInt32, fraction: UInt32, data: [UInt8], wire: UInt32)],
                          capturedLengths: [Int: UInt32] = [:], cutAt: Int? = nil) {
        var out: [UInt8] = []
        func u32(_ v: UInt32) { out += bigEndian ? [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
                                                 : [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)] }
        func u16(_ v: UInt16) { out += bigEndian ? [UInt8(v >> 8), UInt8(v & 0xFF)] : [UInt8(v & 0xFF), UInt8(v >> 8)] }
        u32(nanosecond ? 0xA1B2_3C4D : 0xA1B2_C3D4); u16(2); u16(4); u32(0); u32(0); u32(snapLength); u32(1)
        for (i, r) in records.enumerated() {
            u32(r.seconds); u32(r.fraction); u32(capturedLengths[i] ?? UInt32(r.data.count)); u32(r.wire)
            out += r.data
        }
        if let cutAt { out = Array(out.prefix(cutAt)) }
        _ = FileManager.default.createFile(atPath: path, contents: Data(out))
    }

    static func frames(_ n: Int, size: (Int) -> Int) -> [(seconds: UInt32, fraction: UInt32, data: [UInt8], wire: UInt32)] {
        (0..<n).map { i in
            let bytes = (0..<size(i)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ i) }
            return (UInt32(1_700_000_000 + i), UInt32(i * 1_013 % 1_000_000), bytes, UInt32(bytes.count + i % 3))
        }
    }

    @Test("both byte orders and resolutions, records across the 1 MiB buffer's edge",
          arguments: [(false, false), (false, true), (true, false), (true, true)])
    func largeFileReadsAsLibpcapReadsIt(bigEndian: Bool, nanosecond: Bool) {
        let path = temporaryPath("stream-\(bigEndian)-\(nanosecond).pcap")
        defer { unlink(path) }
        // About 3 MiB: sizes from 0 to 9,000 bytes, so records straddle every refill.
        Self.writePcap(path, bigEndian: bigEndian, nanosecond: nanosecond, snapLength: 9_100,
                       records: Self.frames(1_400) { ($0 * 4_099) % 9_001 })
        let direct = CaptureReader.transcript(of: path, readsRecordsItself: true)
        #expect(direct.count == 1_402)
        #expect(direct == CaptureReader.transcript(of: path, readsRecordsItself: false))
        #expect(CaptureReader.transcript(of: path, readsRecordsItself: true, filter: "greater 4000")
                == CaptureReader.transcript(of: path, readsRecordsItself: false, filter: "greater 4000"))
    }

    @Test func extremeTimestampFieldsMatchLibpcap() {
        for nanosecond in [false, true] { for bigEndian in [false, true] {
            let path = temporaryPath("stamps-\(nanosecond)-\(bigEndian).pcap")
            defer { unlink(path) }
            let fields: [UInt32] = [0, 1, 999_999, 1_000_000, 999_999_999, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF]
            let records = fields.flatMap { s in fields.map { f in (seconds: s, fraction: f, data: [UInt8](repeating: 0x45, count: 20), wire: UInt32(20)) } }
            Self.writePcap(path, bigEndian: bigEndian, nanosecond: nanosecond, snapLength: 65_535, records: records)
            #expect(CaptureReader.transcript(of: path, readsRecordsItself: true) == CaptureReader.transcript(of: path, readsRecordsItself: false),
                    "nanosecond \(nanosecond), big-endian \(bigEndian)")
        } }
    }

    /// Faults hand the file over to libpcap at the faulty record: the same
    /// records before it, the same error or cut, the same position.
    @Test func faultyFilesGiveLibpcapsRecordsAndErrors() {
        let path = temporaryPath("faulty.pcap")
        defer { unlink(path) }
        let records = Self.frames(40) { 60 + $0 * 37 }
        var cases: [(capturedLengths: [Int: UInt32], cutAt: Int?)] = [
            ([7: 2_000], nil),          // over the snap length: libpcap keeps the first 1,500 bytes
            ([7: 300_000], nil),        // over libpcap's maximum: an error
            ([39: 100_000], nil),       // the last record claims more than the file holds
            ([3: 10], nil),             // under the data that follows: the rest reads as garbage records
        ]
        for cut in [24, 30, 40, 24 + 16 + 60, 24 + 16 + 61, 24 + 16 + 60 + 10] { cases.append(([:], cut)) }
        for c in cases {
            Self.writePcap(path, bigEndian: false, nanosecond: true, snapLength: 1_500, records: records,
                           capturedLengths: c.capturedLengths, cutAt: c.cutAt)
            let direct = CaptureReader.transcript(of: path, readsRecordsItself: true)
            #expect(direct == CaptureReader.transcript(of: path, readsRecordsItself: false), "\(c)")
        }
    }

    /// Mutation fuzzing (fixed seed): random record-header and data bytes of
    /// a small capture overwritten; both readers must agree on each mutant.
    @Test func mutatedFilesReadAsLibpcapReadsThem() throws {
        let path = temporaryPath("mutant.pcap")
        defer { unlink(path) }
        Self.writePcap(path, bigEndian: false, nanosecond: false, snapLength: 600,
                       records: Self.frames(30) { 20 + $0 * 19 })
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func random(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(n))
        }
        for _ in 0..<300 {
            var bytes = original
            for _ in 0...random(4) { bytes[24 + random(bytes.count - 24)] = UInt8(random(256)) }
            if random(4) == 0 { bytes = Array(bytes.prefix(24 + random(bytes.count - 24))) }
            _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
            let direct = CaptureReader.transcript(of: path, readsRecordsItself: true)
            #expect(direct == CaptureReader.transcript(of: path, readsRecordsItself: false))
        }
    }

    @Test func bundledCapturesReadAsLibpcapReadsThem() throws {
        let dir = TestPaths.projectCaptures
        let files = try FileManager.default.subpathsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }
        #expect(!files.isEmpty)
        for file in files {
            let path = dir.appendingPathComponent(file).path
            #expect(CaptureReader.transcript(of: path, readsRecordsItself: true) == CaptureReader.transcript(of: path, readsRecordsItself: false), "\(file)")
        }
    }
}
