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
        // The reader's lookup of an IPv4 key by its parts gives the same answers.
        for k in keys.prefix(4_000) where k.ipVersion == 4 {
            for key in [k, k.reversed] {
                let byParts = table.find(ipv4Source: UInt32(key.sourceLow), destination: UInt32(key.destinationLow),
                                             sourcePort: key.sourcePort, destinationPort: key.destinationPort,
                                             ipProtocol: key.ipProtocol)
                #expect(byParts == oracle[key])
            }
        }
        var absent = FlowKey()
        absent.sourceLow = 1; absent.ipVersion = 4
        #expect(table.find(absent) == nil)
        #expect(table.find(FlowKey()) == nil)
    }

    /// Flows past the compact slots' 24-bit range, and the negative markers,
    /// map back as they were put in, and a key can move between the tables.
    @Test func flowsPastTheCompactRangeAndMarkersKeepTheirValue() {
        var table = ConversationTable(capacity: 4)
        var keys: [FlowKey] = []
        for i in 0..<100 {
            var k = FlowKey()
            k.ipVersion = 4
            k.sourceLow = 0x0A00_0000 | UInt64(i)
            k.destinationLow = 0x0A01_0001
            k.sourcePort = UInt16(i)
            k.ipProtocol = 17
            keys.append(k)
        }
        let large = ConversationTable.CompactEntry.largestFlow
        let flows: [Int32] = [-3, -2, -1, 0, large, large + 1, .max]
        for (i, k) in keys.enumerated() { table.insert(k, flow: flows[i % flows.count]) }
        #expect(table.count == 100)
        for (i, k) in keys.enumerated() { #expect(table.find(k) == flows[i % flows.count]) }
        // Moved: a compact key given a large flow, a large one given a small flow.
        table.insert(keys[0], flow: .max)
        table.insert(keys[5], flow: 7)
        #expect(table.find(keys[0]) == .max)
        #expect(table.find(keys[5]) == 7)
        #expect(table.count == 100)
        var ipv4InHighWord = keys[1]
        ipv4InHighWord.sourceLow |= 1 << 40
        #expect(table.find(ipv4InHighWord) == nil)
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
