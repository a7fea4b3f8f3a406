import PrecisCore
import RealModule

/// The cycle where a baseline-corrected curve first rises through `threshold` and stays above
/// it for the next two cycles, interpolated on a log scale between the two cycles around the
/// crossing. Cycle numbers are 1-based (`corrected[0]` is cycle 1). Nil when it never does.
public func thresholdCycle(_ corrected: [Double], threshold: Double) -> Double? {
    guard threshold > 0, corrected.count >= 2 else { return nil }
    for i in 1..<corrected.count where corrected[i - 1] < threshold && corrected[i] >= threshold {
        let staysAbove = corrected[i..<min(i + 3, corrected.count)].allSatisfy { $0 >= threshold }
        guard staysAbove else { continue }
        let below = corrected[i - 1], above = corrected[i]
        guard below > 0 else { return Double(i + 1) - (above - threshold) / (above - below) }   // linear below zero
        let fraction = (Double.log(threshold) - Double.log(below)) / (Double.log(above) - Double.log(below))
        return Double(i) + fraction
    }
    return nil
}

/// A melting curve's negative derivative −dF/dT and its peaks: the melting temperatures (Tm)
/// of the products in the well. One sharp peak is a specific product; a second, lower peak
/// usually primer dimers.
public struct MeltCurve: Sendable, Equatable {
    /// A peak of −dF/dT.
    public struct Peak: Sendable, Equatable {
        /// The melting temperature, °C, interpolated between readings.
        public var temperature: Double
        /// −dF/dT at the peak, fluorescence per °C.
        public var height: Double
    }

    /// The temperatures, ascending, °C.
    public var temperatures: [Double]
    /// −dF/dT at each temperature, from the smoothed curve.
    public var negativeDerivative: [Double]
    /// Peaks at least `minimumRelativeHeight` of the tallest, tallest first.
    public var peaks: [Peak]

    /// Analyses readings (any order); throws `.input` with fewer than 7 distinct temperatures.
    /// Smoothing: Savitzky–Golay, window 7, order 2, on the readings in temperature order. A
    /// peak must stand `minimumSignalToNoise` times above the derivative's noise (1.4826 × its
    /// median absolute deviation), so that a well with no product (a clean negative control)
    /// shows no Tm rather than the highest wiggle of its noise.
    public init(temperatures: [Double], fluorescence: [Double], minimumRelativeHeight: Double = 0.1, minimumSeparation: Double = 1.0,
                minimumSignalToNoise: Double = 8) throws {
        guard temperatures.count == fluorescence.count else { throw PrecisError(.input, "melt curve: \(temperatures.count) temperatures for \(fluorescence.count) readings") }
        let order = temperatures.indices.sorted { temperatures[$0] < temperatures[$1] }
        var t: [Double] = [], f: [Double] = []
        for i in order where t.last.map({ temperatures[i] > $0 }) ?? true {
            t.append(temperatures[i])
            f.append(fluorescence[i])
        }
        guard t.count >= 7 else { throw PrecisError(.input, "melt curve has \(t.count) distinct temperatures; at least 7 are needed") }
        let smooth = try SavitzkyGolay(window: 7, order: 2).filtered(f)
        var derivative = [Double](repeating: 0, count: t.count)
        for i in t.indices {
            let a = max(i - 1, 0), b = min(i + 1, t.count - 1)
            derivative[i] = -(smooth[b] - smooth[a]) / (t[b] - t[a])
        }
        self.temperatures = t
        negativeDerivative = derivative
        let tallest = derivative.max() ?? 0
        let middle = Self.median(derivative)
        let noise = 1.4826 * Self.median(derivative.map { abs($0 - middle) })
        var found: [Peak] = []
        if tallest > 0 {
            for i in 1..<(t.count - 1) where derivative[i] > derivative[i - 1] && derivative[i] >= derivative[i + 1]
                && derivative[i] >= minimumRelativeHeight * tallest && derivative[i] - middle >= minimumSignalToNoise * noise {
                found.append(Self.vertex(t[i - 1], t[i], t[i + 1], derivative[i - 1], derivative[i], derivative[i + 1]))
            }
        }
        found.sort { $0.height > $1.height }
        var kept: [Peak] = []
        for peak in found where kept.allSatisfy({ abs($0.temperature - peak.temperature) >= minimumSeparation }) { kept.append(peak) }
        peaks = kept
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    /// The vertex of the parabola through three points (the middle one highest).
    static func vertex(_ x0: Double, _ x1: Double, _ x2: Double, _ y0: Double, _ y1: Double, _ y2: Double) -> Peak {
        let d0 = (y1 - y0) / (x1 - x0), d1 = (y2 - y1) / (x2 - x1)
        let a = (d1 - d0) / (x2 - x0)
        guard a < 0 else { return Peak(temperature: x1, height: y1) }
        let b = d0 - a * (x0 + x1)
        let x = -b / (2 * a)
        guard x >= x0, x <= x2 else { return Peak(temperature: x1, height: y1) }
        return Peak(temperature: x, height: y1 + (x - x1) * (d0 + a * (x - x0)))
    }
}

/// A standard curve: Cq against log10 of the known quantity of standards, its slope, the
/// efficiency it implies (10^(−1/slope); 2 is a doubling per cycle), R², and the quantity of
/// an unknown from its Cq.
public struct StandardCurve: Sendable, Equatable {
    public var slope: Double
    public var intercept: Double
    public var r2: Double
    /// Fold per cycle.
    public var efficiency: Double
    /// Standards used.
    public var points: Int

