import Report
import Testing

@Suite("report formats")
struct ReportTests {
    @Test func jsonKeepsKeyOrderAndEscapes() {
        let doc: JSONValue = .object([("b", 1), ("a", .array([true, .null, .string("x\"y\n\u{01}")])), ("c", .double(2.5))])
        #expect(doc.serialized(pretty: false) == #"{"b":1,"a":[true,null,"x\"y\n\u0001"],"c":2.5}"#)
        #expect(JSONValue.double(3).serialized() == "3")
        #expect(JSONValue.double(.nan).serialized() == "null")
        #expect(JSONValue.object([]).serialized() == "{}")
    }

    @Test func timestampsAndDurationsPrintInUTC() {
        #expect(InspectReport.formatTimestamp(0) == "1970-01-01 00:00:00.000000000")
        #expect(InspectReport.formatTimestamp(1_767_225_600_123_456_789) == "2026-01-01 00:00:00.123456789")
        #expect(InspectReport.formatTimestamp(951_782_400_000_000_000) == "2000-02-29 00:00:00.000000000")
        #expect(InspectReport.formatDuration(9_504_000_000) == "9.504000 s")
        #expect(InspectReport.formatDuration(0) == "0 s")
    }

    @Test func tableAlignsNumbersRight() {
        var t = TextTable(["name", "count"])
        t.add(["a", "5"])
        t.add(["bbb", "1234"])
        #expect(t.rendered(indent: "") == "name  count\n----  -----\na         5\nbbb    1234\n")
    }
}
