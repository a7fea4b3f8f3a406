import PrecisCore

extension LFRMessage {
    /// The type byte.
    public var type: LFRProtocol.MessageType {
        switch self {
        case .identity: .identity
        case .status: .status
        case .scanStarted: .scanStarted
        case .aborted: .aborted
        case .scanData: .scanData
        case .scanDone: .scanDone
        case .cartridgeInserted: .cartridgeInserted
        case .cartridgeRemoved: .cartridgeRemoved
        case .error: .error
        }
    }

    /// The payload bytes (protocol.md §5).
    public var payload: [UInt8] {
        var w = ByteWriter()
        switch self {
        case .identity(let i):
            w.shortString(i.serial); w.shortString(i.firmware); w.shortString(i.opticsCalibrationID)
            w.shortString(i.model); w.u16(i.fullScale)
        case .status(let s):
            w.u8(s.state); w.u8(s.cartridgePresent ? 1 : 0); w.shortString(s.cartridgeID)
            w.i16(s.temperatureCentiDegrees); w.u16(s.lastScanID); w.u8(s.lastScanComplete ? 1 : 0)
        case let .scanStarted(scanID, total):
            w.u16(scanID); w.u16(UInt16(total))
        case .aborted(let scanID):
            w.u16(scanID)
        case .scanData(let block):
            w.u16(block.scanID); w.u16(UInt16(block.first)); w.u8(UInt8(block.reflectance.count))
            for (position, value) in zip(block.positionsUM, block.reflectance) { w.u16(position); w.u16(value) }
        case let .scanDone(scanID, total, checksum):
            w.u16(scanID); w.u16(UInt16(total)); w.u16(checksum)
        case .cartridgeInserted(let id):
            w.shortString(id)
        case .cartridgeRemoved:
            break
        case let .error(code, detail):
            w.u16(code); w.shortString(detail)
        }
        return w.bytes
    }

    /// Reads a reader message from a frame the host received.
    public init(frame: LFRFrame) throws {
        var r = ByteReader(frame.payload)
        switch frame.type {
        case .identity:
            self = .identity(LFRIdentity(
                serial: try r.shortString("serial"), firmware: try r.shortString("firmware"),
                opticsCalibrationID: try r.shortString("optics_cal_id"), model: try r.shortString("model"),
                fullScale: try r.u16("full_scale")))
        case .status:
            self = .status(LFRStatus(
                state: try r.u8("state"), cartridgePresent: try r.u8("cartridge_present") != 0,
                cartridgeID: try r.shortString("cartridge_id"),
                temperatureCentiDegrees: try r.i16("temperature_cdeg"),
                lastScanID: try r.u16("last_scan_id"), lastScanComplete: try r.u8("last_scan_complete") != 0))
        case .scanStarted:
            self = .scanStarted(scanID: try r.u16("scan_id"), total: Int(try r.u16("total")))
        case .aborted:
            self = .aborted(scanID: try r.u16("scan_id"))
        case .scanData:
            self = .scanData(try Self.readBlock(&r))
        case .scanDone:
            self = .scanDone(scanID: try r.u16("scan_id"), total: Int(try r.u16("total")),
                             checksum: try r.u16("checksum"))
        case .cartridgeInserted:
            self = .cartridgeInserted(try r.shortString("cartridge_id"))
        case .cartridgeRemoved:
            self = .cartridgeRemoved
        case .error:
            self = .error(code: try r.u16("code"), detail: try r.shortString("detail"))
        default:
            throw PrecisError(.protocol, "\(frame.type) is not a reader message")
        }
        try r.expectEnd("\(frame.type) payload")
    }

    private static func readBlock(_ r: inout ByteReader) throws -> LFRScanBlock {
        let scanID = try r.u16("scan_id")
        let first = Int(try r.u16("first"))
        let count = Int(try r.u8("count"))
        guard (1...LFRProtocol.maxReadingsPerFrame).contains(count) else {
            throw PrecisError(.protocol, "SCAN_DATA count \(count) outside 1...\(LFRProtocol.maxReadingsPerFrame)")
        }
        var positions = [UInt16](), values = [UInt16]()
        positions.reserveCapacity(count)
        values.reserveCapacity(count)
        for _ in 0..<count {
            positions.append(try r.u16("position_um"))
            values.append(try r.u16("reflectance"))
        }
        return LFRScanBlock(scanID: scanID, first: first, positionsUM: positions, reflectance: values)
    }

    /// The SCAN_DONE checksum over reflectance values in index order (protocol.md §5).
    public static func checksum(of reflectance: [UInt16]) -> UInt16 {
        var w = ByteWriter()
        for value in reflectance { w.u16(value) }
        return CRC16CCITTFalse.checksum(w.bytes)
    }
}
