@testable import Replay
import Testing

/// The pipe between the reader and the simulation threads.
@Suite struct ChunkPipeTests {
    /// The first chunks of a replay are small (the simulation starts while
    /// the reader is still slow on new conversations), then whole.
    @Test func firstChunksRampUpToTheCapacity() {
        let pipe = ChunkPipe()
        var limits: [Int] = []
        for _ in 0..<7 {
            let chunk = pipe.acquireEmpty()
            limits.append(chunk.limit)
            #expect(chunk.count == 0 && !chunk.isFull)
            chunk.count = chunk.limit
            #expect(chunk.isFull)
            pipe.publish(chunk)
            pipe.release(pipe.acquireFilled())
        }
        #expect(limits == [256, 512, 1024, 2048, 4096, 4096, 4096])
    }
}
