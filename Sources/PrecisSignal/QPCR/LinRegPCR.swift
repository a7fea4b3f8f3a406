import PrecisCore
import RealModule

/// One amplification curve for LinRegPCR: a well's fluorescence for one target, cycle by cycle.
public struct AmplificationCurve: Sendable, Equatable {
    /// Names the curve in warnings (the well, e.g. `D11`).
    public var well: String
    /// The target (gene) the efficiency is averaged over.
    public var target: String
    /// The RDML sample type (`unkn`, `std`, `pos`, `ntc`, `nac`, `ntp`, `nrt`, `opt`).
    public var sampleType: String
    /// Fluorescence of cycle 1, 2, …; nil where the instrument gave nothing (filled in).
    public var fluorescence: [Double?]
    /// Excluded by the user: analysed, never used for the mean efficiency.
    public var excluded: Bool

    public init(well: String, target: String, sampleType: String = "unkn", fluorescence: [Double?], excluded: Bool = false) {
        self.well = well
        self.target = target
        self.sampleType = sampleType
        self.fluorescence = fluorescence
        self.excluded = excluded
    }
}

/// What LinRegPCR found for one curve.
public struct LinRegPCRResult: Sendable, Equatable {
    public var well: String
    public var target: String
    /// The constant baseline subtracted, in the data's fluorescence units.
    public var baseline: Double
    /// Mean baseline-corrected fluorescence of the last five cycles.
    public var plateauFluorescence: Double
    /// Cycles from the start of the log phase to its last cycle (-1 when there is none).
    public var cyclesInLogPhase: Int
    /// Cycles in the window of linearity the efficiency was fitted on (-1 when none).
    public var cyclesIncluded: Int
    /// The last cycle of that window (-1 when none).
    public var lastLogCycle: Int
    /// This curve's efficiency (fold per cycle, 2 is a doubling), from the window's upper half.
    public var individualEfficiency: Double
    /// R² of log10(fluorescence) on cycle over the window.
    public var r2: Double
    /// The target's mean efficiency over the curves fit for it (-1 when none is).
    public var meanEfficiency: Double
    /// The population standard deviation of those efficiencies.
    public var meanEfficiencySD: Double
    /// The quantification cycle: where the third derivative of the raw curve crosses zero
    /// (the maximum of the second derivative), interpolated; -1 when there is none.
    public var td0: Double
    /// Baseline-corrected fluorescence at TD0 (-1 when not computed).
    public var td0Fluorescence: Double
    /// Starting fluorescence with the mean efficiency: `td0Fluorescence / E^TD0` (-1 when not computed).
    public var n0: Double
    /// Starting fluorescence with this curve's own efficiency.
    public var individualN0: Double
    /// Fluorescence rises in the four cycles before TD0, with an efficiency above 1.4.
    public var amplification: Bool
    /// Why the baseline could not be set: 0 none, 1 the search did not converge, 2 no TD0,
    /// 3 TD0 too early, 4 fewer than four cycles in the log phase, 5 the log phase curves
    /// down, 6 the log phase curves up even from its first value.
    public var baselineError: Int
    /// The curve reaches a plateau (false: the efficiency would still hold at the last cycle).
    public var plateau: Bool
    /// An outlier among its target's efficiencies.
    public var efficiencyOutlier: Bool
    /// Counted in the target's mean efficiency.
    public var usedForMeanEfficiency: Bool
    /// Findings a reviewer should read ("no amplification", "no plateau", …).
    public var notes: [String]
    /// Reasons to exclude the reaction ("amplification in negative control", …).
    public var exclusions: [String]
    /// The curve with gaps filled and the baseline subtracted, cycle 1 first.
    public var corrected: [Double]
}

/// The LinRegPCR method (Ruijter et al., Nucleic Acids Res 2009; Untergasser et al., BMC
/// Bioinformatics 2021) as the RDML consortium's reference implementation runs it: fill gaps,
/// find TD0 from the third derivative, search per curve the constant baseline that makes the
/// window of linearity straight on a log scale, take each curve's efficiency from that window,
/// and average efficiencies per target without outliers (Grubbs, when the distribution is skewed).
public struct LinRegPCR: Sendable {
    public enum EfficiencyExclusion: String, Sendable, CaseIterable {
        /// Grubbs' test, repeated while the efficiencies are significantly skewed.
        case outlier
        /// Curves more than `efficiencyTolerance` from the target's median.
        case mean
        /// None.
        case include
    }

