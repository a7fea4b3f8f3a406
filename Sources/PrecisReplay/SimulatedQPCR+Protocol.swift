import PrecisCore
import PrecisDrivers

extension SimulatedQPCR {
    /// Answers one host frame as qpcr protocol.md §3 says.
    func handle(_ frame: SeqFrame) {
        let command: QPCRCommand
        do { command = try QPCRCommand(frame: frame) } catch {
            return send(.error(code: 0x0002, detail: "bad payload"), ref: frame.seq)
        }
        switch command {
        case .identify:
            send(.identity(QPCRIdentity(serial: config.serial, firmware: config.firmware, model: config.model,
                                        blockCalibrationID: config.blockCalibrationID, wells: QPCRProtocol.wells,
                                        dyes: config.dyes)), ref: frame.seq)
        case .getStatus:
            send(.status(currentStatus()), ref: frame.seq)
        case .abort:
            let running = run.map { ContinuousClock.now < $0.endsAt } ?? false
            if running { run?.stoppedEarly = true; run?.endsAt = .now; wire.cancel(after: .now) }
            send(.aborted(runID: running ? run?.id ?? 0 : 0), ref: frame.seq)
        case let .uploadProfile(id, profile):
            profiles[id] = profile
            send(.profileAccepted(id: id, cycles: profile.cycles, meltPoints: profile.melt?.points ?? 0), ref: frame.seq)
        case let .startRun(profileID, _, mask):
            start(profileID: profileID, mask: mask, frame: frame)
        case let .getCycleData(runID, cycle, dye):
            resend(runID: runID, index: Int(cycle), dye: Int(dye), melt: false, ref: frame.seq)
        case let .getMeltData(runID, point, dye):
            resend(runID: runID, index: Int(point), dye: Int(dye), melt: true, ref: frame.seq)
        }
    }

    private func currentStatus() -> QPCRStatus {
        let now = ContinuousClock.now
        let running = run.map { now < $0.endsAt } ?? false
        let done = run.map { !$0.stoppedEarly && now >= $0.endsAt } ?? false
        return QPCRStatus(state: running ? 1 : (done ? 3 : 0), platePresent: config.platePresent, lidClosed: lidClosed,
                          blockC: running ? 60 : 25, lidC: 105, runID: run?.id ?? 0, cycle: 0,
                          totalCycles: run?.cycles ?? 0, lastRunComplete: done)
    }

    private func start(profileID: UInt16, mask: UInt8, frame: SeqFrame) {
        if let last = run, last.startSeq == frame.seq {   // a repeated START_RUN (lfr protocol.md §3)
            return send(.runStarted(runID: last.id, cycles: last.cycles, meltPoints: last.meltPoints), ref: frame.seq)
        }
        if let running = run, ContinuousClock.now < running.endsAt {
            return send(.error(code: 0x0003, detail: "run \(running.id) going"), ref: frame.seq)
        }
        guard let profile = profiles[profileID] else { return send(.error(code: 0x0005, detail: "no profile"), ref: frame.seq) }
        guard config.platePresent else { return send(.error(code: 0x0004, detail: "block empty"), ref: frame.seq) }
        guard lidClosed else { return send(.error(code: 0x0006, detail: "lid open"), ref: frame.seq) }
        if let code = config.faults.startRunError { return send(.error(code: code, detail: "simulated fault"), ref: frame.seq) }
        let dyes = config.dyes.indices.filter { mask & UInt8(1 << $0) != 0 }
        guard !dyes.isEmpty else { return send(.error(code: 0x0002, detail: "no dye"), ref: frame.seq) }
        runCounter &+= 1
        let melt = profile.melt
        let temperatures = (0..<(melt?.points ?? 0)).map { (melt?.startC ?? 0) + Double($0) * (melt?.stepC ?? 0) }
        let begin = ContinuousClock.now
        let end = begin + config.cycleInterval * profile.cycles + config.meltInterval * temperatures.count
        run = RunState(id: runCounter, startSeq: frame.seq, cycles: profile.cycles, meltPoints: temperatures.count,
                       dyes: dyes, temperatures: temperatures, endsAt: end)
        send(.runStarted(runID: runCounter, cycles: profile.cycles, meltPoints: temperatures.count), ref: frame.seq, at: begin)
        stream(from: begin)
    }

    private func stream(from begin: ContinuousClock.Instant) {
        guard let state = run else { return }
        var due = begin
        for cycle in 1...max(state.cycles, 1) where state.cycles > 0 {
            due = begin + config.cycleInterval * cycle
            for dye in state.dyes {
                guard emit(.cycleData(reading(state, cycle, dye, melt: false)), state, due) else { return }
            }
        }
        for point in state.temperatures.indices {
            due = due + config.meltInterval
            for dye in state.dyes {
                guard emit(.meltData(reading(state, point, dye, melt: true)), state, due) else { return }
            }
        }
        let done = QPCRMessage.runDone(runID: state.id, cycles: state.cycles, meltPoints: state.meltPoints)
        send(done, ref: state.startSeq, at: state.endsAt, drop: config.faults.dropRunDone)
    }

    /// Queues one data frame with its faults; false when the run stops there.
    private func emit(_ message: QPCRMessage, _ state: RunState, _ due: ContinuousClock.Instant) -> Bool {
        dataFrames += 1
        let n = dataFrames, faults = config.faults
        send(message, ref: state.startSeq, at: due, drop: faults.dropDataFrames.contains(n),
             corrupt: faults.corruptDataFrames.contains(n))
        if n == faults.disconnectAfterDataFrames {
            wire.unplug(at: due)
            return false
        }
        if n == faults.openLidAfterDataFrames {
            run?.stoppedEarly = true
            run?.endsAt = due
            lidClosed = false
            send(.error(code: 0x0006, detail: "lid opened"), ref: state.startSeq, at: due)
            send(.lidOpened, ref: 0, at: due)
            return false
        }
        return true
    }

    private func resend(runID: UInt16, index: Int, dye: Int, melt: Bool, ref: UInt8) {
        guard let state = run, state.id == runID, !state.stoppedEarly, state.dyes.contains(dye),
              melt ? state.temperatures.indices.contains(index) : (1...max(state.cycles, 1)).contains(index) else {
            return send(.error(code: 0x0009, detail: "no such data"), ref: ref)
        }
        let r = reading(state, index, dye, melt: melt)
        send(melt ? .meltData(r) : .cycleData(r), ref: ref)
    }

    /// The recorded plate's values for a cycle (1-based) or melt point of an optics dye.
    func reading(_ state: RunState, _ index: Int, _ dye: Int, melt: Bool) -> QPCRReading {
        let plate = config.plate
        let recorded = plate.dyes.firstIndex(of: config.dyes[dye])
        let values: [UInt32] = (0..<QPCRProtocol.wells).map { well in
            guard let d = recorded else { return 1000 }
            let series = melt ? plate.melt[d][well] : plate.amplification[d][well]
            guard !series.isEmpty else { return 1000 }
            let value = series[min(max(melt ? index : index - 1, 0), series.count - 1)]
            return UInt32(max(0, min(Double(UInt32.max), value.rounded())))
        }
        return QPCRReading(runID: state.id, index: index, temperatureC: melt ? state.temperatures[index] : nil, dye: dye,
                           values: values)
    }
}
