import Foundation
import PrecisCore

/// What a simulator option's value must be.
enum SimulatorOption: Equatable, Sendable {
    /// A whole number ≥ 0.
    case count
    /// A whole number ≥ 1.
    case positive
    /// A finite number ≥ 0.
    case number
    /// Whole numbers ≥ 0, comma-separated (`3,7`).
    case counts
    /// Any non-empty text (a serial, `LOT:SERIAL`).
    case text
    /// A file to read (checked against the store's files before any is opened, `StoreFileGuard`).
    case file
    /// No value, or `1`/`true` (on) or `0`/`false` (off).
    case flag
    /// One of these words.
    case choice([String])
}

/// A family's simulator options as a type (each family's is in its folder, `Families/<Family>/`):
/// what it takes, read from an address's checked options, and the simulator they make.
protocol FamilySimulatorOptions: Sendable {
    /// Every option this simulator takes and what its value must be.
    static var known: [String: SimulatorOption] { get }
    /// Reads the options (already checked against `known`); throws when they do not fit together or a file is bad.
    init(_ options: SimulatorOptions) throws
    /// The simulator, as a transport named `name` (the address).
    func simulator(name: String) throws -> any Transport
}

/// The options of one `sim:` address, checked against what its simulator takes: an option the
/// simulator does not know (`sim:lfr?disconect-after=5`), one given twice, or a value of the
/// wrong kind is refused before anything runs, naming the options that simulator knows: a
/// typo must never silently run a normal scan. The readers then need not check again.
struct SimulatorOptions {
    /// The family (the address's target).
    let family: String
    private let values: [String: String]

    /// Checks `address`'s options against `known`.
    init(_ address: DeviceAddress, known: [String: SimulatorOption]) throws {
        family = address.target
        var values: [String: String] = [:]
        for (key, value) in address.options {
            guard let kind = known[key] else {
                throw PrecisError(.input, "sim:\(family) has no option '\(key)'",
                                  hint: "sim:\(family) takes " + known.keys.sorted().joined(separator: ", "))
            }
            guard values[key] == nil else {
                throw PrecisError(.input, "sim:\(family) option '\(key)' is given twice", hint: "give each option once")
            }
            if let problem = Self.problem(value, kind) {
                throw PrecisError(.input, "sim:\(family) option \(key)=\(value) \(problem)", hint: "see Device addresses in README")
            }
            values[key] = value
        }
        self.values = values
    }

    /// A text, file or choice option's value, if given.
    func text(_ key: String) -> String? { values[key] }
    /// A `count` or `positive` option's value, if given.
    func count(_ key: String) -> Int? { values[key].flatMap { Int($0) } }
    /// A `number` option's value, if given.
    func number(_ key: String) -> Double? { values[key].flatMap { Double($0) } }
    /// A `counts` option's values (none when not given).
    func counts(_ key: String) -> [Int] { values[key].map { $0.split(separator: ",").compactMap { Int($0) } } ?? [] }
    /// Whether flag option `key` is given and on (`fast`, `fast=1`; not `fast=0`).
    func flag(_ key: String) -> Bool { values[key].flatMap(Self.flag) ?? false }

    /// Why `value` is not of `kind`, or nil.
    static func problem(_ value: String, _ kind: SimulatorOption) -> String? {
        switch kind {
        case .count: return Int(value).map { $0 >= 0 } == true ? nil : "needs a whole number ≥ 0"
        case .positive: return Int(value).map { $0 >= 1 } == true ? nil : "needs a whole number ≥ 1"
        case .number: return Double(value).map { $0.isFinite && $0 >= 0 } == true ? nil : "needs a finite number ≥ 0"
        case .counts:
            let parts = value.split(separator: ",", omittingEmptySubsequences: false)
            return parts.allSatisfy({ Int($0).map { $0 >= 0 } == true }) ? nil : "needs whole numbers ≥ 0, comma-separated"
        case .text, .file: return value.isEmpty ? "needs a value" : nil
        case .flag: return flag(value) == nil ? "takes no value, or 1 or 0" : nil
        case .choice(let words): return words.contains(value) ? nil : "is not one of " + words.joined(separator: ", ")
        }
    }

    /// A flag's value: on for none, `1` or `true`; off for `0` or `false`; nil for anything else.
    static func flag(_ value: String) -> Bool? {
        switch value {
        case "", "1", "true": true
        case "0", "false": false
        default: nil
        }
    }
}