    public var efficiencyExclusion: EfficiencyExclusion
    /// For `.mean`: the allowed distance from the median efficiency.
    public var efficiencyTolerance: Double
    /// Curves without a plateau are left out of the mean efficiency.
    public var excludeNoPlateau: Bool

    public init(efficiencyExclusion: EfficiencyExclusion = .outlier, efficiencyTolerance: Double = 0.05, excludeNoPlateau: Bool = true) {
        self.efficiencyExclusion = efficiencyExclusion
        self.efficiencyTolerance = efficiencyTolerance
        self.excludeNoPlateau = excludeNoPlateau
    }

    /// The analysis of a run: one result per curve, in order, and the run's warnings.
    public struct Analysis: Sendable, Equatable {
        public var results: [LinRegPCRResult]
        /// Data problems found (gaps filled, negative fluorescence shifted).
        public var warnings: [String]
    }

    /// Sample types that never count towards a mean efficiency.
    static let controlTypes: Set<String> = ["ntc", "nac", "ntp", "nrt", "opt"]

    /// Analyses the curves of one run together (the mean efficiency is per target over the run).
    /// Throws `.input` when there is no fluorescence value at all.
    public func analyse(_ curves: [AmplificationCurve]) throws -> Analysis {
        guard !curves.isEmpty else { return Analysis(results: [], warnings: []) }
        var warnings: [String] = []
        let (raw, gapWells) = try Self.filledMatrix(curves)
        if !gapWells.isEmpty { warnings.append("missing fluorescence filled in by interpolation in well \(gapWells.sorted().joined(separator: ", "))") }
        let rows = raw.count, n = raw[0].count
        var excludeFromMean = curves.map(\.excluded)

        // Per curve: maximum of the first and second derivative, the log-phase start, TD0.
        var minBySD = [Int](repeating: 0, count: rows), td0 = [Double](repeating: -1, count: rows)
        var fourCycleRise = [Bool](repeating: false, count: rows)
        for r in 0..<rows {
            let shape = Self.derivativeShape(raw[r])
            minBySD[r] = shape.minBySD
            td0[r] = shape.td0
            if Int(td0[r]) - minBySD[r] + 1 > 3 { fourCycleRise[r] = true } else { excludeFromMean[r] = true }
        }

        // Fluorescence must be positive for logarithms: shift curves that dip to zero or below.
        var shift = [Double](repeating: 0, count: rows)
        var positive = raw
        let absMin = raw.lazy.map { $0.min()! }.min()!, absMax = raw.lazy.map { $0.max()! }.max()!
        if absMin < 1e-8 {
            warnings.append("fluorescence has values at or below zero: use raw data without baseline correction, or efficiencies will be wrong")
            for r in 0..<rows {
                let rowMin = raw[r].min()!
                if rowMin < 1e-8 {
                    shift[r] = (absMax - rowMin) / 100 - rowMin
                    positive[r] = raw[r].map { $0 + shift[r] }
                }
            }
        }

        // Baseline search and the window of linearity.
        let fits = (0..<rows).map { r in Self.baselineFit(positive[r], td0: td0[r], minBySD: minBySD[r]) }
        for r in 0..<rows where fits[r].error != 0 { excludeFromMean[r] = true }
        let corrected = (0..<rows).map { r in positive[r].map { $0 - fits[r].background } }
        var td0Fluorescence = [Double](repeating: -1, count: rows)
        for r in 0..<rows where fourCycleRise[r] {
            let low = Int(td0[r].rounded(.down)) - 1, high = Int(td0[r].rounded(.up)) - 1
            let a = Double.log10(corrected[r][low]), b = Double.log10(corrected[r][high])
            td0Fluorescence[r] = Double.pow(10, a + (b - a) * (td0[r] - td0[r].rounded(.down)))
        }
        let plateauMean = corrected.map { row in row.suffix(5).reduce(0, +) / Double(min(5, row.count)) }

        for r in 0..<rows where Self.controlTypes.contains(curves[r].sampleType) { excludeFromMean[r] = true }
        var amplification = [Bool](repeating: false, count: rows)
        for r in 0..<rows {
            amplification[r] = td0[r] > 2 && fourCycleRise[r] && fits[r].efficiency > 1.4
            if !amplification[r] { excludeFromMean[r] = true }
        }
        var noPlateau = [Bool](repeating: false, count: rows)
        for r in 0..<rows where fits[r].n0 > 0 && fits[r].efficiency > 1.1 {
            let expected = fits[r].n0 * Double.pow(fits[r].efficiency, Double(n))
            if expected / corrected[r][n - 1] < 5 { noPlateau[r] = true }
        }
        if excludeNoPlateau { for r in 0..<rows where noPlateau[r] { excludeFromMean[r] = true } }

        // Mean efficiency per target.
        let efficiencies = fits.map(\.efficiency)
        let (meanEfficiency, meanSD, outlier) = meanEfficiencies(curves: curves, efficiencies: efficiencies, excludeFromMean: &excludeFromMean)

        var results: [LinRegPCRResult] = []
        results.reserveCapacity(rows)
        for r in 0..<rows {
            let fit = fits[r]
            let inLog = fit.lastCycle - minBySD[r] + 1 > 1 ? fit.lastCycle - minBySD[r] + 1 : -1
            var result = LinRegPCRResult(
                well: curves[r].well, target: curves[r].target, baseline: fit.background - shift[r],
                plateauFluorescence: plateauMean[r], cyclesInLogPhase: inLog, cyclesIncluded: fit.included, lastLogCycle: fit.lastCycle,
                individualEfficiency: fit.efficiency, r2: fit.r2, meanEfficiency: meanEfficiency[r], meanEfficiencySD: meanSD[r],
                td0: td0[r], td0Fluorescence: td0Fluorescence[r], n0: -1, individualN0: -1, amplification: amplification[r],
                baselineError: fit.error, plateau: !noPlateau[r], efficiencyOutlier: outlier[r],
                usedForMeanEfficiency: !excludeFromMean[r], notes: [], exclusions: [],
                corrected: raw[r].map { $0 - (fit.background - shift[r]) })
            if td0[r] > 0 && td0Fluorescence[r] > 0 {
                if meanEfficiency[r] > 1 { result.n0 = td0Fluorescence[r] / Double.pow(meanEfficiency[r], td0[r]) }
                if fit.efficiency > 1 { result.individualN0 = td0Fluorescence[r] / Double.pow(fit.efficiency, td0[r]) }
            }
            Self.annotate(&result, sampleType: curves[r].sampleType, exclusion: efficiencyExclusion)
            results.append(result)
        }
        return Analysis(results: results, warnings: warnings)
    }

