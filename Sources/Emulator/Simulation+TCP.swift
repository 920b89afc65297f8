import PacketWire

/// Closed-loop TCP: connections whose packets the emulator generates in
/// reaction to what the network delivers (ACKs, losses, timeouts).
extension Simulation {
    /// Adds a TCP connection: `data` is the sender -> receiver flow, and its
    /// ACKs travel on the reverse flow. The sender starts at `start` and sends
    /// no new data after `stop`; retransmissions go on until acknowledged.
    @discardableResult
    public func addTCPConnection(_ data: FlowSpec, configuration: TCPConfiguration, start: SimTime, stop: SimTime,
                                 ackGroup: String? = nil) -> TCPConnectionID {
        precondition(data.key.ipProtocol == IPProtocol.tcp, "a TCP connection needs a TCP flow key")
        precondition(start >= now, "a connection cannot start in the past")
        var ackSpec = data
        ackSpec.key = data.key.reversed
        swap(&ackSpec.source, &ackSpec.destination)
        ackSpec.group = ackGroup ?? data.group + " (acks)"
        let dataFlow = addFlow(data)
        let ackFlow = addFlow(ackSpec)
        let header = data.key.ipVersion == 6 ? 60 : 40
        let segment = min(configuration.mss + header, flows[Int(dataFlow.index)].sizeCap)
        let index = tcp.count
        var c = TCPConnection(configuration: configuration, dataFlow: dataFlow.index, ackFlow: ackFlow.index,
                              start: start.nanoseconds, stop: stop.nanoseconds, segmentBytes: max(segment, header + 1),
                              headerBytes: header, binWidth: binWidth.nanoseconds)
        c.timerAt = start.nanoseconds
        tcp.append(c)
        flows[Int(dataFlow.index)].tcp = Int32(index)
        flows[Int(ackFlow.index)].tcp = Int32(index)
        flows[Int(ackFlow.index)].tcpCarriesAcks = true
        heap.push(.init(time: start.nanoseconds, order: EventHeap.order(.tcp, index)))
        return TCPConnectionID(index: Int32(index), data: dataFlow, acks: ackFlow)
    }

    /// What a connection did so far (a stall still open now counts).
    public func statistics(of connection: TCPConnectionID) -> TCPStatistics {
        let c = tcp[Int(connection.index)]
        var s = c.statistics
        let outstanding = c.configuration.applicationLimited ? c.totalSegments > c.sndUna
            : c.sndNxt > c.sndUna || (!c.done && now.nanoseconds < c.stop)
        let from = max(c.lastProgress, c.busySince)
        if outstanding && now.nanoseconds - from > s.longestStall {
            s.longestStall = now.nanoseconds - from
            s.longestStallStart = from
        }
        s.smoothedRTT = c.srtt
        s.rto = c.rto
        s.congestionWindow = c.cwnd
        return s
    }

    /// The TCP connections, in the order they were added.
    public var tcpConnectionIDs: [TCPConnectionID] {
        tcp.indices.map { TCPConnectionID(index: Int32($0), data: FlowID(index: tcp[$0].dataFlow), acks: FlowID(index: tcp[$0].ackFlow)) }
    }

    // MARK: - Engine

    /// A segment (or ACK) with an explicit sequence number from its source host.
    func emitSegment(flow f: Int, sequence: Int64, size: Int, at t: Int64, sack: UInt32 = 0) {
        let flow = flows.base + f
        countSent(flow: f, size: size)
        var packet = Packet(flow: UInt32(f), size: UInt32(size), sequence: UInt32(truncatingIfNeeded: sequence), created: t,
                            ttl: flowTags[f].ttl, flags: flowTags[f].packetFlags)
        packet.payload = sack
        let uplink = nodes[Int(flow.pointee.sourceNode)].uplink
        if uplink < 0 {
            dropSegment(packet, now: t)
        } else {
            transmitSegment(packet, on: Int(uplink), now: t)
        }
    }

