import Foundation
import PrecisTestSupport
import Testing

/// The Ocean ST spectrometer through the real libusb and libudev under umockdev: a session of
/// the haemoglobin assay recorded from the simulator (`obp-ST-00421.trace.jsonl`, turned into
/// USB traffic by `tools/trace2pcap.py`) played to `precis run --device usb:ST-00421`, the
/// operator confirming each step on stdin.
@Suite(.serialized) struct MockedSpectrometerTests {
    static let device = "obp-ST-00421.umockdev", pcap = "obp-ST-00421.pcap"
    static let assay = ["--assay", "hb", "--lot", "HB26E01", "--sample", "S-0421"]

    @Test func theRecordedTrafficIsWhatTheConverterMakesFromTheTrace() throws {
        let output = try TestPaths.temporaryFolder().appendingPathComponent("made.pcap")
        let made = try runProcess(systemPython, [
            TestPaths.root.appendingPathComponent("Tests/PrecisUSBTests/tools/trace2pcap.py").path,
            fixtures.appendingPathComponent("obp-ST-00421.trace.jsonl").path, "1", "4", output.path,
        ])
        #expect(made.status == 0, "\(made.stderr)")
        #expect(try Data(contentsOf: output) == Data(contentsOf: fixtures.appendingPathComponent(Self.pcap)))
    }

    @Test func anAbsorbanceRunThroughRealLibUSBGivesTheSimulatorsNumber() throws {
        let folder = try TestPaths.temporaryFolder()
        let usb = try precisOnMockedUSB(["run", "--device", "usb:ST-00421"] + Self.assay
                                        + ["--db", folder.appendingPathComponent("usb.sqlite").path, "--json"],
                                        pcap: Self.pcap, device: Self.device, input: "\n\n\n")
        #expect(usb.status == 0, "\(usb.stderr)")
        let viaUSB = try #require(try usb.json() as? [String: Any])
        #expect((viaUSB["instrument"] as? [String: Any])?["endpoint"] as? String == "usb:ST-00421")
        #expect((viaUSB["instrument"] as? [String: Any])?["serial"] as? String == "ST-00421")
        #expect(viaUSB["training"] as? Bool == false, "a real instrument's run is a patient's run")
        // The operator was asked for each step, in order, before each spectrum.
        let asked = usb.stderr.split(separator: "\n").filter { $0.hasPrefix("Step ") }.map { String($0.prefix(8)) }
        #expect(asked == ["Step 1/3", "Step 2/3", "Step 3/3"], "\(usb.stderr)")

        let sim = try runProcess(TestPaths.precis.path, [
            "run", "--device", "sim:obp?serial=ST-00421&hb=12.6"] + Self.assay + [
            "--db", folder.appendingPathComponent("sim.sqlite").path, "--json",
        ], environment: ["PRECIS_CALIBRATION": TestPaths.root.appendingPathComponent("Calibration").path])
        let viaSim = try #require(try sim.json() as? [String: Any])
        #expect(viaUSB["status"] as? String == "COMPLETED")
        #expect(viaUSB["absorbance"] as? Double == viaSim["absorbance"] as? Double, "the same spectra, to the count")
        #expect(viaUSB["display"] as? String == "12.6 g/dL" && viaSim["display"] as? String == "12.6 g/dL")
    }

    @Test func withNobodyToConfirmAStepTheRunStopsSayingSo() throws {
        let db = try TestPaths.temporaryFolder().appendingPathComponent("usb.sqlite").path
        let usb = try precisOnMockedUSB(["run", "--device", "usb:ST-00421"] + Self.assay + ["--db", db],
                                        pcap: Self.pcap, device: Self.device, input: "")
        #expect(usb.status == 6, "\(usb.stdout) \(usb.stderr)")
        #expect(usb.stdout.contains("ABORTED") && usb.stdout.contains("step 1 (Close the light path"), "\(usb.stdout)")
        #expect(usb.stdout.contains("was not confirmed: standard input ended"), "\(usb.stdout)")
    }

    @Test func devicesListsTheSpectrometerFromUdev() throws {
        let listed = try precisOnMockedUSB(["devices", "--json"], pcap: Self.pcap, device: Self.device)
        let devices = try #require(try listed.json() as? [[String: Any]])
        let st = try #require(devices.first { $0["address"] as? String == "usb:ST-00421" }, "\(devices)")
        #expect(st["family"] as? String == "obp" && st["kind"] as? String == "usb")
    }
}
