import PrecisCore

// Script generation for the techniques Precis runs (protocol.md §4).

/// Cyclic voltammetry: begin → vertex 1 → vertex 2 → begin, `scans` times (protocol.md §4.2).
public struct CyclicVoltammetry: Sendable, Equatable {
    /// Start (and end) potential, V.
    public var begin: Double
    /// First vertex potential, V.
    public var vertex1: Double
    /// Second vertex potential, V.
    public var vertex2: Double
    /// Potential step, V (positive).
    public var step: Double
    /// Scan rate, V/s (positive).
    public var scanRate: Double
    /// Number of scans (1 or more); more than one adds `nscans(n)`.
    public var scans: Int
    /// Makes the parameters.
    public init(begin: Double, vertex1: Double, vertex2: Double, step: Double, scanRate: Double, scans: Int = 1) {
        (self.begin, self.vertex1, self.vertex2, self.step, self.scanRate, self.scans) =
            (begin, vertex1, vertex2, step, scanRate, scans)
    }
}

/// Linear sweep voltammetry: one sweep from `begin` to `end` (MethodSCRIPT `meas_loop_lsv`).
public struct LinearSweepVoltammetry: Sendable, Equatable {
    /// Start potential, V.
    public var begin: Double
    /// End potential, V.
    public var end: Double
    /// Potential step, V (positive).
    public var step: Double
    /// Scan rate, V/s (positive).
    public var scanRate: Double
    /// Makes the parameters.
    public init(begin: Double, end: Double, step: Double, scanRate: Double) {
        (self.begin, self.end, self.step, self.scanRate) = (begin, end, step, scanRate)
    }
}

/// Differential pulse voltammetry (protocol.md §4.3).
public struct DifferentialPulseVoltammetry: Sendable, Equatable {
    /// Start potential, V.
    public var begin: Double
    /// End potential, V.
    public var end: Double
    /// Staircase step, V (positive).
    public var step: Double
    /// Pulse amplitude, V.
    public var pulseAmplitude: Double
    /// Pulse duration, s.
    public var pulseTime: Double
    /// Scan rate, V/s: sets the step interval `step / scanRate`.
    public var scanRate: Double
    /// Makes the parameters.
    public init(begin: Double, end: Double, step: Double, pulseAmplitude: Double, pulseTime: Double, scanRate: Double) {
        (self.begin, self.end, self.step, self.pulseAmplitude, self.pulseTime, self.scanRate) =
            (begin, end, step, pulseAmplitude, pulseTime, scanRate)
    }
}

/// Square-wave voltammetry (protocol.md §4.4).
public struct SquareWaveVoltammetry: Sendable, Equatable {
    /// Start potential, V.
    public var begin: Double
    /// End potential, V.
    public var end: Double
    /// Staircase step, V (positive).
    public var step: Double
    /// Square-wave amplitude, V (positive).
    public var amplitude: Double
    /// Square-wave frequency, Hz (positive).
    public var frequency: Double
    /// Makes the parameters.
    public init(begin: Double, end: Double, step: Double, amplitude: Double, frequency: Double) {
        (self.begin, self.end, self.step, self.amplitude, self.frequency) = (begin, end, step, amplitude, frequency)
    }
}

/// Chronoamperometry at one potential (protocol.md §4.5).
public struct Chronoamperometry: Sendable, Equatable {
    /// Applied potential, V.
    public var potential: Double
    /// Sampling interval, s.
    public var interval: Double
    /// Run time, s.
    public var duration: Double
    /// Makes the parameters.
    public init(potential: Double, interval: Double, duration: Double) {
        (self.potential, self.interval, self.duration) = (potential, interval, duration)
    }
}

/// One of the techniques a script can run.
public enum MethodSCRIPTTechnique: Sendable, Equatable {
    /// Linear sweep voltammetry.
    case linearSweep(LinearSweepVoltammetry)
    /// Cyclic voltammetry.
    case cyclicVoltammetry(CyclicVoltammetry)
    /// Differential pulse voltammetry.
    case differentialPulse(DifferentialPulseVoltammetry)
    /// Square-wave voltammetry.
    case squareWave(SquareWaveVoltammetry)
    /// Chronoamperometry.
    case chronoamperometry(Chronoamperometry)
}

