import CacheHints
import Capture
import Emulator
import NetAddress
import PacketWire
import Scenario

/// The reader side of a replay: reads the capture (`loops` times) through
/// libpcap, parses every frame, counts what cannot be replayed, maps each
/// conversation onto the topology and paces the packets, then hands them to
/// the simulation in ``WorkChunk``s. It runs on its own thread and shares
/// nothing with the simulation but the chunks.
struct FrameSource {
    let file: String
    let options: ReplayOptions
    let plan: AddressPlan
    /// Sites that have a host in the design.
    let sitesWithHost: Set<Site>
    var table = ConversationTable()
    var mapper: AddressMapper
    var directionCount = 0
    var skipped = SkippedFrames()
    var framesRead = 0
    var filteredOut = 0
    var backwards = 0
    var captureError: CaptureError?
    var firstMalformed: CaptureError?
    var malformedFrames = 0
    var recordFaults: [CaptureError] = []
    var recordFaultCount = 0
    /// A fault that stops the replay (the file cannot be opened, a bad filter).
    var fatal: ReplayError?

    /// The host uplinks this thread sends on (see ``HostUplinkSender``),
    /// and which one each site's host has (-1: the simulation sends).
    /// Empty: every packet goes to the simulation in capture order. In
    /// manual memory, as `uplinkDirections` (no copy-on-write check per packet).
    var senders = UnsafeTable<HostUplinkSender>(capacity: 4)
    var senderOfSite: [Site: Int8] = [:]
    /// With senders, per direction: what sending on its host's uplink needs.
    struct UplinkDirection {
        /// Its sender, or -1 (the simulation sends).
        var sender: Int8
        /// IPv6 (DF always).
        var ipv6: Bool
        var nextSequence: UInt32 = 0
    }
    var uplinkDirections = UnsafeTable<UplinkDirection>()
    /// The work waiting for its turn (the fates on each uplink by arrival
    /// time, the rest by send time), released in the simulation's event order.
    var immediate = WorkQueue(order: .max)
    /// One queue per sender, in manual memory (no copy-on-write check per packet).
    var pending = UnsafeMutablePointer<WorkQueue>.allocate(capacity: 4)
    var pendingCount = 0
    var previousSend: Int64 = -1
    var nextDatagram: UInt32 = 1

    init(file: String, options: ReplayOptions, sitesWithHost: Set<Site>) {
        self.file = file
        self.options = options
        self.sitesWithHost = sitesWithHost
        plan = options.scenario.design.addresses
        mapper = AddressMapper(plan: plan)
    }

