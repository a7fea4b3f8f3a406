import Foundation
import PrecisCore

/// A lateral-flow strip made up from known parts, for the simulated reader and for tests:
/// Gaussian lines of known area on a smooth background, with Gaussian noise from a seeded
/// generator, read out as the reflectance counts a reader would send.
///
/// Absorbance at position x (mm):
/// A(x) = offset + slope·(x − centre) + curvature·(x − centre)² + Σ lines + noise,
/// where a line of area `area` (absorbance·mm), centre μ and width σ adds
/// area / (σ√(2π)) · exp(−(x − μ)² / (2σ²)). Reflectance R = fullScale · 10^(−A),
/// rounded to the nearest count and clamped to 0…65535. The same parameters and seed
/// always give the same profile (the random stream is the same on every platform; the
/// libm functions may differ in the last bit between platforms).
public struct SyntheticStrip: Sendable, Equatable, Codable {
    /// One Gaussian line.
    public struct Line: Sendable, Equatable, Codable {
        /// Centre, mm along the strip.
        public var centreMM: Double
        /// Standard deviation of the Gaussian, mm (FWHM = 2.3548 σ).
        public var sigmaMM: Double
        /// Area, absorbance·mm.
        public var area: Double
        /// Makes a line.
        public init(centreMM: Double, sigmaMM: Double, area: Double) {
            self.centreMM = centreMM
            self.sigmaMM = sigmaMM
            self.area = area
        }
        /// The line's absorbance at `x` mm.
        public func absorbance(at x: Double) -> Double {
            let z = (x - centreMM) / sigmaMM
            return area / (sigmaMM * (2 * Double.pi).squareRoot()) * exp(-0.5 * z * z)
        }
        /// The line's height: its absorbance at the centre.
        public var height: Double { area / (sigmaMM * (2 * Double.pi).squareRoot()) }
    }

    /// The background under the lines, in absorbance.
    public struct Background: Sendable, Equatable, Codable {
        /// Absorbance at `centreMM`.
        public var offset: Double
        /// Change of absorbance per mm.
        public var slope: Double
        /// Coefficient of (x − centre)², absorbance per mm².
        public var curvature: Double
        /// The position the slope and curvature are taken about, mm.
        public var centreMM: Double
        /// Makes a background.
        public init(offset: Double, slope: Double = 0, curvature: Double = 0, centreMM: Double = 12.5) {
            self.offset = offset
            self.slope = slope
            self.curvature = curvature
            self.centreMM = centreMM
        }
        /// The background's absorbance at `x` mm.
        public func absorbance(at x: Double) -> Double {
            let u = x - centreMM
            return offset + slope * u + curvature * u * u
        }
    }

    /// The lines.
    public var lines: [Line]
    /// The background.
    public var background: Background
    /// Standard deviation of the noise added to each reading, absorbance.
    public var noiseSD: Double
    /// Seed of the noise generator.
    public var seed: UInt64
    /// First position read, µm.
    public var startUM: Int
    /// Last position read, µm.
    public var endUM: Int
    /// Distance between readings, µm (> 0).
    public var stepUM: Int
    /// The count of 100 % reflectance.
    public var fullScale: UInt16

    /// Makes a strip; positions run `startUM...endUM` by `stepUM`.
    public init(lines: [Line], background: Background, noiseSD: Double, seed: UInt64,
                startUM: Int = 0, endUM: Int = 25_000, stepUM: Int = 50, fullScale: UInt16 = 0xFFFF) {
        self.lines = lines
        self.background = background
        self.noiseSD = noiseSD
        self.seed = seed
        self.startUM = startUM
        self.endUM = endUM
        self.stepUM = stepUM
        self.fullScale = fullScale
    }

    /// The reading positions, µm (empty when `stepUM` ≤ 0 or the range is empty).
    public var positionsUM: [Int] {
        guard stepUM > 0, endUM >= startUM else { return [] }
        return Array(stride(from: startUM, through: endUM, by: stepUM))
    }

    /// The absorbance at every position, noise included, before rounding to counts.
    public func absorbance() -> [Double] {
        var random = SplitMix64(seed: seed)
        return positionsUM.map { um in
            let x = Double(um) / 1000
            let clean = background.absorbance(at: x) + lines.reduce(0) { $0 + $1.absorbance(at: x) }
            return clean + noiseSD * random.nextGaussian()
        }
    }

    /// The profile the reader reports: R = fullScale·10^(−A), rounded, clamped to UInt16.
    public func profile() -> LineProfile {
        let counts = absorbance().map { a -> UInt16 in
            let r = (Double(fullScale) * pow(10, -a)).rounded()
            return r.isNaN ? 0 : UInt16(min(max(r, 0), Double(UInt16.max)))
        }
        return LineProfile(positionsUM: positionsUM, reflectance: counts, fullScale: fullScale)
    }
}

extension SyntheticStrip {
    /// The CRP cartridge's geometry: test line at 9 mm, control at 16 mm, 0.8 mm FWHM.
    public enum CRP {
        /// Test line centre, mm.
        public static let testMM = 9.0
        /// Control line centre, mm.
        public static let controlMM = 16.0
        /// Line width σ, mm (0.8 mm full width at half maximum).
        public static let sigmaMM = 0.8 / 2.354_820_045
        /// Control-line area for a 0.45 absorbance control line, absorbance·mm.
        public static let controlArea = 0.45 * sigmaMM * (2 * Double.pi).squareRoot()
    }

    /// A CRP strip whose test/control area ratio is `ratio`: control line of `controlArea`,
    /// test line of `ratio × controlArea` (none when `ratio` is 0), on `background`, read
    /// 0–25 mm every 50 µm with noise `noiseSD` from `seed`.
    public static func crp(ratio: Double, controlArea: Double = CRP.controlArea,
                           background: Background = Background(offset: 0.1, slope: 0.002),
                           noiseSD: Double = 0.002, seed: UInt64 = 1) -> SyntheticStrip {
        var lines = [Line(centreMM: CRP.controlMM, sigmaMM: CRP.sigmaMM, area: controlArea)]
        if ratio != 0 { lines.append(Line(centreMM: CRP.testMM, sigmaMM: CRP.sigmaMM, area: ratio * controlArea)) }
        return SyntheticStrip(lines: lines, background: background, noiseSD: noiseSD, seed: seed)
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014): a small, fast, seedable generator whose output
/// is the same on every platform, with standard normal draws by Box–Muller.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    private var spare: Double?

    /// A generator started from `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform draw in (0, 1]: 53 random bits, never 0 (so its logarithm is finite).
    public mutating func nextUnit() -> Double {
        Double((next() >> 11) + 1) * 0x1p-53
    }

    /// A standard normal draw (Box–Muller; the second value of each pair is kept for the next call).
    public mutating func nextGaussian() -> Double {
        if let value = spare {
            spare = nil
            return value
        }
        let radius = (-2 * log(nextUnit())).squareRoot()
        let angle = 2 * Double.pi * nextUnit()
        spare = radius * sin(angle)
        return radius * cos(angle)
    }
}
