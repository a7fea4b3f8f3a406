/// An assay: what is measured, in which unit, by which family and algorithm, with
/// which ranges. Read from `Calibration/assays/<id>.json` (schema `precis.assay/1`).
public struct AssayDefinition: Sendable, Codable, Equatable {
    /// The schema tag, `precis.assay/1`.
    public var schema: String
    /// The short id used on the command line: `crp`.
    public var id: String
    /// The assay's name for people.
    public var name: String
    /// The analyte measured.
    public var analyte: String
    /// The LOINC code results are reported under.
    public var loinc: Coding
    /// The unit results are reported in.
    public var unit: MeasureUnit
    /// The device family that runs it.
    public var family: DeviceFamily
    /// The algorithm that turns raw data into a response: `lateral-flow-tc-ratio`.
    public var algorithm: String
    /// Decimal places a result is printed and sent with.
    public var decimals: Int
    /// The reference interval for the population, when one applies.
    public var referenceRange: ReferenceRange?
    /// How the reader scans the strip (lateral-flow assays).
    public var scan: StripScanSettings?
    /// How the profile is analysed (lateral-flow assays).
    public var lateralFlow: LateralFlowMethod?
    /// The specimen the assay is run on (HL7 table 0487 or SNOMED CT); serum when absent.
    public var specimen: SpecimenType?
    /// How a plate is read into results (qPCR assays).
    public var qpcr: QPCRAssayMethod?
    /// The stripping voltammetry a potentiostat runs (electrochemical assays).
    public var voltammetry: StrippingVoltammetryMethod?
    /// What a sequencing run's outcome is computed with (sequencing assays).
    public var sequencing: SequencingAssayMethod?
    /// How a spectrometer reads the cuvette and which wavelengths are the result (absorbance assays).
    public var absorbance: AbsorbanceMethod?
}

/// A two-wavelength (bichromatic) absorbance measurement on a spectrometer, as a photometer
/// such as the HemoCue Hb 201+ reads haemoglobin: the mean absorbance of a band around the
/// analytical wavelength, less the mean absorbance of a band around a baseline wavelength
/// where the analyte barely absorbs (turbidity and scatter absorb at both):
/// A_corr = Ā(analyticalNM ± bandHalfWidthNM) − Ā(baselineNM ± bandHalfWidthNM), in
/// absorbance units (AU). The lot's line turns A_corr into a concentration.
public struct AbsorbanceMethod: Sendable, Codable, Equatable {
    /// The wavelength the analyte is read at, nm.
    public var analyticalNM: Double
    /// The wavelength the sample's non-specific absorbance (turbidity) is read at, nm.
    public var baselineNM: Double
    /// Half the width of each band averaged, nm (0: the spectrum at the wavelength itself).
    public var bandHalfWidthNM: Double
    /// The detector's integration time per scan, µs (dark, reference and sample alike).
    public var integrationUS: Int
    /// Scans averaged into each spectrum.
    public var scansToAverage: Int
    /// Boxcar smoothing of each spectrum over ±k pixels (0: none).
    public var boxcarHalfWidth: Int
    /// The largest absorbance read as a number, AU: above it stray light bends the
    /// absorbance below Beer–Lambert's line, so the reading is flagged, never extrapolated.
    public var linearLimit: Double
    /// The least light through the blank, as a fraction of the detector's maximum count
    /// (reference − dark); below it at a pixel read the reference is unusable.
    public var minReferenceFraction: Double

    /// Makes a method.
    public init(analyticalNM: Double, baselineNM: Double, bandHalfWidthNM: Double, integrationUS: Int,
                scansToAverage: Int, boxcarHalfWidth: Int, linearLimit: Double, minReferenceFraction: Double) {
        self.analyticalNM = analyticalNM
        self.baselineNM = baselineNM
        self.bandHalfWidthNM = bandHalfWidthNM
        self.integrationUS = integrationUS
        self.scansToAverage = scansToAverage
        self.boxcarHalfWidth = boxcarHalfWidth
        self.linearLimit = linearLimit
        self.minReferenceFraction = minReferenceFraction
    }

