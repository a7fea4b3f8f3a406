import PrecisCore
import PrecisDrivers

extension SimulatedOBP {
    /// Answers one request as obp protocol.md §3–§6 say: data, an ACK when one was asked for,
    /// or a NACK with the code of §4.
    func handle(_ request: OBPMessage) {
        let model = config.model
        let now = ContinuousClock.now
        guard request.protocolVersion == model.version.rawValue else { return answer(request, nack: 1, at: now) }
        guard let type = OBPMessageType(rawValue: request.messageType), type.versions.contains(model.version) else {
            return answer(request, nack: 2, at: now)
        }
        if let code = config.faults.nack[type] { return answer(request, nack: code, at: now) }
        if let code = config.faults.exception[type] { return answer(request, nack: code, exception: true, at: now) }
        do {
            if let data = try reply(to: type, request.data) {
                let delay = type == model.spectrumRequest ? acquisitionDelay() : .zero
                enqueue(message(answering: request, flags: .response, data: data), at: now + delay)
            } else if request.flags.contains(.ackRequested) {
                enqueue(message(answering: request, flags: [.response, .ack]), at: now)
            }
        } catch let refusal as Refusal {
            answer(request, nack: refusal.code, at: now)
        } catch {
            answer(request, nack: 13, at: now)
        }
    }

    /// A NACK (or an exception) of `code` to `request`.
    func answer(_ request: OBPMessage, nack code: UInt16, exception: Bool = false, at instant: ContinuousClock.Instant) {
        var answer = message(answering: request, flags: exception ? [.response, .exception] : [.response, .nack])
        answer.errorCode = code
        enqueue(answer, at: instant)
    }

    private func message(answering request: OBPMessage, flags: OBPFlags, data: [UInt8] = []) -> OBPMessage {
        OBPMessage(protocolVersion: config.model.version.rawValue, flags: flags, messageType: request.messageType,
                   regarding: request.regarding, checksumType: config.checksum, data: data)
    }

    private func acquisitionDelay() -> Duration {
        let scans = config.model.averagesOnDevice ? scansToAverage : 1
        let micros = Double(integrationMicroseconds) * Double(scans) * config.acquisitionTimeScale
        return .microseconds(Int64(micros.rounded()))
    }

    /// A refusal and its error code (obp protocol.md §4).
    struct Refusal: Error {
        let code: UInt16
    }

    /// The data answering `type`, or nil for a set (answered by an ACK if asked).
    private func reply(to type: OBPMessageType, _ data: [UInt8]) throws -> [UInt8]? {
        var w = ByteWriter()
        switch type {
        case .setIntegrationTime, .setIntegrationTime2:
            let step = type == .setIntegrationTime ? 1 : config.model.integrationStepMicroseconds
            let micros = Int(try value(data, UInt32.self)) * step
            guard config.model.integrationMicroseconds.contains(micros) else { throw Refusal(code: 6) }
            integrationMicroseconds = micros
            return nil
        case .setScansToAverage:
            let scans = Int(try value(data, UInt16.self))
            guard scans >= 1 else { throw Refusal(code: 6) }
            scansToAverage = scans
            return nil
        case .getWavelengthCoefficient, .getNonlinearityCoefficient:
            let values = type == .getWavelengthCoefficient ? config.wavelengthCoefficients : config.nonlinearityCoefficients
            let index = Int(try value(data, UInt8.self))
            guard index < values.count else { throw Refusal(code: 6) }
            w.u32(values[index].bitPattern)
            return w.bytes
        default:
            guard data.isEmpty else { throw Refusal(code: 5) }
            return try query(type)
        }
    }

    /// The data answering a query that carries no data.
    private func query(_ type: OBPMessageType) throws -> [UInt8] {
        var w = ByteWriter()
        switch type {
        case .getSerialNumber:
            let serial = Array(config.serial.utf8)
            return config.model.version == .v1 ? serial + [UInt8](repeating: 0, count: max(0, 16 - serial.count)) : serial
        case .getSerialNumberLength: w.u8(UInt8(clamping: config.serial.utf8.count))
        case .getFirmwareRevision: w.u16(config.firmwareBCD)
        case .getScansToAverage: w.u16(UInt16(clamping: scansToAverage))
        case .getWavelengthCoefficientCount: w.u8(UInt8(clamping: config.wavelengthCoefficients.count))
        case .getNonlinearityCoefficientCount: w.u8(UInt8(clamping: config.nonlinearityCoefficients.count))
        case .getWavelengthCoefficients2, .getNonlinearityCoefficients2:
            let values = type == .getWavelengthCoefficients2 ? config.wavelengthCoefficients : config.nonlinearityCoefficients
            for value in [Float(values.count)] + values { w.u32(value.bitPattern) }
        case .getRawSpectrumNow, .getBufferedSpectrum32WithMetadata, .getSpectrum2:
            guard type == config.model.spectrumRequest else { throw Refusal(code: 2) }
            return spectrumData()
        default: throw Refusal(code: 2)
        }
        return w.bytes
    }

    private func value<T: FixedWidthInteger>(_ data: [UInt8], _: T.Type) throws -> T {
        guard data.count == MemoryLayout<T>.size else { throw Refusal(code: 5) }
        var r = ByteReader(data)
        return try r.integer(T.self, "value")
    }

    /// One spectrum as the model sends it (obp protocol.md §8).
    private func spectrumData() -> [UInt8] {
        let model = config.model
        let calibration = OBPWavelengthCalibration(coefficients: config.wavelengthCoefficients.map(Double.init))
        let scans = model.averagesOnDevice ? scansToAverage : 1
        let counts = config.source.counts(wavelengths: calibration.wavelengths(pixels: model.pixels), darkPixels: Set(model.darkPixels),
                                          maxCount: model.maxCount, integrationMicroseconds: integrationMicroseconds, scans: scans,
                                          gain: config.faults.lightGain, random: &random)
        var metadata = ByteWriter()
        if model.spectrumFormat.metadataSize > 0 {
            // Not Ocean's layout (which is not public): a counter and the settings, for the curious.
            metadata.u32(UInt32(truncatingIfNeeded: requests))
            metadata.u32(UInt32(clamping: integrationMicroseconds))
            metadata.u16(UInt16(clamping: scans))
            metadata.raw([UInt8](repeating: 0, count: model.spectrumFormat.metadataSize - 10))
        }
        let spectrum = OBPSpectrum(counts: counts, maxCount: model.maxCount, integrationMicroseconds: integrationMicroseconds,
                                   scansAveraged: scans, metadata: metadata.bytes)
        return spectrum.replyData(format: model.spectrumFormat)
    }
}
