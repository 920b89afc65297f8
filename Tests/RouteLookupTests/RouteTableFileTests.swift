import Foundation
import RouteLookup
import TestSupport
import Testing

func writeTemporary(_ name: String, _ text: String) -> String {
    let path = Scratch.path("rt-\(name)")
    try! text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

@Suite("route table files")
struct RouteTableFileTests {
    @Test func readsTheLPMPeerFormat() throws {
        let path = writeTemporary("ok.txt", "# comment\n10.0.0.0/8 1\n\n10.1.0.0/16\t2\r\n0.0.0.0/0 255\n192.0.2.7/32 7   \n")
        defer { unlink(path) }
        let routes = try RouteTableFile.readIPv4(path: path)
        #expect(routes.map(\.length) == [8, 16, 0, 32])
        #expect(routes.map(\.nextHop) == [1, 2, 255, 7])
        #expect(routes[1].key == IPv4Family.key(0x0A01_0000))
    }

    @Test("each fault names the line and the reason", arguments: [
        ("10.0.0.1/8 1", "host bits are set (did you mean 10.0.0.0/8?)"),
        ("10.0.0.0/33 1", "prefix length must be 0...32"),
        ("10.0.0/8 1", "bad IPv4 address"),
        ("10.0.0.256/32 1", "bad IPv4 address"),
        ("10.0.0.0 1", "missing '/length'"),
        ("10.0.0.0/8", "expected 'prefix/len nexthop'"),
        ("10.0.0.0/8 x", "next hop must be 0...65534"),
        ("10.0.0.0/8 65535", "next hop must be 0...65534"),
        ("10.0.0.0/8 1 extra", "unexpected text after the next hop"),
    ])
    func ipv4Faults(line: String, reason: String) {
        let path = writeTemporary("bad-\(abs(line.hashValue)).txt", "10.9.0.0/16 1\n" + line + "\n")
        defer { unlink(path) }
        #expect {
            try RouteTableFile.readIPv4(path: path)
        } throws: { error in
            let e = error as! RouteTableError
            return e.line == 2 && e.reason.contains(reason) && e.description.hasPrefix("\(path):2: ")
        }
    }

    @Test func duplicatePrefixIsAFault() {
        let path = writeTemporary("dup.txt", "10.0.0.0/8 1\n10.0.0.0/8 2\n")
        defer { unlink(path) }
        #expect { try RouteTableFile.readIPv4(path: path) } throws: { ($0 as! RouteTableError).reason.contains("listed twice") }
    }

    @Test func ipv6TablesAndTheirFaults() throws {
        let ok = writeTemporary("v6.txt", "2001:db8::/32 1\n::/0 2\n2001:db8::1/128 3\n")
        defer { unlink(ok) }
        #expect(try RouteTableFile.readIPv6(path: ok).map(\.length) == [32, 0, 128])
        let bad = writeTemporary("v6bad.txt", "2001:db8::/32 1\n2001:db8::1/64 2\n")
        defer { unlink(bad) }
        #expect { try RouteTableFile.readIPv6(path: bad) } throws: { error in
            let e = error as! RouteTableError
            return e.line == 2 && e.reason.contains("host bits are set")
        }
    }

    @Test func missingFileAndBadTraceSize() {
        #expect { try RouteTableFile.readIPv4(path: "/no/such/table") } throws: { ($0 as! RouteTableError).reason.contains("cannot open") }
        let path = writeTemporary("trace.bin", "abcde")
        defer { unlink(path) }
        #expect { try LookupTrace.readIPv4(path: path) } throws: { ($0 as! RouteTableError).reason.contains("not a multiple of 4") }
    }
}
