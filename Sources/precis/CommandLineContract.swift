import ArgumentParser
import Foundation
import PrecisCore

/// The command line's contract, kept in one place for every verb: `--help` prints help and
/// exits 0; a bad argument is one line on stderr and exit 2; a `PrecisError` is one line and the
/// exit code of its kind; anything else is one line and exit 1. swift-argument-parser's own
/// error path (exit 64, the message plus the usage, four lines) is never reached.
enum CommandLineContract {
    /// Parses `arguments` as `root`'s, runs the command chosen, and exits.
    static func main(_ root: any ParsableCommand.Type, arguments: [String]) async -> Never {
        var command: any ParsableCommand
        do {
            command = try root.parseAsRoot(arguments)
        } catch {
            if root.exitCode(for: error) == .success { root.exit(withError: error) }   // --help, help VERB
            Terminal.errorLine(argumentLine(root.message(for: error), verb: verb(root, arguments)))
            exit(2)
        }
        do {
            if var asynchronous = command as? any AsyncParsableCommand { try await asynchronous.run() } else { try command.run() }
            exit(0)
        } catch {
            exit(finish(error, root: root, verb: verb(root, arguments)))
        }
    }

    /// The exit code of an error a command threw, after printing its one line (if any).
    static func finish(_ error: any Error, root: any ParsableCommand.Type, verb: String) -> Int32 {
        switch error {
        case let code as ExitCode: return code.rawValue   // its line, if any, is printed already
        case let precis as PrecisError: return fail(precis).rawValue
        case let validation as ValidationError:
            Terminal.errorLine(argumentLine(validation.message, verb: verb))
            return 2
        default:
            if root.exitCode(for: error) == .success { root.exit(withError: error) }   // a group asked for its help
            Terminal.errorLine("precis: \(oneLine(String(describing: error))) — run it again with --verbose, or report it")
            return 1
        }
    }

    /// `precis: the value 'abc' is invalid for '--window1 <window1>' — see precis events --help`.
    static func argumentLine(_ message: String, verb: String) -> String {
        var text = oneLine(message)
        if text.hasSuffix(".") { text.removeLast() }
        if let first = text.first, text.dropFirst().first?.isLowercase ?? true { text = first.lowercased() + text.dropFirst() }
        let help = verb.isEmpty ? "precis --help" : "precis \(verb) --help"
        return "precis: \(text.isEmpty ? "bad arguments" : text) — see \(help)"
    }

    /// The verb (and sub-verb) `arguments` name, e.g. `analyze qpcr`; empty when none.
    static func verb(_ root: any ParsableCommand.Type, _ arguments: [String]) -> String {
        var current = root
        var names: [String] = []
        for argument in arguments {
            if argument == "--" { break }
            guard let next = current.configuration.subcommands.first(where: { $0._commandName == argument }) else { continue }
            names.append(argument)
            current = next
        }
        return names.joined(separator: " ")
    }

    /// `text` on one line: line breaks become spaces.
    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    }
}

/// Checks of numeric options, thrown as `ValidationError`s (one line, exit 2): Swift parses
/// `nan` and `inf` as numbers, and a negative count or timeout means nothing.
enum Check {
    /// `value` (the option `name`'s) is finite and at least `low` (more than `low` when `above`).
    static func number(_ value: Double?, _ name: String, atLeast low: Double = 0, above: Bool = false,
                       atMost high: Double = .greatestFiniteMagnitude) throws {
        guard let value else { return }
        let inRange = value.isFinite && (above ? value > low : value >= low) && value <= high
        guard inRange else {
            let bound = above ? "more than \(format(low))" : "at least \(format(low))"
            let upper = high < .greatestFiniteMagnitude ? " and at most \(format(high))" : ""
            throw ValidationError("\(name) takes a finite number \(bound)\(upper)")
        }
    }

    /// `value` (the option `name`'s) is a whole number in `range`.
    static func whole<T: BinaryInteger>(_ value: T?, _ name: String, in range: ClosedRange<T>) throws {
        guard let value, !range.contains(value) else { return }
        throw ValidationError("\(name) takes a whole number from \(range.lowerBound) to \(range.upperBound)")
    }

    private static func format(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : String(x) }
}
