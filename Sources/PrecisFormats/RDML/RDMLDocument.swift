import Foundation
import PrecisCore

/// A qPCR data file in RDML (Real-time PCR Data Markup Language, rdml.org), versions 1.1 to 1.4:
/// the dyes, samples and targets, and the experiments with their runs, reactions (wells) and
/// per-target amplification and melting data. What Precis analyses and writes back; elements it
/// does not model (experimenters, documentation, xRefs, partitions of digital PCR) are not kept,
/// except thermal cycling programmes, which are carried through unchanged.
public struct RDMLDocument: Sendable, Equatable {
    /// The RDML version the file declared ("1.3", "1.4").
    public var version: String
    public var dateMade: String?
    public var dateUpdated: String?
    public var dyes: [Dye]
    public var samples: [Sample]
    public var targets: [Target]
    /// Thermal cycling programmes, as written (XML of each `thermalCyclingConditions`).
    public var thermalCyclingConditions: [RawElement]
    public var experiments: [Experiment]

    public init(version: String = "1.4", dateMade: String? = nil, dateUpdated: String? = nil, dyes: [Dye] = [],
                samples: [Sample] = [], targets: [Target] = [], thermalCyclingConditions: [RawElement] = [],
                experiments: [Experiment] = []) {
        self.version = version
        self.dateMade = dateMade
        self.dateUpdated = dateUpdated
        self.dyes = dyes
        self.samples = samples
        self.targets = targets
        self.thermalCyclingConditions = thermalCyclingConditions
        self.experiments = experiments
    }

    /// A reporter dye.
    public struct Dye: Sendable, Equatable {
        public var id: String
        public var description: String?
        /// "non-saturating DNA binding dye", "saturating DNA binding dye", "hybridization probe",
        /// "hydrolysis probe", …
        public var chemistry: String?
        /// Copies of amplicon per dye-limited unit (RDML 1.4 `nCopyFact`).
        public var nCopyFactor: Double?
        /// Dye concentration in nmol/l (RDML 1.4 `dyeConc`).
        public var concentration: Double?
        public init(id: String, description: String? = nil, chemistry: String? = nil, nCopyFactor: Double? = nil, concentration: Double? = nil) {
            self.id = id
            self.description = description
            self.chemistry = chemistry
            self.nCopyFactor = nCopyFactor
            self.concentration = concentration
        }
    }

    /// A sample (the material in a well). Its id is the lab's pseudonymous code.
    public struct Sample: Sendable, Equatable {
        public var id: String
        public var description: String?
        /// The sample type (`unkn`, `ntc`, `nac`, `std`, `ntp`, `nrt`, `pos`, `opt`) for all targets
        /// (key nil) or per target id.
        public var types: [TypedValue]
        /// Whether the template is double-stranded DNA (RDML 1.4).
        public var doubleStranded: Bool?
        /// The known quantity (standards): value and unit (`cop`, `fold`, `dil`, `ng`, `nMol`, `other`).
        public var quantity: Quantity?
        public init(id: String, description: String? = nil, types: [TypedValue] = [], doubleStranded: Bool? = nil, quantity: Quantity? = nil) {
            self.id = id
            self.description = description
            self.types = types
            self.doubleStranded = doubleStranded
            self.quantity = quantity
        }

        /// The sample type for `target` (a per-target type, else the general one, else `unkn`).
        public func type(for target: String) -> String {
            types.first { $0.targetID == target }?.value ?? types.first { $0.targetID == nil }?.value ?? "unkn"
        }
    }

    /// A value that may be given per target (`<type targetId="…">`).
    public struct TypedValue: Sendable, Equatable {
        public var targetID: String?
        public var value: String
        public init(targetID: String? = nil, _ value: String) {
            self.targetID = targetID
            self.value = value
        }
    }

    /// A known quantity.
    public struct Quantity: Sendable, Equatable {
        public var value: Double
        public var unit: String
        public init(value: Double, unit: String) {
            self.value = value
            self.unit = unit
        }
    }

    /// An oligonucleotide or amplicon sequence.
    public struct Oligo: Sendable, Equatable {
        public var sequence: String
        /// Concentration in nmol/l (RDML 1.4 `oligoConc`).
        public var concentration: Double?
        public init(sequence: String, concentration: Double? = nil) {
            self.sequence = sequence
            self.concentration = concentration
        }
    }