    /// The analytical band, nm.
    public var analyticalBand: ValueRange {
        ValueRange(low: analyticalNM - bandHalfWidthNM, high: analyticalNM + bandHalfWidthNM)
    }

    /// The baseline band, nm.
    public var baselineBand: ValueRange {
        ValueRange(low: baselineNM - bandHalfWidthNM, high: baselineNM + bandHalfWidthNM)
    }
}

/// A sequencing run's chemistry, as far as a run's outcome needs it before basecalling: the
/// kit's translocation speed turns samples inside reads into estimated bases, as MinKNOW
/// estimates them (bases ≈ samples × speed / sample rate).
public struct SequencingAssayMethod: Sendable, Codable, Equatable {
    /// Bases per second through the pore (400 for R10.4.1 with a ligation kit).
    public var basesPerSecond: Double
    /// Below this pore occupancy (strand / (strand + open pore) channels, as MinKNOW plots
    /// it) the run is flagged LOW_OCCUPANCY: a library or flow-cell problem.
    public var minPoreOccupancy: Double
}

/// The technique of a stripping sweep (`meas_loop_swv`, `_dpv`, `_lsv`, `_cv`).
public enum StrippingTechnique: String, Sendable, Codable, CaseIterable {
    /// Square wave (the default): `amplitude` and `frequency`.
    case swv
    /// Differential pulse: `amplitude` (the pulse), `pulseTime` and `rate`.
    case dpv
    /// Linear sweep: `rate`.
    case lsv
    /// Cyclic: from the deposition potential to `end` and back, at `rate`.
    case cv

    /// How the technique is named in a result's method text.
    public var name: String {
        switch self {
        case .swv: "square-wave"
        case .dpv: "differential-pulse"
        case .lsv: "linear-sweep"
        case .cv: "cyclic"
        }
    }
}

/// Anodic stripping voltammetry as a MethodSCRIPT script runs it: the analyte is plated into
/// the electrode at `deposition` potential for `depositionSeconds` (the script's start
/// potential, held with the cell on), then a sweep of the assay's `technique` (square wave
/// unless it says otherwise) strips it; the peak in `peakWindow` is the response: its
/// baseline-corrected height in nA (`stripping-peak-current`) or the charge under it in nC
/// (`stripping-peak-charge`: the corrected area over the scan rate).
public struct StrippingVoltammetryMethod: Sendable, Codable, Equatable {
    /// The sweep's technique (nil: square wave, as every assay before it could be chosen).
    public var technique: StrippingTechnique?
    /// Deposition potential (the sweep's start), V.
    public var deposition: Double
    public var depositionSeconds: Double
    /// Where the sweep ends (a cyclic sweep's vertex), V.
    public var end: Double
    public var step: Double
    /// The square wave's amplitude, or the differential pulse's, V (SWV and DPV).
    public var amplitude: Double?
    /// The square wave's frequency, Hz (SWV).
    public var frequency: Double?
    /// The sweep's scan rate, V/s (DPV, LSV and CV).
    public var rate: Double?
    /// The differential pulse's duration, s (DPV).
    public var pulseTime: Double?
    /// The technique, square wave when the assay names none.
    public var sweep: StrippingTechnique { technique ?? .swv }
    /// The scan rate, V/s: a square wave's effective one, step × frequency, or `rate`; a peak's
    /// area (A·V) over it is its charge (C).
    public var scanRate: Double { sweep == .swv ? step * (frequency ?? 0) : rate ?? 0 }
    /// Where the analyte's stripping peak is looked for, V.
    public var peakWindow: ValueRange
}

/// The kind of specimen an assay takes, as HL7 v2 SPM-4 and FHIR Specimen.type name it: a
/// coded value whose `system` is `HL70487` (HL7 table 0487) or `SCT` (SNOMED CT), the names
/// v2 gives them.
public typealias SpecimenType = CodedValue