    /// Reads everything into `pipe`; the last chunk published has `isLast`.
    mutating func produce(into pipe: ChunkPipe) {
        var chunk = pipe.acquireEmpty()
        defer {
            chunk.isLast = true
            pipe.publish(chunk)
        }
        var clock = options.start.nanoseconds
        var sentBits: Int64 = 0
        var packetIndex: Int64 = 0
        var loopOffset: Int64 = 0
        for _ in 0..<options.loops {
            var sent = 0
            let reader: CaptureReader
            do {
                reader = try CaptureReader(path: file)
                if let filter = options.filter { try reader.setFilter(filter) }
            } catch {
                fatal = ReplayError(error.description)
                return
            }
            var first: Int64? = nil
            var lastStamp: Int64 = 0
            var info = PacketInfo()
            while true {
                let record: CaptureRecord
                do {
                    guard let r = try reader.next() else { break }
                    record = r
                } catch {
                    captureError = error
                    break
                }
                framesRead += 1
                guard record.linkType.isSupported else { skipped.unsupportedLinkType(record.linkType); continue }
                info = PacketInfo()  // the parser fills a fresh value
                PacketParser.parse(record.bytes, wireLength: record.wireLength, linkType: record.linkType, into: &info)
                if info.malformed != .none && info.malformed != .headersCutBySnaplen {
                    malformedFrames += 1
                    if firstMalformed == nil {
                        firstMalformed = CaptureError(path: file, record: record.number, reason: "malformed frame: \(info.malformed) "
                                                      + "(\(record.bytes.count) bytes captured, \(record.wireLength) on the wire)")
                        firstMalformed!.byteOffset = reader.byteOffset(ofRecord: record.number)
                    }
                    skipped.malformed[Int(info.malformed.rawValue)] += 1
                    continue
                }
                guard info.isIP else {
                    skipped.nonIP(etherType: info.etherType)
                    continue
                }
                // When it enters the network.
                let stamp = record.timestamp
                if first == nil { first = stamp }
                lastStamp = stamp
                var t: Int64
                let size = Int(info.ip.length)
                switch options.pacing {
                case let .original(speed):
                    let relative = stamp &- first!
                    t = options.start.nanoseconds &+ loopOffset &+ (speed == 1 ? relative : Int64((Double(relative) / speed).rounded()))
                case let .packetsPerSecond(rate):
                    t = options.start.nanoseconds &+ Int64((Double(packetIndex) * 1e9 / rate).rounded())
                case let .megabitsPerSecond(rate):
                    t = options.start.nanoseconds &+ Int64((Double(sentBits) * 1_000 / rate).rounded())
                case .lineRate:
                    t = options.start.nanoseconds &+ sentBits / 100
                }
                if t < clock {
                    if case .original = options.pacing { backwards += 1 }
                    t = clock
                }
                clock = t
                let known = plans.count
                guard let d = directionFor(info: &info, bytes: record.bytes, chunk: chunk) else { continue }
                var work = ReplayWork(time: t, size: Int32(size), direction: Int32(d), kind: .send, dontFragment: info.ip.dontFragment)
                if options.closedLoopTCP != nil, info.ip.flow.ipProtocol == IPProtocol.tcp, info.ip.fragment == .whole {
                    // Closed loop: the captured segment is an application write.
                    let payload = FrameSource.tcpPayload(info, record.bytes)
                    guard payload > 0 else { skipped.tcpWithoutPayload += 1; continue }
                    work.kind = .write
                }
                if senders.isEmpty {
                    FrameSource.push(work, into: &chunk, pipe)
                } else {
                    if d >= known {
                        // The flow is made where it always was: with the
                        // simulation run to the previous packet's time.
                        immediate.append(ReplayWork(time: previousSend, size: 0, direction: Int32(d), kind: .newFlow, dontFragment: false))
                    }
                    // Releasing every 64 packets is as exact as every one:
                    // whatever comes later comes at `t` or after.
                    if packetIndex & 63 == 0 { release(before: t, into: &chunk, pipe) }
                    sendOnUplink(work, into: &chunk, pipe)
                    previousSend = t
                }
                sent += 1
                packetIndex += 1
                sentBits &+= Int64(size) &* 8
            }
            filteredOut += reader.recordsFilteredOut
            recordFaults += reader.recordFaults
            recordFaultCount += reader.recordFaultCount
            if captureError != nil { break }
            if let first {
                // The next loop starts one mean gap after this one's last packet.
                let span = lastStamp &- first
                let gap = sent > 1 ? max(span / Int64(max(sent - 1, 1)), 1_000) : 1_000_000
                loopOffset &+= span &+ gap
            }
        }
        release(before: .max, into: &chunk, pipe)
    }

    /// Frees the work queues' storage (after the last chunk).
    func freeQueues() {
        senders.deallocate()
        uplinkDirections.deallocate()
        immediate.free()
        for k in 0..<pendingCount { pending[k].free() }
        pending.deallocate()
    }

    /// Appends one item to the chunk, handing the chunk over when it is full.
    @inline(__always)
    static func push(_ work: ReplayWork, into chunk: inout WorkChunk, _ pipe: ChunkPipe) {
        nextSlot(of: &chunk, pipe).initialize(to: work)
    }

    /// Copies the item at `source` (a queue's, written long before) into the
    /// chunk memory to memory: an item returned by value is spilled to the
    /// stack field by field and read back whole, which stalls every store
    /// forwarding (perf had nine tenths of the release's time on that copy).
    @inline(__always)
    static func push(copyOf source: UnsafePointer<ReplayWork>, into chunk: inout WorkChunk, _ pipe: ChunkPipe) {
        nextSlot(of: &chunk, pipe).update(from: source, count: 1)
    }

