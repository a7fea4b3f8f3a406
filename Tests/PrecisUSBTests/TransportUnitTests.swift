import CLibUSB
import CTestPty
import Foundation
import PrecisCore
import PrecisTestSupport
@testable import PrecisUSB
import Testing

@Suite struct LibUSBErrorTests {
    @Test(arguments: [
        (LIBUSB_ERROR_NO_DEVICE.rawValue, ErrorKind.disconnected), (LIBUSB_ERROR_TIMEOUT.rawValue, .timeout),
        (LIBUSB_ERROR_PIPE.rawValue, .stall), (LIBUSB_ERROR_BUSY.rawValue, .busy), (LIBUSB_ERROR_ACCESS.rawValue, .permission),
        (LIBUSB_ERROR_IO.rawValue, .protocol), (LIBUSB_ERROR_OVERFLOW.rawValue, .protocol), (LIBUSB_ERROR_NO_MEM.rawValue, .other),
    ])
    func libusbErrorsMapOntoTheSharedKinds(code: Int32, kind: ErrorKind) {
        let error = LibUSBError.map(code, "claiming interface 0", device: "usb:LFR-0042")
        #expect(error.kind == kind)
        #expect(error.message.contains("usb:LFR-0042"))
    }

    @Test func permissionNamesTheUdevRuleNotTheLibUSBCode() {
        let error = LibUSBError.map(LIBUSB_ERROR_ACCESS.rawValue, "opening it", device: "usb:LFR-0042")
        #expect(error.hint?.contains("udev/70-precis.rules") == true)
        #expect(!error.description.contains("LIBUSB_ERROR"))
    }

    @Test func transferStatusesMapToo() {
        #expect(LibUSBError.map(status: LIBUSB_TRANSFER_NO_DEVICE, device: "d").kind == .disconnected)
        #expect(LibUSBError.map(status: LIBUSB_TRANSFER_STALL, device: "d").kind == .stall)
        #expect(LibUSBError.map(status: LIBUSB_TRANSFER_TIMED_OUT, device: "d").kind == .timeout)
    }

    @Test func versionsAreReported() {
        #expect(LibUSBTransport.libusbVersion.hasPrefix("1.0."))
        #expect(UdevDiscovery.libudevVersion != "unknown")
    }
}

@Suite struct ByteRingTests {
    @Test func keepsOrderAcrossTheWrapAndReportsOverflow() {
        var ring = ByteRing(capacity: 8)
        let first: [UInt8] = [1, 2, 3, 4, 5, 6]
        #expect(first.withUnsafeBufferPointer { ring.append($0.baseAddress!, length: 6) } == 0)
        #expect(ring.takeAll() == first)
        let second: [UInt8] = [7, 8, 9, 10, 11]
        #expect(second.withUnsafeBufferPointer { ring.append($0.baseAddress!, length: 5) } == 0)
        let third: [UInt8] = [12, 13, 14, 15, 16]
        #expect(third.withUnsafeBufferPointer { ring.append($0.baseAddress!, length: 5) } == 2)   // 2 bytes did not fit
        #expect(ring.takeAll() == [7, 8, 9, 10, 11, 12, 13, 14])
        #expect(ring.count == 0)
    }
}

/// SerialTransport over a pseudo-terminal pair: the pty's master end plays the instrument.
@Suite struct SerialTransportTests {
    func pair() throws -> (master: Int32, path: String) {
        var name = [CChar](repeating: 0, count: 128)
        let master = precis_test_open_pty(&name, name.count)
        guard master >= 0 else { throw PrecisError(.other, "no pseudo-terminal") }
        return (master, String(cString: name))
    }

    @Test func writesAndReadsRawBytesAtTheBaudRate() async throws {
        let (master, path) = try pair()
        defer { close(master) }
        let port = try SerialTransport.open(path: path, baud: 115_200)
        try await port.write([0x00, 0x7F, 0x0A, 0x0D, 0xFF], timeout: .seconds(1))
        var buffer = [UInt8](repeating: 0, count: 16)
        let got = read(master, &buffer, 16)
        #expect(Array(buffer[0..<max(got, 0)]) == [0x00, 0x7F, 0x0A, 0x0D, 0xFF])   // raw: no CR/LF translation
        _ = [UInt8]([0x65, 0x0A, 0x00]).withUnsafeBufferPointer { write(master, $0.baseAddress, 3) }
        #expect(try await port.read(timeout: .seconds(1)) == [0x65, 0x0A, 0x00])
        await port.close()
    }

    @Test func silenceIsATimeoutAndAHangUpIsADisconnection() async throws {
        let (master, path) = try pair()
        let port = try SerialTransport.open(path: path, baud: 9600)
        await #expect { try await port.read(timeout: .milliseconds(100)) } throws: { ($0 as? PrecisError)?.kind == .timeout }
        close(master)
        await #expect { try await port.read(timeout: .seconds(1)) } throws: { ($0 as? PrecisError)?.kind == .disconnected }
        await port.close()
    }

    @Test func aMissingPortAndABadBaudRateAreClearErrors() {
        #expect { try SerialTransport.open(path: "/dev/ttyACM-none", baud: 115_200) } throws: {
            ($0 as? PrecisError)?.kind == .disconnected
        }
        #expect { try SerialTransport.open(path: "/dev/null", baud: 12_345) } throws: {
            ($0 as? PrecisError)?.message.contains("unsupported baud rate 12345") == true
        }
    }
}

/// Principle 1: drivers are given transports; only PrecisUSB talks to libusb, libudev or termios.
@Suite struct LayeringTests {
    @Test func driversContainNoLibUSBUdevOrTermiosCall() throws {
        let forbidden = ["libusb_", "udev_", "tcsetattr", "cfmakeraw", "import CLibUSB", "import CUdev", "import PrecisUSB",
                         "posix_openpt", "termios("]
        for folder in ["Sources/PrecisDrivers", "Sources/PrecisSignal", "Sources/PrecisCore", "Sources/PrecisReplay"] {
            let root = TestPaths.root.appendingPathComponent(folder)
            let files = FileManager.default.enumerator(atPath: root.path)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") } ?? []
            #expect(!files.isEmpty)
            for file in files {
                let text = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
                for word in forbidden { #expect(!text.contains(word), "\(folder)/\(file) uses \(word)") }
            }
        }
    }

    /// PrecisUSB matches devices by the table it is handed and knows no family: it imports no driver or simulator.
    @Test func usbImportsNoDriversOrSimulators() throws {
        let root = TestPaths.root.appendingPathComponent("Sources/PrecisUSB")
        let files = try FileManager.default.contentsOfDirectory(atPath: root.path).filter { $0.hasSuffix(".swift") }
        #expect(files.count >= 5)
        for file in files {
            let text = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
            for module in ["PrecisDrivers", "PrecisReplay", "PrecisRuntime"] {
                #expect(!text.contains("import \(module)"), "PrecisUSB/\(file) imports \(module)")
            }
        }
    }
}