    /// A target (the gene or sequence measured).
    public struct Target: Sendable, Equatable {
        public var id: String
        public var description: String?
        /// `ref` (reference gene) or `toi` (target of interest).
        public var type: String
        public var efficiencyMethod: String?
        /// Amplification efficiency as a factor per cycle (2.0 is a perfect doubling).
        public var efficiency: Double?
        public var efficiencySE: Double?
        public var meltingTemperature: Double?
        public var detectionLimit: Double?
        public var dyeID: String
        public var forwardPrimer: Oligo?
        public var reversePrimer: Oligo?
        public var probe1: Oligo?
        public var probe2: Oligo?
        public var amplicon: Oligo?
        public init(id: String, description: String? = nil, type: String = "toi", efficiencyMethod: String? = nil, efficiency: Double? = nil,
                    efficiencySE: Double? = nil, meltingTemperature: Double? = nil, detectionLimit: Double? = nil, dyeID: String,
                    forwardPrimer: Oligo? = nil, reversePrimer: Oligo? = nil, probe1: Oligo? = nil, probe2: Oligo? = nil, amplicon: Oligo? = nil) {
            self.id = id
            self.description = description
            self.type = type
            self.efficiencyMethod = efficiencyMethod
            self.efficiency = efficiency
            self.efficiencySE = efficiencySE
            self.meltingTemperature = meltingTemperature
            self.detectionLimit = detectionLimit
            self.dyeID = dyeID
            self.forwardPrimer = forwardPrimer
            self.reversePrimer = reversePrimer
            self.probe1 = probe1
            self.probe2 = probe2
            self.amplicon = amplicon
        }
    }

    /// An experiment: one or more runs.
    public struct Experiment: Sendable, Equatable {
        public var id: String
        public var description: String?
        public var runs: [Run]
        public init(id: String, description: String? = nil, runs: [Run] = []) {
            self.id = id
            self.description = description
            self.runs = runs
        }
    }

    /// One run of the instrument: a plate.
    public struct Run: Sendable, Equatable {
        public var id: String
        public var description: String?
        public var instrument: String?
        public var softwareName: String?
        public var softwareVersion: String?
        public var backgroundDeterminationMethod: String?
        public var cqDetectionMethod: String?
        /// The id of the thermal cycling programme used.
        public var thermalCyclingConditionsID: String?
        public var format: PlateFormat
        public var runDate: String?
        public var reactions: [Reaction]
        public init(id: String, description: String? = nil, instrument: String? = nil, softwareName: String? = nil, softwareVersion: String? = nil,
                    backgroundDeterminationMethod: String? = nil, cqDetectionMethod: String? = nil, thermalCyclingConditionsID: String? = nil,
                    format: PlateFormat = .plate96, runDate: String? = nil, reactions: [Reaction] = []) {
            self.id = id
            self.description = description
            self.instrument = instrument
            self.softwareName = softwareName
            self.softwareVersion = softwareVersion
            self.backgroundDeterminationMethod = backgroundDeterminationMethod
            self.cqDetectionMethod = cqDetectionMethod
            self.thermalCyclingConditionsID = thermalCyclingConditionsID
            self.format = format
            self.runDate = runDate
            self.reactions = reactions
        }
    }

    /// The plate layout: rows × columns and how they are labelled (`ABC`, `123`, `A1a1`).
    public struct PlateFormat: Sendable, Equatable {
        public var rows: Int
        public var columns: Int
        public var rowLabel: String
        public var columnLabel: String
        public init(rows: Int, columns: Int, rowLabel: String = "ABC", columnLabel: String = "123") {
            self.rows = rows
            self.columns = columns
            self.rowLabel = rowLabel
            self.columnLabel = columnLabel
        }
        public static let plate96 = PlateFormat(rows: 8, columns: 12)
        public static let plate384 = PlateFormat(rows: 16, columns: 24)

        /// The well name of reaction `id` (1-based, row by row): `A1`, `D11`.
        public func well(_ id: Int) -> String {
            let row = (id - 1) / max(columns, 1), column = (id - 1) % max(columns, 1) + 1
            let letter = row < 26 ? String(UnicodeScalar(UInt8(65 + row))) : "R\(row + 1)-"
            return "\(letter)\(column)"
        }

