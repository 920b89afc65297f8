import DeterministicRandom
import PacketWire
@testable import Replay
import Testing

/// The replay's flow-key table against Swift's Dictionary: the same answers
/// for keys present, absent, replaced and reversed, across several growths.
@Suite struct ConversationTableTests {
    @Test func agreesWithADictionaryAcrossGrowth() {
        var table = ConversationTable(capacity: 4)
        var oracle: [FlowKey: Int32] = [:]
        var random = SeededGenerator(seed: 7)
        var keys: [FlowKey] = []
        for i in 0..<20_000 {
            // Addresses from a small range so that keys share most of their bits.
            var k = FlowKey()
            k.ipVersion = i % 5 == 0 ? 6 : 4
            k.sourceLow = 0x0A00_0000 | random.next(below: 512)
            k.destinationLow = 0x0A01_0000 | random.next(below: 512)
            k.sourceHigh = k.ipVersion == 6 ? 0xFD00 : 0
            k.sourcePort = UInt16(truncatingIfNeeded: random.next(below: 4))
            k.destinationPort = 443
            k.ipProtocol = i % 2 == 0 ? 6 : 17
            let flow = Int32(i)
            table.insert(k, flow: flow)
            oracle[k] = flow
            keys.append(k)
        }
        #expect(table.count == oracle.count)
        for k in keys { #expect(table.find(k) == oracle[k]) }
        for k in keys.prefix(2_000) { #expect(table.find(k.reversed) == oracle[k.reversed]) }
        var absent = FlowKey()
        absent.sourceLow = 1; absent.ipVersion = 4
        #expect(table.find(absent) == nil)
        #expect(table.find(FlowKey()) == nil)
    }

    @Test func equalityComparesEveryField() {
        var a = FlowKey()
        a.sourceLow = 1; a.destinationLow = 2; a.sourcePort = 3; a.destinationPort = 4; a.ipProtocol = 6; a.ipVersion = 4
        #expect(a == a)
        let changes: [(inout FlowKey) -> Void] = [
            { $0.sourceHigh = 9 }, { $0.sourceLow = 9 }, { $0.destinationHigh = 9 }, { $0.destinationLow = 9 },
            { $0.sourcePort = 9 }, { $0.destinationPort = 9 }, { $0.ipProtocol = 17 }, { $0.ipVersion = 6 },
        ]
        for change in changes {
            var b = a
            change(&b)
            #expect(a != b)
            #expect(Set([a, b]).count == 2)
        }
    }
}
