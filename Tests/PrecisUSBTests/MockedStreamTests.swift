import Foundation
import PrecisFormats
import PrecisTestSupport
import Testing

/// A sequencer's sample stream through the real libusb under umockdev: the control exchange
/// recorded from a `sim:nps` session (`precis record`), the stream on endpoint 0x82 made by
/// `tools/nps2pcap.py` (nps protocol.md §5), replayed as usbmon traffic. Eight stream transfers
/// stay submitted; each completion goes from libusb's event thread into the ring.
@Suite(.serialized) struct MockedStreamTests {
    @Test func theCaptureIsWhatTheConverterMakes() throws {
        let output = try TestPaths.temporaryFolder().appendingPathComponent("made.pcap")
        let made = try runProcess(systemPython, [
            TestPaths.root.appendingPathComponent("Tests/PrecisUSBTests/tools/nps2pcap.py").path,
            fixtures.appendingPathComponent("nps-NPS-0042.trace.jsonl").path, "1", "4", output.path,
        ])
        #expect(made.status == 0, "\(made.stderr)")
        #expect(try Data(contentsOf: output) == Data(contentsOf: fixtures.appendingPathComponent("nps-NPS-0042.pcap")))
    }

    @Test func aSequencingRunThroughLibUSBWritesTheStrandItStreamed() throws {
        let folder = try TestPaths.temporaryFolder()
        let out = folder.appendingPathComponent("reads.blow5")
        let run = try precisOnMockedUSB(["run", "--device", "usb:NPS-0042", "--sample", "S-0042", "--output", out.path,
                                         "--db", folder.appendingPathComponent("usb.sqlite").path, "--json"],
                                        pcap: "nps-NPS-0042.pcap", device: "nps-NPS-0042.umockdev")
        #expect(run.status == 0, "\(run.stderr)")
        let report = try #require(try run.json() as? [String: Any])
        let stored = try #require(report["run"] as? [String: Any])
        #expect(stored["status"] as? String == "COMPLETED")
        #expect(stored["kind"] as? String == "sequencing" && stored["resultId"] as? Int != nil)
        let totals = try #require((report["outcome"] as? [String: Any])?["totals"] as? [String: Any])
        #expect(totals["samples"] as? Int == 160 * 8 * 4)   // every packet of the stream, none lost
        #expect(totals["lostPackets"] as? Int == 0 && totals["ringOverflows"] as? Int == 0)
        #expect((report["instrument"] as? [String: Any])?["serial"] as? String == "NPS-0042")

        let expected = try runProcess(systemPython, [
            TestPaths.root.appendingPathComponent("Tests/PrecisUSBTests/tools/nps2pcap.py").path, "expected",
        ])
        let strand = try #require(try JSONSerialization.jsonObject(with: Data(expected.stdout.utf8)) as? [Int])
        let (_, reads) = try SLOW5Reader.readAll(out)
        #expect(reads.count == 1)
        #expect(reads.first?.rawSignal.map(Int.init) == strand)
        #expect(reads.first?.aux["start_time"] == .uint(320) && reads.first?.aux["channel_number"] == .string("1"))
    }
}