    /// Moves the first `count` items of `queue` into the chunk, handing the
    /// chunk over whenever it fills: a block copy per stretch of the
    /// queue's ring and of the chunk.
    @inline(__always)
    static func move(_ count: Int, from queue: inout WorkQueue, into chunk: inout WorkChunk, _ pipe: ChunkPipe) {
        var left = count
        while left > 0 {
            makeRoom(in: &chunk, pipe)
            let n = queue.moveFirst(min(left, chunk.limit &- chunk.count), to: chunk.items + chunk.count)
            chunk.count &+= n
            left &-= n
        }
    }

    /// The chunk's next slot, counted in (the chunk is handed over first
    /// when it is full).
    @inline(__always)
    private static func nextSlot(of chunk: inout WorkChunk, _ pipe: ChunkPipe) -> UnsafeMutablePointer<ReplayWork> {
        makeRoom(in: &chunk, pipe)
        let slot = chunk.items + chunk.count
        chunk.count += 1
        // The slots ahead were last read on the simulation's core: ask for
        // them, for writing, before the stores come (a hint; past the end
        // of the chunk it fetches nothing that matters).
        dxemu_prefetch_for_write(chunk.items + (chunk.count &+ FrameSource.chunkWriteAhead))
        return slot
    }

    /// Hands the chunk over and takes an empty one, when it is full.
    @inline(__always)
    private static func makeRoom(in chunk: inout WorkChunk, _ pipe: ChunkPipe) {
        guard chunk.isFull else { return }
        pipe.publish(chunk)
        chunk = pipe.acquireEmpty()
    }

    /// How many work items ahead of the next one the chunk is fetched.
    static let chunkWriteAhead = 8

    /// Sends a packet on its host's uplink here (its fates wait in the
    /// queues), or queues it for the simulation to send.
    @inline(__always)
    mutating func sendOnUplink(_ work: ReplayWork, into chunk: inout WorkChunk, _ pipe: ChunkPipe) {
        let d = Int(work.direction)
        let k = Int(uplinkDirections[d].sender)
        guard k >= 0 else {
            immediate.append(work)
            return
        }
        let size = Int(work.size)
        let fate = senders[k].send(size: size, dontFragment: work.dontFragment || uplinkDirections[d].ipv6, at: work.time)
        var item = work
        item.sequence = uplinkDirections[d].nextSequence
        uplinkDirections[d].nextSequence &+= 1
        item.datagramSize = work.size
        item.fragments = 1
        item.counts = true
        item.sender = UInt8(k)
        guard case .fragmented = fate else {
            place(item, fate, sender: k)
            return
        }
        item.datagram = nextDatagram
        nextDatagram &+= 1
        let pieces = senders[k].fragments
        item.fragments = UInt16(pieces.count)
        for (i, piece) in pieces.enumerated() {
            var fragment = item
            fragment.size = Int32(piece.size)
            fragment.counts = i == 0
            place(fragment, piece.fate, sender: k)
        }
    }

    /// Queues a packet's (or fragment's) fate on uplink `k`: an arrival
    /// waits by its arrival time, a drop by its send time.
    @inline(__always)
    private mutating func place(_ work: ReplayWork, _ fate: HostUplinkSender.Fate, sender k: Int) {
        var item = work
        switch fate {
        case let .arrives(at: arrival):
            item.kind = .arrival
            item.arrival = arrival
            pending[k].append(item)
        case let .dropped(reason):
            item.kind = .drop
            item.reason = reason.rawValue
            immediate.append(item)
        case let .tooBig(reported):
            item.kind = .drop
            item.reason = DropReason.mtuExceeded.rawValue
            item.tooBig = reported
            immediate.append(item)
        case .fragmented:
            preconditionFailure("a fragment fits the MTU")
        }
    }

