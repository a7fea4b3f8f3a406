import Foundation
import PrecisTestSupport

/// The USB fixtures folder.
let fixtures = TestPaths.root.appendingPathComponent("Tests/PrecisUSBTests/Fixtures")
/// The sysfs path of the mocked reader in `lfr-LFR-0042.umockdev`.
let readerSyspath = "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-4"
/// Debian's system Python, which has python3-gi for libumockdev.
let systemPython = "/usr/bin/python3"

/// Runs `precis` under `umockdev-run` with the mocked reader and the recorded USB traffic
/// (`input`: what the operator types on stdin).
func precisOnMockedUSB(_ arguments: [String], pcap: String = "lfr-LFR-0042.pcap",
                       device: String = "lfr-LFR-0042.umockdev", input: String? = nil) throws -> Invocation {
    try runProcess("/usr/bin/umockdev-run", [
        "--device", fixtures.appendingPathComponent(device).path,
        "--pcap", "\(readerSyspath)=\(fixtures.appendingPathComponent(pcap).path)",
        "--", TestPaths.precis.path,
    ] + arguments, environment: ["PRECIS_CALIBRATION": TestPaths.root.appendingPathComponent("Calibration").path], input: input)
}

/// Runs a testbed scenario (Tests/PrecisUSBTests/tools/testbed.py) and returns its JSON report.
func testbed(_ scenario: String, db: String? = nil) throws -> [String: Any] {
    let script = TestPaths.root.appendingPathComponent("Tests/PrecisUSBTests/tools/testbed.py").path
    let run = try runProcess("/usr/bin/umockdev-wrapper",
                             [systemPython, script, TestPaths.precis.path, fixtures.path, scenario] + (db.map { [$0] } ?? []),
                             environment: ["PRECIS_CALIBRATION": TestPaths.root.appendingPathComponent("Calibration").path])
    guard run.status == 0, let report = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any] else {
        throw TestbedError(description: "testbed \(scenario) exited \(run.status): \(run.stderr)")
    }
    return report
}

/// A testbed scenario that did not run.
struct TestbedError: Error, CustomStringConvertible {
    let description: String
}
