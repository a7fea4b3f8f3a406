import Foundation
import PrecisCore
import PrecisReplay
@testable import PrecisRuntime
import Testing

/// The registry: its USB side is the device.json files (generated at build time), each family
/// is in it once, and each family's simulator options are parsed and checked by the family.
@Suite struct FamilyRegistryTests {
    static let protocols = repoRoot.appendingPathComponent("Firmware-Protocols")

    /// device.json as this test reads it, apart from the generator.
    struct File: Decodable {
        struct USB: Decodable {
            let vendorId: String?, productId: String?, product: String?
            let interface: Int?, endpointOut: String?, endpointIn: String?, endpointStream: String?, maxPacketSize: Int?
        }
        struct Serial: Decodable { let baudRate: Int }
        struct Model: Decodable { let model: String; let usb: USB; let serial: Serial? }
        let family: String, name: String, transport: String
        let usb: USB?
        let serial: Serial?
        let devices: [Model]?
    }

    static func folders() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: protocols.path).sorted().filter {
            FileManager.default.fileExists(atPath: protocols.appendingPathComponent("\($0)/device.json").path)
        }
    }

    /// What the JSON files say, as descriptions, in folder order.
    static func expected() throws -> [DeviceDescription] {
        func byte(_ text: String?) -> UInt8? { text.flatMap { UInt8($0.replacingOccurrences(of: "0x", with: ""), radix: 16) } }
        return try folders().flatMap { folder -> [DeviceDescription] in
            let file = try JSONDecoder().decode(File.self, from: Data(contentsOf: protocols.appendingPathComponent("\(folder)/device.json")))
            #expect(file.family == folder)
            let models: [(model: String?, usb: File.USB, serial: File.Serial?)] = file.devices.map { $0.map { ($0.model, $0.usb, $0.serial) } }
                ?? [(nil, file.usb!, file.serial)]
            return models.compactMap { model, usb, serial in
                guard let vid = usb.vendorId.flatMap({ UInt16($0, radix: 16) }), let pid = usb.productId.flatMap({ UInt16($0, radix: 16) })
                else { return nil }
                return DeviceDescription(
                    family: DeviceFamily(folder), name: file.name, model: model, vendorID: vid, productID: pid, product: usb.product,
                    connection: file.transport == "serial" ? .serial : .usbBulk, baudRate: serial?.baudRate,
                    interface: usb.interface, endpointOut: byte(usb.endpointOut), endpointIn: byte(usb.endpointIn),
                    endpointStream: byte(usb.endpointStream), maxPacketSize: usb.maxPacketSize)
            }
        }
    }

    @Test func theGeneratedTableIsWhatTheDeviceJSONFilesSay() throws {
        let expected = try Self.expected()
        #expect(expected.count >= 4)
        #expect(DeviceDescriptions.all == expected)
        // The serial family carries its baud rate and product string; the sequencer its stream endpoint.
        #expect(DeviceDescriptions.all.contains { $0.connection == .serial && $0.baudRate == 230_400 && $0.product == "ESPicoDev" })
        #expect(DeviceDescriptions.all.contains { $0.family == "nps" && $0.endpointStream == 0x82 })
    }

    /// Families whose spec and driver have landed but whose registry entry (simulator options,
    /// procedure) has not yet (none today). Remove a family from here in the commit that registers it.
    static let awaitingRegistration: Set<String> = []

    @Test func everyDescribedFamilyIsRegisteredOnceAndNoOther() throws {
        let registered = FamilyRegistry.families.map(\.family.name)
        #expect(Set(registered).count == registered.count, "a family is registered twice")
        #expect(Set(registered).isDisjoint(with: Self.awaitingRegistration), "a registered family is still listed as awaiting registration")
        #expect(Set(registered).union(Self.awaitingRegistration) == Set(try Self.folders()))
        for entry in FamilyRegistry.families { #expect(!entry.devices.isEmpty, "\(entry.family) has no identified device") }
        let ids = FamilyRegistry.devices.map { "\($0.vendorID):\($0.productID):\($0.product ?? "")" }
        #expect(Set(ids).count == ids.count, "two devices share USB ids")
    }

    /// The plugin's generator refuses a malformed device.json, naming the file and what is wrong.
    @Test(arguments: [
        (#"{"family": "x", "name": "X", "transport": "usb-bulk", "usb": {"vendorId": "12g9", "productId": "0001"}}"#,
         "usb.vendorId must be four hex digits"),
        (#"{"family": "x", "name": "X", "transport": "usb-bulk", "#, "is not valid JSON"),
        (#"{"family": "y", "name": "X", "transport": "usb-bulk"}"#, #""family" must be "x""#),
        (#"{"family": "x", "name": "X", "transport": "serial", "usb": {"vendorId": "0403", "productId": "6015"}}"#,
         "needs \"serial\": {\"baudRate\": N}"),
        (#"{"family": "x", "name": "X", "transport": "usb-bulk", "usb": {"vendorId": "1209", "productId": "0001", "interface": 0, "#
         + #""maxPacketSize": 64, "endpointOut": "0x81", "endpointIn": "0x81"}}"#, "usb.endpointOut 0x81 is not a bulk OUT"),
    ])
    func aMalformedDeviceJSONFailsTheGenerator(json: String, message: String) throws {
        let root = try temporaryFolder()
        let folder = root.appendingPathComponent("x")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try json.write(to: folder.appendingPathComponent("device.json"), atomically: true, encoding: .utf8)
        try "# x".write(to: folder.appendingPathComponent("protocol.md"), atomically: true, encoding: .utf8)
        let output = root.appendingPathComponent("out.swift")
        let (status, stderr) = try Self.generate(root, output)
        #expect(status != 0)
        #expect(stderr.contains(folder.appendingPathComponent("device.json").path + ": error: "), "\(stderr)")
        #expect(stderr.contains(message), "\(stderr)")
        #expect(!FileManager.default.fileExists(atPath: output.path))
        // The real files go through.
        #expect(try Self.generate(Self.protocols, output).status == 0)
        #expect(try String(contentsOf: output, encoding: .utf8).contains("vendorID: 0x1209, productID: 0x4c46"))
    }

    static func generate(_ root: URL, _ output: URL) throws -> (status: Int32, stderr: String) {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("DeviceTableGenerator")
        let tool = FileManager.default.isExecutableFile(atPath: beside.path) ? beside : repoRoot.appendingPathComponent(".build/debug/DeviceTableGenerator")
        let process = Process()
        process.executableURL = tool
        process.arguments = [root.path, output.path]
        let err = Pipe()
        process.standardError = err
        try process.run()
        let data = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func everySimulatorRefusesAnUnknownOptionNamingTheOnesItKnows() throws {
        for entry in FamilyRegistry.families {
            _ = try FamilyRegistry.simulator(DeviceAddress("sim:\(entry.family)"))   // none is needed
            let error = #expect(throws: PrecisError.self) { try FamilyRegistry.simulator(DeviceAddress("sim:\(entry.family)?bogus=1")) }
            #expect(error?.message == "sim:\(entry.family) has no option 'bogus'")
            #expect(error?.hint == "sim:\(entry.family) takes " + entry.simulator.known.keys.sorted().joined(separator: ", "))
        }
        let unknown = #expect(throws: PrecisError.self) { try FamilyRegistry.simulator(DeviceAddress("sim:xyz")) }
        #expect(unknown?.hint == "simulated devices: sim:lfr, sim:qpcr, sim:methodscript, sim:nps, sim:obp")
    }

    @Test func eachFamilyParsesItsOwnOptions() throws {
        func options<O: FamilySimulatorOptions>(_: O.Type, _ address: String) throws -> O {
            try O(SimulatorOptions(DeviceAddress(address), known: O.known))
        }
        let lfr = try options(LFRSimulatorOptions.self, "sim:lfr?fault=motor&drop=3,7&serial=X&drop-done=0&insert-after-ms=5")
        #expect(lfr.configuration.faults.startScanError == 0x0007)
        #expect(lfr.configuration.faults.dropDataFrames == [3, 7])
        #expect(lfr.configuration.serial == "X" && !lfr.configuration.faults.dropScanDone)
        #expect(lfr.insertion?.cartridge == "CRP26A07:004217" && lfr.insertion?.after == .milliseconds(5))
        let qpcr = try options(QPCRSimulatorOptions.self, "sim:qpcr?lid-after=4&fault=heater&drop-done")
        #expect(qpcr.configuration.faults.openLidAfterDataFrames == 4 && qpcr.configuration.faults.dropRunDone)
        #expect(qpcr.configuration.faults.startRunError == 0x0007)
        let nps = try options(NPSSimulatorOptions.self, "sim:nps?channels=4&fault=asic&fast&reads=0&no-pore=1")
        #expect(nps.configuration.identity.channels == 4 && !nps.configuration.realTime)
        #expect(nps.configuration.faults.startError == 0x0005)
        #expect(nps.configuration.scripts.map(\.kind).last == .noPore)
        let pico = try options(MethodSCRIPTSimulatorOptions.self, "sim:methodscript?error-before=2&serial=P")
        #expect(pico.faults.errorBeforePackage == 2 && pico.serial == "P")
        let wrong = #expect(throws: PrecisError.self) { try options(NPSSimulatorOptions.self, "sim:nps?channels=0") }
        #expect(wrong?.message == "sim:nps option channels=0 needs a whole number ≥ 1")
    }

    @Test func theFilesAnAddressNamesAreItsSimulatorsFileOptions() throws {
        #expect(try DeviceAddress("sim:qpcr?wells=/w.csv&serial=S").files.map(\.path) == ["/w.csv"])
        #expect(try DeviceAddress("sim:nps?input=/r.blow5&fast").files.map(\.role) == ["input="])
        #expect(try DeviceAddress("sim:lfr?profile=/p.csv").files.map(\.path) == ["/p.csv"])
        #expect(try DeviceAddress("sim:methodscript?serial=/not-a-file").files.isEmpty)
        #expect(FamilyRegistry.entry(for: "nps")?.simulator.fileOptions == ["input"])
    }
}
