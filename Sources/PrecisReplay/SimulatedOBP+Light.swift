import Foundation
import PrecisCore

/// What the simulated spectrometer sees, for `SimulatedOBP`: a tungsten-halogen-like lamp
/// through an empty path (the reference), the lamp blocked (dark), or the lamp through a sample
/// whose absorbance is a sum of Gaussian bands. Counts are
///
///     count(λ) = dark + light(λ) · 10^(−A(λ)) + noise
///
/// where `dark` is the detector's offset plus its dark current × integration time, `light(λ)`
/// is the lamp's shape scaled so its brightest pixel reaches `lampFraction` of the detector's
/// maximum at `referenceMicroseconds` (and in proportion to the integration time), `A(λ)` the
/// sample's absorbance (0 for the reference), and the noise Gaussian of `readNoise` counts rms,
/// ÷ √scans when scans are averaged. Counts are rounded and clamped to 0 … max count, so too
/// much light saturates as on a real detector. Electric-dark pixels see only `dark`.
public struct OBPSpectrumSource: Sendable, Equatable {
    /// What is in the light path.
    public enum Scene: String, Sendable, Equatable, CaseIterable {
        /// The lamp through the empty path (or a blank): the reference spectrum.
        case reference
        /// The lamp blocked: the dark spectrum.
        case dark
        /// The lamp through the sample (`bands`).
        case sample
    }

    /// One absorption band of the sample: a Gaussian in wavelength.
    public struct Band: Sendable, Equatable {
        /// Its centre, nm.
        public var centreNM: Double
        /// Its standard deviation, nm.
        public var sigmaNM: Double
        /// Its absorbance at the centre.
        public var peakAbsorbance: Double
        /// Makes a band.
        public init(centreNM: Double, sigmaNM: Double, peakAbsorbance: Double) {
            self.centreNM = centreNM
            self.sigmaNM = sigmaNM
            self.peakAbsorbance = peakAbsorbance
        }
        /// Its absorbance at `nm`.
        public func absorbance(atNM nm: Double) -> Double {
            let z = (nm - centreNM) / sigmaNM
            return peakAbsorbance * exp(-0.5 * z * z)
        }
    }

    /// What is in the light path now.
    public var scene: Scene = .reference
    /// The sample's absorption bands.
    public var bands: [Band] = OBPSpectrumSource.haemoglobin()
    /// Absorbance the sample adds at every wavelength (scatter, the cuvette).
    public var baselineAbsorbance = 0.02
    /// The lamp's colour temperature, K (the shape of its spectrum, Planck's law).
    public var lampKelvin = 3000.0
    /// The brightest pixel's light at `referenceMicroseconds`, as a fraction of the max count.
    public var lampFraction = 0.75
    /// The integration time at which the brightest pixel reaches `lampFraction`, µs.
    public var referenceMicroseconds = 100_000
    /// The detector's offset, as a fraction of the max count.
    public var darkFraction = 0.03
    /// The detector's dark current, as a fraction of the max count per second of integration.
    public var darkCurrentFractionPerSecond = 0.01
    /// Read noise, counts rms (per scan).
    public var readNoise = 6.0
    /// The noise's seed: the same source and seed give the same spectra.
    public var seed: UInt64 = 0x0B5

    /// Makes the defaults: the reference scene, a haemoglobin-like sample.
    public init() {}

    /// Bands like oxyhaemoglobin's (the Soret band near 415 nm and the Q bands near 541 and
    /// 577 nm), with peak absorbances in proportion to `scale` (1: a dilute sample whose Q bands
    /// reach about 0.5). An absorbance assay at 540–570 nm reads the Q bands.
    public static func haemoglobin(scale: Double = 1) -> [Band] {
        [Band(centreNM: 415, sigmaNM: 14, peakAbsorbance: 2.0 * scale),
         Band(centreNM: 541, sigmaNM: 11, peakAbsorbance: 0.45 * scale),
         Band(centreNM: 577, sigmaNM: 9, peakAbsorbance: 0.5 * scale)]
    }

    /// The sample's absorbance at `nm` (bands and baseline).
    public func absorbance(atNM nm: Double) -> Double {
        bands.reduce(baselineAbsorbance) { $0 + $1.absorbance(atNM: nm) }
    }

    /// The lamp's relative spectral radiance at `nm` (Planck's law, unnormalised).
    public func lamp(atNM nm: Double) -> Double {
        let metres = nm * 1e-9
        let hcOverK = 0.014_387_77   // m·K, the second radiation constant
        return 1 / (pow(metres, 5) * (exp(hcOverK / (metres * lampKelvin)) - 1))
    }

    /// The counts of one spectrum at these pixel wavelengths (see the type's formula); `gain`
    /// multiplies the light (a fault: > 1 saturates the detector).
    public func counts(wavelengths: [Double], darkPixels: Set<Int>, maxCount: UInt32, integrationMicroseconds: Int,
                       scans: Int, gain: Double = 1, random: inout SplitMix64) -> [UInt32] {
        let full = Double(maxCount)
        let seconds = Double(integrationMicroseconds) / 1e6
        let dark = full * (darkFraction + darkCurrentFractionPerSecond * seconds)
        let brightest = wavelengths.map(lamp(atNM:)).max() ?? 1
        let scale = full * lampFraction * Double(integrationMicroseconds) / Double(referenceMicroseconds) / brightest * gain
        let noise = readNoise / Double(max(1, scans)).squareRoot()
        return wavelengths.enumerated().map { pixel, nm in
            var value = dark + noise * random.nextGaussian()
            if !darkPixels.contains(pixel) {
                switch scene {
                case .reference: value += scale * lamp(atNM: nm)
                case .dark: break
                case .sample: value += scale * lamp(atNM: nm) * pow(10, -absorbance(atNM: nm))
                }
            }
            return UInt32(min(full, max(0, value.rounded())))
        }
    }
}
