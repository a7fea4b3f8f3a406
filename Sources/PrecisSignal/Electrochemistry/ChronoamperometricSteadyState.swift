import PrecisCore

/// When a chronoamperometric current counts as settled.
public struct SteadyStateCriteria: Sendable, Codable, Equatable {
    /// Length of the sliding window, s.
    public var window: Double = 1
    /// Allowed drift over one window, as a fraction of the window's mean current.
    public var relativeTolerance = 0.01
    /// Allowed drift over one window in amperes (the larger of the two tolerances applies).
    public var absoluteTolerance = 0.0
    /// The default criteria: 1 s windows, 1 % drift.
    public init() {}
}

/// The outcome of the steady-state search.
public enum SteadyStateResult: Sendable, Codable, Equatable {
    /// The current settled at `time` and stayed within tolerance until the end.
    /// `current` is the mean current from `time` to the end, A.
    case settled(current: Double, time: Double)
    /// It never settled for good; `drift` is the last window's drift and `tolerance` what it had to meet, A.
    case notSettled(drift: Double, tolerance: Double)
}

/// Detects the steady state of a chronoamperogram.
///
/// Method: for every window [t_s, t_s + window] that lies inside the record, fit a straight
/// line to the current by least squares; the window's drift is |slope| × window. A window passes
/// when its drift is at most max(relativeTolerance × |mean current|, absoluteTolerance). The
/// current is settled from the start t_s of the earliest window after which every window
/// passes; the steady-state current is the mean from there to the end. The least-squares slope
/// is insensitive to white noise, unlike the spread of the samples.
public enum SteadyStateDetector {
    /// The steady state of `currents` (A) sampled at `times` (s). Throws `.input` for
    /// mismatched lengths, non-finite values, times not strictly increasing, or a record
    /// shorter than one window.
    public static func detect(times: [Double], currents: [Double],
                              criteria: SteadyStateCriteria = SteadyStateCriteria()) throws -> SteadyStateResult {
        try validate(times, currents, criteria)
        let n = times.count, t0 = times[0]
        var st = [0.0], si = [0.0], stt = [0.0], sti = [0.0]
        st.reserveCapacity(n + 1); si.reserveCapacity(n + 1); stt.reserveCapacity(n + 1); sti.reserveCapacity(n + 1)
        for k in 0..<n {
            let t = times[k] - t0, i = currents[k]
            st.append(st[k] + t); si.append(si[k] + i); stt.append(stt[k] + t * t); sti.append(sti[k] + t * i)
        }
        var settledFrom: Int?, lastDrift = 0.0, lastTolerance = 0.0, end = 0
        for s in 0..<n {
            while end + 1 < n, times[end + 1] <= times[s] + criteria.window * (1 + 1e-12) { end += 1 }
            guard times[end] - times[s] >= criteria.window * (1 - 1e-9), end - s >= 2 else { break }
            let count = Double(end - s + 1)
            let sumT = st[end + 1] - st[s], sumI = si[end + 1] - si[s]
            let varT = count * (stt[end + 1] - stt[s]) - sumT * sumT
            let slope = (count * (sti[end + 1] - sti[s]) - sumT * sumI) / varT
            lastDrift = abs(slope) * criteria.window
            lastTolerance = max(criteria.relativeTolerance * abs(sumI / count), criteria.absoluteTolerance)
            if lastDrift <= lastTolerance {
                if settledFrom == nil { settledFrom = s }
            } else {
                settledFrom = nil
            }
        }
        guard let from = settledFrom else { return .notSettled(drift: lastDrift, tolerance: lastTolerance) }
        let mean = (si[n] - si[from]) / Double(n - from)
        return .settled(current: mean, time: times[from])
    }

    private static func validate(_ t: [Double], _ i: [Double], _ c: SteadyStateCriteria) throws {
        guard t.count == i.count else {
            throw PrecisError(.input, "steady state: \(t.count) times but \(i.count) currents")
        }
        guard c.window > 0, c.relativeTolerance >= 0, c.absoluteTolerance >= 0 else {
            throw PrecisError(.input, "steady state: the window must be positive and the tolerances not negative")
        }
        guard t.allSatisfy(\.isFinite), i.allSatisfy(\.isFinite) else {
            throw PrecisError(.input, "steady state: a time or current is not a finite number")
        }
        for k in 1..<max(t.count, 1) where t[k] <= t[k - 1] {
            throw PrecisError(.input, "steady state: times are not strictly increasing at sample \(k)")
        }
        guard t.count >= 3, let first = t.first, let last = t.last, last - first >= c.window else {
            throw PrecisError(.input, "steady state: the record is shorter than one \(c.window) s window",
                              hint: "measure longer or use a shorter window")
        }
    }
}
