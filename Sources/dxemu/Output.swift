#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Buffered standard output (large CSV dumps stay fast) and unbuffered stderr.
enum Output {
    nonisolated(unsafe) private static var buffer: [UInt8] = {
        var b = [UInt8]()
        b.reserveCapacity(1 << 16)
        return b
    }()

    /// Appends `text` and a newline to standard output.
    static func line(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        buffer.append(0x0A)
        if buffer.count >= 1 << 16 { flush() }
    }

    /// Appends `text` as it is.
    static func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    static func flush() {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(1, raw.baseAddress! + offset, raw.count - offset)
                if n <= 0 { break }
                offset += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes a line to standard error at once.
    static func error(_ text: String) {
        let line = text + "\n"
        _ = line.withCString { Glibc.write(2, $0, strlen($0)) }
    }
}

/// A progress line on standard error for long runs (SPEC §4): only when
/// stderr is a terminal, only once a run has taken half a second, at most
/// five updates a second, erased when the run ends.
final class ProgressLine: @unchecked Sendable {
    private let enabled = isatty(2) != 0
    private let started = Clock.nanoseconds()
    private var lastShown: Int64 = 0
    private var shown = false

    /// Shows `text()` if it is time to.
    func update(_ text: () -> String) {
        guard enabled else { return }
        let now = Clock.nanoseconds()
        guard now - started >= 500_000_000, now - lastShown >= 200_000_000 else { return }
        lastShown = now
        shown = true
        let line = "\r" + text() + "\u{1B}[K"
        _ = line.withCString { Glibc.write(2, $0, strlen($0)) }
    }

    /// Erases the line (before the report is printed).
    func finish() {
        guard shown else { return }
        _ = "\r\u{1B}[K".withCString { Glibc.write(2, $0, strlen($0)) }
        shown = false
    }
}