        /// The reaction id of a well name (`D11` → 83 on a 384-well plate); nil if outside the plate.
        public func reactionID(_ well: String) -> Int? {
            guard let first = well.unicodeScalars.first, ("A"..."Z").contains(first),
                  let column = Int(well.dropFirst()), column >= 1, column <= columns else { return nil }
            let row = Int(first.value) - 65
            guard row < rows else { return nil }
            return row * columns + column
        }
    }

    /// A reaction: one well, one sample, data for one or more targets (dyes).
    public struct Reaction: Sendable, Equatable {
        /// The position, 1-based, counted row by row.
        public var id: Int
        public var sampleID: String
        /// Reaction volume in µl (RDML 1.4 `vol`).
        public var volume: Double?
        public var data: [ReactionData]
        public init(id: Int, sampleID: String, volume: Double? = nil, data: [ReactionData] = []) {
            self.id = id
            self.sampleID = sampleID
            self.volume = volume
            self.data = data
        }
    }

    /// The measurements of one target in one reaction, with the results an analysis wrote.
    public struct ReactionData: Sendable, Equatable {
        public var targetID: String
        public var cq: Double?
        /// Starting concentration in fluorescence units (RDML `N0`).
        public var n0: Double?
        /// Starting copies (RDML 1.4 `Ncopy`).
        public var nCopy: Double?
        public var efficiencyMethod: String?
        public var efficiency: Double?
        public var efficiencySE: Double?
        public var meltingTemperature: Double?
        /// Why the reaction is excluded; nil or empty when it is not.
        public var excluded: String?
        public var note: String?
        /// Amplification curve: fluorescence by cycle.
        public var amplification: [AmplificationPoint]
        /// Melting curve: fluorescence by temperature (°C).
        public var melt: [MeltPoint]
        public var endPoint: Double?
        public var backgroundFluorescence: Double?
        public var quantificationFluorescence: Double?
        public init(targetID: String, cq: Double? = nil, n0: Double? = nil, nCopy: Double? = nil, efficiencyMethod: String? = nil,
                    efficiency: Double? = nil, efficiencySE: Double? = nil, meltingTemperature: Double? = nil, excluded: String? = nil,
                    note: String? = nil, amplification: [AmplificationPoint] = [], melt: [MeltPoint] = [], endPoint: Double? = nil,
                    backgroundFluorescence: Double? = nil, quantificationFluorescence: Double? = nil) {
            self.targetID = targetID
            self.cq = cq
            self.n0 = n0
            self.nCopy = nCopy
            self.efficiencyMethod = efficiencyMethod
            self.efficiency = efficiency
            self.efficiencySE = efficiencySE
            self.meltingTemperature = meltingTemperature
            self.excluded = excluded
            self.note = note
            self.amplification = amplification
            self.melt = melt
            self.endPoint = endPoint
            self.backgroundFluorescence = backgroundFluorescence
            self.quantificationFluorescence = quantificationFluorescence
        }
    }

    public struct AmplificationPoint: Sendable, Equatable {
        public var cycle: Double
        /// Temperature at which it was read, when the instrument gives it.
        public var temperature: Double?
        public var fluorescence: Double
        public init(cycle: Double, temperature: Double? = nil, fluorescence: Double) {
            self.cycle = cycle
            self.temperature = temperature
            self.fluorescence = fluorescence
        }
    }

    public struct MeltPoint: Sendable, Equatable {
        public var temperature: Double
        public var fluorescence: Double
        public init(temperature: Double, fluorescence: Double) {
            self.temperature = temperature
            self.fluorescence = fluorescence
        }
    }

    /// An XML element kept as written (name, attributes, children, text).
    public struct RawElement: Sendable, Equatable {
        public var name: String
        public var attributes: [String: String]
        public var text: String
        public var children: [RawElement]
        public init(name: String, attributes: [String: String] = [:], text: String = "", children: [RawElement] = []) {
            self.name = name
            self.attributes = attributes
            self.text = text
            self.children = children
        }
    }

    /// The dye of `target`, if the file names it.
    public func dye(ofTarget target: String) -> Dye? {
        guard let id = targets.first(where: { $0.id == target })?.dyeID else { return nil }
        return dyes.first { $0.id == id }
    }
}
