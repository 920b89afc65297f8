import Foundation
import TestSupport
import Testing

/// `dxemu bench lookup` must speak the LPM peers' line format and agree with
/// their checksum definition (next hop per address, 256 per miss).
@Suite("dxemu bench lookup (the command)")
struct BenchLookupCommandTests {
    func temporary(_ name: String) -> String {
        Scratch.path("bl-\(name)")
    }

    @Test func printsPeerLinesWithTheRightChecksum() throws {
        let table = temporary("t.txt"), trace = temporary("r.bin")
        defer { unlink(table); unlink(trace) }
        try "10.0.0.0/8 1\n10.1.0.0/16 2\n10.1.2.0/24 3\n10.1.2.3/32 4\n".write(toFile: table, atomically: true, encoding: .utf8)
        // 10.1.2.3 -> 4, 10.1.2.9 -> 3, 10.1.9.9 -> 2, 10.9.9.9 -> 1, 11.0.0.0 -> miss (256)
        let addresses: [UInt32] = [0x0A01_0203, 0x0A01_0209, 0x0A01_0909, 0x0A09_0909, 0x0B00_0000]
        var data = Data()
        for a in addresses { withUnsafeBytes(of: a.littleEndian) { data.append(contentsOf: $0) } }
        try data.write(to: URL(fileURLWithPath: trace))
        let result = try runDxemu(["bench", "lookup", "-t", table, "-r", trace, "-R", "2", "--verify", "5"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("TABLE file=\(baseName(table)) routes=4") })
        #expect(lines.contains { $0.hasPrefix("BUILD impl=dxemu_poptrie build_ms=") && $0.contains("lookup_struct_bytes=") })
        #expect(lines.contains { $0 == "CHECK impl=dxemu_poptrie verified=5 mismatches=0" })
        let results = lines.filter { $0.hasPrefix("RESULT ") }
        #expect(results.count == 2)
        for line in results {
            #expect(line.contains("checksum=\(4 + 3 + 2 + 1 + 256)"))
            #expect(line.contains("lookups=5 reps=2 mlps_median="))
            #expect(line.contains(" ns_per_lookup=") && line.contains(" preempt="))
        }
    }

    @Test func badTableLineIsExitCodeOne() throws {
        let table = temporary("bad.txt")
        defer { unlink(table) }
        try "10.0.0.0/8 1\n10.0.0.1/8 2\n".write(toFile: table, atomically: true, encoding: .utf8)
        let result = try runDxemu(["bench", "lookup", "-t", table])
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(table):2: host bits are set"))
    }

    func baseName(_ path: String) -> String { String(path.split(separator: "/").last!) }
}