extension CodedValue {
    /// Serum, the specimen of the assays that name none.
    public static let serum = SpecimenType(system: "HL70487", code: "SER", display: "Serum")
}

/// How a qPCR assay's plate becomes results: which dye is the target and which the internal
/// control, the cycle cutoff, the replicates' allowed spread, the standard curve's limits
/// (quantitative assays) and the positive control's QC material.
public struct QPCRAssayMethod: Sendable, Codable, Equatable {
    /// A dye channel and what it reads.
    public struct Channel: Sendable, Codable, Equatable {
        public var dye: String
        public var name: String
        /// The internal control's latest acceptable Cq.
        public var maxCq: Double?
    }
    public struct Replicates: Sendable, Codable, Equatable {
        /// The largest standard deviation of a sample's target Cqs (cycles).
        public var maxCqSD: Double
    }
    public struct StandardCurveLimits: Sendable, Codable, Equatable {
        /// Fewest standard wells with a Cq.
        public var minStandards: Int
        /// Accepted amplification factor per cycle, 10^(−1/slope) (2.0 is 100 %).
        public var efficiency: ValueRange
        public var minR2: Double
    }
    public struct Control: Sendable, Codable, Equatable {
        /// The QC material lot (`Calibration/qc/<lot>.json`).
        public var qc: String
        public var level: Int
    }
    public var target: Channel
    public var internalControl: Channel
    /// Cycles of the thermal profile.
    public var cycles: Int
    /// A target Cq later than this is not a detection.
    public var cqCutoff: Double
    public var replicates: Replicates
    /// Quantitative assays only.
    public var standardCurve: StandardCurveLimits?
    public var positiveControl: Control
}

/// The reference interval of an assay; either bound may be absent.
public struct ReferenceRange: Sendable, Codable, Equatable {
    /// Results below this are flagged low.
    public var low: Double?
    /// Results above this are flagged high.
    public var high: Double?
    /// The interval as printed on reports: `< 5.0 mg/L`.
    public var text: String
}

/// How a lateral-flow reader scans a strip: positions in micrometres along the strip.
public struct StripScanSettings: Sendable, Codable, Equatable {
    /// First position read, µm from the strip's reference edge.
    public var startUM: Int
    /// Last position read, µm.
    public var endUM: Int
    /// Distance between two readings, µm.
    public var stepUM: Int
    /// Photodiode integration time per reading, ms.
    public var integrationMS: Int
    /// LED drive, percent of maximum.
    public var ledPercent: Int

    /// How many readings the scan yields.
    public var sampleCount: Int { (endUM - startUM) / stepUM + 1 }
}

/// The parameters of the lateral-flow analysis (see `PrecisSignal.LateralFlowAnalyzer`).
public struct LateralFlowMethod: Sendable, Codable, Equatable {
    /// Where the control line is looked for, mm along the strip.
    public var controlWindowMM: ValueRange
    /// Where the test line is looked for, mm along the strip.
    public var testWindowMM: ValueRange
    /// Savitzky–Golay smoothing of the absorbance profile.
    public var smoothing: Smoothing
    /// Asymmetric least squares baseline.
    public var baseline: Baseline
    /// The smallest control-line height (absorbance units) for a valid strip.
    public var minControlHeight: Double
    /// The smallest control-line height over the baseline noise for a valid strip.
    public var minSignalToNoise: Double

    /// Makes a method.
    public init(controlWindowMM: ValueRange, testWindowMM: ValueRange, smoothing: Smoothing, baseline: Baseline,
                minControlHeight: Double, minSignalToNoise: Double) {
        self.controlWindowMM = controlWindowMM
        self.testWindowMM = testWindowMM
        self.smoothing = smoothing
        self.baseline = baseline
        self.minControlHeight = minControlHeight
        self.minSignalToNoise = minSignalToNoise
    }