/// Cell settings written before the measurement loop (protocol.md §4).
public struct MethodSCRIPTCellSettings: Sendable, Equatable {
    /// `set_pgstat_mode`: 2 low speed, 3 high speed (EmStat Pico).
    public var pgstatMode = 2
    /// `set_max_bandwidth`, Hz.
    public var maxBandwidth = 40.0
    /// Starting current range (`set_range ba`), A.
    public var currentRange = 100e-6
    /// Lowest and highest autoranging current ranges (`set_autoranging ba`), A.
    public var autorange = (low: 1e-9, high: 1e-3)
    /// Seconds at the start potential with the cell on before the loop (`wait`); 0 for none.
    public var equilibrationTime = 0.0
    /// The default settings.
    public init() {}

    /// Compares every setting.
    public static func == (a: Self, b: Self) -> Bool {
        a.pgstatMode == b.pgstatMode && a.maxBandwidth == b.maxBandwidth && a.currentRange == b.currentRange
            && a.autorange == b.autorange && a.equilibrationTime == b.equilibrationTime
    }
}

/// A script ready to send: `e`, the lines, and the empty line that ends it.
public struct MethodSCRIPTScript: Sendable, Equatable {
    /// The exact text written to the device.
    public let text: String
    /// The text as bytes.
    public var bytes: [UInt8] { Array(text.utf8) }
    /// Wraps script lines (without `e` and without the closing empty line).
    public init(lines: [String]) {
        text = "e\n" + lines.map { $0 + "\n" }.joined() + "\n"
    }
}

/// Writes numbers and scripts the way MethodSCRIPT reads them.
public enum MethodSCRIPTScriptBuilder {
    /// `x` as an integer with an SI prefix (`500m`, `-1`, `100u`), using the largest prefix that
    /// keeps it exact to 1e-9 relative with at most 27 bits (protocol.md §4.1). Throws `.input`
    /// for a non-finite value or one that needs more digits.
    public static func literal(_ x: Double) throws -> String {
        guard x.isFinite else { throw PrecisError(.input, "MethodSCRIPT cannot write \(x) as a number") }
        if x == 0 { return "0" }
        for (prefix, factor) in MethodSCRIPTTables.scalingPrefixes {
            let mantissa = x / factor
            let whole = mantissa.rounded()
            guard abs(whole) <= Double(MethodSCRIPTPackageEncoder.maxRaw), whole != 0,
                  abs(mantissa - whole) <= 1e-9 * abs(mantissa) else { continue }
            return String(Int(whole)) + (prefix == " " ? "" : String(prefix))
        }
        throw PrecisError(.input, "MethodSCRIPT cannot write \(x) exactly with an SI prefix",
                          hint: "round the value to at most 9 significant digits")
    }

    /// The whole script for `technique` with `settings` (protocol.md §4).
    public static func script(_ technique: MethodSCRIPTTechnique,
                              settings: MethodSCRIPTCellSettings = MethodSCRIPTCellSettings()) throws -> MethodSCRIPTScript {
        try validate(technique)
        let plan = try loop(technique)
        var lines = plan.vars.map { "var \($0)" }
        lines += [
            "set_pgstat_chan 0",
            "set_pgstat_mode \(settings.pgstatMode)",
            "set_max_bandwidth \(try literal(settings.maxBandwidth))",
            "set_range_minmax da \(try literal(plan.window.low)) \(try literal(plan.window.high))",
            "set_range ba \(try literal(settings.currentRange))",
            "set_autoranging ba \(try literal(settings.autorange.low)) \(try literal(settings.autorange.high))",
            "set_e \(try literal(plan.start))",
            "cell_on",
        ]
        if settings.equilibrationTime > 0 { lines.append("wait \(try literal(settings.equilibrationTime))") }
        lines += plan.before + [plan.loop] + plan.body + ["pck_start"] + plan.outputs.map { "pck_add \($0)" }
        lines += ["pck_end", "endloop", "on_finished:", "cell_off"]
        return MethodSCRIPTScript(lines: lines)
    }

    private struct Plan {
        var vars: [String], start: Double, window: (low: Double, high: Double)
        var before: [String] = [], loop: String, body: [String] = [], outputs: [String]
    }

