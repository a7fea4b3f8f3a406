import Foundation
import PrecisCore
import PrecisDrivers

/// A simulated EmStat Pico speaking MethodSCRIPT, as a `Transport`: it answers `t`, `i`, `v`, `Z`,
/// runs the LSV, CV, DPV, SWV and CA scripts it is sent on a reversible one-electron couple and
/// streams correctly encoded data packages, with knobs to break the stream.
///
/// ```
///  driver ── "e\n…meas_loop_dpv…\n\n" ──▶ simulator
///  driver ◀── "e\n" "M0000\n" "Pda…;ba…,10,2XX\n"… "*\n" "\n" ── simulator
/// ```
public actor SimulatedPotentiostat: Transport {
    /// The electrochemistry: a reversible couple, Red bulk only, semi-infinite diffusion.
    public struct Cell: Sendable {
        /// Formal potential E°', V.
        public var formalPotential = 0.2
        /// Electrons transferred.
        public var electrons = 1.0
        /// Bulk concentration, mol/cm³ (1e-6 = 1 mM).
        public var concentration = 1e-6
        /// Diffusion coefficient, cm²/s.
        public var diffusion = 7.6e-6
        /// Disk radius, cm (area πr²; the CA uses the Shoup–Szabo disk current).
        public var radius = 0.15
        /// Double-layer capacitance, F/cm².
        public var capacitance = 20e-6
        /// Temperature, K.
        public var temperature = 298.15
        /// Gaussian current noise, A rms (0 for none).
        public var noise = 0.0
        /// Seed of the noise.
        public var seed: UInt64 = 1
        /// Stripping: how many times the bulk concentration the working electrode's film holds
        /// per second of deposition (`set_e` below E°' − 0.2 V, then `wait`); 0: no film, the
        /// dissolved couple only. A simple model of anodic stripping voltammetry: the metal
        /// reduced into the film during deposition is what the sweep oxidises again, so the
        /// stripping peak grows with concentration × deposition time.
        public var preconcentration = 0.0
        /// The default cell: 3 mm disk, 1 mM, E°' = +0.2 V.
        public init() {}

        /// A blood lead measurement as LeadCare-type analysers make it: whole blood diluted
        /// `dilution`-fold in the treatment reagent, Pb²⁺ (n = 2, E°' −0.5 V against the
        /// electrode's reference, D 9.5e-6 cm²/s) plated into a film that strips it again.
        public static func lead(microgramsPerDecilitre: Double, dilution: Double = 6, noise: Double = 2e-11, seed: UInt64 = 1) -> Cell {
            var cell = Cell()
            cell.formalPotential = -0.5
            cell.electrons = 2
            cell.diffusion = 9.5e-6
            cell.concentration = microgramsPerDecilitre * 1e-8 / 207.2 / dilution   // µg/dL → g/mL → mol/cm³
            cell.capacitance = 0
            cell.noise = noise
            cell.seed = seed
            cell.preconcentration = 0.5
            return cell
        }
        /// Electrode area, cm².
        public var area: Double { Double.pi * radius * radius }
        /// nF/RT, 1/V.
        public var f: Double { electrons * 96485.33212 / (8.314462618 * temperature) }
    }

    /// Ways to break the output, counted in data packages of the script (0 = the first).
    public struct Faults: Sendable {
        /// Package whose line is cut short in its last variable (still ending in a newline).
        public var truncatePackage: Int?
        /// Package before which the device reports `!code` and stops.
        public var errorBeforePackage: Int?
        /// The code of that error.
        public var errorCode: UInt16 = 0x0032
        /// Package in the middle of which the device disconnects.
        public var disconnectInPackage: Int?
        /// Package before which the device falls silent (no disconnect).
        public var silentBeforePackage: Int?
        /// Delay before each package line (a slow device).
        public var packageDelay: Duration = .zero
        /// Bytes per read at most, like USB packets.
        public var chunkSize = 64
        /// No faults.
        public init() {}
    }

    private struct Item { var bytes: [UInt8]; var delay: Duration = .zero; var script = false; var disconnect = false }

    /// Where the bytes go, for messages.
    public nonisolated let endpointDescription = "sim:methodscript"
    /// The cell being measured.
    public var cell: Cell
    /// The active faults.
    public var faults: Faults
    /// Every script received, without `e` and the closing empty line.
    public private(set) var scripts: [[String]] = []
    private let serial: String, firmware: String
    private var input: [UInt8] = [], loading: [String]?
    private var output: [Item] = []
    private var gone = false
    private var rng: UInt64
    /// Seconds of deposition the running script held (stripping, `Cell.preconcentration`).
    private var deposition = 0.0

    /// Makes a simulator with `cell` and `faults`.
    public init(cell: Cell = Cell(), faults: Faults = Faults(), serial: String = "SIM-PICO-0001",
                firmware: String = "espico1206#Jan  1 2026 00:00:00") {
        self.cell = cell
        self.faults = faults
        self.serial = serial
        self.firmware = firmware
        self.rng = cell.seed
    }

    /// Replaces the faults.
    public func setFaults(_ faults: Faults) { self.faults = faults }

    /// Takes bytes from the driver and queues the answers to every complete line.
    public func write(_ bytes: [UInt8], timeout: Duration) async throws {
        guard !gone else { throw PrecisError(.disconnected, "simulated potentiostat disconnected") }
        input += bytes
        while let newline = input.firstIndex(of: 0x0A) {
            let line = String(decoding: input[..<newline], as: UTF8.self)
            input.removeSubrange(...newline)
            command(line)
        }
    }

    /// Returns the next bytes, honouring delays, silence and disconnection.
    public func read(timeout: Duration) async throws -> [UInt8] {
        guard !gone else { throw PrecisError(.disconnected, "simulated potentiostat disconnected") }
        let deadline = ContinuousClock.now + timeout
        while output.isEmpty {
            guard !gone else { throw PrecisError(.disconnected, "simulated potentiostat disconnected") }
            guard ContinuousClock.now < deadline else { throw PrecisError(.timeout, "simulated potentiostat sent nothing") }
            try await Task.sleep(for: min(.milliseconds(2), deadline - .now))
        }
        var head = output[0]
        let left = deadline - .now
        if head.delay > left {
            try await Task.sleep(for: max(left, .zero))
            output[0].delay -= max(left, .zero)
            throw PrecisError(.timeout, "simulated potentiostat is slow")
        }
        if head.delay > .zero { try await Task.sleep(for: head.delay) }
        if head.disconnect {
            gone = true
            output.removeAll()
            throw PrecisError(.disconnected, "simulated potentiostat disconnected", hint: "the USB cable was pulled")
        }
        let count = min(max(1, faults.chunkSize), head.bytes.count)
        let chunk = Array(head.bytes.prefix(count))
        head.bytes.removeFirst(count)
        head.delay = .zero
        if head.bytes.isEmpty { output.removeFirst() } else { output[0] = head }
        return chunk
    }

    /// Disconnects.
    public func close() async { gone = true }

    // MARK: - Commands

    private func send(_ text: String, script: Bool = false, delay: Duration = .zero) {
        output.append(Item(bytes: Array(text.utf8), delay: delay, script: script))
    }

    private func command(_ raw: String) {
        let line = raw.hasSuffix("\r") ? String(raw.dropLast()) : raw
        if var lines = loading {
            guard line.isEmpty else { lines.append(line); loading = lines; return }
            loading = nil
            scripts.append(lines)
            run(lines)
            return
        }
        switch line {
        case "": break
        case "t": send("t\(firmware)\nR*\n")
        case "i": send("i\(serial)\n")
        case "v": send("v01.09.00\n")
        case "e": loading = []
        case "Z": abortScript()
        default: send("!0003\n")
        }
    }

    private func abortScript() {
        guard output.contains(where: \.script) else { send("Z!0006\n"); return }
        let dropped = output.filter(\.script).map { String(decoding: $0.bytes, as: UTF8.self) }
        output.removeAll(where: \.script)
        send("Z\n")
        if dropped.contains("*\n") && !dropped.contains(where: { $0.hasPrefix("M") }) { send("*\n") }
        send("\n")
    }

    // MARK: - Scripts

    /// What a script asked for: the loop command's arguments and the packaged variables.
    private struct Plan { var technique = "", args: [Double] = [], vars: [String] = [], outputs: [String] = [], timer = "", scans = 1 }

    private func run(_ lines: [String]) {
        send("e\n", script: true)
        var plan = Plan(), values: [String: Double] = [:], declared = Set<String>()
        var potential: Double?
        deposition = 0
        for (index, raw) in lines.enumerated() {
            let code = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let words = code.split(separator: " ").map(String.init)
            guard let verb = words.first else { continue }
            let args = Array(words.dropFirst())
            func fail(_ error: UInt16) { send("!\(hex4(error)): Line \(index + 1), Col 1\n", script: true) }
            switch verb {
            case "var": declared.formUnion(args)
            case "store_var":
                guard args.count >= 2, declared.contains(args[0]), let v = Self.number(args[1]) else { return fail(0x4004) }
                values[args[0]] = v
            case "timer_get": plan.timer = args.first ?? ""
            case "pck_add": plan.outputs.append(args.first ?? "")
            case "set_e": potential = args.first.flatMap(Self.number)
            case "wait":
                if let e = potential, e < cell.formalPotential - 0.2, let t = args.first.flatMap(Self.number) { deposition += t }
            case "set_pgstat_chan", "set_pgstat_mode", "set_max_bandwidth", "set_range_minmax", "set_range",
                 "set_autoranging", "cell_on", "cell_off", "timer_start", "pck_start",
                 "pck_end", "endloop", "on_finished:":
                break
            case "meas_loop_lsv", "meas_loop_cv", "meas_loop_dpv", "meas_loop_swv", "meas_loop_ca":
                let outs = verb == "meas_loop_swv" ? 4 : 2
                plan.technique = String(verb.dropFirst("meas_loop_".count))
                plan.vars = Array(args.prefix(outs))
                for arg in args.dropFirst(outs) {
                    if arg.hasPrefix("nscans(") { plan.scans = Int(arg.dropFirst(7).dropLast()) ?? 1; continue }
                    guard let v = Self.number(arg) ?? values[arg] else { return fail(declared.contains(arg) ? 0x4004 : 0x420B) }
                    plan.args.append(v)
                }
                guard plan.args.count == ["lsv": 4, "cv": 5, "dpv": 6, "swv": 5, "ca": 3][plan.technique] else { return fail(0x4008) }
            default: return fail(0x4001)
            }
        }
        stream(plan)
    }

    /// Queues the measurement loop's output, applying the faults.
    private func stream(_ plan: Plan) {
        let curves = simulate(plan)
        send("M0000\n", script: true)
        var index = 0
        for curve in curves {
            if curves.count > 1 { send("C0000\n", script: true) }
            for point in curve {
                if index == faults.silentBeforePackage { return }
                if index == faults.errorBeforePackage { return send("!\(hex4(faults.errorCode))\n", script: true) }
                var line = MethodSCRIPTPackageEncoder.package(plan.outputs.map { encode($0, plan: plan, point: point) })
                if index == faults.truncatePackage { line = String(line.dropLast(12)) + "\n" }
                if index == faults.disconnectInPackage {
                    send(String(line.prefix(line.count / 2)), script: true, delay: faults.packageDelay)
                    return output.append(Item(bytes: [], script: true, disconnect: true))
                }
                send(line, script: true, delay: faults.packageDelay)
                index += 1
            }
            if curves.count > 1 { send("-\n", script: true) }
        }
        send("*\n", script: true)
        send("\n", script: true)
    }

    /// One simulated sample: the applied potential, currents (net, forward, reverse) and time.
    private struct Point { var e: Double, i: Double, forward = 0.0, reverse = 0.0, t = 0.0 }

    private func encode(_ name: String, plan: Plan, point: Point) -> String {
        let role = plan.vars.firstIndex(of: name)
        if name == plan.timer { return MethodSCRIPTPackageEncoder.variable("eb", point.t) }
        switch role {
        case 0: return MethodSCRIPTPackageEncoder.variable("da", point.e)
        case 1, 2, 3:
            let current = [point.i, point.forward, point.reverse][(role ?? 1) - 1]
            let range = MethodSCRIPTTables.picoCurrentRanges.filter { $0.key < 12 && $0.value.fullScale >= abs(current) }
                .min { $0.value.fullScale < $1.value.fullScale }?.key ?? 11
            let status: MethodSCRIPTStatus = abs(current) > 5e-3 ? .overload : []
            return MethodSCRIPTPackageEncoder.variable("ba", current, status: status, rangeCode: range)
        default: return MethodSCRIPTPackageEncoder.variable("ja", .nan)
        }
    }

    // MARK: - Electrochemistry

    private func simulate(_ plan: Plan) -> [[Point]] {
        let a = plan.args
        switch plan.technique {
        case "lsv": return cyclicVoltammogram(legs: [(a[0], a[1])], step: abs(a[2]), rate: abs(a[3]), scans: 1)
        case "cv": return cyclicVoltammogram(legs: [(a[0], a[1]), (a[1], a[2]), (a[2], a[0])], step: abs(a[3]), rate: abs(a[4]), scans: plan.scans)
        case "dpv": return [pulses(from: a[0], to: a[1], step: abs(a[2]), up: a[3], down: 0, pulseTime: a[4])]
        case "swv": return [pulses(from: a[0], to: a[1], step: abs(a[2]), up: a[3], down: -a[3], pulseTime: 1 / (2 * a[4]))]
        default: return [chronoamperogram(potential: a[0], interval: a[1], duration: a[2])]
        }
    }

    /// Fraction oxidised at the surface for a Nernstian couple at potential `e`.
    private func oxidised(_ e: Double) -> Double { 1 / (1 + exp(-cell.f * (e - cell.formalPotential))) }

    /// CV (or an LSV, one leg) by semi-integration: the semi-integral of the current is
    /// nFA√D·C·θ/(1+θ) for a reversible couple, and the current is its Grünwald semi-derivative.
    /// A stripping cell's film (`preconcentration` × the deposition held) adds to C, as in `pulses`.
    private func cyclicVoltammogram(legs: [(Double, Double)], step: Double, rate: Double, scans: Int) -> [[Point]] {
        var scan = [legs[0].0]
        for (from, to) in legs {
            let n = Int((abs(to - from) / step).rounded()), sign = to >= from ? 1.0 : -1.0
            if n > 0 { scan += (1...n).map { from + sign * Double($0) * step } }
        }
        let h = step / rate, scale = cell.electrons * 96485.33212 * cell.area * cell.diffusion.squareRoot() * cell.concentration
            * (1 + cell.preconcentration * deposition)
        let potentials = Array(repeating: scan, count: max(1, scans)).flatMap { $0 }
        let semi = potentials.map { scale * oxidised($0) }
        var weights = [1.0]
        for j in 1..<max(potentials.count, 1) { weights.append(weights[j - 1] * (Double(j) - 1.5) / Double(j)) }
        var points: [Point] = []
        for k in potentials.indices {
            var sum = 0.0
            for j in 0...k { sum += weights[j] * semi[k - j] }
            let direction = k > 0 ? (potentials[k] >= potentials[k - 1] ? 1.0 : -1.0) : 1.0
            let charging = cell.capacitance * cell.area * rate * direction
            points.append(Point(e: potentials[k], i: sum / h.squareRoot() + charging + noise()))
        }
        let perScan = scan.count
        return stride(from: 0, to: points.count, by: perScan).map { Array(points[$0..<min($0 + perScan, points.count)]) }
    }

    /// DPV (`down` = 0) or SWV (`down` = −amplitude): sampled currents i_d·θ/(1+θ) at the two levels.
    private func pulses(from begin: Double, to end: Double, step: Double, up: Double, down: Double, pulseTime: Double) -> [Point] {
        let limit = cell.electrons * 96485.33212 * cell.area * cell.concentration * (1 + cell.preconcentration * deposition)
            * (cell.diffusion / (Double.pi * pulseTime)).squareRoot()
        let n = Int((abs(end - begin) / step).rounded()), sign = end >= begin ? 1.0 : -1.0
        return (0...n).map { k in
            let e = begin + sign * Double(k) * step
            let forward = limit * oxidised(e + up) + noise(), reverse = limit * oxidised(e + down) + noise()
            return Point(e: e, i: forward - reverse, forward: forward, reverse: reverse)
        }
    }

    /// CA at a disk: Shoup–Szabo current 4nFDCr·f(τ), τ = 4Dt/r², times the oxidised fraction.
    private func chronoamperogram(potential: Double, interval: Double, duration: Double) -> [Point] {
        let n = Int((duration / interval).rounded())
        let steady = 4 * cell.electrons * 96485.33212 * cell.diffusion * cell.concentration * cell.radius
        return (1...max(n, 1)).map { k in
            let t = Double(k) * interval
            let root = (4 * cell.diffusion * t / (cell.radius * cell.radius)).squareRoot()
            let shape = 0.7854 + 0.8862 / root + 0.2146 * exp(-0.7823 / root)
            return Point(e: potential, i: steady * shape * oxidised(potential) + noise(), t: t)
        }
    }

    /// Gaussian noise of `cell.noise` rms from a SplitMix64 stream (Box–Muller).
    private func noise() -> Double {
        guard cell.noise > 0 else { return 0 }
        func uniform() -> Double {
            rng &+= 0x9E37_79B9_7F4A_7C15
            var z = rng
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return (Double((z ^ (z >> 31)) >> 11) + 0.5) / 9_007_199_254_740_992
        }
        return cell.noise * (-2 * log(uniform())).squareRoot() * cos(2 * Double.pi * uniform())
    }

    /// A 4-digit upper-case hex code.
    private func hex4(_ code: UInt16) -> String {
        let text = String(code, radix: 16, uppercase: true)
        return String(repeating: "0", count: 4 - text.count) + text
    }

    /// A script literal: a decimal number with an optional SI prefix (`500m`, `-1`, `10u`).
    static func number(_ word: String) -> Double? {
        guard let last = word.last else { return nil }
        if let factor = MethodSCRIPTTables.scalingPrefixes.first(where: { $0.prefix == last && last != " " })?.factor {
            return Double(word.dropLast()).map { $0 * factor }
        }
        return Double(word)
    }
}
