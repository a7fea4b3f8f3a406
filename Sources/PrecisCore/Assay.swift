/// A calendar date without a time of day, as lots print their expiry: `2028-06-30`.
public struct CalendarDate: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The year, e.g. 2028.
    public var year: Int
    /// The month, 1 to 12.
    public var month: Int
    /// The day of the month, 1 to 31.
    public var day: Int

    /// Makes a date; returns nil for a month or day out of range.
    public init?(year: Int, month: Int, day: Int) {
        let daysInMonth = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard (1...12).contains(month), (1...daysInMonth[month - 1]).contains(day) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD`; returns nil for anything else.
    public init?(iso text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// `YYYY-MM-DD`.
    public var description: String {
        func pad(_ n: Int, _ width: Int) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    /// Orders by year, then month, then day.
    public static func < (lhs: CalendarDate, rhs: CalendarDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// Decodes from a `YYYY-MM-DD` string.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let date = CalendarDate(iso: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "'\(text)' is not a date of the form YYYY-MM-DD"))
        }
        self = date
    }

    /// Encodes as a `YYYY-MM-DD` string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A coded concept: a LOINC code with its display text, or a code of another system where
/// LOINC has none (a sequencing run's yield: `Coding.sequencingSystem`).
public struct Coding: Hashable, Sendable, Codable {
    /// The code, e.g. `1988-5`.
    public var code: String
    /// The human-readable name of the code.
    public var display: String
    /// The code system's URI; nil: LOINC (`http://loinc.org`).
    public var system: String?
    /// Makes a coding.
    public init(code: String, display: String, system: String? = nil) {
        self.code = code
        self.display = display
        self.system = system
    }

    /// Precis's own codes for what a sequencing run yields before basecalling (reads,
    /// estimated bases, read N50, pore occupancy, losses): LOINC has no codes for them.
    public static let sequencingSystem = "urn:precis:codes:sequencing-run"
}

/// One part of a result with several values (a sequencing run's yield: its estimated bases,
/// read N50, pore occupancy and losses beside its reads), sent as FHIR Observation.component
/// and one more HL7 OBX each.
public struct ResultComponent: Hashable, Sendable, Codable {
    public var code: Coding
    public var value: Double
    /// The UCUM unit (`{bases}`, `%`).
    public var unit: String
    public var decimals: Int
    public init(code: Coding, value: Double, unit: String, decimals: Int) {
        self.code = code
        self.value = value
        self.unit = unit
        self.decimals = decimals
    }
}

/// A qualitative result's value: a code from a code system (SNOMED CT for detected / not
/// detected), sent as FHIR valueCodeableConcept and HL7 v2 OBX-2 CWE.
public struct CodedValue: Hashable, Sendable, Codable {
    /// The code system's URI: `http://snomed.info/sct`.
    public var system: String
    public var code: String
    public var display: String
    public init(system: String, code: String, display: String) {
        self.system = system
        self.code = code
        self.display = display
    }

    public static let snomed = "http://snomed.info/sct"
    /// SNOMED CT 260373001 |Detected (qualifier value)|.
    public static let detected = CodedValue(system: snomed, code: "260373001", display: "Detected")
    /// SNOMED CT 260415000 |Not detected (qualifier value)|.
    public static let notDetected = CodedValue(system: snomed, code: "260415000", display: "Not detected")
}

/// A unit of measure: the UCUM code sent to the centre and the text shown to people.
public struct MeasureUnit: Hashable, Sendable, Codable {
    /// The UCUM code, e.g. `mg/L`.
    public var ucum: String
    /// What the screen prints; usually the same as `ucum`.
    public var display: String
    /// Makes a unit.
    public init(ucum: String, display: String) {
        self.ucum = ucum
        self.display = display
    }
}

/// A closed interval of reals, written `{"low": …, "high": …}` in definition files.
public struct ValueRange: Hashable, Sendable, Codable {
    /// The lower bound.
    public var low: Double
    /// The upper bound.
    public var high: Double
    /// Makes a range.
    public init(low: Double, high: Double) {
        self.low = low
        self.high = high
    }
    /// Whether `x` lies inside, bounds included.
    public func contains(_ x: Double) -> Bool { x >= low && x <= high }
}

/// A calibration curve's parameters, as a lot file carries them.
///
/// - `4PL`: y = d + (a − d) / (1 + (x/c)^b)
/// - `5PL`: y = d + (a − d) / (1 + (x/c)^b)^g
/// - `linear`: y = intercept + slope·x
public enum CalibrationModel: Hashable, Sendable {
    /// Four-parameter logistic: a response at zero dose, b slope, c inflection dose, d response at infinite dose.
    case fourPL(a: Double, b: Double, c: Double, d: Double)
    /// Five-parameter logistic: the 4PL with an asymmetry exponent g.
    case fivePL(a: Double, b: Double, c: Double, d: Double, g: Double)
    /// A straight line.
    case linear(slope: Double, intercept: Double)

    /// The name written in files: `4PL`, `5PL`, `linear`.
    public var typeName: String {
        switch self {
        case .fourPL: "4PL"
        case .fivePL: "5PL"
        case .linear: "linear"
        }
    }

    /// The parameters by name, in the order the model's formula names them.
    public var parameters: [(name: String, value: Double)] {
        switch self {
        case let .fourPL(a, b, c, d): [("a", a), ("b", b), ("c", c), ("d", d)]
        case let .fivePL(a, b, c, d, g): [("a", a), ("b", b), ("c", c), ("d", d), ("g", g)]
        case let .linear(slope, intercept): [("slope", slope), ("intercept", intercept)]
        }
    }
}

extension CalibrationModel: Codable {
    private enum Keys: String, CodingKey { case type, a, b, c, d, g, slope, intercept }

    /// Decodes `{"type": "4PL", "a": …, "b": …, "c": …, "d": …}` and its siblings.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        let type = try c.decode(String.self, forKey: .type)
        switch type {
        case "4PL":
            self = .fourPL(a: try c.decode(Double.self, forKey: .a), b: try c.decode(Double.self, forKey: .b),
                           c: try c.decode(Double.self, forKey: .c), d: try c.decode(Double.self, forKey: .d))
        case "5PL":
            self = .fivePL(a: try c.decode(Double.self, forKey: .a), b: try c.decode(Double.self, forKey: .b),
                           c: try c.decode(Double.self, forKey: .c), d: try c.decode(Double.self, forKey: .d),
                           g: try c.decode(Double.self, forKey: .g))
        case "linear":
            self = .linear(slope: try c.decode(Double.self, forKey: .slope),
                           intercept: try c.decode(Double.self, forKey: .intercept))
        default:
            throw DecodingError.dataCorruptedError(forKey: .type, in: c,
                debugDescription: "unknown model type '\(type)' (expected 4PL, 5PL or linear)")
        }
    }

    /// Encodes as the object `init(from:)` reads.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(typeName, forKey: .type)
        for (name, value) in parameters {
            try c.encode(value, forKey: Keys(rawValue: name)!)
        }
    }
}
