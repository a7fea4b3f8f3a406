import PrecisCore

/// The mean absorbance of a band of wavelengths, or why it has none.
public struct BandAbsorbance: Sendable, Codable, Equatable {
    /// The band, nm.
    public var band: ValueRange
    /// The band's mean absorbance, AU (see `Absorbance.bandMean`); nil unless `status` is `.valid`.
    public var absorbance: Double?
    /// The most severe status of the pixels the mean needs (`.valid` when every one is).
    public var status: PixelStatus
    /// The first and last pixel the mean needs: the pixel at or below the band's low edge to
    /// the pixel at or above its high edge.
    public var firstPixel: Int
    public var lastPixel: Int
}

/// A two-wavelength (bichromatic) reading: A_corr = Ā(analytical band) − Ā(baseline band).
public struct CorrectedAbsorbance: Sendable, Codable, Equatable {
    /// The analytical band.
    public var analytical: BandAbsorbance
    /// The baseline band.
    public var baseline: BandAbsorbance
    /// A_corr, AU; nil unless both bands have an absorbance.
    public var corrected: Double?
}

extension Absorbance {
    /// The value of the spectrum at `wavelength`, nm, linearly interpolated between the two
    /// pixels around it: with x_i ≤ λ ≤ x_{i+1},
    ///
    ///     y(λ) = y_i + (y_{i+1} − y_i) · (λ − x_i) / (x_{i+1} − x_i)
    ///
    /// (y_i itself when λ = x_i). Throws `.input` for a wavelength outside x_0…x_{n−1}.
    public static func interpolate(wavelengthsNM x: [Double], values y: [Double], at wavelength: Double) throws -> Double {
        try checkWavelengths(x)
        guard y.count == x.count else { throw PrecisError(.input, "interpolation: \(x.count) wavelengths but \(y.count) values") }
        let pixels = try bandPixels(x, ValueRange(low: wavelength, high: wavelength))
        return interpolate(x, y, wavelength, below: pixels.lowerBound)
    }

    /// The mean of the spectrum over a band [λ_lo, λ_hi], nm: the integral of the piecewise-linear
    /// spectrum (straight lines between pixels, `interpolate`) over the band, divided by its width,
    ///
    ///     Ā = (1 / (λ_hi − λ_lo)) ∫_{λ_lo}^{λ_hi} y(λ) dλ
    ///       = (1 / (λ_hi − λ_lo)) Σ_m ½ (y(u_m) + y(u_{m+1})) (u_{m+1} − u_m)
    ///
    /// over the nodes u = λ_lo, the pixels strictly inside the band, λ_hi (the edges interpolated):
    /// exact for that spectrum, and a pixel counts by the width of the band it covers. A band of
    /// zero width is the spectrum interpolated at its wavelength. Throws `.input` for a band
    /// that is reversed or reaches outside the spectrum, or values of another length.
    public static func bandMean(wavelengthsNM x: [Double], values y: [Double], band: ValueRange) throws -> Double {
        try checkWavelengths(x)
        guard y.count == x.count else { throw PrecisError(.input, "band mean: \(x.count) wavelengths but \(y.count) values") }
        let pixels = try bandPixels(x, band)
        return mean(x, y, band, pixels)
    }

    /// The band's mean absorbance on `spectrum`: nil, with the most severe status, when any pixel
    /// the mean needs is not valid (a flagged pixel is never used). Throws as `bandMean`.
    public static func band(_ spectrum: AbsorbanceSpectrum, _ band: ValueRange) throws -> BandAbsorbance {
        let pixels = try bandPixels(spectrum.wavelengthsNM, band)
        let status = spectrum.status[pixels].max { $0.severity < $1.severity } ?? .valid
        var reading = BandAbsorbance(band: band, absorbance: nil, status: status,
                                     firstPixel: pixels.lowerBound, lastPixel: pixels.upperBound)
        if status == .valid {
            // Every pixel in `pixels` is valid; the others are never read by `mean`.
            let y = spectrum.absorbance.map { $0 ?? 0 }
            reading.absorbance = mean(spectrum.wavelengthsNM, y, band, pixels)
        }
        return reading
    }

    /// The baseline-corrected absorbance A_corr = Ā(analytical) − Ā(baseline), AU: the baseline
    /// band reads what absorbs at both wavelengths (turbidity, scatter, the cuvette), so it drops
    /// out. nil when either band has no absorbance. Throws as `bandMean`.
    public static func corrected(_ spectrum: AbsorbanceSpectrum, analytical: ValueRange,
                                 baseline: ValueRange) throws -> CorrectedAbsorbance {
        let a = try band(spectrum, analytical), b = try band(spectrum, baseline)
        let value: Double? = if let an = a.absorbance, let base = b.absorbance { an - base } else { nil }
        return CorrectedAbsorbance(analytical: a, baseline: b, corrected: value)
    }

    /// The pixels a band's mean needs: from the last pixel at or below its low edge to the first
    /// at or above its high edge.
    static func bandPixels(_ x: [Double], _ band: ValueRange) throws -> ClosedRange<Int> {
        guard band.low.isFinite, band.high.isFinite, band.low <= band.high else {
            throw PrecisError(.input, "band \(band.low)–\(band.high) nm is not an increasing range")
        }
        guard band.low >= x[0], band.high <= x[x.count - 1] else {
            throw PrecisError(.input, "band \(band.low)–\(band.high) nm reaches outside the spectrum (\(x[0])–\(x[x.count - 1]) nm)")
        }
        let lo = lastIndex(in: x, atOrBelow: band.low), top = lastIndex(in: x, atOrBelow: band.high)
        // x_top < λ_hi ≤ x_{n−1} leaves a pixel above top.
        return lo...(x[top] == band.high ? top : top + 1)
    }

    /// The largest i with x_i ≤ value (x increasing, x_0 ≤ value).
    static func lastIndex(in x: [Double], atOrBelow value: Double) -> Int {
        var lo = 0, hi = x.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if x[mid] <= value { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }

    /// y at λ on the segment from pixel i (x_i ≤ λ) to pixel i + 1.
    static func interpolate(_ x: [Double], _ y: [Double], _ wavelength: Double, below i: Int) -> Double {
        guard x[i] != wavelength, i + 1 < x.count else { return y[i] }
        guard x[i + 1] != wavelength else { return y[i + 1] }
        let slope = (y[i + 1] - y[i]) / (x[i + 1] - x[i])
        return slope * (wavelength - x[i]) + y[i]
    }

    /// The trapezoidal integral over the band's nodes divided by its width (see `bandMean`).
    static func mean(_ x: [Double], _ y: [Double], _ band: ValueRange, _ pixels: ClosedRange<Int>) -> Double {
        let lo = pixels.lowerBound, hi = pixels.upperBound
        guard band.high > band.low else { return interpolate(x, y, band.low, below: lo) }
        var previous = (band.low, interpolate(x, y, band.low, below: lo))
        var area = 0.0
        for j in (lo + 1)..<hi {  // the pixels strictly inside; hi > lo for a band of some width
            area += 0.5 * (previous.1 + y[j]) * (x[j] - previous.0)
            previous = (x[j], y[j])
        }
        let last = interpolate(x, y, band.high, below: hi - 1)
        area += 0.5 * (previous.1 + last) * (band.high - previous.0)
        return area / (band.high - band.low)
    }
}
