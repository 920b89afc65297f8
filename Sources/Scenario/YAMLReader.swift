import Emulator
import NetAddress
import Yams

/// A scenario file that cannot be used: where and why.
public struct ScenarioFileError: Error, Sendable, CustomStringConvertible, Equatable {
    public var file: String
    /// 1-based; 0 when the fault is not tied to a position.
    public var line: Int
    public var column: Int
    public var reason: String

    public init(file: String, line: Int, column: Int, reason: String) {
        self.file = file
        self.line = line
        self.column = column
        self.reason = reason
    }

    /// `file:line:column: reason`, the form editors and compilers use.
    public var description: String {
        line > 0 ? "\(file):\(line):\(column): \(reason)" : "\(file): \(reason)"
    }
}

/// Typed, position-aware access to a composed YAML document. Every accessor
/// throws a ``ScenarioFileError`` that points at the offending node.
struct YAMLReader {
    let file: String

    func error(_ node: Node?, _ reason: String) -> ScenarioFileError {
        ScenarioFileError(file: file, line: node?.mark?.line ?? 0, column: node?.mark?.column ?? 0, reason: reason)
    }

    /// The keys of a mapping, checked against the ones allowed here. Unknown
    /// keys are an error that names the nearest allowed key.
    func mapping(_ node: Node, _ what: String, allowed: [String]) throws(ScenarioFileError) -> Fields {
        guard case let .mapping(m) = node else { throw error(node, "\(what) must be a mapping of keys to values") }
        var fields = Fields(node: node, what: what)
        for (k, v) in m {
            guard case let .scalar(key) = k else { throw error(k, "keys in \(what) must be plain words") }
            guard allowed.contains(key.string) else {
                var reason = "unknown key '\(key.string)' in \(what)"
                if let near = YAMLReader.nearest(key.string, in: allowed) { reason += " (did you mean '\(near)'?)" }
                reason += "; allowed: \(allowed.joined(separator: ", "))"
                throw error(k, reason)
            }
            fields.values[key.string] = v
            fields.keys[key.string] = k
        }
        return fields
    }

    func sequence(_ node: Node, _ what: String) throws(ScenarioFileError) -> [Node] {
        guard case let .sequence(s) = node else { throw error(node, "\(what) must be a list") }
        return Array(s)
    }

    func scalar(_ node: Node, _ what: String) throws(ScenarioFileError) -> String {
        guard case let .scalar(s) = node else { throw error(node, "\(what) must be a single value, not a list or mapping") }
        return s.string
    }

    func string(_ node: Node, _ what: String) throws(ScenarioFileError) -> String {
        let s = try scalar(node, what)
        guard !s.isEmpty else { throw error(node, "\(what) must not be empty") }
        return s
    }

    func name(_ node: Node, _ what: String) throws(ScenarioFileError) -> String {
        let s = try string(node, what)
        guard s.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }) else {
            throw error(node, "\(what) '\(s)' may hold only letters, digits, '-', '_' and '.'")
        }
        return s
    }

    func bool(_ node: Node, _ what: String) throws(ScenarioFileError) -> Bool {
        switch try scalar(node, what).lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        case let other: throw error(node, "\(what) must be true or false, not '\(other)'")
        }
    }

    func int(_ node: Node, _ what: String, in range: ClosedRange<Int>) throws(ScenarioFileError) -> Int {
        let s = try scalar(node, what)
        guard let v = Int(s.replacingUnderscores) else { throw error(node, "\(what) must be a whole number, not '\(s)'") }
        guard range.contains(v) else { throw error(node, "\(what) \(v) is out of range \(range.lowerBound)...\(range.upperBound)") }
        return v
    }

    func double(_ node: Node, _ what: String, in range: ClosedRange<Double>) throws(ScenarioFileError) -> Double {
        let s = try scalar(node, what)
        guard let v = Double(s.replacingUnderscores), v.isFinite else { throw error(node, "\(what) must be a number, not '\(s)'") }
        guard range.contains(v) else { throw error(node, "\(what) \(s) is out of range \(range.lowerBound)...\(range.upperBound)") }
        return v
    }

    /// A time such as `300ms`, `5s`, `1.5s`, `2m`; negative values are refused
    /// with their own message.
    func time(_ node: Node, _ what: String, positive: Bool = false) throws(ScenarioFileError) -> SimTime {
        let s = try scalar(node, what)
        if s.hasPrefix("-") { throw error(node, "\(what) must not be negative ('\(s)')") }
        if s == "0" { if positive { throw error(node, "\(what) must be longer than zero") }; return .zero }
        guard let t = QuantityParser.time(s) else {
            throw error(node, "\(what) '\(s)' is not a time: write a number and a unit (ns, us, ms, s, m, h), e.g. 300ms")
        }
        if positive && t.nanoseconds == 0 { throw error(node, "\(what) must be longer than zero") }
        return t
    }

    func rate(_ node: Node, _ what: String) throws(ScenarioFileError) -> BitRate {
        let s = try scalar(node, what)
        if s.hasPrefix("-") { throw error(node, "\(what) must not be negative ('\(s)')") }
        guard let r = QuantityParser.rate(s), r.bitsPerSecond > 0 else {
            throw error(node, "\(what) '\(s)' is not a positive rate: write a number and a unit (bps, kbps, Mbps, Gbps), e.g. 10Gbps")
        }
        return r
    }

    func prefix(_ node: Node, _ what: String) throws(ScenarioFileError) -> IPv4Prefix {
        let s = try scalar(node, what)
        do {
            return try IPv4Prefix(parsing: s)
        } catch {
            throw self.error(node, "\(what) '\(s)' is not a valid IPv4 prefix: \(error)")
        }
    }

    func address(_ node: Node, _ what: String) throws(ScenarioFileError) -> IPv4Address {
        let s = try scalar(node, what)
        do {
            return try IPv4Address(parsing: s)
        } catch {
            throw self.error(node, "\(what) '\(s)' is not a valid IPv4 address: \(error)")
        }
    }

    func choice<T>(_ node: Node, _ what: String, _ options: [(String, T)]) throws(ScenarioFileError) -> T {
        let s = try scalar(node, what)
        guard let hit = options.first(where: { $0.0 == s }) else {
            var reason = "\(what) '\(s)' is not one of \(options.map(\.0).joined(separator: ", "))"
            if let near = YAMLReader.nearest(s, in: options.map(\.0)) { reason += " (did you mean '\(near)'?)" }
            throw error(node, reason)
        }
        return hit.1
    }

    /// The allowed word closest to `word` by edit distance, when it is close.
    static func nearest(_ word: String, in words: [String]) -> String? {
        let scored = words.map { ($0, editDistance(Array(word.lowercased()), Array($0.lowercased()))) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, word.count / 3) else { return nil }
        return best.0
    }

    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}

/// The checked keys of one mapping, each with its node (for positions).
struct Fields {
    let node: Node
    let what: String
    var values: [String: Node] = [:]
    var keys: [String: Node] = [:]

    subscript(_ key: String) -> Node? { values[key] }
}

extension String {
    /// `10_000` reads as 10000.
    var replacingUnderscores: String { String(filter { $0 != "_" }) }
}