    /// The sender puts out what its window allows.
    func tcpSend(_ i: Int, now t: Int64) {
        let c = tcp.base + i
        let window = min(Int64(c.pointee.cwnd), Int64(c.pointee.configuration.receiveWindow / c.pointee.payloadBytes), c.pointee.windowSegments - 1)
        while c.pointee.sndNxt - c.pointee.sndUna < max(window, 1) && c.pointee.sndNxt < c.pointee.totalSegments {
            let s = c.pointee.sndNxt
            let retransmission = s < c.pointee.sndMax
            if !retransmission && t >= c.pointee.stop { break }
            c.pointee.sndNxt += 1
            // After a timeout, segments the receiver reported (SACK) are not sent again.
            if retransmission && s < c.pointee.highSack && c.pointee.received(s) { continue }
            if retransmission {
                c.pointee.statistics.retransmissions &+= 1
            } else {
                c.pointee.sndMax = c.pointee.sndNxt
                if c.pointee.timedSegment < 0 {
                    c.pointee.timedSegment = s
                    c.pointee.timedAt = t
                }
            }
            c.pointee.statistics.segmentsSent &+= 1
            emitSegment(flow: Int(c.pointee.dataFlow), sequence: s, size: segmentSize(c.pointee, s), at: t)
        }
        if c.pointee.sndNxt > c.pointee.sndUna && c.pointee.rtoDeadline < 0 { armRTO(i, now: t) }
    }

    /// The application writes one segment of `size` IP bytes on an
    /// application-limited connection; false when the send buffer is full.
    @discardableResult
    public func write(_ connection: TCPConnectionID, size: Int) -> Bool {
        let i = Int(connection.index)
        let c = tcp.base + i
        precondition(c.pointee.configuration.applicationLimited, "write(_:size:) is for application-limited connections")
        let capacity = Int64(c.pointee.writeSizes.count)
        guard c.pointee.totalSegments - c.pointee.sndUna < capacity else {
            c.pointee.statistics.writesRefused &+= 1
            return false
        }
        let cap = flows[Int(c.pointee.dataFlow)].sizeCap
        let bytes = max(min(size, cap, c.pointee.segmentBytes), c.pointee.ackBytes + 1)
        if c.pointee.totalSegments == c.pointee.sndUna { c.pointee.busySince = max(now.nanoseconds, c.pointee.start) }
        c.pointee.writeSizes[Int(c.pointee.totalSegments % capacity)] = UInt32(bytes)
        c.pointee.totalSegments += 1
        c.pointee.statistics.writes &+= 1
        if now.nanoseconds >= c.pointee.start { tcpSend(i, now: now.nanoseconds) }
        return true
    }

    /// The last segment of a bounded transfer carries the remainder.
    func segmentSize(_ c: TCPConnection, _ s: Int64) -> Int {
        if c.configuration.applicationLimited { return Int(c.writeSizes[Int(s % Int64(c.writeSizes.count))]) }
        guard let total = c.configuration.bytes, s == c.totalSegments - 1 else { return c.segmentBytes }
        let rest = total - Int64(c.payloadBytes) * (c.totalSegments - 1)
        return c.ackBytes + Int(rest)
    }

    func armRTO(_ i: Int, now t: Int64) {
        let c = tcp.base + i
        let deadline = t + c.pointee.rto
        c.pointee.rtoDeadline = deadline
        // Lazy timer: one heap entry per connection; an entry that comes too
        // early re-arms itself, one that comes too late is replaced.
        if c.pointee.timerAt < 0 || c.pointee.timerAt > deadline {
            c.pointee.timerAt = deadline
            heap.push(.init(time: deadline, order: EventHeap.order(.tcp, i)))
        }
    }

