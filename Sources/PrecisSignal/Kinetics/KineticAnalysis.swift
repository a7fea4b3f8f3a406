import PrecisCore
import RealModule

/// What a kinetic fluorescence read gives: the rate of its linear phase, the endpoint, and
/// whether the read can be trusted.
public struct KineticResult: Sendable, Equatable, Codable {
    /// Signal per second over the linear phase.
    public var rate: Double
    /// The rate's standard error.
    public var rateStandardError: Double
    /// R² of the line over the linear phase.
    public var r2: Double
    /// Where the linear phase starts and ends, s.
    public var start: Double
    /// Where the linear phase ends, s.
    public var end: Double
    /// The final signal over the blank (mean of the last three readings minus the blank).
    public var endpoint: Double
    /// The blank level (mean over the blank window).
    public var blank: Double
    /// The noise: standard deviation of the blank window about its own line.
    public var noise: Double
    /// The rise over the linear phase divided by the noise.
    public var signalToNoise: Double
    /// What is wrong with the read, if anything.
    public var flags: [Flag]

    /// A reason to distrust a kinetic read.
    public enum Flag: String, Sendable, Codable {
        /// No window of the read is linear enough (R² below the threshold).
        case noLinearPhase = "NO_LINEAR_PHASE"
        /// Readings reached the detector's ceiling; they were left out.
        case saturated = "SATURATED"
        /// The rise is within the noise (S/N below the threshold).
        case tooNoisy = "TOO_NOISY"
    }
}

/// Kinetic fluorescence analysis: the linear phase is found around the steepest window of
/// `minimumPoints` readings whose line fits with R² ≥ `minimumR2` (after the blank window and
/// without saturated readings); its slope is the rate.
public struct KineticAnalyzer: Sendable {
    /// Seconds at the start that are the blank (before the reaction shows).
    public var blankSeconds: Double
    /// The fewest readings a linear phase has.
    public var minimumPoints: Int
    /// The least R² a linear phase has.
    public var minimumR2: Double
    /// Readings at or above this are saturated.
    public var saturation: Double
    /// The least signal-to-noise of a trusted read.
    public var minimumSignalToNoise: Double

    /// Makes an analyzer.
    public init(blankSeconds: Double, minimumPoints: Int = 6, minimumR2: Double = 0.98, saturation: Double = .infinity,
                minimumSignalToNoise: Double = 10) {
        self.blankSeconds = blankSeconds
        self.minimumPoints = minimumPoints
        self.minimumR2 = minimumR2
        self.saturation = saturation
        self.minimumSignalToNoise = minimumSignalToNoise
    }

    /// Analyses one read; throws `.input` for mismatched, unsorted or too short data.
    public func analyze(time: [Double], signal: [Double]) throws -> KineticResult {
        guard time.count == signal.count, time.count >= minimumPoints + 3 else {
            throw PrecisError(.input, "a kinetic read needs matching times and signals, at least \(minimumPoints + 3) readings")
        }
        guard zip(time, time.dropFirst()).allSatisfy({ $0 < $1 }), signal.allSatisfy(\.isFinite) else {
            throw PrecisError(.input, "kinetic times must increase and signals be numbers")
        }
        let blankIndices = time.indices.filter { time[$0] <= time[0] + blankSeconds }
        let blankLine = Self.line(blankIndices.map { time[$0] }, blankIndices.map { signal[$0] })
        let blank = blankIndices.map { signal[$0] }.reduce(0, +) / Double(max(blankIndices.count, 1))
        let noise = max(blankLine?.residualSD ?? 0, .leastNormalMagnitude)
        var flags: [KineticResult.Flag] = []
        let usable = time.indices.filter { time[$0] > time[0] + blankSeconds && signal[$0] < saturation }
        if signal.contains(where: { $0 >= saturation }) { flags.append(.saturated) }
        let endpoint = signal.suffix(3).reduce(0, +) / 3 - blank
        guard let best = steepestLinearWindow(usable, time, signal) else {
            flags.append(.noLinearPhase)
            return KineticResult(rate: .nan, rateStandardError: .nan, r2: .nan, start: .nan, end: .nan, endpoint: endpoint,
                                 blank: blank, noise: noise, signalToNoise: 0, flags: flags)
        }
        let rise = best.fit.slope * (best.end - best.start)
        let snr = abs(rise) / noise
        if snr < minimumSignalToNoise { flags.append(.tooNoisy) }
        return KineticResult(rate: best.fit.slope, rateStandardError: best.fit.slopeSE, r2: best.fit.r2, start: best.start,
                             end: best.end, endpoint: endpoint, blank: blank, noise: noise, signalToNoise: snr, flags: flags)
    }

    /// The linear phase: find the steepest short window (`minimumPoints` readings, R² ≥
    /// `minimumR2`), then widen it over the neighbouring windows whose own slope is at least
    /// 90 % of that steepest slope, and fit the line over the whole stretch. Widening is what
    /// keeps the rate unbiased: the steepest short window alone is picked partly for its noise.
    private func steepestLinearWindow(_ usable: [Int], _ time: [Double], _ signal: [Double])
        -> (fit: (slope: Double, slopeSE: Double, r2: Double, residualSD: Double), start: Double, end: Double)? {
        guard usable.count >= minimumPoints else { return nil }
        let starts = 0...(usable.count - minimumPoints)
        let local = starts.map { first -> (slope: Double, r2: Double)? in
            let window = usable[first..<(first + minimumPoints)]
            return Self.line(window.map { time[$0] }, window.map { signal[$0] }).map { ($0.slope, $0.r2) }
        }
        guard let peak = starts.filter({ (local[$0]?.r2 ?? 0) >= minimumR2 })
            .max(by: { abs(local[$0]!.slope) < abs(local[$1]!.slope) }) else { return nil }
        let steepest = local[peak]!.slope
        func keeps(_ k: Int) -> Bool { local[k].map { $0.slope / steepest >= 0.9 } ?? false }
        var first = peak, last = peak
        while first > starts.lowerBound, keeps(first - 1) { first -= 1 }
        while last < starts.upperBound, keeps(last + 1) { last += 1 }
        let stretch = usable[first..<(last + minimumPoints)]
        guard let fit = Self.line(stretch.map { time[$0] }, stretch.map { signal[$0] }), fit.r2 >= minimumR2 else { return nil }
        return (fit, time[stretch.first!], time[stretch.last!])
    }

    /// Least-squares line: slope, its SE, R² and the residual SD; nil for fewer than 3 points.
    static func line(_ x: [Double], _ y: [Double]) -> (slope: Double, slopeSE: Double, r2: Double, residualSD: Double)? {
        let n = Double(x.count)
        guard x.count >= 3 else { return nil }
        let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxx = 0.0, sxy = 0.0, syy = 0.0
        for i in x.indices { sxx += (x[i] - mx) * (x[i] - mx); sxy += (x[i] - mx) * (y[i] - my); syy += (y[i] - my) * (y[i] - my) }
        guard sxx > 0 else { return nil }
        let slope = sxy / sxx
        let ssr = max(syy - slope * sxy, 0)
        let residualSD = Double.sqrt(ssr / (n - 2))
        return (slope, residualSD / Double.sqrt(sxx), syy > 0 ? 1 - ssr / syy : 1, residualSD)
    }
}