    /// Moves the waiting work whose time is before `limit` (all of it with
    /// `.max`) into the chunk, in the order the simulation's event heap would
    /// take it: by time, then arrivals by their link's order, then the rest
    /// (sent, dropped, new flows: after every event of their instant) in the
    /// order they were made. Work made later comes at `limit` or after.
    mutating func release(before limit: Int64, into chunk: inout WorkChunk, _ pipe: ChunkPipe) {
        while true {
            // The queue with the least head, and the least head of the others.
            var best = -1  // -1: immediate; k: pending[k]
            var bestTime = immediate.isEmpty ? Int64.max : immediate.headTime
            var bestOrder = UInt64.max
            var nextTime = Int64.max, nextOrder = UInt64.max
            for k in 0..<pendingCount where !pending[k].isEmpty {
                let arrival = pending[k].headArrival, order = pending[k].order
                if arrival < bestTime || (arrival == bestTime && order < bestOrder) {
                    if best != -1 || !immediate.isEmpty { (nextTime, nextOrder) = (bestTime, bestOrder) }
                    (best, bestTime, bestOrder) = (k, arrival, order)
                } else if arrival < nextTime || (arrival == nextTime && order < nextOrder) {
                    (nextTime, nextOrder) = (arrival, order)
                }
            }
            if best == -1 && immediate.isEmpty { return }
            if bestTime >= limit { return }
            if best == -1 {
                FrameSource.push(copyOf: immediate.first, into: &chunk, pipe)
                immediate.discardFirst()
                continue
            }
            // Take that queue's items while they stay first: before the
            // others' heads and before `limit`; counted first, then moved
            // as a block (most of a replay's work goes through here).
            let queue = pending + best
            var run = 1
            while run < queue.pointee.count {
                let arrival = queue.pointee.arrival(at: run)
                if arrival >= limit || arrival > nextTime || (arrival == nextTime && bestOrder > nextOrder) { break }
                run &+= 1
            }
            FrameSource.move(run, from: &queue.pointee, into: &chunk, pipe)
        }
    }

    static func hex4(_ v: UInt16) -> String {
        let h = String(v, radix: 16)
        return String(repeating: "0", count: max(0, 4 - h.count)) + h
    }

    /// Frames not replayed, by reason, as the report words them.
    var notReplayed: [String: Int] { skipped.byReason }

    /// The payload bytes of a TCP segment (IP length minus both headers).
    static func tcpPayload(_ info: PacketInfo, _ bytes: UnsafeRawBufferPointer) -> Int {
        let t = Int(info.ip.transportOffset)
        guard t >= 0, t + 13 <= bytes.count else { return 0 }
        let headers = (t - Int(info.ip.offset)) + Int(bytes[t + 12] >> 4) * 4
        return max(Int(info.ip.length) - headers, 0)
    }

    static let outsideTopology: Int32 = -1
    static let noSite: Int32 = -2

    /// This packet's direction, mapped on first sight (new directions go out
    /// with the chunk that first uses them).
    ///
    /// `info` is passed by address (it is not changed): a copy of the
    /// value, written field by field by the parser a moment before, was
    /// read back in wide loads that waited for those stores (perf had a
    /// third of the reader's loop on that copy).
    @inline(__always)
    mutating func directionFor(info: inout PacketInfo, bytes: UnsafeRawBufferPointer, chunk: WorkChunk) -> Int? {
        // The usual case, an IPv4 key, is looked up part by part (see
        // ``ConversationTable/find(ipv4Source:destination:sourcePort:destinationPort:ipProtocol:)``);
        // a known direction returns here, the rest goes out of line.
        let found: Int32?
        if ConversationTable.isCompact(version: info.ip.flow.ipVersion, sourceHigh: info.ip.flow.sourceHigh,
                                       destinationHigh: info.ip.flow.destinationHigh, sourceLow: info.ip.flow.sourceLow,
                                       destinationLow: info.ip.flow.destinationLow) {
            found = table.find(ipv4Source: UInt32(truncatingIfNeeded: info.ip.flow.sourceLow),
                               destination: UInt32(truncatingIfNeeded: info.ip.flow.destinationLow),
                               sourcePort: info.ip.flow.sourcePort, destinationPort: info.ip.flow.destinationPort,
                               ipProtocol: info.ip.flow.ipProtocol)
        } else {
            found = table.find(info.ip.flow)
        }
        if let f = found, f >= 0 { return Int(f) }
        return directionForOther(found: found, info: &info, bytes: bytes, chunk: chunk)
    }

