import PrecisCore

extension OBPDriver {
    /// The most scans Precis asks to average (the wire's u16, obp protocol.md §5).
    public static let maxScansToAverage = Int(UInt16.max)

    /// Sets the integration time, µs, within the model's limits and steps (obp protocol.md §8);
    /// a time outside them is an `.input` error and nothing is sent. Safe to repeat.
    ///
    /// ```
    /// host ── SET_INTEGRATION_TIME µs (0x1100) or µs ÷ step (0x2000), ACK_REQUESTED ──▶ spectrometer
    /// host ◀── ACK ─────────────────────────────────────────────────────────────────── (or NACK)
    /// ```
    public func setIntegrationTime(microseconds: Int) async throws {
        let wire = try model.integrationWireValue(microseconds: microseconds)
        var w = ByteWriter()
        w.u32(wire)
        try await set(model.version == .v1 ? .setIntegrationTime : .setIntegrationTime2, w.bytes)
        integrationMicroseconds = microseconds
    }

    /// Sets how many scans each spectrum averages (1 … 65 535). Protocol 0x1100 devices average
    /// themselves; on 0x2000, which has no such request, `spectrum()` averages on the host
    /// (obp protocol.md §6, §9.3). Safe to repeat.
    ///
    /// ```
    /// host ── SET_SCANS_TO_AVERAGE n, ACK_REQUESTED ──▶ spectrometer   (0x1100 only)
    /// host ◀── ACK ─────────────────────────────────── (or NACK)
    /// ```
    public func setScansToAverage(_ scans: Int) async throws {
        guard (1...Self.maxScansToAverage).contains(scans) else {
            throw PrecisError(.input, "scans to average must be 1–\(Self.maxScansToAverage), not \(scans)")
        }
        if model.averagesOnDevice {
            var w = ByteWriter()
            w.u16(UInt16(scans))
            try await set(.setScansToAverage, w.bytes)
        }
        scansToAverage = scans
    }

    /// The scans the device says it averages (protocol 0x1100), or the host's count (0x2000).
    ///
    /// ```
    /// host ── GET_SCANS_TO_AVERAGE ──▶ spectrometer   (0x1100 only)
    /// host ◀── RESPONSE: u16 ────────
    /// ```
    public func deviceScansToAverage() async throws -> Int {
        guard model.averagesOnDevice else { return scansToAverage }
        return Int(try await query(.getScansToAverage).u16("scans to average"))
    }

    /// The wavelength calibration the device stores (obp protocol.md §7), read once and kept.
    ///
    /// ```
    /// host ── GET_WL_COEFF_COUNT ──▶ spectrometer     (0x1100)
    /// host ◀── RESPONSE: u8 n ─────
    /// host ── GET_WL_COEFF i ──────▶                  i = 0 … n−1
    /// host ◀── RESPONSE: f32 ──────
    /// host ── GET_WL_COEFFS ───────▶                  (0x2000)
    /// host ◀── RESPONSE: (1 + n) × f32 (the first skipped)
    /// ```
    public func wavelengthCalibration() async throws -> OBPWavelengthCalibration {
        if let calibrationCache { return calibrationCache }
        let coefficients = try await coefficients(count: .getWavelengthCoefficientCount, each: .getWavelengthCoefficient,
                                                  all: .getWavelengthCoefficients2, what: "wavelength")
        guard coefficients.count >= 2, coefficients.allSatisfy(\.isFinite) else {
            throw PrecisError(.calibration, "the spectrometer's wavelength calibration is unusable: \(coefficients)",
                              hint: "have the spectrometer's wavelength calibration restored")
        }
        let calibration = OBPWavelengthCalibration(coefficients: coefficients)
        calibrationCache = calibration
        return calibration
    }

    /// The wavelength of every pixel, nm, pixel 0 first (obp protocol.md §7).
    public func wavelengths() async throws -> [Double] {
        try await wavelengthCalibration().wavelengths(pixels: model.pixels)
    }

    /// The nonlinearity coefficients the device stores, lowest order first (obp protocol.md §5, §6).
    /// Applying them is the procedure's (obp protocol.md §7).
    public func nonlinearityCoefficients() async throws -> [Double] {
        try await coefficients(count: .getNonlinearityCoefficientCount, each: .getNonlinearityCoefficient,
                               all: .getNonlinearityCoefficients2, what: "nonlinearity")
    }

    /// Takes a raw spectrum now: one count per pixel at the integration time last set, averaged
    /// over `scansToAverage` scans (on the host for protocol 0x2000). Saturation is in the result
    /// (`isSaturated`); the driver corrects nothing.
    ///
    /// ```
    /// host ── GET_RAW_SPECTRUM_NOW / GET_BUF_SPEC32_META / GET_SPECTRUM ──▶ spectrometer
    ///           … integration time × scans …
    /// host ◀── RESPONSE: payload, the model's format (obp protocol.md §8) ──
    /// ```
    public func spectrum() async throws -> OBPSpectrum {
        guard let integration = integrationMicroseconds else {
            throw PrecisError(.input, "set the integration time before taking a spectrum",
                              hint: "the spectrometer's power-on integration time is not known to Precis")
        }
        let deviceScans = model.averagesOnDevice ? scansToAverage : 1
        let acquisition = Duration.microseconds(Int64(integration) * Int64(deviceScans))
        var spectra: [OBPSpectrum] = []
        for _ in 0..<(model.averagesOnDevice ? 1 : scansToAverage) {
            let reply = try await query(model.spectrumRequest, extra: acquisition)
            spectra.append(try OBPSpectrum(reply: reply.data, model: model, integrationMicroseconds: integration,
                                           scansAveraged: deviceScans))
        }
        return OBPSpectrum.mean(of: spectra)
    }

    /// Coefficients read one by one (0x1100) or all at once (0x2000, the first value skipped).
    private func coefficients(count: OBPMessageType, each: OBPMessageType, all: OBPMessageType, what: String) async throws -> [Double] {
        if model.version == .v2 {
            let values = try await query(all).f32s("the \(what) coefficients")
            guard values.count >= 2 else {
                throw PrecisError(.protocol, "the \(what) coefficients hold \(values.count) value(s), at least 2 expected")
            }
            return Array(values.dropFirst())
        }
        let n = Int(try await query(count).u8("the \(what) coefficient count"))
        var values: [Double] = []
        for index in 0..<n {
            values.append(try await query(each, [UInt8(index)]).f32("\(what) coefficient \(index)"))
        }
        return values
    }
}
