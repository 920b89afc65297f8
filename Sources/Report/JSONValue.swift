/// A JSON document built in code and written with keys in insertion order, so
/// the same report always gives the same bytes.
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    /// Key/value pairs, written in this order.
    case object([(String, JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        lhs.serialized() == rhs.serialized()
    }

    /// Compact or indented (two spaces) text.
    public func serialized(pretty: Bool = true) -> String {
        var out = ""
        write(into: &out, indent: pretty ? 0 : -1)
        return out
    }

    private func write(into out: inout String, indent: Int) {
        let pretty = indent >= 0
        func newline(_ level: Int) {
            if pretty { out += "\n" + String(repeating: "  ", count: level) }
        }
        switch self {
        case .null: out += "null"
        case let .bool(b): out += b ? "true" : "false"
        case let .int(i): out += String(i)
        case let .double(d):
            if d.isFinite {
                // Shortest round-trip text; integral values keep a ".0"-free form.
                out += d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
            } else {
                out += "null"
            }
        case let .string(s): JSONValue.quote(s, into: &out)
        case let .array(items):
            if items.isEmpty { out += "[]"; return }
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                newline(indent + 1)
                item.write(into: &out, indent: pretty ? indent + 1 : -1)
            }
            newline(indent)
            out += "]"
        case let .object(pairs):
            if pairs.isEmpty { out += "{}"; return }
            out += "{"
            for (i, (key, value)) in pairs.enumerated() {
                if i > 0 { out += "," }
                newline(indent + 1)
                JSONValue.quote(key, into: &out)
                out += pretty ? ": " : ":"
                value.write(into: &out, indent: pretty ? indent + 1 : -1)
            }
            newline(indent)
            out += "}"
        }
    }

    private static func quote(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(Int64(value)) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension JSONValue {
    /// Convenience for counts.
    public static func count(_ value: Int) -> JSONValue { .int(Int64(value)) }
}
