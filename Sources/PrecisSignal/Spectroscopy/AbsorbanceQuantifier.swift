import PrecisCore

/// One spectrum as a spectrometer's driver hands it over: counts per pixel (the mean of the
/// scans averaged) and how it was taken.
public struct RawSpectrum: Sendable, Codable, Equatable {
    /// Counts per pixel, in the detector's units (0…its maximum count).
    public var counts: [Double]
    /// Integration time per scan, µs.
    public var integrationUS: Int
    /// Scans averaged into `counts`.
    public var scansAveraged: Int

    /// Makes a spectrum.
    public init(counts: [Double], integrationUS: Int, scansAveraged: Int) {
        self.counts = counts
        self.integrationUS = integrationUS
        self.scansAveraged = scansAveraged
    }
}

/// What an absorbance reading is made of: the dark, the reference (blank) and the sample
/// spectra over one wavelength axis, and the detector's maximum count.
public struct AbsorbanceReading: Sendable, Codable, Equatable {
    /// Each pixel's wavelength, nm, from the device's calibration polynomial; strictly increasing.
    public var wavelengthsNM: [Double]
    /// The detector's maximum count: a pixel at or above it is saturated.
    public var maxCount: Double
    /// The light path closed.
    public var dark: RawSpectrum
    /// The blank in the light path.
    public var reference: RawSpectrum
    /// The sample in the light path.
    public var sample: RawSpectrum

    /// Makes a reading.
    public init(wavelengthsNM: [Double], maxCount: Double, dark: RawSpectrum, reference: RawSpectrum, sample: RawSpectrum) {
        self.wavelengthsNM = wavelengthsNM
        self.maxCount = maxCount
        self.dark = dark
        self.reference = reference
        self.sample = sample
    }
}

/// Everything an absorbance assay's reading computed, kept so it can be stored and drawn.
public struct AbsorbanceInterpretation: Sendable, Codable, Equatable {
    /// The sample's absorbance at every pixel (smoothed as the method says).
    public var spectrum: AbsorbanceSpectrum
    /// The analytical and baseline bands and A_corr.
    public var reading: CorrectedAbsorbance
    /// The concentration off the lot's line, with its flags.
    public var quantitation: Quantitation
}

/// Turns an absorbance assay's spectra into a concentration.
public enum AbsorbanceQuantifier {
    /// Reads `reading` with the assay's absorbance method and `lot`'s line:
    ///
    /// 1. The absorbance spectrum, A = −log10((S − D)/(R − D)) per pixel after boxcar smoothing
    ///    (`Absorbance.spectrum`), a reference being usable where R − D is above
    ///    `minReferenceFraction` × the maximum count.
    /// 2. The mean absorbance of the analytical and baseline bands (`Absorbance.bandMean`) and
    ///    A_corr = Ā(analytical) − Ā(baseline), AU.
    /// 3. No concentration, only flags, when a band cannot be read: `.saturated` for a pixel at
    ///    the detector's maximum in the dark, reference or sample; `.referenceUnusable` for a
    ///    reference too dim; `.aboveLinearLimit` for an opaque sample, or a band's absorbance
    ///    above the method's `linearLimit` (stray light makes it read low: not extrapolated).
    /// 4. Otherwise A_corr is read off the lot's curve (concentration → A_corr) by `Quantifier`:
    ///    `< LoD`, below the measuring range, `> high` above it (the reportable range), HIGH/LOW
    ///    against the assay's reference interval.
    ///
    /// Throws `.calibration` when the assay has no absorbance method, `.input` when a spectrum
    /// was not taken with the method's integration time and scans, or its pixels do not match
    /// the wavelengths, or a band reaches outside the spectrum.
    public static func interpret(_ reading: AbsorbanceReading, assay: AssayDefinition,
                                 lot: CalibrationLot) throws -> AbsorbanceInterpretation {
        guard let method = assay.absorbance else {
            throw PrecisError(.calibration, "assay \(assay.id) has no absorbance method")
        }
        try check(reading, method)
        let spectrum = try Absorbance.spectrum(
            wavelengthsNM: reading.wavelengthsNM, dark: reading.dark.counts, reference: reading.reference.counts,
            sample: reading.sample.counts, maxCount: reading.maxCount, boxcarHalfWidth: method.boxcarHalfWidth,
            minimumReference: method.minReferenceFraction * reading.maxCount)
        let corrected = try Absorbance.corrected(spectrum, analytical: method.analyticalBand, baseline: method.baselineBand)
        let unreadable = flags(corrected, linearLimit: method.linearLimit)
        let quantitation = if let value = corrected.corrected, unreadable.isEmpty {
            Quantifier.quantify(ratio: value, lot: lot, assay: assay)
        } else {
            Quantitation(concentration: nil, flags: unreadable)
        }
        return AbsorbanceInterpretation(spectrum: spectrum, reading: corrected, quantitation: quantitation)
    }

    /// Why the bands give no number (empty when they do), sorted.
    static func flags(_ reading: CorrectedAbsorbance, linearLimit: Double) -> [ResultFlag] {
        var flags = Set<ResultFlag>()
        for band in [reading.analytical, reading.baseline] {
            switch band.status {
            case .saturated: flags.insert(.saturated)
            case .noReference: flags.insert(.referenceUnusable)
            case .opaque: flags.insert(.aboveLinearLimit)
            case .valid: if let a = band.absorbance, a > linearLimit { flags.insert(.aboveLinearLimit) }
            }
        }
        return flags.sorted()
    }

    /// Each spectrum was taken as the method says, over the reading's pixels.
    static func check(_ reading: AbsorbanceReading, _ method: AbsorbanceMethod) throws {
        for (name, spectrum) in [("dark", reading.dark), ("reference", reading.reference), ("sample", reading.sample)] {
            guard spectrum.integrationUS == method.integrationUS else {
                throw PrecisError(.input, "the \(name) spectrum was integrated for \(spectrum.integrationUS) µs, the method integrates \(method.integrationUS) µs",
                                  hint: "take the dark, the reference and the sample with the assay's settings")
            }
            guard spectrum.scansAveraged == method.scansToAverage else {
                throw PrecisError(.input, "the \(name) spectrum averages \(spectrum.scansAveraged) scans, the method averages \(method.scansToAverage)",
                                  hint: "take the dark, the reference and the sample with the assay's settings")
            }
        }
    }
}
