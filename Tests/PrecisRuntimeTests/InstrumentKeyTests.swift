import Foundation
import PrecisRuntime
import Testing

/// "Busy" is decided on the instrument, not on the address text: `usb:SERIAL` and
/// `usb:BUS-PORT` of one instrument must not start two runs on it.
@Suite struct InstrumentKeyTests {
    /// One plugged-in instrument, serial LFR-0042 on port 1-4.2.
    func identity(_ address: DeviceAddress) -> String? {
        ["LFR-0042", "1-4.2"].contains(address.target) ? "/sys/devices/pci0000:00/usb1/1-4/1-4.2" : nil
    }

    @Test func aUSBInstrumentHasOneKeyByEitherAddress() {
        let bySerial = Runtime.instrumentKey("usb:LFR-0042", usbIdentity: identity)
        #expect(bySerial == Runtime.instrumentKey("usb:1-4.2", usbIdentity: identity))
        #expect(bySerial != Runtime.instrumentKey("usb:LFR-0043", usbIdentity: identity))
        #expect(Runtime.instrumentKey("usb:LFR-0043", usbIdentity: identity) == "usb:LFR-0043")   // not plugged in
    }

    @Test func aReplayedTraceIsKeyedOnItsFile() throws {
        let folder = try temporaryFolder()
        let file = folder.appendingPathComponent("session.jsonl")
        try Data().write(to: file)
        let link = folder.appendingPathComponent("link.jsonl")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: file)
        #expect(Runtime.instrumentKey("replay:\(file.path)") == Runtime.instrumentKey("replay:\(link.path)"))
        #expect(Runtime.instrumentKey("replay:\(folder.path)/./session.jsonl") == Runtime.instrumentKey("replay:\(file.path)"))
    }

    @Test func simulatorsKeepTheirAddress() {
        #expect(Runtime.instrumentKey("sim:lfr") == "sim:lfr")
        #expect(Runtime.instrumentKey("sim:lfr?reading-ms=0") != Runtime.instrumentKey("sim:lfr"))
    }
}
