import PrecisCore
import PrecisDrivers

extension SimulatedLFR {
    /// Answers one host frame as protocol.md §4 says.
    func handle(_ frame: LFRFrame) {
        let command: LFRCommand
        do { command = try LFRCommand(frame: frame) } catch {
            send(.error(code: 0x0002, detail: "bad payload"), ref: frame.seq)
            return
        }
        switch command {
        case .identify:
            reply(.identity(LFRIdentity(serial: config.serial, firmware: config.firmware,
                                        opticsCalibrationID: config.opticsCalibrationID, model: config.model,
                                        fullScale: config.profile.fullScale)), to: frame)
        case .getStatus:
            reply(.status(currentStatus()), to: frame)
        case .abort:
            let running = scan.map { ContinuousClock.now < $0.endsAt } ?? false
            if running, var state = scan {
                state.stoppedEarly = true
                state.endsAt = .now
                scan = state
                wire.cancel(after: .now)
            }
            reply(.aborted(scanID: running ? scan?.id ?? 0 : 0), to: frame)
        case .startScan(let request):
            startScan(request, frame: frame)
        case let .getScanData(scanID, first, count):
            resend(scanID: scanID, first: Int(first), count: Int(count), ref: frame.seq)
        }
    }

    private func currentStatus() -> LFRStatus {
        let now = ContinuousClock.now
        let scanning = scan.map { now < $0.endsAt } ?? false
        return LFRStatus(state: scanning ? 1 : 0, cartridgePresent: cartridge != nil, cartridgeID: cartridge ?? "",
                         temperatureCentiDegrees: 2250, lastScanID: scan?.id ?? 0,
                         lastScanComplete: scan.map { !$0.stoppedEarly && now >= $0.endsAt } ?? false)
    }

    private func startScan(_ request: LFRScanRequest, frame: LFRFrame) {
        if let last = scan, last.startSeq == frame.seq, last.cartridgeID == request.cartridgeID {
            return reply(.scanStarted(scanID: last.id, total: last.readings.count), to: frame)   // a repeat (§3)
        }
        if let running = scan, ContinuousClock.now < running.endsAt {
            do {
                reply(.error(code: 0x0003, detail: "scan \(running.id) running"), to: frame)
            }
            return
        }
        guard let count = request.readingCount else { return reply(.error(code: 0x0002, detail: "scan settings"), to: frame) }
        guard let inSlot = cartridge else { return reply(.error(code: 0x0004, detail: "slot empty"), to: frame) }
        guard inSlot == request.cartridgeID else {
            return reply(.error(code: 0x0005, detail: "slot holds \(inSlot)"), to: frame)
        }
        if let code = config.faults.startScanError { return reply(.error(code: code, detail: "simulated fault"), to: frame) }
        scanCounter &+= 1
        let positions = (0..<count).map { request.startUM + UInt16($0) * request.stepUM }
        let readings = positions.map { sample(at: Int($0)) }
        let start = ContinuousClock.now + config.replyLatency
        scan = ScanState(id: scanCounter, startSeq: frame.seq, cartridgeID: inSlot, positions: positions,
                         readings: readings, endsAt: start + config.readingInterval * count)
        send(.scanStarted(scanID: scanCounter, total: count), ref: frame.seq, at: start, drop: dropsReply(to: frame))
        streamScan(from: start)
    }

    private func streamScan(from start: ContinuousClock.Instant) {
        guard let state = scan else { return }
        let faults = config.faults
        var first = 0
        while first < state.readings.count {
            let count = min(config.readingsPerFrame, state.readings.count - first)
            let readyAt = start + config.readingInterval * (first + count)
            dataFramesSent += 1
            let number = dataFramesSent
            let block = LFRScanBlock(scanID: state.id, first: first, positionsUM: Array(state.positions[first..<first + count]),
                                     reflectance: Array(state.readings[first..<first + count]))
            send(.scanData(block), ref: state.startSeq, at: readyAt,
                 drop: faults.dropDataFrames.contains(number), corrupt: faults.corruptDataFrames.contains(number))
            first += count
            if number == faults.disconnectAfterDataFrames {
                wire.unplug(at: readyAt)
                return
            }
            if number == faults.removeCartridgeAfterDataFrames {
                scan?.stoppedEarly = true
                scan?.endsAt = readyAt
                cartridge = nil
                send(.error(code: 0x000B, detail: "cartridge removed"), ref: state.startSeq, at: readyAt)
                send(.cartridgeRemoved, ref: 0, at: readyAt)
                return
            }
        }
        let done = LFRMessage.scanDone(scanID: state.id, total: state.readings.count,
                                       checksum: LFRMessage.checksum(of: state.readings))
        send(done, ref: state.startSeq, at: state.endsAt, drop: faults.dropScanDone)
    }

    private func resend(scanID: UInt16, first: Int, count: Int, ref: UInt8) {
        guard let state = scan, state.id == scanID, count > 0, first + count <= state.readings.count,
              !state.stoppedEarly else {
            return send(.error(code: 0x0009, detail: "no such readings"), ref: ref)
        }
        var index = first
        while index < first + count {
            let n = min(LFRProtocol.maxReadingsPerFrame, first + count - index)
            send(.scanData(LFRScanBlock(scanID: scanID, first: index, positionsUM: Array(state.positions[index..<index + n]),
                                        reflectance: Array(state.readings[index..<index + n]))), ref: ref)
            index += n
        }
    }

    /// The recorded profile at `positionUM`, linearly interpolated, clamped at its ends.
    func sample(at positionUM: Int) -> UInt16 {
        let p = config.profile
        guard let upper = p.positionsUM.firstIndex(where: { $0 >= positionUM }) else {
            return p.reflectance.last ?? 0
        }
        guard upper > 0, p.positionsUM[upper] != positionUM else { return p.reflectance[upper] }
        let x0 = Double(p.positionsUM[upper - 1]), x1 = Double(p.positionsUM[upper])
        let y0 = Double(p.reflectance[upper - 1]), y1 = Double(p.reflectance[upper])
        return UInt16((y0 + (y1 - y0) * (Double(positionUM) - x0) / (x1 - x0)).rounded())
    }

    private func reply(_ message: LFRMessage, to frame: LFRFrame) {
        send(message, ref: frame.seq, drop: dropsReply(to: frame))
    }

    /// Whether the `dropReplies` fault eats this reply (and counts it).
    private func dropsReply(to frame: LFRFrame) -> Bool {
        guard let left = config.faults.dropReplies[frame.type], left > 0 else { return false }
        config.faults.dropReplies[frame.type] = left - 1
        return true
    }

    /// Queues a frame; a dropped one still uses up a seq, a corrupt one fails its CRC.
    func send(_ message: LFRMessage, ref: UInt8, at readyAt: ContinuousClock.Instant? = nil,
              drop: Bool = false, corrupt: Bool = false) {
        wire.enqueue(type: message.type.rawValue, payload: message.payload, ref: ref,
                     at: readyAt ?? ContinuousClock.now + config.replyLatency, drop: drop, corrupt: corrupt)
    }
}
