import Foundation
import PrecisCore
import PrecisDrivers
import PrecisReplay
import PrecisSignal
import PrecisStore

/// What to run.
public struct RunRequest: Sendable {
    /// The device address: `sim:lfr`, `replay:FILE`, `usb:SERIAL`.
    public var device: String
    /// The assay id.
    public var assay: String
    /// The pseudonymous sample id.
    public var sample: String
    /// The pseudonymous patient id.
    public var patient: String?
    /// A lot to use instead of the one in the cartridge's code.
    public var lot: String?
    /// Who runs it.
    public var operatorID: String
    /// How long to wait for a cartridge when the slot is empty.
    public var cartridgeWait: Duration
    /// Where to write a replayable trace of the session with the instrument, if anywhere.
    public var recording: URL?
    /// For a QC run: the control material lot and level measured instead of a patient sample.
    public var qc: QCSample?
    /// A qPCR plate's layout (`well,sample,type[,quantity,unit,patient]`); `sample` is then the plate's id.
    public var layout: URL?
    /// The layout as CSV text instead of a file (the kiosk's API).
    public var layoutText: String?
    /// A sequencing run: seconds of signal to take (nil: until the sequencer's playback ends).
    public var duration: Double?
    /// A sequencing run: set to end it cleanly (reads in progress ended, the file finished).
    public var stop = StopRequest()
    /// Who carries out the operator's steps on a real instrument (close the light path, put the
    /// blank in, …): called with each step, it returns once the operator has done it and throws
    /// when the operator cannot. nil: nobody is at the instrument, and a run that needs a step
    /// stops before it begins. A simulator's own operator and a replayed session need none.
    public var operatorSteps: (@Sendable (OperatorStep) async throws -> Void)?

    /// Makes a request.
    public init(device: String, assay: String, sample: String, patient: String? = nil, lot: String? = nil,
                operatorID: String = "bench", cartridgeWait: Duration = .seconds(60), recording: URL? = nil,
                qc: QCSample? = nil, layout: URL? = nil, layoutText: String? = nil) {
        self.layout = layout
        self.layoutText = layoutText
        self.device = device
        self.assay = assay
        self.sample = sample
        self.patient = patient
        self.lot = lot
        self.operatorID = operatorID
        self.cartridgeWait = cartridgeWait
        self.recording = recording
        self.qc = qc
    }
}

/// A QC material measured like a sample: its lot and level.
public struct QCSample: Sendable {
    /// The material lot (`Calibration/qc/<lot>.json`).
    public var materialLot: String
    /// The level.
    public var level: Int
    /// Makes a QC sample.
    public init(materialLot: String, level: Int) {
        self.materialLot = materialLot
        self.level = level
    }

    /// The sample id a QC run is stored under.
    public var sampleID: String { "QC-\(materialLot)-L\(level)" }
}

/// What a run tells its watcher as it goes.
public enum RunEvent: Sendable {
    /// The instrument answered.
    case connected(DeviceIdentity)
    /// The slot is empty; waiting for a cartridge.
    case waitingForCartridge
    /// The cartridge and its lot.
    case cartridge(id: String, lot: LotSummary)
    /// The run is stored as RUNNING.
    case started(runID: Int64)
    /// Readings received so far.
    case progress(received: Int, total: Int)
    /// The readings that just arrived (the live trace): their index, positions (µm) and reflectance.
    case readings(first: Int, positionsUM: [Int], reflectance: [UInt16])
    /// A plate's cycle as it was read (the live curves): the target dye's fluorescence in each
    /// well of the layout, one event per cycle.
    case cycle(PlateCycle)
    /// Points of a voltammogram as they arrived (the live sweep), a batch of packages at a time.
    case voltammogram(VoltammogramPoints)
    /// The strip is read; analysing.
    case analysing
    /// A sequencing run's channel states and totals (every 100 ms).
    case channels(SequencingSnapshot)
    /// The run waits for the operator to carry out a step.
    case step(OperatorStep)
    /// An absorbance run's spectrum was taken (dark, reference or sample), for the live plot.
    case spectrum(SpectrumTaken)
}

