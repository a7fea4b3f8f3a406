import Logging
import PrecisCore

extension QPCRDriver {
    /// Uploads `profile`, starts the plate and collects every cycle and melt reading of the
    /// chosen `dyes`, fetching lost ones again (qpcr protocol.md §6). `progress` sees each
    /// reading as it arrives, so a caller keeps what came in when the run fails half way.
    ///
    /// ```
    /// host ── UPLOAD_PROFILE ──▶ cycler ── PROFILE_ACCEPTED ──▶ host
    /// host ── START_RUN ───────▶ cycler ── RUN_STARTED ───────▶ host
    ///                            cycler ── CYCLE_DATA × cycles × dyes, MELT_DATA × points × dyes, RUN_DONE ──▶ host
    /// host ── GET_CYCLE_DATA / GET_MELT_DATA (gaps) ──▶ cycler  (only when frames were lost)
    /// ```
    public func run(profile: ThermalProfile, plateID: String, dyes: [String],
                    progress: @escaping @Sendable (Progress) -> Void = { _ in }) async throws -> QPCRPlateData {
        let identity = try await qpcrIdentity()
        let dyeIndices = try dyes.map { dye in
            guard let index = identity.dyes.firstIndex(of: dye) else {
                throw PrecisError(.input, "the cycler has no \(dye) channel (it has \(identity.dyes.joined(separator: ", ")))")
            }
            return index
        }
        let profileID = nextProfileID
        nextProfileID &+= 1
        _ = try await exchange(.uploadProfile(id: profileID, profile: profile), expecting: .profileAccepted)
        let mask = dyeIndices.reduce(UInt8(0)) { $0 | UInt8(1 << $1) }
        guard case let .runStarted(runID, cycles, meltPoints) = try await exchange(
            .startRun(profileID: profileID, plateID: plateID, dyeMask: mask), expecting: .runStarted) else {
            throw PrecisError(.protocol, "cycler answered START_RUN with something else")
        }
        var buffer = PlateBuffer(runID: runID, dyeIndices: dyeIndices, dyeNames: dyes, cycles: cycles,
                                 meltPoints: meltPoints, profile: profile)
        do {
            try await collect(&buffer, progress: progress)
            try await refill(&buffer, progress: progress)
            return buffer.plate
        } catch is CancellationError {
            try? await abort()
            throw CancellationError()
        } catch let error as PrecisError {
            throw error.context("run \(runID) stopped after \(buffer.cycleReceived) of \(cycles * dyes.count) cycle readings")
        }
    }

    private func collect(_ buffer: inout PlateBuffer, progress: @Sendable (Progress) -> Void) async throws {
        let limit = ContinuousClock.now + timing.runLimit
        var silence = timing.dataGap
        while ContinuousClock.now < limit {
            guard let frame = try await link.receive(until: ContinuousClock.now + silence) else {
                let status = try await status()
                if status.state == 1 || status.state == 2 { continue }
                guard status.state == 3, status.runID == buffer.runID, status.lastRunComplete else {
                    throw PrecisError(.deviceFault, "the cycler stopped the run before its end", hint: "repeat the plate")
                }
                logger.warning("RUN_DONE of run \(buffer.runID) lost; the cycler finished, refilling")
                return
            }
            switch try QPCRMessage(frame: frame) {
            case .cycleData(let r) where r.runID == buffer.runID:
                try accept(r, melt: false, into: &buffer, progress: progress)
                if buffer.plate.meltTemperatures.isEmpty, r.index == buffer.plate.cycles { silence = min(silence, timing.doneGap) }
            case .meltData(let r) where r.runID == buffer.runID:
                try accept(r, melt: true, into: &buffer, progress: progress)
                if r.index == buffer.plate.meltTemperatures.count - 1 { silence = min(silence, timing.doneGap) }
            case .runDone(let id, _, _) where id == buffer.runID:
                return
            case let .error(code, detail):
                throw QPCRProtocol.error(code, detail, during: "the run")
            default:
                continue
            }
        }
        throw PrecisError(.timeout, "the run took longer than \(timing.runLimit)")
    }

    private func refill(_ buffer: inout PlateBuffer, progress: @Sendable (Progress) -> Void) async throws {
        for gap in buffer.gaps() {
            var attempt = 0
            while buffer.missing(gap) {
                attempt += 1
                guard attempt <= timing.attempts else {
                    throw PrecisError(.protocol, "\(gap) could not be fetched after \(timing.attempts) tries",
                                      hint: "check the USB cable and repeat the plate")
                }
                let command: QPCRCommand = gap.melt
                    ? .getMeltData(runID: buffer.runID, point: UInt16(gap.index), dye: UInt8(buffer.dyeIndices[gap.dye]))
                    : .getCycleData(runID: buffer.runID, cycle: UInt16(gap.index), dye: UInt8(buffer.dyeIndices[gap.dye]))
                let expecting: QPCRProtocol.MessageType = gap.melt ? .meltData : .cycleData
                let reply: QPCRMessage
                do { reply = try await exchange(command, expecting: expecting) } catch let e as PrecisError where e.kind == .timeout {
                    continue
                }
                switch reply {
                case .cycleData(let r), .meltData(let r): try accept(r, melt: gap.melt, into: &buffer, progress: progress)
                default: continue
                }
                await link.noteRefilled(1)
            }
        }
    }

    private func accept(_ reading: QPCRReading, melt: Bool, into buffer: inout PlateBuffer,
                        progress: @Sendable (Progress) -> Void) throws {
        try buffer.store(reading, melt: melt)
        progress(Progress(cycleReadings: buffer.cycleReceived, meltReadings: buffer.meltReceived, total: buffer.total,
                          reading: reading, isMelt: melt))
    }
}
