import PrecisCore
import RealModule

/// Why a pixel of an absorbance spectrum has no value, or that it has one.
public enum PixelStatus: String, Sendable, Codable, Equatable, CaseIterable {
    /// A finite absorbance.
    case valid
    /// The dark, the reference or the sample reached the detector's maximum count at this pixel
    /// (or, smoothed, at a pixel of its window): the counts are clipped and say nothing.
    case saturated
    /// The reference is not above the dark (by more than the minimum asked): the ratio's
    /// denominator R − D is not positive, so there is no absorbance.
    case noReference = "no-reference"
    /// The reference is usable but the sample is not above the dark: S − D ≤ 0, no light came
    /// through, the absorbance is beyond any the detector can read.
    case opaque

    /// The order in which one status outweighs another when pixels are read together:
    /// saturation first (the counts are wrong), then a missing reference, then an opaque sample.
    var severity: Int {
        switch self {
        case .valid: 0
        case .opaque: 1
        case .noReference: 2
        case .saturated: 3
        }
    }
}

/// The absorbance of a sample at every pixel of a spectrometer, beside each pixel's wavelength.
public struct AbsorbanceSpectrum: Sendable, Codable, Equatable {
    /// The wavelength of each pixel, nm, strictly increasing.
    public var wavelengthsNM: [Double]
    /// The absorbance at each pixel, AU; nil where `status` is not `.valid`, never NaN or ±∞.
    public var absorbance: [Double?]
    /// What each pixel is.
    public var status: [PixelStatus]

    /// Makes a spectrum; the three arrays must be the same length.
    public init(wavelengthsNM: [Double], absorbance: [Double?], status: [PixelStatus]) {
        precondition(wavelengthsNM.count == absorbance.count && absorbance.count == status.count,
                     "wavelengths, absorbances and statuses differ in length")
        self.wavelengthsNM = wavelengthsNM
        self.absorbance = absorbance
        self.status = status
    }

    /// The number of pixels.
    public var count: Int { wavelengthsNM.count }
}

/// Absorbance from a spectrometer's dark, reference (blank) and sample spectra, pixel by pixel.
///
/// With D, R and S the counts of one pixel in the dark (light path closed), the reference
/// (the blank in the light path) and the sample, all taken with the same integration time and
/// scans averaged, the transmittance is T = (S − D) / (R − D) and the absorbance, in
/// absorbance units (AU, decadic), is
///
///     A = −log10(T) = −log10((S − D) / (R − D))
///
/// A pixel is never given a NaN or an infinite absorbance: it is `.saturated` when D, R or S is
/// at or above the detector's maximum count, `.noReference` when R − D is not above the
/// minimum (0: a non-positive denominator), `.opaque` when S − D ≤ 0; its absorbance is then nil.
///
/// With boxcar smoothing over ±k pixels each spectrum's counts are first replaced by their mean
/// over the window (`boxcar`), and a pixel is `.saturated` when any raw pixel of its window is.
public enum Absorbance {
    /// The absorbance spectrum. Throws `.input` for arrays of different lengths, fewer than two
    /// pixels, counts or wavelengths that are not finite, wavelengths not strictly increasing,
    /// a maximum count that is not a positive number, a negative half-width or minimum.
    ///
    /// - Parameters:
    ///   - wavelengthsNM: each pixel's wavelength, nm.
    ///   - dark, reference, sample: counts per pixel, each the mean of the scans averaged.
    ///   - maxCount: the detector's maximum count (65535 for a 16-bit detector); a pixel handed
    ///     over at or above it is saturated. Counts averaged over scans hide a saturation in some
    ///     scans only: whoever averages must hand such a pixel over at `maxCount`.
    ///   - boxcarHalfWidth: k, smoothing over 2k + 1 pixels (0: none).
    ///   - minimumReference: the least R − D, counts, for a usable reference (0: any positive).
    public static func spectrum(wavelengthsNM: [Double], dark: [Double], reference: [Double], sample: [Double],
                                maxCount: Double, boxcarHalfWidth: Int = 0,
                                minimumReference: Double = 0) throws -> AbsorbanceSpectrum {
        try checkWavelengths(wavelengthsNM)
        for (name, counts) in [("dark", dark), ("reference", reference), ("sample", sample)] {
            guard counts.count == wavelengthsNM.count else {
                throw PrecisError(.input, "absorbance: \(wavelengthsNM.count) wavelengths but \(counts.count) \(name) counts")
            }
            guard counts.allSatisfy(\.isFinite) else { throw PrecisError(.input, "absorbance: a \(name) count is not a finite number") }
        }
        guard maxCount.isFinite, maxCount > 0 else { throw PrecisError(.input, "absorbance: the detector's maximum count must be above 0") }
        guard boxcarHalfWidth >= 0 else { throw PrecisError(.input, "absorbance: the boxcar half-width must not be negative") }
        guard minimumReference.isFinite, minimumReference >= 0 else {
            throw PrecisError(.input, "absorbance: the minimum reference must be a number of counts, 0 or more")
        }
        let clipped = (0..<dark.count).map { dark[$0] >= maxCount || reference[$0] >= maxCount || sample[$0] >= maxCount }
        let d = boxcar(dark, halfWidth: boxcarHalfWidth)
        let r = boxcar(reference, halfWidth: boxcarHalfWidth)
        let s = boxcar(sample, halfWidth: boxcarHalfWidth)
        var absorbance: [Double?] = [], status: [PixelStatus] = []
        absorbance.reserveCapacity(d.count)
        status.reserveCapacity(d.count)
        for i in d.indices {
            let window = max(0, i - boxcarHalfWidth)...min(d.count - 1, i + boxcarHalfWidth)
            let pixel: (Double?, PixelStatus) = clipped[window].contains(true)
                ? (nil, .saturated) : pixelAbsorbance(dark: d[i], reference: r[i], sample: s[i], minimumReference: minimumReference)
            absorbance.append(pixel.0)
            status.append(pixel.1)
        }
        return AbsorbanceSpectrum(wavelengthsNM: wavelengthsNM, absorbance: absorbance, status: status)
    }

