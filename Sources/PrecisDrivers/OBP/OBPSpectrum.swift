import PrecisCore

/// One raw spectrum as the spectrometer counted it (obp protocol.md §8): a count per pixel,
/// with what is needed to judge it. No correction is applied: dark subtraction, nonlinearity
/// and absorbance are the procedure's.
public struct OBPSpectrum: Sendable, Equatable {
    /// The detector's count per pixel, pixel 0 first (averaged when `scansAveraged` > 1).
    public var counts: [UInt32]
    /// The model's largest count: a pixel at it is saturated.
    public var maxCount: UInt32
    /// The integration time it was taken with, µs.
    public var integrationMicroseconds: Int
    /// How many scans it is the average of.
    public var scansAveraged: Int
    /// The model's electric-dark pixels (masked from light).
    public var darkPixels: [Int]
    /// The 32 metadata bytes before the counts, as they came (empty for the STS); not interpreted.
    public var metadata: [UInt8]

    /// Makes a spectrum.
    public init(counts: [UInt32], maxCount: UInt32, integrationMicroseconds: Int, scansAveraged: Int,
                darkPixels: [Int] = [], metadata: [UInt8] = []) {
        self.counts = counts
        self.maxCount = maxCount
        self.integrationMicroseconds = integrationMicroseconds
        self.scansAveraged = scansAveraged
        self.darkPixels = darkPixels
        self.metadata = metadata
    }

    /// Spectra taken one after another, averaged pixel by pixel (the host's averaging, for a
    /// model that does not average itself). A pixel saturated in any scan stays at the maximum:
    /// its mean would otherwise fall below it and hide that the detector clipped.
    public static func mean(of spectra: [OBPSpectrum]) -> OBPSpectrum {
        precondition(!spectra.isEmpty, "a mean of no spectra")
        guard spectra.count > 1 else { return spectra[0] }
        var mean = spectra[0]
        mean.counts = mean.counts.indices.map { pixel in
            if spectra.contains(where: { $0.counts[pixel] >= $0.maxCount }) { return mean.maxCount }
            let sum = spectra.reduce(UInt64(0)) { $0 + UInt64($1.counts[pixel]) }
            return UInt32((Double(sum) / Double(spectra.count)).rounded())
        }
        mean.scansAveraged = spectra.count
        return mean
    }

    /// The pixels at the detector's maximum count, whose true intensity is unknown.
    public var saturatedPixels: [Int] { counts.indices.filter { counts[$0] >= maxCount } }

    /// Whether any pixel is saturated: the spectrum must be taken again with a shorter integration time.
    public var isSaturated: Bool { counts.contains { $0 >= maxCount } }

    /// The highest count, and how close it is to saturation (0–1).
    public var peak: (count: UInt32, fractionOfMax: Double) {
        let top = counts.max() ?? 0
        return (top, maxCount == 0 ? 0 : Double(top) / Double(maxCount))
    }

    /// The mean count of the electric-dark pixels (the detector's electrical offset now), or nil
    /// for a model without them.
    public var electricDark: Double? {
        let dark = darkPixels.filter { counts.indices.contains($0) }
        guard !dark.isEmpty else { return nil }
        return dark.reduce(0.0) { $0 + Double(counts[$1]) } / Double(dark.count)
    }

    /// The counts with the detector's electrical offset moved to `level` (another spectrum's
    /// `electricDark`): each pixel less (this spectrum's electric dark − `level`), so an offset that
    /// drifted between the dark spectrum and this one cancels in S − D. Without electric-dark
    /// pixels, the counts as they are. A saturated pixel stays at the maximum: moved below it,
    /// its clipping would be hidden from whoever refuses saturated pixels.
    public func counts(electricDarkAt level: Double?) -> [Double] {
        guard let level, let own = electricDark else { return counts.map(Double.init) }
        let shift = own - level
        return counts.map { $0 >= maxCount ? Double(maxCount) : Double($0) - shift }
    }

    /// Reads a spectrum reply's data in `model`'s format (obp protocol.md §8), or a protocol error
    /// naming the lengths.
    public init(reply data: [UInt8], model: OBPModel, integrationMicroseconds: Int, scansAveraged: Int) throws {
        let format = model.spectrumFormat
        let expected = format.length(pixels: model.pixels)
        guard data.count == expected else {
            throw PrecisError(.protocol, "the \(model.name)'s spectrum holds \(data.count) bytes; \(model.pixels) pixels "
                              + "in format \(format.rawValue) are \(expected)")
        }
        var r = ByteReader(data, context: "spectrum")
        let metadata = Array(try r.bytes(format.metadataSize, "metadata"))
        var counts = [UInt32]()
        counts.reserveCapacity(model.pixels)
        for _ in 0..<model.pixels {
            counts.append(format.bytesPerPixel == 4 ? try r.u32("count") : UInt32(try r.u16("count")))
        }
        self.init(counts: counts, maxCount: model.maxCount, integrationMicroseconds: integrationMicroseconds,
                  scansAveraged: scansAveraged, darkPixels: model.darkPixels, metadata: metadata)
    }

    /// The reply's data for these counts in `format` (the simulator's side of obp protocol.md §8).
    public func replyData(format: OBPSpectrumFormat) -> [UInt8] {
        var w = ByteWriter()
        w.raw(metadata.count == format.metadataSize ? metadata : [UInt8](repeating: 0, count: format.metadataSize))
        for count in counts {
            if format.bytesPerPixel == 4 { w.u32(count) } else { w.u16(UInt16(clamping: count)) }
        }
        return w.bytes
    }
}

/// A wavelength calibration: the polynomial of obp protocol.md §7.
public struct OBPWavelengthCalibration: Sendable, Equatable {
    /// c0 (the intercept, nm) … cn, as the device stores them (widened from f32).
    public var coefficients: [Double]

    /// Makes a calibration from its coefficients, intercept first.
    public init(coefficients: [Double]) { self.coefficients = coefficients }

    /// The wavelength of pixel `pixel` (0-based), nm: Σ cᵢ·pixelⁱ, in double.
    public func wavelength(ofPixel pixel: Int) -> Double {
        let p = Double(pixel)
        var power = 1.0, sum = 0.0
        for c in coefficients {
            sum += c * power
            power *= p
        }
        return sum
    }

    /// The wavelength of every pixel of a `pixels`-pixel spectrum, nm.
    public func wavelengths(pixels: Int) -> [Double] { (0..<pixels).map { wavelength(ofPixel: $0) } }
}