    /// The connection's heap entry fired: start, or a retransmission timeout.
    func tcpTimer(_ i: Int, at t: Int64) {
        let c = tcp.base + i
        guard c.pointee.timerAt == t else { return }  // superseded
        c.pointee.timerAt = -1
        if t == c.pointee.start && c.pointee.sndMax == 0 && c.pointee.statistics.segmentsSent == 0 {
            tcpSend(i, now: t)
            return
        }
        let deadline = c.pointee.rtoDeadline
        guard deadline >= 0, c.pointee.sndNxt > c.pointee.sndUna || c.pointee.sndMax > c.pointee.sndUna else { return }
        if t < deadline {
            c.pointee.timerAt = deadline
            heap.push(.init(time: deadline, order: EventHeap.order(.tcp, i)))
            return
        }
        // Retransmission timeout (RFC 6298 §5): back off, restart from the
        // oldest unacknowledged segment with a window of one.
        c.pointee.statistics.timeouts &+= 1
        c.pointee.backoff += 1
        c.pointee.statistics.maxBackoff = max(c.pointee.statistics.maxBackoff, c.pointee.backoff)
        if c.pointee.backoff == 1 { c.pointee.reduceOnLoss(now: t) }
        c.pointee.cwnd = 1
        c.pointee.inRecovery = false
        c.pointee.clearRetransmitted()
        c.pointee.dupAcks = 0
        c.pointee.timedSegment = -1
        c.pointee.sndNxt = c.pointee.sndUna
        c.pointee.rto = min(c.pointee.rto * 2, c.pointee.configuration.maximumRTO.nanoseconds)
        c.pointee.rtoDeadline = -1
        tcpSend(i, now: t)
    }

    /// A data segment reached the receiver, or an ACK reached the sender.
    func tcpDelivered(_ p: Packet, connection i: Int, ack: Bool, now t: Int64) {
        let c = tcp.base + i
        if !ack {
            // Receiver: cumulative ACK of the next expected segment, sent at once.
            let s = sequenceNumber(p.sequence, near: c.pointee.rcvNxt)
            if s == c.pointee.rcvNxt {
                var advanced = Int64(Int(p.size) - c.pointee.ackBytes)
                c.pointee.rcvNxt += 1
                while c.pointee.buffered(c.pointee.rcvNxt) {
                    c.pointee.setBuffered(c.pointee.rcvNxt, false)
                    advanced += Int64(segmentSize(c.pointee, c.pointee.rcvNxt) - c.pointee.ackBytes)
                    c.pointee.rcvNxt += 1
                }
                c.pointee.progress(bytes: advanced, at: t)
                if !c.pointee.configuration.applicationLimited && c.pointee.rcvNxt >= c.pointee.totalSegments
                    && c.pointee.statistics.completedAt < 0 {
                    c.pointee.statistics.completedAt = t
                }
            } else if s > c.pointee.rcvNxt && s - c.pointee.rcvNxt < c.pointee.windowSegments {
                c.pointee.setBuffered(s, true)
            }
            c.pointee.rcvHighest = max(c.pointee.rcvHighest, s + 1, c.pointee.rcvNxt)
            // The ACK's SACK information travels in the packet: the highest segment held.
            emitSegment(flow: Int(c.pointee.ackFlow), sequence: c.pointee.rcvNxt, size: c.pointee.ackBytes, at: t,
                        sack: UInt32(truncatingIfNeeded: c.pointee.rcvHighest))
            return
        }
        // Sender.
        let a = sequenceNumber(p.sequence, near: c.pointee.sndUna)
        c.pointee.highSack = max(c.pointee.highSack, sequenceNumber(p.payload, near: c.pointee.sndUna), a)
        if a > c.pointee.sndUna {
            let acked = a - c.pointee.sndUna
            c.pointee.sndUna = a
            if c.pointee.sndNxt < a { c.pointee.sndNxt = a }
            if c.pointee.timedSegment >= 0 && a > c.pointee.timedSegment {
                c.pointee.sampleRTT(t - c.pointee.timedAt)
                c.pointee.timedSegment = -1
            }
            c.pointee.backoff = 0
            c.pointee.dupAcks = 0
            if c.pointee.inRecovery {
                if a > c.pointee.recover {
                    c.pointee.inRecovery = false
                    c.pointee.cwnd = c.pointee.ssthresh
                    c.pointee.clearRetransmitted()
                }
            } else if c.pointee.cwnd < c.pointee.ssthresh {
                c.pointee.cwnd += Double(acked)
            } else {
                c.pointee.growInAvoidance(acked: acked, now: t)
            }
            c.pointee.rtoDeadline = -1
            if c.pointee.sndMax > c.pointee.sndUna { armRTO(i, now: t) }
        } else if a == c.pointee.sndUna && c.pointee.sndMax > c.pointee.sndUna {
            c.pointee.dupAcks += 1
        }
        // Loss detection (RFC 6675 §5): three duplicate ACKs, or three
        // segments reported above the oldest unacknowledged one.
        if !c.pointee.inRecovery && c.pointee.sndMax > c.pointee.sndUna
            && (c.pointee.dupAcks >= 3 || sackedAbove(c.pointee, limit: 3) >= 3) {
            c.pointee.statistics.fastRetransmits &+= 1
            c.pointee.reduceOnLoss(now: t)
            c.pointee.inRecovery = true
            c.pointee.recover = c.pointee.sndMax - 1
            c.pointee.cwnd = c.pointee.ssthresh
            c.pointee.timedSegment = -1
        }
        if c.pointee.inRecovery {
            sackRecovery(i, now: t)
        } else {
            tcpSend(i, now: t)
        }
    }

