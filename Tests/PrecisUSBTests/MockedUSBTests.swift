import Foundation
import PrecisTestSupport
import Testing

/// The real libusb and libudev code paths, under umockdev: a device description plus USB
/// traffic recorded from a session (`tools/trace2pcap.py`), and a testbed that plugs and
/// unplugs the reader while Precis runs.
@Suite(.serialized) struct MockedUSBTests {
    @Test func theRecordedTrafficIsWhatTheConverterMakesFromTheTrace() throws {
        let output = try TestPaths.temporaryFolder().appendingPathComponent("made.pcap")
        let made = try runProcess(systemPython, [
            TestPaths.root.appendingPathComponent("Tests/PrecisUSBTests/tools/trace2pcap.py").path,
            fixtures.appendingPathComponent("lfr-LFR-0042.trace.jsonl").path, "1", "4", output.path,
        ])
        #expect(made.status == 0, "\(made.stderr)")
        let committed = try Data(contentsOf: fixtures.appendingPathComponent("lfr-LFR-0042.pcap"))
        #expect(try Data(contentsOf: output) == committed)
    }

    @Test func aRunThroughRealLibUSBStoresTheSimulatorsResult() throws {
        let folder = try TestPaths.temporaryFolder()
        let usb = try precisOnMockedUSB(["run", "--device", "usb:LFR-0042", "--assay", "crp", "--sample", "S-0042",
                                         "--db", folder.appendingPathComponent("usb.sqlite").path, "--json"])
        #expect(usb.status == 0, "\(usb.stderr)")
        let viaUSB = try #require(try usb.json() as? [String: Any])
        #expect((viaUSB["instrument"] as? [String: Any])?["endpoint"] as? String == "usb:LFR-0042")
        #expect((viaUSB["instrument"] as? [String: Any])?["serial"] as? String == "LFR-0042")

        let sim = try runProcess(TestPaths.precis.path, [
            "run", "--device", "sim:lfr?reading-ms=0&serial=LFR-0042", "--assay", "crp", "--sample", "S-0042",
            "--db", folder.appendingPathComponent("sim.sqlite").path, "--json",
        ], environment: ["PRECIS_CALIBRATION": TestPaths.root.appendingPathComponent("Calibration").path])
        let viaSim = try #require(try sim.json() as? [String: Any])
        #expect(viaUSB["status"] as? String == "COMPLETED")
        #expect(viaUSB["tcRatio"] as? Double == viaSim["tcRatio"] as? Double)
        #expect((viaUSB["concentration"] as? [String: Any])?["value"] as? Double
                == (viaSim["concentration"] as? [String: Any])?["value"] as? Double)
        #expect(viaUSB["flags"] as? [String] == viaSim["flags"] as? [String])
    }

    @Test func devicesListsTheMockedReaderFromUdev() throws {
        let listed = try precisOnMockedUSB(["devices", "--json"])
        let devices = try #require(try listed.json() as? [[String: Any]])
        let reader = try #require(devices.first { $0["address"] as? String == "usb:LFR-0042" })
        #expect(reader["family"] as? String == "lfr")
        #expect(reader["kind"] as? String == "usb")
        #expect(reader["busPath"] as? String == "1-4 /dev/bus/usb/001/004")
        #expect(reader["state"] as? String == "ready")
    }

    @Test func watchReportsTheReaderArrivingLeavingAndComingBack() throws {
        let report = try testbed("hotplug")
        let lines = try #require(report["lines"] as? [[String: Any]])
        #expect(lines.map { $0["event"] as? String } == ["present", "arrived", "departed", "arrived"])
        for line in lines.dropFirst() {
            let devices = try #require(line["devices"] as? [[String: Any]])
            #expect(devices.map { $0["address"] as? String } == ["usb:LFR-0042"])
        }
        #expect(report["status"] as? Int == 0)
    }

    /// The kiosk's instrument list (what the page shows) follows the reader in, out and back
    /// in through udev, in one kiosk process, and the kiosk stops cleanly on SIGTERM.
    @Test func theKioskFollowsTheReaderInAndOut() throws {
        let db = try TestPaths.temporaryFolder().appendingPathComponent("kiosk.sqlite").path
        let report = try testbed("kiosk", db: db)
        #expect(report["before"] as? [String] == [])
        #expect(report["plugged"] as? [String] == ["usb:LFR-0042"])
        #expect(report["unplugged"] as? [String] == [])
        #expect(report["replugged"] as? [String] == ["usb:LFR-0042"])
        #expect(report["status"] as? Int == 0)
    }

    @Test func unpluggingMidRunAbortsNamingTheReaderAndKeepsWhatArrived() throws {
        let db = try TestPaths.temporaryFolder().appendingPathComponent("precis.sqlite").path
        let report = try testbed("unplug-run", db: db)
        #expect(report["status"] as? Int == 6)
        let out = report["stdout"] as? String ?? ""
        #expect(out.contains("ABORTED"))
        #expect(out.contains("usb:LFR-0042 was unplugged"))
        let listed = try runProcess(TestPaths.precis.path, ["results", "--json", "--db", db])
        let runs = try #require(try listed.json() as? [[String: Any]])
        #expect(runs.first?["status"] as? String == "ABORTED")
        let readings = (runs.first?["rawProfile"] as? [String: Any])?["readings"] as? Int ?? 0
        #expect(readings > 0 && readings < 501)
    }

    @Test func aReaderThisUserMayNotOpenNamesTheUdevRule() throws {
        let folder = try TestPaths.temporaryFolder()
        let report = try testbed("no-access", db: folder.appendingPathComponent("precis.sqlite").path)
        #expect(report["status"] as? Int == 5)
        let err = report["stderr"] as? String ?? ""
        #expect(err.contains("no permission to open usb:LFR-0042"))
        #expect(err.contains("70-precis.rules"))
        #expect(!err.contains("LIBUSB_ERROR"))
        let devices = try #require(report["devices"] as? [[String: Any]])
        let reader = try #require(devices.first { $0["address"] as? String == "usb:LFR-0042" })
        #expect((reader["state"] as? String)?.contains("no permission") == true)
    }
}