    /// ``directionFor(info:bytes:chunk:)`` for a key outside the topology
    /// (`found` is its negative marker) or not yet seen (`found` is nil).
    @inline(never)
    mutating func directionForOther(found: Int32?, info: inout PacketInfo, bytes: UnsafeRawBufferPointer, chunk: WorkChunk) -> Int? {
        let key = info.ip.flow
        if let f = found {
            if f == FrameSource.outsideTopology { skipped.outsideTopology += 1 } else { skipped.noSite += 1 }
            return nil
        }
        let ttl = info.ip.hopLimit, df = info.ip.dontFragment
        // The other direction of a known conversation?
        if let r = table.find(key.reversed), r >= 0 {
            let other = plans[Int(r)]
            return newDirection(original: key, DirectionPlan(mapped: other.mapped.reversed, from: other.to, to: other.from, ttl: ttl, dontFragment: df),
                                info: info, chunk: chunk)
        }
        // A new conversation: who opened it?
        var senderOpened = true
        if key.ipProtocol == IPProtocol.tcp && info.ip.transportOffset >= 0 && Int(info.ip.transportOffset) + 14 <= bytes.count {
            let flags = bytes[Int(info.ip.transportOffset) + 13]
            if flags & 0x12 == 0x12 { senderOpened = false }  // SYN+ACK: the receiver opened it
        }
        let (client, server) = senderOpened ? (key, key.reversed) : (key.reversed, key)
        let clientSite: Site, serverSite: Site
        var mappedClient = client
        if options.mapAddresses {
            clientSite = .onPrem
            serverSite = options.vpc2Ports.contains(server.sourcePort) ? .vpc2 : .vpc1
            mapper.map(&mappedClient, sourceSite: clientSite, destinationSite: serverSite)
        } else {
            guard let a = site(of: client, source: true), let b = site(of: client, source: false), a != b else {
                table.insert(key, flow: FrameSource.outsideTopology)
                table.insert(key.reversed, flow: FrameSource.outsideTopology)
                skipped.outsideTopology += 1
                return nil
            }
            (clientSite, serverSite) = (a, b)
        }
        guard sitesWithHost.contains(clientSite), sitesWithHost.contains(serverSite) else {
            table.insert(key, flow: FrameSource.noSite)
            table.insert(key.reversed, flow: FrameSource.noSite)
            skipped.noSite += 1
            return nil
        }
        if senderOpened {
            return newDirection(original: key, DirectionPlan(mapped: mappedClient, from: clientSite, to: serverSite, ttl: ttl, dontFragment: df),
                                info: info, chunk: chunk)
        }
        return newDirection(original: key, DirectionPlan(mapped: mappedClient.reversed, from: serverSite, to: clientSite, ttl: ttl, dontFragment: df),
                            info: info, chunk: chunk)
    }

    /// Every direction planned so far (the reader's copy, for reverse lookups).
    var plans: [DirectionPlan] = []

    /// Plans a direction; `info` is its first packet (its ICMP type and code are kept).
    mutating func newDirection(original: FlowKey, _ plan: DirectionPlan, info: PacketInfo, chunk: WorkChunk) -> Int {
        var plan = plan
        plan.icmpType = info.ip.icmpType
        plan.icmpCode = info.ip.icmpCode
        if !senders.isEmpty {
            uplinkDirections.append(UplinkDirection(sender: senderOfSite[plan.from] ?? -1, ipv6: plan.mapped.ipVersion == 6))
        }
        table.insert(original, flow: Int32(plans.count))
        plans.append(plan)
        chunk.newDirections.append(plan)
        return plans.count - 1
    }

