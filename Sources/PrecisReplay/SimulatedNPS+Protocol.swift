import PrecisCore
import PrecisDrivers

extension SimulatedNPS {
    /// Answers one host frame as nps protocol.md §3 says.
    func handle(_ frame: SeqFrame) {
        guard let type = NPSProtocol.MessageType(rawValue: frame.type) else {
            return send(.error, errorPayload(0x0001, "type \(frame.type)"), ref: frame.seq)
        }
        var r = ByteReader(frame.payload)
        do {
            switch type {
            case .identify: send(.identity, identityPayload(), ref: frame.seq)
            case .getCalibration:
                let first = Int(try r.u16("first")), count = Int(try r.u16("count"))
                guard (1...NPSProtocol.calibrationPage).contains(count), first + count <= config.identity.channels else {
                    return send(.error, errorPayload(0x0002, "channels \(first)+\(count)"), ref: frame.seq)
                }
                var w = ByteWriter()
                w.u16(UInt16(first))
                w.u16(UInt16(count))
                for c in config.allCalibrations[first..<first + count] { w.f64(c.digitisation); w.f64(c.offset); w.f64(c.range) }
                send(.calibration, w.bytes, ref: frame.seq)
            case .getRunInfo: send(.runInfo, runInfoPage(Int(try r.u8("page"))), ref: frame.seq)
            case .setBias:
                let mv = try r.i16("bias")
                guard (-300...300).contains(mv) else { return send(.error, errorPayload(0x0002, "bias"), ref: frame.seq) }
                guard !acquiring else { return send(.error, errorPayload(0x0003, "acquiring"), ref: frame.seq) }
                bias = mv
                var w = ByteWriter()
                w.i16(mv)
                send(.biasSet, w.bytes, ref: frame.seq)
            case .setMux:
                let first = try r.u16("first"), count = try r.u16("count")
                guard !acquiring else { return send(.error, errorPayload(0x0003, "acquiring"), ref: frame.seq) }
                var w = ByteWriter()
                w.u16(first)
                w.u16(count)
                send(.muxSet, w.bytes, ref: frame.seq)
            case .startAcquisition: startAcquisition(frame)
            case .stopAcquisition:
                streamer.stop()
                acquiring = false
                var w = ByteWriter()
                w.u32(acquisitionID)
                let (sent, overflows) = streamer.lock.withLock { (streamer.packetsSent, streamer.overflows) }
                w.u32(sent)
                w.u32(overflows)
                send(.acquisitionStopped, w.bytes, ref: frame.seq)
            case .getStatus:
                var w = ByteWriter()
                w.u8(acquiring ? 1 : 0)
                w.i16(bias)
                let (sent, overflows) = streamer.lock.withLock { (streamer.packetsSent, streamer.overflows) }
                w.u32(sent)
                w.u32(overflows)
                w.i16(3500)
                send(.status, w.bytes, ref: frame.seq)
            default: send(.error, errorPayload(0x0001, "not a command"), ref: frame.seq)
            }
        } catch {
            send(.error, errorPayload(0x0002, "bad payload"), ref: frame.seq)
        }
    }

    func startAcquisition(_ frame: SeqFrame) {
        if let code = config.faults.startError { return send(.error, errorPayload(code, "simulated fault"), ref: frame.seq) }
        if !acquiring {
            guard let sink = streamer.lock.withLock({ streamer.sink }) else {
                return send(.error, errorPayload(0x0005, "no stream reader"), ref: frame.seq)
            }
            acquisitionID &+= 1
            acquiring = true
            streamer.start(sink: sink)
        }
        var w = ByteWriter()
        w.u32(acquisitionID)
        w.u32(0)
        send(.acquisitionStarted, w.bytes, ref: frame.seq)
    }

    func identityPayload() -> [UInt8] {
        let id = config.identity
        var w = ByteWriter()
        for s in [id.serial, id.firmware, id.model, id.flowCellID] { w.shortString(s) }
        w.u16(UInt16(id.channels))
        w.u32(UInt32(id.sampleRate))
        w.u16(UInt16(id.framesPerPacket))
        w.i16(id.adcMin)
        w.i16(id.adcMax)
        return w.bytes
    }

    /// RUN_INFO page `page`: as many attributes as fit in a payload.
    func runInfoPage(_ page: Int) -> [UInt8] {
        var pages: [[(String, String)]] = [[]]
        var size = 3
        for entry in config.runInfo {
            let bytes = 2 + min(255, entry.0.utf8.count) + min(255, entry.1.utf8.count)
            if size + bytes > NPSProtocol.maxPayload || pages[pages.count - 1].count == 255 {
                pages.append([])
                size = 3
            }
            pages[pages.count - 1].append(entry)
            size += bytes
        }
        var w = ByteWriter()
        w.u8(UInt8(page))
        w.u8(UInt8(pages.count))
        let entries = page < pages.count ? pages[page] : []
        w.u8(UInt8(entries.count))
        for (k, v) in entries { w.shortString(k); w.shortString(v) }
        return w.bytes
    }
}
