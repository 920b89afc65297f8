import Replay
import Scenario

/// Renders a ``ReplayResult``: what happened to every frame of the capture,
/// then the run report of the network (as `dxemu failover` prints it).
public enum ReplayReport {
    public static func text(_ r: ReplayResult, preset: Preset? = nil) -> String {
        var out = "dxemu replay: \(r.file) through \(r.run.design)\(preset.map { " (\($0.summary))" } ?? "")\n"
        out += "frames read \(r.framesRead): replayed \(r.replayed)"
        if r.writtenToTCP > 0 { out += ", written to closed-loop TCP \(r.writtenToTCP)" }
        out += ", not replayed \(r.framesRead - r.replayed - r.writtenToTCP)"
        if r.filteredOut > 0 { out += "; \(r.filteredOut) left out by the filter" }
        out += "\n"
        for (reason, count) in r.notReplayed { out += "  \(String(repeating: " ", count: max(0, 9 - String(count).count)))\(count)  \(reason)\n" }
        if r.timestampsBackwards > 0 { out += "  \(r.timestampsBackwards) packets had a timestamp earlier than the one before (sent at that time)\n" }
        if !r.addressMap.isEmpty {
            out += "addresses mapped: \(r.addressMap.count)"
            let shown = r.addressMap.prefix(6).map { "\($0.original) -> \($0.mapped) (\($0.site.label))" }
            out += " (" + shown.joined(separator: ", ") + (r.addressMap.count > 6 ? ", ..." : "") + ")\n"
        }
        for c in r.captures { out += "capture \(c.link): \(c.packets) packets -> \(c.path)\n" }
        out += "\n"
        // The network's side, without the first lines (they name the scenario).
        let run = RunReport.text(r.run, preset: preset)
        out += run.split(separator: "\n", maxSplits: 2, omittingEmptySubsequences: false).dropFirst(1).joined(separator: "\n")
        return out
    }

    public static func json(_ r: ReplayResult, preset: Preset? = nil) -> JSONValue {
        .object([
            ("schema", "dxemu.replay"), ("schema_version", .count(RunReport.schemaVersion)),
            ("file", .string(r.file)), ("frames_read", .count(r.framesRead)), ("filtered_out", .count(r.filteredOut)),
            ("replayed", .count(r.replayed)), ("written_to_tcp", .count(r.writtenToTCP)),
            ("not_replayed", .array(r.notReplayed.map { .object([("reason", .string($0.reason)), ("frames", .count($0.count))]) })),
            ("timestamps_backwards", .count(r.timestampsBackwards)),
            ("address_map", .array(r.addressMap.map {
                .object([("original", .string($0.original)), ("mapped", .string($0.mapped)), ("site", .string($0.site.rawValue))])
            })),
            ("captures", .array(r.captures.map {
                .object([("link", .string($0.link)), ("path", .string($0.path)), ("packets", .count($0.packets))])
            })),
            ("capture_error", r.captureError.map { .string($0.description) } ?? .null),
            ("run", RunReport.json(r.run, preset: preset)),
        ])
    }
}