    private static func loop(_ technique: MethodSCRIPTTechnique) throws -> Plan {
        let l = literal
        switch technique {
        case .cyclicVoltammetry(let cv):
            let all = [cv.begin, cv.vertex1, cv.vertex2]
            var text = "meas_loop_cv p c \(try l(cv.begin)) \(try l(cv.vertex1)) \(try l(cv.vertex2)) \(try l(cv.step)) \(try l(cv.scanRate))"
            if cv.scans > 1 { text += " nscans(\(cv.scans))" }
            return Plan(vars: ["p", "c"], start: cv.begin, window: (all.min() ?? 0, all.max() ?? 0),
                        loop: text, outputs: ["p", "c"])
        case .linearSweep(let s):
            return Plan(vars: ["p", "c"], start: s.begin, window: (min(s.begin, s.end), max(s.begin, s.end)),
                        loop: "meas_loop_lsv p c \(try l(s.begin)) \(try l(s.end)) \(try l(s.step)) \(try l(s.scanRate))",
                        outputs: ["p", "c"])
        case .differentialPulse(let d):
            let edges = [d.begin, d.end, d.begin + d.pulseAmplitude, d.end + d.pulseAmplitude]
            return Plan(vars: ["p", "c"], start: d.begin, window: (edges.min() ?? 0, edges.max() ?? 0),
                        loop: "meas_loop_dpv p c \(try l(d.begin)) \(try l(d.end)) \(try l(d.step)) \(try l(d.pulseAmplitude)) \(try l(d.pulseTime)) \(try l(d.scanRate))",
                        outputs: ["p", "c"])
        case .squareWave(let s):
            let edges = [s.begin - s.amplitude, s.begin + s.amplitude, s.end - s.amplitude, s.end + s.amplitude]
            return Plan(vars: ["p", "c", "f", "r"], start: s.begin, window: (edges.min() ?? 0, edges.max() ?? 0),
                        loop: "meas_loop_swv p c f r \(try l(s.begin)) \(try l(s.end)) \(try l(s.step)) \(try l(s.amplitude)) \(try l(s.frequency))",
                        outputs: ["p", "c", "f", "r"])
        case .chronoamperometry(let ca):
            return Plan(vars: ["p", "c", "t"], start: ca.potential, window: (ca.potential, ca.potential),
                        before: ["timer_start"],
                        loop: "meas_loop_ca p c \(try l(ca.potential)) \(try l(ca.interval)) \(try l(ca.duration))",
                        body: ["timer_get t"], outputs: ["t", "p", "c"])
        }
    }

    /// Refuses parameters the instrument would reject or misread, with a `.input` error.
    private static func validate(_ technique: MethodSCRIPTTechnique) throws {
        func need(_ ok: Bool, _ what: String) throws {
            if !ok { throw PrecisError(.input, "MethodSCRIPT script: \(what)") }
        }
        switch technique {
        case .cyclicVoltammetry(let cv):
            try need(cv.step > 0 && cv.scanRate > 0, "CV step and scan rate must be positive")
            try need(cv.vertex1 != cv.vertex2, "CV vertices must differ")
            try need(cv.scans >= 1, "CV needs at least one scan")
        case .linearSweep(let s):
            try need(s.step > 0 && s.scanRate > 0, "LSV step and scan rate must be positive")
            try need(s.begin != s.end, "LSV begin and end must differ")
        case .differentialPulse(let d):
            try need(d.step > 0 && d.scanRate > 0 && d.pulseTime > 0, "DPV step, scan rate and pulse time must be positive")
            try need(d.begin != d.end, "DPV begin and end must differ")
            try need(d.pulseTime < d.step / d.scanRate, "DPV pulse time must be shorter than the step interval step/scanRate")
        case .squareWave(let s):
            try need(s.step > 0 && s.amplitude > 0 && s.frequency > 0, "SWV step, amplitude and frequency must be positive")
            try need(s.begin != s.end, "SWV begin and end must differ")
        case .chronoamperometry(let ca):
            try need(ca.interval > 0 && ca.duration >= ca.interval, "CA interval must be positive and not longer than the run")
        }
    }
}