    /// Fits `cq = intercept + slope · log10(quantity)`; throws `.input` with fewer than 3 standards
    /// or fewer than 2 distinct quantities, or a quantity that is not positive.
    public init(quantities: [Double], cqs: [Double]) throws {
        guard quantities.count == cqs.count, quantities.count >= 3 else {
            throw PrecisError(.input, "a standard curve needs at least 3 standards with a Cq, got \(min(quantities.count, cqs.count))")
        }
        guard quantities.allSatisfy({ $0 > 0 }) else { throw PrecisError(.input, "a standard's quantity must be above zero") }
        let x = quantities.map { Double.log10($0) }
        guard Set(x).count >= 2 else { throw PrecisError(.input, "the standards all have one quantity: no curve through them") }
        let n = Double(x.count)
        let mx = x.reduce(0, +) / n, my = cqs.reduce(0, +) / n
        var sxx = 0.0, sxy = 0.0, syy = 0.0
        for i in x.indices {
            sxx += (x[i] - mx) * (x[i] - mx)
            sxy += (x[i] - mx) * (cqs[i] - my)
            syy += (cqs[i] - my) * (cqs[i] - my)
        }
        slope = sxy / sxx
        intercept = my - slope * mx
        r2 = syy > 0 ? sxy * sxy / (sxx * syy) : 1
        efficiency = Double.pow(10, -1 / slope)
        points = x.count
    }

    /// The quantity whose Cq would be `cq`.
    public func quantity(cq: Double) -> Double { Double.pow(10, (cq - intercept) / slope) }
}

/// LinRegPCR's copy numbers (Untergasser et al. 2021): the exponential phase ends when the
/// reaction's limiting component runs out — the DNA-binding dye for non-saturating dyes such
/// as SYBR Green (so many copies per dye molecule, per amplicon base), the primers otherwise —
/// so the copies at TD0 are known and the starting copies are those divided by E^TD0.
public struct CopyNumberModel: Sendable, Equatable {
    public static let avogadro = 6.02214076e23

    /// The dye chemistry: `non-saturating DNA binding dye`, `saturating DNA binding dye`,
    /// `hybridization probe`, `hydrolysis probe`.
    public var chemistry: String
    /// Copies per limiting molecule.
    public var nCopyFactor: Double
    /// nmol/l.
    public var dyeConcentration: Double
    /// The lower of the two primers' concentrations, nmol/l.
    public var primerConcentration: Double
    /// Bases.
    public var ampliconLength: Double
    /// µl.
    public var volume: Double
    /// The template is single-stranded (counts twice: one strand is one copy).
    public var singleStranded: Bool

    public init(chemistry: String, nCopyFactor: Double, dyeConcentration: Double, primerConcentration: Double,
                ampliconLength: Double, volume: Double, singleStranded: Bool) {
        self.chemistry = chemistry
        self.nCopyFactor = nCopyFactor
        self.dyeConcentration = dyeConcentration
        self.primerConcentration = primerConcentration
        self.ampliconLength = ampliconLength
        self.volume = volume
        self.singleStranded = singleStranded
    }

    /// Copies per µl when the limiting component runs out.
    public var limitPerMicrolitre: Double {
        if chemistry == "non-saturating DNA binding dye" {
            return nCopyFactor * dyeConcentration * Self.avogadro * 1e-15 / ampliconLength
        }
        return nCopyFactor * primerConcentration * Self.avogadro * 1e-15
    }

    /// Copies in the reaction at the limit.
    public var copiesAtLimit: Double { (singleStranded ? 2 : 1) * limitPerMicrolitre * volume }

    /// Starting copies for `efficiency` and `td0`; nil outside 1 < E < 2.3 or without a TD0.
    public func startingCopies(efficiency: Double, td0: Double) -> Double? {
        guard td0 > 0, efficiency > 1, efficiency < 2.3 else { return nil }
        return copiesAtLimit / Double.pow(efficiency, td0)
    }
}
