/// Why a piece of text is not a valid address or prefix. The message names the
/// offending text and reads well on its own; callers add file and line.
public struct AddressParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A sentence that names the text and the reason.
    public var reason: String

    public init(_ reason: String) { self.reason = reason }

    public var description: String { reason }
}
