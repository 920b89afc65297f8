import Foundation
import TestSupport
import Testing

@Suite("dxemu inspect (the command)")
struct InspectCommandTests {
    @Test func defaultRunInspectsTheBundledCapture() throws {
        let result = try runDxemu(["inspect"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("captures/securecart.pcap"))
        #expect(result.stdout.contains("packets       1190"))
        #expect(result.stdout.contains("malformed     0"))
    }

    @Test func defaultRunOutsideTheRepositoryRegeneratesTheSameCapture() throws {
        let inRepo = try runDxemu(["inspect", "--json"])
        let elsewhere = try runDxemu(["inspect", "--json"], in: FileManager.default.temporaryDirectory)
        #expect(elsewhere.status == 0, "\(elsewhere.stderr)")
        // Same counts; only the file name differs.
        func counts(_ text: String) throws -> [String: Any] {
            let doc = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
            var file = (doc["files"] as! [[String: Any]])[0]
            file["file"] = nil
            return file
        }
        #expect(NSDictionary(dictionary: try counts(inRepo.stdout)) == NSDictionary(dictionary: try counts(elsewhere.stdout)))
    }

    @Test func jsonIsValidVersionedAndDeterministic() throws {
        let a = try runDxemu(["inspect", "--json", "captures/securecart.pcap"])
        let b = try runDxemu(["inspect", "--json", "captures/securecart.pcap"])
        #expect(a.status == 0)
        #expect(a.stdout == b.stdout)
        let doc = try JSONSerialization.jsonObject(with: Data(a.stdout.utf8)) as! [String: Any]
        #expect(doc["schema"] as? String == "dxemu.inspect")
        #expect(doc["schema_version"] as? Int == 1)
        let file = (doc["files"] as! [[String: Any]])[0]
        #expect(file["packets"] as? Int == 1190)
        #expect(file["format"] as? String == "pcap-ns")
        #expect((file["top_flows"] as? [Any])?.count == 10)
        #expect(file["error"] is NSNull)
    }

    @Test func packetsPrintsOneRowPerFrame() throws {
        let result = try runDxemu(["inspect", "--packets", "--header", "captures/securecart.pcap"])
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.first == "frame.number,frame.len,ip.src,ip.dst,ipv6.src,ipv6.dst,ip.proto,ipv6.nxt,tcp.srcport,tcp.dstport,udp.srcport,udp.dstport")
        #expect(lines.count == 1191)
        #expect(lines.allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false).count == 12 })
    }

    @Test func filterKeepsMatchingFrames() throws {
        let result = try runDxemu(["inspect", "--json", "--filter", "icmp", "captures/securecart.pcap"])
        let doc = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        let file = (doc["files"] as! [[String: Any]])[0]
        #expect(file["packets"] as? Int == 40)
        #expect(file["filtered_out"] as? Int == 1150)
    }

    @Test func missingFileIsExitCodeOneWithTheName() throws {
        let result = try runDxemu(["inspect", "no/such/file.pcap"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("no/such/file.pcap: no such file"))
    }

    @Test func badFilterIsExitCodeOne() throws {
        let result = try runDxemu(["inspect", "--filter", "port banana", "captures/securecart.pcap"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("bad filter 'port banana'"))
    }

    @Test("usage errors exit with code 2", arguments: [["inspect", "--no-such-flag"], ["frobnicate"], ["inspect", "--json", "--packets"]])
    func usageErrors(arguments: [String]) throws {
        let result = try runDxemu(arguments)
        #expect(result.status == 2, "\(arguments): \(result.stderr)")
        #expect(!result.stderr.isEmpty)
    }

    @Test func helpExitsZero() throws {
        let result = try runDxemu(["inspect", "--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("--packets"))
    }
}

/// Acceptance: every malformed capture of ../shared/captures exits with code 1
/// and a message that names the file and the reason; what was read before the
/// fault is still reported.
@Suite("malformed shared captures (the command)", .enabled(if: TestPaths.sharedCaptures != nil, Comment(rawValue: TestPaths.sharedAbsentMessage)))
struct MalformedCaptureCommandTests {
    static let expectations: [String: String] = [
        "scapy__bad_rsn_parsing_overrides_ssid.pcap": "record 2 at byte offset 359: truncated record",
        "tcpdump__aoe-oobr-1.pcap": "record 1 at byte offset 24: captured length 34 is over the file's snap length 31",
        "libpcap__pcap-invalid-version-1.pcap": "at byte offset 4: unsupported pcap version 1.4",
        "libpcap__shb-option-too-long.pcapng": "at byte offset 0: bad pcapng section header block",
        "tcpdump__ipv6_invalid_length.pcap": "record 1 at byte offset 24: malformed frame: truncated IPv6 header",
        "derived__truncated-mid-record__pcapplusplus__VlanPackets.pcap": "record 14 at byte offset 1818: truncated record",
        "derived__bogus-magic__gopacket__test_loopback.pcap": "at byte offset 0: not a pcap or pcapng file",
        "derived__caplen-over-max__pcapplusplus__raw_ip.pcap": "record 51 at byte offset 25482: captured length over the limit",
    ]

    @Test func everyMalformedCaptureFailsClearly() throws {
        let malformed = sharedManifest().filter { !$0.isValid }
        #expect(malformed.count >= 8)
        for entry in malformed {
            let result = try runDxemu(["inspect", "--json", entry.path])
            #expect(result.status == 1, "\(entry.file)")
            #expect(result.stderr.contains(entry.path), "\(entry.file): \(result.stderr)")
            if let expected = Self.expectations[entry.file] {
                #expect(result.stderr.contains(expected), "\(entry.file): \(result.stderr)")
            } else {
                Issue.record("no expectation written for \(entry.file): \(result.stderr)")
            }
            // The records read before the fault are still reported.
            let doc = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
            let file = (doc["files"] as! [[String: Any]])[0]
            let partial = entry.fields["packets_tshark"].flatMap { Int($0) } ?? 0
            #expect(file["packets"] as? Int == partial, "\(entry.file)")
        }
    }

    @Test func validCapturesExitZero() throws {
        for entry in sharedManifest() where entry.isValid {
            let result = try runDxemu(["inspect", entry.path])
            #expect(result.status == 0, "\(entry.file): \(result.stderr)")
        }
    }
}
