import Capture
import Foundation
import PacketWire
import TestSupport
import Testing

/// Every capture in ../shared/captures, judged against its MANIFEST row
/// (capinfos' packet count, tcpdump's link type, our structure walk's fault offsets).
@Suite("shared captures", .enabled(if: TestPaths.sharedCaptures != nil, Comment(rawValue: TestPaths.sharedAbsentMessage)))
struct SharedCaptureTests {
    static let manifest = sharedManifest()

    @Test func everyValidCaptureReadsToTheEndWithCapinfosCount() throws {
        let valid = Self.manifest.filter(\.isValid)
        #expect(valid.count >= 20)
        for entry in valid {
            let (records, reader) = try readAll(entry.path)
            #expect(records.count == entry.capinfosPackets, "\(entry.file)")
            #expect(reader.recordFaultCount == 0, "\(entry.file)")
            #expect(records.allSatisfy { $0.1.count <= $0.2 }, "\(entry.file): captured length over wire length")
        }
    }

    /// dxemu's own classic-pcap reading gives what libpcap gives, faults included.
    @Test func everyCaptureReadsTheSameWithoutLibpcap() {
        for entry in Self.manifest {
            #expect(CaptureReader.transcript(of: entry.path, readsRecordsItself: true) == CaptureReader.transcript(of: entry.path, readsRecordsItself: false), "\(entry.file)")
        }
    }

    /// The link type as tcpdump names it ("EN10MB (Ethernet)", "RAW (Raw IP)", ...).
    @Test func linkTypesMatchTcpdump() throws {
        for entry in Self.manifest where entry.isValid {
            guard let tcpdumpName = entry.fields["link_type_tcpdump"]?.split(separator: " ").first.map(String.init),
                  !tcpdumpName.isEmpty else { continue }
            let (records, _) = try readAll(entry.path)
            // The first record's link type (mixed pcapng files start with their first interface).
            #expect(records.first?.3.name == tcpdumpName, "\(entry.file)")
        }
    }

    @Test func mixedLinkTypePcapngIsRead() throws {
        let entry = try #require(Self.manifest.first { $0.file == "pcapplusplus__many_interfaces-1.pcapng" })
        let (records, reader) = try readAll(entry.path)
        #expect(reader.hasMixedLinkTypes)
        #expect(records.count == 64)
        #expect(Set(records.map(\.3.rawValue)).count >= 2)
    }

    @Test func timestampsKeepTheirResolution() throws {
        // Decode the first record's timestamp straight from the file bytes.
        for (file, nano, bigEndian) in [("tcpdump__tcp-handshake-nano.pcap", true, false),
                                        ("pcapplusplus__nanosecs_big_endian.pcap", true, true),
                                        ("arkime__bigendian.pcap", false, true)] {
            let url = TestPaths.sharedCaptures!.appendingPathComponent(file)
            let bytes = [UInt8](try Data(contentsOf: url))
            func u32(_ i: Int) -> Int64 {
                let b = bytes[i..<(i + 4)].map(Int64.init)
                return bigEndian ? b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3] : b[3] << 24 | b[2] << 16 | b[1] << 8 | b[0]
            }
            let expected = u32(24) * 1_000_000_000 + u32(28) * (nano ? 1 : 1000)
            let (records, _) = try readAll(url.path)
            #expect(records.first?.0 == expected, "\(file)")
        }
    }

    /// File faults: the error names the file, the record and the byte offset our
    /// MANIFEST's structure walk found, and the records before it are returned.
    @Test("malformed files give located errors", arguments: [
        ("scapy__bad_rsn_parsing_overrides_ssid.pcap", 1, 2, 359, "truncated record"),
        ("derived__truncated-mid-record__pcapplusplus__VlanPackets.pcap", 13, 14, 1818, "truncated record"),
        ("derived__caplen-over-max__pcapplusplus__raw_ip.pcap", 50, 51, 25482, "captured length over the limit"),
    ])
    func readFaults(file: String, before: Int, record: Int, offset: Int, reason: String) throws {
        let entry = try #require(Self.manifest.first { $0.file == file })
        #expect(entry.fields["structure_walk"]?.contains("offset \(offset)") == true || entry.fields["structure_walk"]?.contains("at offset \(offset - 16)") == true || file.hasPrefix("scapy"))
        let reader = try CaptureReader(path: entry.path)
        var read = 0
        #expect {
            while try reader.next() != nil { read += 1 }
        } throws: { error in
            let e = error as! CaptureError
            return e.record == record && e.byteOffset == offset && e.reason.contains(reason) && e.path == entry.path
        }
        #expect(read == before)
    }

    @Test("unopenable files give located errors", arguments: [
        ("libpcap__pcap-invalid-version-1.pcap", 4, "unsupported pcap version 1.4"),
        ("libpcap__shb-option-too-long.pcapng", 0, "bad pcapng section header block"),
        ("derived__bogus-magic__gopacket__test_loopback.pcap", 0, "not a pcap or pcapng file: magic bytes 2b c3 b2 a1"),
    ])
    func openFaults(file: String, offset: Int, reason: String) throws {
        let entry = try #require(Self.manifest.first { $0.file == file })
        #expect { try CaptureReader(path: entry.path) } throws: { error in
            let e = error as! CaptureError
            return e.byteOffset == offset && e.reason.contains(reason)
        }
    }

    @Test func caplenOverSnaplenIsARecordFault() throws {
        let entry = try #require(Self.manifest.first { $0.file == "tcpdump__aoe-oobr-1.pcap" })
        #expect(entry.fields["structure_walk"]?.contains("caplen>snaplen:1") == true)
        let (records, reader) = try readAll(entry.path)
        #expect(records.count == 1)
        #expect(reader.recordFaultCount == 1)
        let fault = try #require(reader.recordFaults.first)
        #expect(fault.record == 1 && fault.byteOffset == 24)
        #expect(fault.reason.contains("captured length 34 is over the file's snap length 31 and over the wire length 32"))
    }
}
