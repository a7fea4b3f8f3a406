import Foundation
import PrecisCore
import PrecisDrivers
import PrecisReplay

/// `sim:obp`'s options (all optional), a simulated Ocean spectrometer with a lamp and a
/// cuvette holder (`SimulatedOBP`, `OBPSpectrumSource`):
///
/// | option | meaning |
/// |---|---|
/// | `model=NAME` | the model it answers as: `ST` (default), `STS`, `QE-Pro`, `SR2`, `SR4`, `SR6`, `HR2`, `HR4`, `HR6` |
/// | `hb=G` | the sample's haemoglobin, g/dL (default 14.0): its bands scaled so that lot HB26E01's line reads G |
/// | `turbidity=A` | absorbance the sample adds at every wavelength (scatter; default 0.02) |
/// | `seed=N` | the detector noise's seed |
/// | `serial=S` | the serial it reports (default `OBP-SIM-0001`) |
/// | `corrupt=3,7`, `drop=5` | damage or lose those answers (counted from 1) |
/// | `unplug-after=N` | pull the cable after N requests |
/// | `gain=X` | multiply the light by X (≥ 2 saturates the detector at the assay's integration time) |
/// | `fault=busy|reset|internal|no-calibration` | refuse every spectrum request with that error code (§4: 7, 9, 13, 12) |
/// | `operator=absent` | the simulated operator never carries out a step (the run waits, then stops) |
/// | `operator=confirm` | each step is confirmed by the person at the host, as on a real spectrometer (the CLI asks on stdin, the kiosk's page with a button); the simulator then has it done |
///
/// The simulated operator carries out each step the procedure asks for (dark, blank, sample)
/// by changing what is in the light path (`SimulatedOBP.setScene`).
struct OBPSimulatorOptions: FamilySimulatorOptions {
    /// The device errors `fault=` makes the spectrum request answer (obp protocol.md §4).
    static let faults: [String: UInt16] = ["busy": 7, "reset": 9, "internal": 13, "no-calibration": 12]
    static let known: [String: SimulatorOption] = [
        "model": .text, "hb": .number, "turbidity": .number, "seed": .count, "serial": .text, "corrupt": .counts,
        "drop": .counts, "unplug-after": .count, "gain": .number, "fault": .choice(faults.keys.sorted()),
        "operator": .choice(["absent", "present", "confirm"]),
    ]

    /// The line of lot HB26E01 (`Calibration/lots/HB26E01.json`): corrected absorbance = slope × g/dL + intercept.
    static let hbSlope = 0.06, hbIntercept = 0.004

    /// The spectrometer's settings, what it sees and whether its operator is there.
    var configuration: SimulatedOBP.Configuration

    init(_ options: SimulatorOptions) throws {
        let model = try Self.model(options.text("model") ?? "ST")
        var config = SimulatedOBP.Configuration(model: model)
        if let serial = options.text("serial") { config.serial = serial }
        if let seed = options.count("seed") { config.source.seed = UInt64(seed) }
        if let turbidity = options.number("turbidity") { config.source.baselineAbsorbance = turbidity }
        config.source.bands = Self.haemoglobin(gramsPerDecilitre: options.number("hb") ?? 14.0)
        config.faults.corruptAnswers = Set(options.counts("corrupt"))
        config.faults.dropAnswers = Set(options.counts("drop"))
        config.faults.unplugAfterRequests = options.count("unplug-after")
        if let gain = options.number("gain") {
            guard gain > 0 else { throw PrecisError(.input, "sim:obp gain= needs a number above 0") }
            config.faults.lightGain = gain
        }
        if let fault = options.text("fault").flatMap({ Self.faults[$0] }) { config.faults.nack[model.spectrumRequest] = fault }
        config.operatorPresent = options.text("operator") != "absent"
        config.operatorAtHost = options.text("operator") == "confirm"
        configuration = config
    }

    func simulator(name: String) throws -> any Transport { SimulatedOBP(configuration, name: name) }

    /// The model `name` names: device.json's model name, case and spaces, dashes and a leading
    /// "Ocean" aside (`ST`, `Ocean ST`, `qe-pro`).
    static func model(_ name: String) throws -> OBPModel {
        func key(_ s: String) -> String {
            var k = s.lowercased().filter { $0.isLetter || $0.isNumber }
            if k.hasPrefix("ocean") { k.removeFirst(5) }
            return k
        }
        guard let model = OBPModel.all.first(where: { key($0.name) == key(name) }) else {
            throw PrecisError(.input, "sim:obp has no model '\(name)'",
                              hint: "models: " + OBPModel.all.map(\.name).joined(separator: ", "))
        }
        return model
    }

    /// Haemoglobin-like bands scaled so that the hb assay's reading (the mean absorbance over
    /// 570 ± 2.5 nm less that over 880 ± 2.5 nm, `Calibration/assays/hb.json`) is what lot
    /// HB26E01's line gives for `g` g/dL; the turbidity adds to both bands and cancels.
    static func haemoglobin(gramsPerDecilitre g: Double) -> [OBPSpectrumSource.Band] {
        var unit = OBPSpectrumSource()
        unit.bands = OBPSpectrumSource.haemoglobin(scale: 1)
        unit.baselineAbsorbance = 0
        func bandMean(_ centre: Double) -> Double {
            let steps = 50
            return (0...steps).map { unit.absorbance(atNM: centre - 2.5 + 5.0 * Double($0) / Double(steps)) }
                .reduce(0, +) / Double(steps + 1)
        }
        let perScale = bandMean(570) - bandMean(880)
        let target = max(0, hbSlope * g + hbIntercept)
        return OBPSpectrumSource.haemoglobin(scale: target / perScale)
    }
}