    /// One pixel: A = −log10((S − D) / (R − D)), or why there is none.
    static func pixelAbsorbance(dark: Double, reference: Double, sample: Double,
                                minimumReference: Double) -> (Double?, PixelStatus) {
        let light = reference - dark, transmitted = sample - dark
        guard light > max(minimumReference, 0) else { return (nil, .noReference) }
        guard transmitted > 0 else { return (nil, .opaque) }
        let ratio = transmitted / light
        // Counts far apart in magnitude could still underflow or overflow the ratio.
        guard ratio > 0 else { return (nil, .opaque) }
        guard ratio.isFinite else { return (nil, .noReference) }
        return (-Double.log10(ratio), .valid)
    }

    /// Boxcar (moving average) smoothing over ±k pixels: y_i = (1 / n_i) Σ_{j=i−k}^{i+k} x_j over
    /// the j inside the spectrum, n_i their number, so the window shrinks at both ends
    /// (2k + 1 pixels inside). k = 0 returns the counts unchanged. Each window is summed afresh
    /// (no running sum), so rounding does not build up along a long spectrum.
    public static func boxcar(_ x: [Double], halfWidth k: Int) -> [Double] {
        guard k > 0, x.count > 1 else { return x }
        return x.indices.map { i in
            let lo = max(0, i - k), hi = min(x.count - 1, i + k)
            var sum = 0.0
            for j in lo...hi { sum += x[j] }
            return sum / Double(hi - lo + 1)
        }
    }

    /// Wavelengths must be at least two, finite and strictly increasing.
    static func checkWavelengths(_ x: [Double]) throws {
        guard x.count >= 2 else { throw PrecisError(.input, "absorbance: a spectrum needs at least 2 pixels, got \(x.count)") }
        guard x.allSatisfy(\.isFinite) else { throw PrecisError(.input, "absorbance: a wavelength is not a finite number") }
        for i in 1..<x.count where x[i] <= x[i - 1] {
            throw PrecisError(.input, "absorbance: wavelengths are not strictly increasing at pixel \(i)")
        }
    }
}
