/// A plain-text table with a header row, columns padded to their widest cell;
/// numeric-looking cells are right-aligned.
public struct TextTable: Sendable {
    public var header: [String]
    public var rows: [[String]] = []

    public init(_ header: [String]) { self.header = header }

    public mutating func add(_ row: [String]) { rows.append(row) }

    public func rendered(indent: String = "  ") -> String {
        let all = [header] + rows
        let columns = all.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for row in all { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        func numeric(_ s: String) -> Bool {
            !s.isEmpty && s.allSatisfy { $0.isNumber || $0 == "." || $0 == "%" || $0 == "," || $0 == "-" || $0 == "+" }
        }
        var out = ""
        for (r, row) in all.enumerated() {
            var line = indent
            for (i, cell) in row.enumerated() {
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                line += (r > 0 && numeric(cell)) ? pad + cell : cell + pad
                if i < row.count - 1 { line += "  " }
            }
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
            if r == 0 {
                out += indent + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n"
            }
        }
        return out
    }
}
