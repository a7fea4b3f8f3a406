import Foundation
import PrecisCore
import PrecisDrivers

/// The options each simulator takes and what their values must be. An address with an option
/// its simulator does not know (`sim:lfr?disconect-after=5`) or a value of the wrong kind is
/// refused before anything runs, naming the options that simulator knows: a typo must never
/// silently run a normal scan.
enum SimulatorOptions {
    /// What an option's value must be.
    enum Value: Equatable {
        /// A whole number ≥ 0.
        case count
        /// A whole number ≥ 1.
        case positive
        /// A finite number ≥ 0.
        case number
        /// Whole numbers ≥ 0, comma-separated (`3,7`).
        case counts
        /// Any non-empty text (a serial, a path, `LOT:SERIAL`).
        case text
        /// No value, or `1`/`true` (on) or `0`/`false` (off).
        case flag
        /// One of these words.
        case choice([String])
    }

    /// The options of every simulator, by family name.
    static let known: [String: [String: Value]] = [
        LFRDriver.family.name: [
            "profile": .text, "ratio": .number, "seed": .count, "control": .number, "cartridge": .text, "serial": .text,
            "insert-after-ms": .count, "insert": .text, "reading-ms": .count, "reply-ms": .count, "corrupt": .counts,
            "drop": .counts, "drop-done": .flag, "disconnect-after": .count, "remove-after": .count,
            "fault": .choice(["lamp", "motor", "temperature"]),
        ],
        QPCRDriver.family.name: [
            "wells": .text, "serial": .text, "cycle-ms": .count, "corrupt": .counts, "drop": .counts, "drop-done": .flag,
            "disconnect-after": .count, "lid-after": .count, "fault": .choice(["heater"]),
        ],
        NPSDriver.family.name: [
            "input": .text, "reads": .count, "length": .count, "seed": .count, "channels": .positive, "rate": .positive,
            "frames": .positive, "serial": .text, "gap": .count, "fast": .flag, "drop": .counts, "unplug-after": .count,
            "fault": .choice(["asic", "flowcell"]), "no-pore": .count, "saturated": .count,
        ],
        MethodSCRIPTDriver.family.name: ["serial": .text, "lead": .number, "seed": .count, "error-before": .count,
                                         "disconnect-in": .count],
    ]

    /// Refuses an option `address`'s simulator does not know, one given twice, or a value of the wrong kind.
    static func check(_ address: DeviceAddress) throws {
        guard let options = known[address.target] else { return }   // an unknown family is refused by its caller
        var seen: Set<String> = []
        for (key, value) in address.options {
            guard let kind = options[key] else {
                throw PrecisError(.input, "sim:\(address.target) has no option '\(key)'",
                                  hint: "sim:\(address.target) takes " + options.keys.sorted().joined(separator: ", "))
            }
            guard seen.insert(key).inserted else {
                throw PrecisError(.input, "sim:\(address.target) option '\(key)' is given twice", hint: "give each option once")
            }
            if let problem = problem(value, kind) {
                throw PrecisError(.input, "sim:\(address.target) option \(key)=\(value) \(problem)",
                                  hint: "see Device addresses in README")
            }
        }
    }

    /// Why `value` is not of `kind`, or nil.
    static func problem(_ value: String, _ kind: Value) -> String? {
        switch kind {
        case .count: return Int(value).map { $0 >= 0 } == true ? nil : "needs a whole number ≥ 0"
        case .positive: return Int(value).map { $0 >= 1 } == true ? nil : "needs a whole number ≥ 1"
        case .number: return Double(value).map { $0.isFinite && $0 >= 0 } == true ? nil : "needs a finite number ≥ 0"
        case .counts:
            let parts = value.split(separator: ",", omittingEmptySubsequences: false)
            return parts.allSatisfy({ Int($0).map { $0 >= 0 } == true }) ? nil : "needs whole numbers ≥ 0, comma-separated"
        case .text: return value.isEmpty ? "needs a value" : nil
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

extension DeviceAddress {
    /// Whether flag option `key` is given and on (`fast`, `fast=1`; not `fast=0`).
    func flag(_ key: String) -> Bool { option(key).flatMap(SimulatorOptions.flag) ?? false }
}
