import PrecisCore

/// A command from host to cycler (qpcr protocol.md §3).
public enum QPCRCommand: Sendable, Equatable {
    case identify
    case getStatus
    case uploadProfile(id: UInt16, profile: ThermalProfile)
    case startRun(profileID: UInt16, plateID: String, dyeMask: UInt8)
    case abort
    case getCycleData(runID: UInt16, cycle: UInt16, dye: UInt8)
    case getMeltData(runID: UInt16, point: UInt16, dye: UInt8)

    /// The type byte.
    public var type: QPCRProtocol.MessageType {
        switch self {
        case .identify: .identify
        case .getStatus: .getStatus
        case .uploadProfile: .uploadProfile
        case .startRun: .startRun
        case .abort: .abort
        case .getCycleData: .getCycleData
        case .getMeltData: .getMeltData
        }
    }

    /// The payload bytes.
    public var payload: [UInt8] {
        var w = ByteWriter()
        switch self {
        case .identify, .getStatus, .abort: break
        case let .uploadProfile(id, profile): Self.write(profile, id: id, into: &w)
        case let .startRun(profileID, plateID, dyeMask): w.u16(profileID); w.shortString(plateID); w.u8(dyeMask)
        case let .getCycleData(runID, cycle, dye): w.u16(runID); w.u16(cycle); w.u8(dye)
        case let .getMeltData(runID, point, dye): w.u16(runID); w.u16(point); w.u8(dye)
        }
        return w.bytes
    }

    private static func write(_ profile: ThermalProfile, id: UInt16, into w: inout ByteWriter) {
        w.u16(id)
        w.u8(UInt8(clamping: profile.stages.count))
        for stage in profile.stages {
            w.u8(UInt8(clamping: stage.repeats))
            w.u8(UInt8(clamping: stage.steps.count))
            for step in stage.steps {
                w.u16(QPCRProtocol.centi(step.temperatureC)); w.u16(UInt16(clamping: step.holdSeconds)); w.u8(step.acquire ? 1 : 0)
            }
        }
        w.u16(QPCRProtocol.centi(profile.melt?.startC ?? 0))
        w.u16(QPCRProtocol.centi(profile.melt?.endC ?? 0))
        w.u16(QPCRProtocol.centi(profile.melt?.stepC ?? 0))
    }

    /// Reads a command from a frame the cycler received.
    public init(frame: SeqFrame) throws {
        guard let type = QPCRProtocol.MessageType(rawValue: frame.type) else {
            throw PrecisError(.protocol, "unknown command 0x\(String(frame.type, radix: 16))")
        }
        var r = ByteReader(frame.payload)
        switch type {
        case .identify: self = .identify
        case .getStatus: self = .getStatus
        case .abort: self = .abort
        case .uploadProfile: self = try Self.readProfile(&r)
        case .startRun:
            self = .startRun(profileID: try r.u16("profile_id"), plateID: try r.shortString("plate_id"),
                             dyeMask: try r.u8("dye_mask"))
        case .getCycleData:
            self = .getCycleData(runID: try r.u16("run_id"), cycle: try r.u16("cycle"), dye: try r.u8("dye"))
        case .getMeltData:
            self = .getMeltData(runID: try r.u16("run_id"), point: try r.u16("point"), dye: try r.u8("dye"))
        default:
            throw PrecisError(.protocol, "\(type) is not a host command")
        }
        try r.expectEnd("\(type) payload")
    }

    private static func readProfile(_ r: inout ByteReader) throws -> QPCRCommand {
        let id = try r.u16("profile_id")
        let stageCount = Int(try r.u8("stage_count"))
        guard (1...8).contains(stageCount) else { throw PrecisError(.protocol, "stage_count \(stageCount) outside 1...8") }
        var stages: [ThermalProfile.Stage] = []
        for _ in 0..<stageCount {
            let repeats = Int(try r.u8("repeats"))
            let stepCount = Int(try r.u8("step_count"))
            guard (1...99).contains(repeats), (1...4).contains(stepCount) else {
                throw PrecisError(.protocol, "a stage has \(repeats) repeats and \(stepCount) steps (1–99, 1–4)")
            }
            var steps: [ThermalProfile.Step] = []
            for _ in 0..<stepCount {
                steps.append(ThermalProfile.Step(temperatureC: Double(try r.u16("temperature")) / 100,
                                                 holdSeconds: Int(try r.u16("hold_s")), acquire: try r.u8("acquire") != 0))
            }
            stages.append(ThermalProfile.Stage(repeats: repeats, steps: steps))
        }
        let start = Double(try r.u16("melt_start")) / 100, end = Double(try r.u16("melt_end")) / 100
        let step = Double(try r.u16("melt_step")) / 100
        let melt = start > 0 ? ThermalProfile.Melt(startC: start, endC: end, stepC: step) : nil
        return .uploadProfile(id: id, profile: ThermalProfile(stages: stages, melt: melt))
    }
}

/// A message from cycler to host (qpcr protocol.md §4).
public enum QPCRMessage: Sendable, Equatable {
    case identity(QPCRIdentity)
    case status(QPCRStatus)
    case profileAccepted(id: UInt16, cycles: Int, meltPoints: Int)
    case runStarted(runID: UInt16, cycles: Int, meltPoints: Int)
    case aborted(runID: UInt16)
    case cycleData(QPCRReading)
    case meltData(QPCRReading)
    case runDone(runID: UInt16, cycles: Int, meltPoints: Int)
    case lidClosed
    case lidOpened
    case error(code: UInt16, detail: String)
}