    /// The site whose prefix holds the key's source (or destination).
    func site(of key: FlowKey, source: Bool) -> Site? {
        let address: IPAddress = key.ipVersion == 6
            ? .v6(source ? key.sourceIPv6 : key.destinationIPv6) : .v4(source ? key.sourceIPv4 : key.destinationIPv4)
        for site in [Site.onPrem, .vpc1, .vpc2, .branch] {
            let prefixes = plan.prefixes(site == .onPrem ? \.onPrem : site == .vpc1 ? \.vpc1 : site == .vpc2 ? \.vpc2 : \.branch)
            if prefixes.contains(where: { $0.contains(address) }) { return site }
        }
        return nil
    }
}

/// Counts of the frames a replay does not send, kept without building a
/// string or hashing per frame: plain counters, one per malformed reason, and
/// short lists for the few link types and EtherTypes a capture has.
struct SkippedFrames {
    var malformed = [Int](repeating: 0, count: MalformedReason.allCases.count)
    var nonIPByEtherType: [(UInt16, frames: Int)] = []
    var unsupportedLinkTypes: [(LinkType, frames: Int)] = []
    var tcpWithoutPayload = 0
    var outsideTopology = 0
    var noSite = 0

    mutating func nonIP(etherType: UInt16) { Self.bump(etherType, in: &nonIPByEtherType) }

    mutating func unsupportedLinkType(_ type: LinkType) { Self.bump(type, in: &unsupportedLinkTypes) }

    /// One more frame for `key` in a short list of counts.
    private static func bump<Key: Equatable>(_ key: Key, in list: inout [(Key, frames: Int)]) {
        if let i = list.firstIndex(where: { $0.0 == key }) {
            list[i].frames += 1
        } else {
            list.append((key, 1))
        }
    }

    /// Reason text -> frames, for reasons with at least one frame.
    var byReason: [String: Int] {
        var out: [String: Int] = [:]
        for r in MalformedReason.allCases where malformed[Int(r.rawValue)] > 0 { out["malformed: \(r)"] = malformed[Int(r.rawValue)] }
        for (etherType, frames) in nonIPByEtherType { out["non-IP (EtherType 0x\(FrameSource.hex4(etherType)))"] = frames }
        for (linkType, frames) in unsupportedLinkTypes { out["unsupported link type \(linkType)"] = frames }
        if tcpWithoutPayload > 0 { out["TCP without payload (closed-loop TCP makes its own)"] = tcpWithoutPayload }
        if outsideTopology > 0 { out["addresses outside the topology's sites (--no-map)"] = outsideTopology }
        if noSite > 0 { out["no host for that site in the design"] = noSite }
        return out
    }
}

/// The work waiting for its turn in one queue, FIFO, with the heap order of
/// the events its items become (ties at one instant). Manual memory, freed
/// by ``free()``.
struct WorkQueue {
    let order: UInt64
    private var items = RingBuffer<ReplayWork>(capacity: 1024)

    init(order: UInt64) { self.order = order }

    var isEmpty: Bool { items.isEmpty }
    /// The oldest item's send time and arrival (the queue must not be empty).
    var headTime: Int64 { items.first.pointee.time }
    var headArrival: Int64 { items.first.pointee.arrival }

    mutating func append(_ item: ReplayWork) { items.append(item) }
    /// How many items there are.
    var count: Int { items.count }
    /// The arrival of the item `offset` places after the oldest.
    func arrival(at offset: Int) -> Int64 { items.address(of: offset).pointee.arrival }
    /// Copies up to `count` of the oldest items to `destination` (as many
    /// as lie in one stretch of the ring) and forgets them; returns how many.
    mutating func moveFirst(_ count: Int, to destination: UnsafeMutablePointer<ReplayWork>) -> Int {
        items.moveFirst(count, to: destination)
    }
    /// The oldest item, in place (the queue must not be empty).
    var first: UnsafeMutablePointer<ReplayWork> { items.first }
    mutating func discardFirst() { items.discardFirst() }
    func free() { items.free() }
}