    // MARK: - Steps

    /// The fluorescence matrix (curves × cycles) with gaps filled: leading gaps take the first
    /// value, trailing gaps the last, inner gaps a straight line; a curve with nothing takes the
    /// run's lowest value. Returns the wells that had gaps.
    static func filledMatrix(_ curves: [AmplificationCurve]) throws -> ([[Double]], Set<String>) {
        let n = curves.map(\.fluorescence.count).max() ?? 0
        let valid = curves.flatMap { $0.fluorescence.compactMap { $0 }.filter(\.isFinite) }
        guard n > 0, let absMin = valid.min() else {
            throw PrecisError(.input, "the amplification data have no fluorescence values")
        }
        var gaps = Set<String>(), matrix: [[Double]] = []
        matrix.reserveCapacity(curves.count)
        for curve in curves {
            var row = curve.fluorescence.map { $0.flatMap { $0.isFinite ? $0 : nil } }
            row += [Double?](repeating: nil, count: n - row.count)
            guard let first = row.firstIndex(where: { $0 != nil }), let last = row.lastIndex(where: { $0 != nil }) else {
                matrix.append([Double](repeating: absMin, count: n))
                gaps.insert(curve.well)
                continue
            }
            if row.contains(where: { $0 == nil }) { gaps.insert(curve.well) }
            var filled = [Double](repeating: 0, count: n)
            for i in 0..<first { filled[i] = row[first]! }
            for i in (last + 1)..<max(n, last + 1) { filled[i] = row[last]! }
            var previous = first
            for i in first...last {
                guard let value = row[i] else { continue }
                filled[i] = value
                let gap = i - previous - 1
                if gap > 0 {
                    let step = (value - filled[previous]) / Double(gap + 1)
                    for k in 1...gap { filled[previous + k] = filled[previous] + Double(k) * step }
                }
                previous = i
            }
            matrix.append(filled)
        }
        return (matrix, gaps)
    }

