import Foundation
import PrecisCore

/// Where an instrument is: `sim:lfr?corrupt=3`, `replay:session.jsonl`, `usb:LFR-0042`.
public struct DeviceAddress: Sendable, Equatable, CustomStringConvertible {
    /// What kind of instrument an address reaches.
    public enum Scheme: String, Sendable, CaseIterable {
        /// A simulator (`sim:lfr`).
        case sim
        /// A recorded session played back (`replay:FILE`).
        case replay
        /// A real instrument (`usb:SERIAL`).
        case usb

        /// Whether what this instrument measures is made up or played back, never a patient's
        /// sample: its runs are training runs, marked wherever their results go.
        public var isTraining: Bool { self != .usb }
    }

    /// `sim`, `replay` or `usb`.
    public var scheme: Scheme
    /// The family (sim), the file (replay), or the serial or bus path (usb).
    public var target: String
    /// `key=value` options after `?`, in order.
    public var options: [(key: String, value: String)]

    /// Parses an address, or fails with the forms it accepts.
    public init(_ text: String) throws {
        let parts = text.split(separator: "?", maxSplits: 1)
        let head = parts.first.map(String.init) ?? ""
        guard let colon = head.firstIndex(of: ":"), colon != head.startIndex, head.index(after: colon) != head.endIndex else {
            throw Self.unknown(text)
        }
        guard let scheme = Scheme(rawValue: String(head[..<colon])) else { throw Self.unknown(text) }
        self.scheme = scheme
        target = String(head[head.index(after: colon)...])
        options = parts.count > 1 ? parts[1].split(separator: "&", omittingEmptySubsequences: false).map { pair in
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (kv.first.map(String.init) ?? "", kv.count > 1 ? String(kv[1]) : "")
        } : []
        if options.contains(where: { $0.key.isEmpty }) {
            throw PrecisError(.input, "device '\(scheme.rawValue):\(target)' has an empty option", hint: "write options as ?key=value&key=value")
        }
        if scheme != .sim, let first = options.first {
            throw PrecisError(.input, "\(scheme.rawValue): addresses take no options (got '\(first.key)')",
                              hint: scheme == .usb ? "use usb:SERIAL or usb:BUS-PORT" : "use replay:FILE.jsonl")
        }
    }

    /// The value of option `key`, if given.
    public func option(_ key: String) -> String? { options.last { $0.key == key }?.value }

    /// The files the address names (a replayed trace, a simulator's input files), with what
    /// each is given for, for `StoreFileGuard`.
    public var files: [(path: String?, role: String)] {
        switch scheme {
        case .replay: [(target, "replay:")]
        case .sim: options.filter { simulatorFileOptions.contains($0.key) }.map { ($0.value, "\($0.key)=") }
        case .usb: []
        }
    }

    /// The options of this address's simulator whose value is a file (its family's, `FamilyRegistry`).
    private var simulatorFileOptions: Set<String> { FamilyRegistry.entry(for: DeviceFamily(target))?.simulator.fileOptions ?? [] }

    /// The address as typed, normalised.
    public var description: String {
        options.isEmpty ? "\(scheme.rawValue):\(target)" : "\(scheme.rawValue):\(target)?" + options.map { "\($0.key)=\($0.value)" }.joined(separator: "&")
    }

    /// Equal when scheme, target and options match.
    public static func == (lhs: DeviceAddress, rhs: DeviceAddress) -> Bool { lhs.description == rhs.description }

    static func unknown(_ text: String) -> PrecisError {
        PrecisError(.input, "unknown device '\(text)'",
                    hint: "use sim:lfr, replay:FILE.jsonl or usb:SERIAL; `precis devices` lists what is connected")
    }
}
