/// A capture file that cannot be opened, read or written, with the file, the
/// position (byte offset and record number where known) and the reason.
public struct CaptureError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file as the user named it.
    public var path: String
    /// Byte offset of the fault in the file, when known.
    public var byteOffset: Int?
    /// 1-based number of the record that could not be read, when known.
    public var record: Int?
    /// What is wrong, in plain words.
    public var reason: String

    public init(path: String, byteOffset: Int? = nil, record: Int? = nil, reason: String) {
        self.path = path
        self.byteOffset = byteOffset
        self.record = record
        self.reason = reason
    }

    /// `FILE: record 14 at byte offset 1818: truncated record: ...`
    public var description: String {
        var where_: [String] = []
        if let record { where_.append("record \(record)") }
        if let byteOffset { where_.append("at byte offset \(byteOffset)") }
        let position = where_.isEmpty ? "" : where_.joined(separator: " ") + ": "
        return "\(path): \(position)\(reason)"
    }
}