    /// From the raw curve's derivatives: the cycle where the log phase starts (`minBySD`) and
    /// TD0, the zero crossing of the third derivative before the second derivative's maximum.
    static func derivativeShape(_ raw: [Double]) -> (minBySD: Int, td0: Double) {
        let n = raw.count
        guard n >= 5 else { return (n, -1) }
        let nan = Double.nan
        var fd = [Double](repeating: nan, count: n - 1)
        for j in 0..<(n - 1) { fd[j] = raw[j + 1] - raw[j] }
        var sd = [Double](repeating: nan, count: n)
        for k in 1..<(n - 1) { sd[k] = fd[k] - fd[k - 1] }
        var meanSD = [Double](repeating: nan, count: n)
        for k in 1..<(n - 1) { meanSD[k] = (sd[k - 1] + sd[k] + sd[k + 1]) / 3 }
        var td = [Double](repeating: nan, count: n - 1)
        for j in 0..<(n - 1) { td[j] = meanSD[j + 1] - meanSD[j] }

        var argmax = 0
        for j in 1..<fd.count where fd[j] > fd[argmax] { argmax = j }
        var maxFD = argmax + 1
        if maxFD <= n - 2 {
            if raw[maxFD + 1] > raw[maxFD] && raw[maxFD] > raw[maxFD - 1] { maxFD += 2 }
        } else {
            maxFD = n
        }
        var maxSD = n, maxMeanSD = 0.0
        if maxFD > 3 {
            for cycle in 3..<maxFD where !meanSD[cycle - 1].isNaN && meanSD[cycle - 1] - maxMeanSD > 0 {
                maxMeanSD = meanSD[cycle - 1]
                maxSD = cycle
            }
        }
        if maxSD + 2 >= n { maxSD = n }
        var minBySD = maxSD
        while minBySD > 3 && raw[minBySD - 2] < raw[minBySD - 1] { minBySD -= 1 }
        var maxBySD = maxSD
        if maxBySD < n && raw[maxBySD - 1] < raw[maxBySD] { maxBySD += 1 }
        let stop = min(n - 1, maxSD + 2, maxBySD - 1)
        var td0 = -1.0
        if minBySD < stop {
            for cycle in (minBySD..<stop).reversed() {
                let here = td[cycle], next = cycle + 1 < td.count ? td[cycle + 1] : nan
                if here >= 0 && next < 0 {
                    td0 = Double(cycle) + 1.5 + here / (here - next)
                    break
                }
            }
        }
        return (minBySD, td0)
    }

    /// The baseline search on one (positive) curve.
    struct BaselineFit {
        var background: Double
        var error: Int
        var efficiency = 1.0
        var r2 = -1.0
        var n0 = 0.0
        var lastCycle = -1
        var included = -1
    }

    static func baselineFit(_ curve: [Double], td0: Double, minBySD: Int) -> BaselineFit {
        var fit = BaselineFit(background: curve.min()! * 0.99, error: 1)
        guard td0 >= 3 else { fit.error = 2; return fit }
        let stop = Int(td0 - 0.5)
        guard stop >= 4 else { fit.error = 3; return fit }
        let start = max(minBySD + 1, stop - 9 + 1)
        fit.included = stop - start + 1
        fit.lastCycle = stop
        guard fit.included >= 4 else { fit.error = 4; return fit }
        let section = Array(curve[(start - 1)..<stop])
        let raw = halfSlopes(section)
        guard raw.low <= raw.high else { fit.error = 5; return fit }
        let floor = curve[start - 1]
        let lifted = halfSlopes(section.map { $0 - floor + 1e-8 })
        guard lifted.low >= lifted.high else { fit.error = 6; return fit }
        var base = floor * 0.5, step = base * 0.5
        var shifted = section
        for _ in 0..<50 {
            for i in 0..<section.count { shifted[i] = section[i] - base }
            let s = halfSlopes(shifted)
            if abs(s.low - s.high) < 1e-5 {
                let line = logLinearFit(shifted)
                fit.background = base
                fit.efficiency = Double.pow(10, s.high)
                fit.r2 = line.correlation * line.correlation
                fit.n0 = line.n0
                fit.error = 0
                break
            }
            if s.low > s.high { base -= step } else { base += step }
            step *= 0.5
        }
        return fit
    }