    /// Savitzky–Golay window (odd number of samples) and polynomial order.
    public struct Smoothing: Sendable, Codable, Equatable {
        /// Odd window length in samples.
        public var window: Int
        /// Polynomial order, less than `window`.
        public var order: Int
        /// Makes smoothing settings.
        public init(window: Int, order: Int) {
            self.window = window
            self.order = order
        }
    }

    /// Asymmetric least squares (Eilers & Boelens 2005) parameters.
    public struct Baseline: Sendable, Codable, Equatable {
        /// Smoothness penalty λ.
        public var lambda: Double
        /// Asymmetry p: the weight of points above the baseline.
        public var p: Double
        /// Reweighting iterations.
        public var iterations: Int
        /// Makes baseline settings.
        public init(lambda: Double, p: Double, iterations: Int) {
            self.lambda = lambda
            self.p = p
            self.iterations = iterations
        }
    }
}

/// An assay lot's calibration, as printed on the kit and read from
/// `Calibration/lots/<lot>.json` (schema `precis.lot/1`).
public struct CalibrationLot: Sendable, Codable, Equatable {
    /// The schema tag, `precis.lot/1`.
    public var schema: String
    /// The lot number as printed on the kit and encoded in each cartridge's code.
    public var lot: String
    /// The assay id this lot belongs to.
    public var assay: String
    /// The file's version; a recalibration writes version + 1 and never edits a version.
    public var version: Int
    /// Who made the curve: `manufacturer` or `recalibration`.
    public var source: String
    /// The day the lot was made.
    public var manufactured: CalendarDate
    /// The last day the lot may be used.
    public var expiry: CalendarDate
    /// What the curve's y is: `tc-ratio` for lateral flow.
    public var response: String
    /// Concentration → response curve.
    public var model: CalibrationModel
    /// Lowest concentration distinguishable from zero, in the assay's unit.
    public var limitOfDetection: Double
    /// Concentrations reported as numbers; outside it, flagged.
    public var measuringRange: ValueRange

    /// Makes a lot.
    public init(schema: String = "precis.lot/1", lot: String, assay: String, version: Int, source: String,
                manufactured: CalendarDate, expiry: CalendarDate, response: String, model: CalibrationModel,
                limitOfDetection: Double, measuringRange: ValueRange) {
        self.schema = schema
        self.lot = lot
        self.assay = assay
        self.version = version
        self.source = source
        self.manufactured = manufactured
        self.expiry = expiry
        self.response = response
        self.model = model
        self.limitOfDetection = limitOfDetection
        self.measuringRange = measuringRange
    }
}

/// One line profile read off a strip: positions along the strip and the reflectance
/// at each, as the reader's ADC gives it (full scale = 100 % of the white reference).
public struct LineProfile: Sendable, Equatable, Codable {
    /// Positions, µm from the strip's reference edge, increasing.
    public var positionsUM: [Int]
    /// Reflectance counts at each position, `0...fullScale`.
    public var reflectance: [UInt16]
    /// The count that means 100 % reflectance.
    public var fullScale: UInt16

    /// Makes a profile; the arrays must be the same length.
    public init(positionsUM: [Int], reflectance: [UInt16], fullScale: UInt16 = 0xFFFF) {
        precondition(positionsUM.count == reflectance.count, "positions and readings differ in length")
        self.positionsUM = positionsUM
        self.reflectance = reflectance
        self.fullScale = fullScale
    }

    /// The number of readings.
    public var count: Int { reflectance.count }
}

/// Raw readings of a run, complete or as far as they came.
public struct RawTrace: Sendable, Codable, Equatable {
    /// What the readings are: `lfr-profile`.
    public var kind: String
    /// The profile.
    public var profile: LineProfile
    /// How many readings the instrument announced.
    public var expectedCount: Int?
    /// Whether every reading arrived.
    public var complete: Bool

    /// Makes a trace.
    public init(kind: String, profile: LineProfile, expectedCount: Int?, complete: Bool) {
        self.kind = kind
        self.profile = profile
        self.expectedCount = expectedCount
        self.complete = complete
    }
}

