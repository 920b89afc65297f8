import PacketWire

/// Reads a whole capture, parses every frame and extracts its flow key: the
/// first stage of replay, and the loop that `dxemu bench read` and the capture
/// benchmark measure against libpcap's own read rate.
public enum FlowKeyScan {
    /// What a scan saw.
    public struct Result: Sendable, Equatable {
        /// Records read.
        public var packets = 0
        /// IP packets among them.
        public var ipPackets = 0
        /// Malformed frames (of any reason).
        public var malformed = 0
        /// An order-independent digest of every flow key, so the work cannot be
        /// optimised away and two scans can be compared.
        public var digest: UInt64 = 0

        public init() {}
    }

    /// Scans `path` to the end; throws the file fault, if any.
    public static func scan(path: String) throws(CaptureError) -> Result {
        let reader = try CaptureReader(path: path)
        var result = Result()
        while let record = try reader.next() {
            var info = PacketInfo()
            PacketParser.parse(record.bytes, wireLength: record.wireLength, linkType: record.linkType, into: &info)
            let key = info.ip.flow
            result.digest &+= (key.sourceLow ^ key.destinationLow &* 0x9E37_79B9_7F4A_7C15 ^ key.sourceHigh ^ key.destinationHigh)
                ^ (UInt64(key.sourcePort) << 24 | UInt64(key.destinationPort) << 8 | UInt64(key.ipProtocol))
            result.packets += 1
            if info.isIP { result.ipPackets += 1 }
            if info.malformed != .none { result.malformed += 1 }
        }
        return result
    }
}