    /// Slopes of log10(values) on position for the lower and the upper half.
    static func halfSlopes(_ values: [Double]) -> (low: Double, high: Double) {
        let center = Double(values.count) / 2
        func slope(_ from: Int, _ to: Int) -> Double {
            var sx = 0.0, sy = 0.0, sxx = 0.0, sxy = 0.0, count = 0.0
            guard from <= to else { return -999.9 }
            for i in from...to {
                let x = Double(i), y = Double.log10(values[i])
                sx += x; sy += y; sxx += x * x; sxy += x * y; count += 1
            }
            return (sxy - sx * sy / count) / (sxx - sx * sx / count)
        }
        return (slope(0, Int(center - 0.4)), slope(Int(center), values.count - 1))
    }

    /// The straight line of log10(values) on position: correlation and 10^intercept.
    static func logLinearFit(_ values: [Double]) -> (correlation: Double, n0: Double) {
        var sx = 0.0, sy = 0.0, sxx = 0.0, sxy = 0.0, syy = 0.0
        let count = Double(values.count)
        for (i, v) in values.enumerated() {
            let x = Double(i), y = Double.log10(v)
            sx += x; sy += y; sxx += x * x; sxy += x * y; syy += y * y
        }
        let ssx = sxx - sx * sx / count, ssy = syy - sy * sy / count, spxy = sxy - sx * sy / count
        let slope = spxy / ssx
        return (spxy / (ssx * ssy).squareRoot(), Double.pow(10, sy / count - slope * sx / count))
    }

    /// The mean efficiency and its standard deviation per target, with outliers marked.
    func meanEfficiencies(curves: [AmplificationCurve], efficiencies: [Double], excludeFromMean: inout [Bool])
        -> (mean: [Double], sd: [Double], outlier: [Bool]) {
        let rows = curves.count
        var candidate = (0..<rows).map { r -> Double in
            let e = efficiencies[r]
            return excludeFromMean[r] || e.isNaN || e < 1.001 ? .nan : e
        }
        var outlier = [Bool](repeating: false, count: rows)
        var mean = [Double](repeating: 0, count: rows), sd = [Double](repeating: 0, count: rows)
        var order: [String] = []
        for c in curves where !order.contains(c.target) { order.append(c.target) }
        for target in order {
            let members = (0..<rows).filter { curves[$0].target == target }
            switch efficiencyExclusion {
            case .mean:
                let values = members.map { candidate[$0] }.filter { !$0.isNaN }.sorted()
                let median = values.isEmpty ? Double.nan
                    : values.count % 2 == 1 ? values[values.count / 2] : (values[values.count / 2 - 1] + values[values.count / 2]) / 2
                for r in members where !efficiencies[r].isNaN {
                    if median.isNaN || !(median - efficiencyTolerance <= efficiencies[r] && efficiencies[r] <= median + efficiencyTolerance) {
                        outlier[r] = true
                        excludeFromMean[r] = true
                    }
                }
            case .outlier:
                while let r = Self.grubbsOutlier(members.map { candidate[$0] }).map({ members[$0] }) {
                    candidate[r] = .nan
                    outlier[r] = true
                    excludeFromMean[r] = true
                }
            case .include:
                break
            }
            let kept = members.filter { !outlier[$0] }.map { candidate[$0] }.filter { !$0.isNaN }
            let m = kept.isEmpty ? -1.0 : kept.reduce(0, +) / Double(kept.count)
            let s = kept.isEmpty ? Double.nan : (kept.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(kept.count)).squareRoot()
            for r in members {
                mean[r] = m
                sd[r] = s
            }
        }
        return (mean, sd, outlier)
    }

