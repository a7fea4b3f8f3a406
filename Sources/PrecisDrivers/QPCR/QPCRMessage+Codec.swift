import PrecisCore

extension QPCRMessage {
    /// The type byte.
    public var type: QPCRProtocol.MessageType {
        switch self {
        case .identity: .identity
        case .status: .status
        case .profileAccepted: .profileAccepted
        case .runStarted: .runStarted
        case .aborted: .aborted
        case .cycleData: .cycleData
        case .meltData: .meltData
        case .runDone: .runDone
        case .lidClosed: .lidClosed
        case .lidOpened: .lidOpened
        case .error: .error
        }
    }

    /// The payload bytes (qpcr protocol.md §4).
    public var payload: [UInt8] {
        var w = ByteWriter()
        switch self {
        case .identity(let i):
            w.shortString(i.serial); w.shortString(i.firmware); w.shortString(i.model); w.shortString(i.blockCalibrationID)
            w.u8(UInt8(clamping: i.wells)); w.u8(UInt8(clamping: i.dyes.count))
            for dye in i.dyes { w.shortString(dye) }
        case .status(let s):
            w.u8(s.state); w.u8(s.platePresent ? 1 : 0); w.u8(s.lidClosed ? 1 : 0)
            w.i16(Int16(clamping: Int((s.blockC * 100).rounded()))); w.i16(Int16(clamping: Int((s.lidC * 100).rounded())))
            w.u16(s.runID); w.u16(UInt16(clamping: s.cycle)); w.u16(UInt16(clamping: s.totalCycles))
            w.u8(s.lastRunComplete ? 1 : 0)
        case let .profileAccepted(id, cycles, melt), let .runStarted(id, cycles, melt), let .runDone(id, cycles, melt):
            w.u16(id); w.u16(UInt16(clamping: cycles)); w.u16(UInt16(clamping: melt))
        case .aborted(let id):
            w.u16(id)
        case .cycleData(let reading):
            w.u16(reading.runID); w.u16(UInt16(clamping: reading.index)); w.u8(UInt8(clamping: reading.dye))
            w.u8(UInt8(clamping: reading.values.count))
            for v in reading.values { w.u32(v) }
        case .meltData(let reading):
            w.u16(reading.runID); w.u16(UInt16(clamping: reading.index))
            w.i16(Int16(clamping: Int(((reading.temperatureC ?? 0) * 100).rounded())))
            w.u8(UInt8(clamping: reading.dye)); w.u8(UInt8(clamping: reading.values.count))
            for v in reading.values { w.u32(v) }
        case .lidClosed, .lidOpened:
            break
        case let .error(code, detail):
            w.u16(code); w.shortString(detail)
        }
        return w.bytes
    }

    /// Reads a cycler message from a frame the host received.
    public init(frame: SeqFrame) throws {
        guard let type = QPCRProtocol.MessageType(rawValue: frame.type) else {
            throw PrecisError(.protocol, "unknown message 0x\(String(frame.type, radix: 16))")
        }
        var r = ByteReader(frame.payload)
        switch type {
        case .identity:
            let serial = try r.shortString("serial"), firmware = try r.shortString("firmware")
            let model = try r.shortString("model"), cal = try r.shortString("block_cal_id")
            let wells = Int(try r.u8("wells"))
            let dyes = try (0..<Int(try r.u8("dye_count"))).map { _ in try r.shortString("dye") }
            self = .identity(QPCRIdentity(serial: serial, firmware: firmware, model: model, blockCalibrationID: cal,
                                          wells: wells, dyes: dyes))
        case .status:
            self = .status(QPCRStatus(
                state: try r.u8("state"), platePresent: try r.u8("plate_present") != 0, lidClosed: try r.u8("lid_closed") != 0,
                blockC: Double(try r.i16("block_cdeg")) / 100, lidC: Double(try r.i16("lid_cdeg")) / 100,
                runID: try r.u16("run_id"), cycle: Int(try r.u16("cycle")), totalCycles: Int(try r.u16("total_cycles")),
                lastRunComplete: try r.u8("last_run_complete") != 0))
        case .profileAccepted:
            self = .profileAccepted(id: try r.u16("profile_id"), cycles: Int(try r.u16("cycles")),
                                    meltPoints: Int(try r.u16("melt_points")))
        case .runStarted:
            self = .runStarted(runID: try r.u16("run_id"), cycles: Int(try r.u16("cycles")),
                               meltPoints: Int(try r.u16("melt_points")))
        case .runDone:
            self = .runDone(runID: try r.u16("run_id"), cycles: Int(try r.u16("cycles")), meltPoints: Int(try r.u16("melt_points")))
        case .aborted:
            self = .aborted(runID: try r.u16("run_id"))
        case .cycleData:
            let run = try r.u16("run_id"), cycle = Int(try r.u16("cycle")), dye = Int(try r.u8("dye"))
            self = .cycleData(QPCRReading(runID: run, index: cycle, dye: dye, values: try Self.values(&r)))
        case .meltData:
            let run = try r.u16("run_id"), point = Int(try r.u16("point"))
            let temperature = Double(try r.i16("temperature")) / 100, dye = Int(try r.u8("dye"))
            self = .meltData(QPCRReading(runID: run, index: point, temperatureC: temperature, dye: dye, values: try Self.values(&r)))
        case .lidClosed: self = .lidClosed
        case .lidOpened: self = .lidOpened
        case .error: self = .error(code: try r.u16("code"), detail: try r.shortString("detail"))
        default: throw PrecisError(.protocol, "\(type) is not a cycler message")
        }
        try r.expectEnd("\(type) payload")
    }

    private static func values(_ r: inout ByteReader) throws -> [UInt32] {
        let count = Int(try r.u8("count"))
        guard count == QPCRProtocol.wells else {
            throw PrecisError(.protocol, "a reading holds \(count) wells, the plate has \(QPCRProtocol.wells)")
        }
        var values = [UInt32]()
        values.reserveCapacity(count)
        for _ in 0..<count { values.append(try r.u32("fluorescence")) }
        return values
    }
}