    /// How many segments above `sndUna` the receiver reported (stops at `limit`).
    private func sackedAbove(_ c: TCPConnection, limit: Int) -> Int {
        var n = 0
        var s = c.sndUna + 1
        while s < c.highSack && n < limit {
            if c.received(s) { n += 1 }
            s += 1
        }
        return n
    }

    /// Recovery with a SACK scoreboard: holes below the highest reported
    /// segment are lost; retransmit them, then new data, while the pipe (the
    /// segments still in the network) is below the window (RFC 6675 §5, §4).
    private func sackRecovery(_ i: Int, now t: Int64) {
        let c = tcp.base + i
        var sacked: Int64 = 0, lost: Int64 = 0
        var s = c.pointee.sndUna
        while s < c.pointee.highSack {
            if c.pointee.received(s) { sacked += 1 } else if !c.pointee.holeRetransmitted(s) { lost += 1 }
            s += 1
        }
        var pipe = (c.pointee.sndMax - c.pointee.sndUna) - sacked - lost
        var hole = c.pointee.sndUna
        while Double(pipe) < c.pointee.cwnd {
            while hole < c.pointee.highSack && (c.pointee.received(hole) || c.pointee.holeRetransmitted(hole)) { hole += 1 }
            if hole < c.pointee.highSack {
                c.pointee.markRetransmitted(hole)
                c.pointee.statistics.retransmissions &+= 1
                c.pointee.statistics.segmentsSent &+= 1
                emitSegment(flow: Int(c.pointee.dataFlow), sequence: hole, size: segmentSize(c.pointee, hole), at: t)
            } else if c.pointee.sndMax < c.pointee.totalSegments && t < c.pointee.stop
                        && c.pointee.sndMax - c.pointee.sndUna < c.pointee.windowSegments - 1 {
                let n = c.pointee.sndMax
                c.pointee.sndMax += 1
                c.pointee.sndNxt = c.pointee.sndMax
                c.pointee.statistics.segmentsSent &+= 1
                emitSegment(flow: Int(c.pointee.dataFlow), sequence: n, size: segmentSize(c.pointee, n), at: t)
            } else {
                break
            }
            pipe += 1
        }
        if c.pointee.sndMax > c.pointee.sndUna && c.pointee.rtoDeadline < 0 { armRTO(i, now: t) }
    }

    /// The 64-bit sequence number closest to `reference` whose low 32 bits are `low`.
    private func sequenceNumber(_ low: UInt32, near reference: Int64) -> Int64 {
        let base = reference & ~0xFFFF_FFFF
        var s = base | Int64(low)
        if s - reference > 0x8000_0000 { s -= 0x1_0000_0000 } else if reference - s > 0x8000_0000 { s += 0x1_0000_0000 }
        return s
    }
}