    /// The index of the value Grubbs' test (α = 0.05) rejects, when the values (NaN ignored) are
    /// significantly skewed; nil when fewer than three or none is rejected.
    static func grubbsOutlier(_ values: [Double], alpha: Double = 0.05) -> Int? {
        let present = values.filter { !$0.isNaN }
        let n = Double(present.count)
        guard present.count >= 3 else { return nil }
        let mean = present.reduce(0, +) / n
        let m2 = present.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / n
        let m3 = present.map { ($0 - mean) * ($0 - mean) * ($0 - mean) }.reduce(0, +) / n
        guard m2 > 0 else { return nil }
        let skewness = m3 / Double.pow(m2, 1.5) * (n * (n - 1)).squareRoot() / (n - 2)
        let standardError = (6 * n * (n - 1) / ((n - 2) * (n + 1) * (n + 3))).squareRoot()
        let p = Double.erfc(abs(skewness) / standardError / 2.0.squareRoot())   // two-sided, normal
        guard p < alpha / 2 else { return nil }
        let t = StudentT.quantile(1 - alpha / n / 2, dof: n - 2)
        let critical = (n - 1) / n.squareRoot() * (t * t / (n - 2 + t * t)).squareRoot()
        let sd = (m2 * n / (n - 1)).squareRoot()
        let index: Int
        if skewness > 0 {
            index = values.indices.filter { !values[$0].isNaN }.max { values[$0] < values[$1] }!
            return (values[index] - mean) / sd > critical ? index : nil
        }
        index = values.indices.filter { !values[$0].isNaN }.min { values[$0] < values[$1] }!
        return (mean - values[index]) / sd > critical ? index : nil
    }

    /// The notes and exclusions LinRegPCR writes for each sample type.
    static func annotate(_ r: inout LinRegPCRResult, sampleType: String, exclusion: EfficiencyExclusion) {
        let f3 = { (x: Double) -> String in
            let thousandths = Int((abs(x) * 1000).rounded()), fraction = String(thousandths % 1000)
            return (x < 0 ? "-" : "") + "\(thousandths / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
        }
        switch sampleType {
        case "ntc", "nac", "ntp", "nrt":
            if r.amplification {
                r.exclusions.append("amplification in negative control")
                if r.baselineError != 0 { r.notes.append("baseline error") }
            } else if r.td0 > 2 {
                r.notes.append("TD0 found in negative control")
            }
        case "std", "pos", "unkn":
            let control = sampleType != "unkn"
            if r.amplification {
                if !r.plateau { r.notes.append(control ? "no plateau in positive control" : "no plateau") }
            } else {
                if control { r.exclusions.append("no amplification in positive control") } else { r.notes.append("no amplification") }
                if r.td0 < 2 { r.notes.append(control ? "no TD0 found in positive control" : "no TD0 found") }
                else if r.cyclesInLogPhase < 5 { r.notes.append("only \(r.cyclesInLogPhase) values in log phase") }
                else if r.baselineError > 0 { r.notes.append(control ? "baseline error in positive control" : "baseline error") }
            }
            if r.individualEfficiency > 1.1 && r.individualEfficiency < 1.7 { r.notes.append("indiv PCR eff is \(f3(r.individualEfficiency)) < 1.7") }
            if exclusion != .include {
                if !r.individualEfficiency.isFinite || r.individualEfficiency < 1 {
                    r.notes.append("no indiv PCR eff can be calculated")
                } else if r.efficiencyOutlier {
                    if exclusion == .outlier {
                        r.notes.append("PCR efficiency outlier")
                    } else {
                        let difference = r.individualEfficiency - r.meanEfficiency
                        r.notes.append("indiv PCR eff is \(difference > 0 ? "higher" : "lower") than mean PCR eff by \(f3(abs(difference)))")
                    }
                }
            }
            if r.meanEfficiency > 1.1 && r.meanEfficiency < 1.7 { r.notes.append("mean PCR eff is \(f3(r.meanEfficiency)) < 1.7") }
        default:
            break
        }
    }
}
