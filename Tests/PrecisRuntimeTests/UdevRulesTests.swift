import Foundation
import PrecisCore
@testable import PrecisRuntime
import Testing

@Suite struct UdevRulesTests {
    @Test func theCommittedRulesAreCurrent() throws {
        let committed = try String(contentsOf: repoRoot.appendingPathComponent("udev/70-precis.rules"), encoding: .utf8)
        #expect(committed == UdevRules.text(), "udev/70-precis.rules is stale: run `precis udev-rules > udev/70-precis.rules`")
    }

    @Test func everyFamilyHasOneWellFormedRule() throws {
        let rules = UdevRules.text().split(separator: "\n").filter { !$0.isEmpty && !$0.hasPrefix("#") }
        #expect(rules.count == FamilyRegistry.devices.count)
        // KEY, KEY{attr}, then ==, !=, =, += or :=, then a quoted value; pairs joined by ", ".
        let pair = #/^[A-Z]+(\{[A-Za-z_]+\})?(==|!=|\+=|:=|=)"[^"]*"$/#
        for rule in rules {
            let pairs = rule.split(separator: ", ")
            for p in pairs { #expect(String(p).wholeMatch(of: pair) != nil, "malformed udev pair: \(p)") }
            #expect(pairs.contains { $0 == "MODE=\"0660\"" })
            #expect(pairs.contains { $0 == "GROUP=\"precis\"" })
            #expect(pairs.contains { $0 == "TAG+=\"uaccess\"" })
            #expect(pairs.contains { $0.hasPrefix("SYMLINK+=\"precis/") })
        }
        for device in FamilyRegistry.devices {
            #expect(rules.contains { $0.contains("\"\(String(format: "%04x", device.productID))\"") && $0.contains("precis/\(device.family)-") })
        }
    }

    @Test func doctorReadsTheRulesUdevUses() {
        // An administrator's copy in /etc overrides the package's; the package's counts without one.
        #expect(UdevRules.activePath { _ in true } == UdevRules.installedPath)
        #expect(UdevRules.activePath { $0 == UdevRules.packagedPath } == UdevRules.packagedPath)
        #expect(UdevRules.activePath { _ in false } == UdevRules.installedPath)
        #expect(UdevRules.packagedPath == "/usr/lib/udev/rules.d/70-precis.rules")
    }
}
