@testable import Emulator
import NetAddress
import PacketWire
import Testing

/// The flow table's layout promises (see ``FlowState``): with thousands of
/// flows each packet costs one or two cache lines of flow state. A field
/// added in the wrong place breaks these, not the results, so they are tested.
@Suite("flow state layout")
struct FlowLayoutTests {
    private func offset(_ field: PartialKeyPath<FlowStatistics>) -> Int {
        MemoryLayout<FlowState>.offset(of: \FlowState.statistics)! + MemoryLayout<FlowStatistics>.offset(of: field)!
    }

    @Test func aFlowStateIsWholeCacheLines() {
        #expect(MemoryLayout<FlowState>.stride % 64 == 0)
    }

    @Test func sendAndDeliveryCountersShareTheFirstTwoLines() {
        // Line 0: what a synthetic send reads and writes, and the delivery
        // totals (the packets and bytes sent are counted in a dense table).
        #expect(MemoryLayout<FlowState>.offset(of: \FlowState.highestDelivered)! + 8 <= 64)
        for field: PartialKeyPath<FlowStatistics> in [\.delivered, \.bytesDelivered] {
            #expect(offset(field) + 8 <= 64)
        }
        // Line 1: the rest of a delivery.
        for field: PartialKeyPath<FlowStatistics> in [\.latencySum, \.latencyMin, \.latencyMax, \.firstDelivery,
                                                       \.lastDelivery, \.longestGap, \.longestGapStart] {
            #expect((64..<128).contains(offset(field)) && offset(field) + 8 <= 128)
        }
        // Line 2: the per-reason drops start it.
        #expect(offset(\.drops) == 128)
    }

    @Test func theDenseTablesStayDense() {
        #expect(MemoryLayout<FlowSends>.stride == 16)
        #expect(MemoryLayout<FlowTags>.stride == 8)
    }

    @Test func theFlowTableStartsOnACacheLineAfterGrowing() {
        let sim = Simulation()
        let a = sim.addNode("a", kind: .host), b = sim.addNode("b", kind: .host)
        let key = FlowKey(source: IPv4Address(10, 0, 0, 1), destination: IPv4Address(10, 1, 0, 1),
                          sourcePort: 1, destinationPort: 2, ipProtocol: IPProtocol.udp)
        for _ in 0..<100 {
            sim.addFlow(FlowSpec(key: key, source: a, destination: b, group: "g"))
            #expect(Int(bitPattern: sim.flows.base) % 64 == 0)
        }
    }
}