/// Something the operator must do at the instrument before the run goes on.
public struct OperatorStep: Sendable, Codable, Equatable {
    /// Its name, for programs: `dark`, `blank`, `sample`.
    public var id: String
    /// What to do, for people.
    public var instruction: String
    /// Its place among the run's steps, 1-based, and how many there are.
    public var number: Int, of: Int

    /// Makes a step.
    public init(id: String, instruction: String, number: Int, of: Int) {
        self.id = id
        self.instruction = instruction
        self.number = number
        self.of = of
    }
}

/// One spectrum of an absorbance run as it was taken: which, and its counts over wavelength.
public struct SpectrumTaken: Sendable, Codable, Equatable {
    /// `dark`, `reference` or `sample`.
    public var role: String
    /// Each pixel's wavelength, nm.
    public var wavelengthsNM: [Double]
    /// Counts per pixel (the mean of the scans averaged).
    public var counts: [Double]
    /// The detector's maximum count.
    public var maxCount: Double

    /// Makes one.
    public init(role: String, wavelengthsNM: [Double], counts: [Double], maxCount: Double) {
        self.role = role
        self.wavelengthsNM = wavelengthsNM
        self.counts = counts
        self.maxCount = maxCount
    }
}

/// One cycle of a plate as the cycler sent it: the target dye's raw fluorescence in each well
/// of the layout, in plate order (A1…H12).
public struct PlateCycle: Sendable, Codable, Equatable {
    /// The cycle, 1-based.
    public var cycle: Int
    /// The cycles the profile runs (for the x axis).
    public var cycles: Int
    /// The dye read (the assay's target dye).
    public var dye: String
    /// The wells of the layout.
    public var wells: [String]
    /// Each well's type in the layout: `unkn`, `std`, `ntc`, `pos`, …
    public var types: [String]
    /// Each well's fluorescence this cycle (raw counts).
    public var fluorescence: [Double]

    /// Makes a cycle.
    public init(cycle: Int, cycles: Int, dye: String, wells: [String], types: [String], fluorescence: [Double]) {
        self.cycle = cycle
        self.cycles = cycles
        self.dye = dye
        self.wells = wells
        self.types = types
        self.fluorescence = fluorescence
    }
}

/// Points of a voltammogram as they arrived: potential (V) and current (A, the net current of a
/// square wave), the first of them the sweep's point `first` (0-based).
public struct VoltammogramPoints: Sendable, Codable, Equatable {
    /// The index of the first point in the sweep.
    public var first: Int
    /// Potentials, V.
    public var potentials: [Double]
    /// Currents, A.
    public var currents: [Double]

    /// Makes a batch.
    public init(first: Int, potentials: [Double], currents: [Double]) {
        self.first = first
        self.potentials = potentials
        self.currents = currents
    }
}

extension Runtime {
    /// Runs one assay from device to queued result. Errors before the run is stored (bad
    /// input, unknown device, missing or expired lot) are thrown; a run that starts and then
    /// fails is stored as ABORTED with its partial raw data and reported, not thrown.
    public func run(_ request: RunRequest, events: @escaping @Sendable (RunEvent) -> Void = { _ in }) async throws -> RunReport {
        _ = try Identifiers.validate(request.operatorID, as: "operator id")
        let assay = try catalog.assay(request.assay)
        guard let procedure = FamilyRegistry.entry(for: assay.family)?.procedure else {
            throw PrecisError(.input, "no runtime support for assays on \(assay.family) devices yet")
        }
        return try await procedure(self, request, assay, events)
    }

    /// Whether Precis can run assays on `family`'s instruments (its registry entry names a procedure).
    public static func drives(_ family: DeviceFamily) -> Bool { FamilyRegistry.entry(for: family) != nil }

    /// Today's date in the bench's local time zone.
    static func calendarDate(_ date: Date) -> CalendarDate {
        let c = Calendar.current.dateComponents([.year, .month, .day], from: date)
        return CalendarDate(year: c.year ?? 1970, month: c.month ?? 1, day: c.day ?? 1) ?? CalendarDate(iso: "1970-01-01")!
    }
}

/// Everything a run needs once it is stored as RUNNING.
struct RunContext: Sendable {
    let record: RunRecord
    let assay: AssayDefinition
    let lot: LoadedLot
    let lotSummary: LotSummary
    let identity: DeviceIdentity
    let endpoint: String
    let operatorID: String
    let qc: QCSample?
}
