import Foundation
import TestSupport
import Testing

/// `dxemu sweep` and `dxemu sweep-merge` as a user meets them: shards run
/// separately, merged, agree with the sweep run whole.
@Suite("dxemu sweep, sweep-merge (the commands)")
struct SweepCommandTests {
    let dir: URL

    init() throws {
        dir = try Scratch.directory("sweep-cli")
        try """
        name: tiny
        base: recommended
        duration: 3s
        traffic:
          - name: app-db
            from: on-prem
            to: vpc1
            rate: 200pps
        failures:
          - mode: silent
            target: dx1
            at: 1s
            for: 1s
        """.write(to: dir.appendingPathComponent("tiny.yaml"), atomically: true, encoding: .utf8)
        try """
        scenario: tiny.yaml
        replicas: 2
        axes:
          failures[0].mode: [silent, cut, bgp-down]
        """.write(to: dir.appendingPathComponent("sweep.yaml"), atomically: true, encoding: .utf8)
    }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    func points(_ file: String) throws -> String {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path(file)))) as! [String: Any]
        let data = try JSONSerialization.data(withJSONObject: object["points"]!, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    @Test func shardsThenMergeEqualsTheWholeSweep() throws {
        let whole = try runDxemu(["sweep", path("sweep.yaml"), "--json", path("whole.json"), "--csv", path("whole.csv"), "--jobs", "3"])
        #expect(whole.status == 0, "\(whole.stderr)")
        #expect(whole.stdout.hasPrefix("dxemu sweep sweep: 6 of 6 points"))
        #expect(whole.stdout.contains("failures[0].mode") && whole.stdout.contains("bgp-down"))
        for i in 0..<2 {
            let r = try runDxemu(["sweep", path("sweep.yaml"), "--shard", "\(i)/2", "--json", path("s\(i).json"), "--quiet", "--jobs", "\(i + 1)"])
            #expect(r.status == 0 && r.stdout.isEmpty, "\(r.stderr)")
        }
        let merged = try runDxemu(["sweep-merge", path("s1.json"), path("s0.json"), "--json", path("merged.json")])
        #expect(merged.status == 0, "\(merged.stderr)")
        #expect(merged.stdout.hasPrefix("dxemu sweep sweep: 6 of 6 points (shards 0,1 of 2)"))
        #expect(try points("merged.json") == points("whole.json"))
        let serial = try runDxemu(["sweep", path("sweep.yaml"), "--json", path("serial.json"), "--jobs", "1", "--quiet"])
        #expect(serial.status == 0, "\(serial.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path("serial.json"))) == Data(contentsOf: URL(fileURLWithPath: path("whole.json"))),
                "one thread or three: the same bytes")
        let one = try runDxemu(["sweep", path("sweep.yaml"), "--point", "4"])
        #expect(one.status == 0 && one.stdout.hasPrefix("sweep sweep, point 4: failures[0].mode=bgp-down replica=0, seed "), "\(one.stderr)")
        #expect(one.stdout.contains("verdict:"))
        let csv = try String(contentsOfFile: path("whole.csv"), encoding: .utf8)
        #expect(csv.split(separator: "\n").count == 7)
    }

    @Test func badInputExitsWithOneAndSaysWhy() throws {
        let shard = try runDxemu(["sweep", path("sweep.yaml"), "--shard", "2/2"])
        #expect(shard.status == 1 && shard.stderr.contains("--shard '2/2' is not I/N"))
        let single = try runDxemu(["sweep", path("sweep.yaml"), "--shard", "0/2", "--json", path("only.json"), "--quiet"])
        #expect(single.status == 0, "\(single.stderr)")
        let missing = try runDxemu(["sweep-merge", path("only.json")])
        #expect(missing.status == 1 && missing.stderr.contains("shards missing: 1/2"), "\(missing.stderr)")
        let notJSON = try runDxemu(["sweep-merge", path("sweep.yaml")])
        #expect(notJSON.status == 1 && notJSON.stderr.contains("sweep.yaml: not JSON"), "\(notJSON.stderr)")
        try "scenario: tiny.yaml\naxes:\n  failures[0].at: [1s, 9s]\n".write(toFile: path("late.yaml"), atomically: true, encoding: .utf8)
        let late = try runDxemu(["sweep", path("late.yaml")])
        #expect(late.status == 1 && late.stderr.contains("point 1 (failures[0].at=9s)") && late.stderr.contains("after the end of the run"),
                "\(late.stderr)")
    }
}
