import ArgumentParser
import PrecisRuntime

/// `precis udev-rules`: prints the udev rules that give the bench user access to every family.
struct UdevRulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "udev-rules",
        abstract: "Print the udev rules for every instrument family (udev/70-precis.rules).",
        discussion: UdevRules.installHint)

    func run() throws { print(UdevRules.text(), terminator: "") }
}
