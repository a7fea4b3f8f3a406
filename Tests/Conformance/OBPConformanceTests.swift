import Foundation
import PrecisCore
import PrecisDrivers
import PrecisReplay
import PrecisTestSupport
import Testing

/// python-seabreeze's pure-Python OBP code (`Tests/Conformance/python/obp_reference.py`), as JSON.
private struct Reference: Decodable {
    struct Config: Decodable {
        let pixels: Int, integration_min: Int, integration_max: Int, integration_base: Int, max_value: Int, dark_pixels: [Int]
    }
    enum Result: Decodable {
        case none, text(String), numbers([Double])
        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() { self = .none } else if let s = try? c.decode(String.self) { self = .text(s) } else {
                self = .numbers(try c.decode([Double].self))
            }
        }
        var text: String? { if case .text(let s) = self { s } else { nil } }
        var numbers: [Double]? { if case .numbers(let n) = self { n } else { nil } }
    }
    let writes: [String]
    let results: [Result]
    let built: [String]
    let left: Int
    let config: Config
    let warnings: [String]
}

private struct Build: Encodable {
    let type: UInt32, hex: String, version: UInt16, ack: Bool
}

private struct Request: Encodable {
    let model: String, answers: [String], calls: [String], build: [Build]
}

/// A transport that keeps what the driver wrote and, per write, what came back.
private actor Capture: Transport {
    let inner: any Transport
    var writes: [[UInt8]] = []
    var answers: [[UInt8]] = []
    nonisolated let endpointDescription = "capture"
    init(_ inner: any Transport) { self.inner = inner }
    func write(_ bytes: [UInt8], timeout: Duration) async throws {
        writes.append(bytes)
        answers.append([])
        try await inner.write(bytes, timeout: timeout)
    }
    func read(timeout: Duration) async throws -> [UInt8] {
        let bytes = try await inner.read(timeout: timeout)
        answers[answers.count - 1] += bytes
        return bytes
    }
    func close() async { await inner.close() }
}

/// seabreeze's answer to `request`, run off the cooperative pool (the Python process blocks its
/// thread, and the driver tests beside it need the pool's few threads to keep their timing).
private func reference(_ request: Request) async throws -> Reference {
    let input = try JSONEncoder().encode(request)
    let output = try await offCooperativePool { try runReference("obp_reference.py", input: input) }
    return try JSONDecoder().decode(Reference.self, from: output)
}

/// seabreeze's model class for each of Precis's models (its `devices.py`).
private let seabreezeNames = ["STS": "STS", "QE Pro": "QEPRO", "Ocean ST": "ST", "Ocean SR2": "SR2", "Ocean SR4": "SR4",
                              "Ocean SR6": "SR6", "Ocean HR2": "HR2", "Ocean HR4": "HR4", "Ocean HR6": "HR6"]

/// What Precis sends and how it reads the answers, against python-seabreeze 2.11.0's own
/// encoder and decoder: the same bytes for every request, the same values from the same answers.
@Suite struct OBPConformanceTests {
    /// Each model's session (identify, integration time, averaging, the calibrations, a spectrum):
    /// Precis's driver against the simulator, then seabreeze's feature classes fed the same
    /// answers. Their writes must be Precis's, byte for byte; their values Precis's, bit for bit.
    @Test(arguments: OBPModel.all)
    func aSessionIsByteForByteSeabreezesAndReadsTheSameValues(_ model: OBPModel) async throws {
        var config = SimulatedOBP.Configuration(model: model)
        config.serial = model.version == .v1 ? "S\(model.pixels)X" : "OCEAN-\(model.pixels)"
        config.source.scene = .sample
        let capture = Capture(SimulatedOBP(config))
        let driver = OBPDriver(transport: capture, model: model)
        let identity = try await driver.identify()
        try await driver.setIntegrationTime(microseconds: 20_000)
        var calls = ["serial"] + (model.version == .v1 ? ["query:0x90"] : []) + ["set_itime:20000"]
        var scans: Int?
        if model.averagesOnDevice {
            try await driver.setScansToAverage(3)
            scans = try await driver.deviceScansToAverage()
            calls += ["set:0x00120010:<H:3", "query:0x00120000"]
        }
        let wavelengths = try await driver.wavelengths()
        let nonlinearity = try await driver.nonlinearityCoefficients()
        let spectrum = try await driver.spectrum()
        calls += ["wavelengths", "nonlinearity", "intensities"]

        let name = try #require(seabreezeNames[model.name])
        let theirs = try await reference(Request(model: name, answers: await capture.answers.map(\.hexString), calls: calls, build: []))
        #expect(theirs.writes == (await capture.writes).map(\.hexString), "\(model): seabreeze wrote other bytes")
        #expect(theirs.left == 0 && theirs.warnings.isEmpty, "\(model): \(theirs.warnings)")
        var results = theirs.results.makeIterator()
        #expect(results.next()?.text == identity.serial)
        if model.version == .v1 {
            let text = try #require(results.next()?.text)
            let data = try #require([UInt8](hexString: text))
            #expect(data.count == 2 && identity.firmware == String(format: "%04x", Int(data[0]) | Int(data[1]) << 8))
        }
        _ = results.next()   // set_itime
        if let scans {
            _ = results.next()
            #expect(results.next()?.text == "0300" && scans == 3)
        }
        #expect(results.next()?.numbers?.map(\.bitPattern) == wavelengths.map(\.bitPattern), "\(model): wavelengths")
        #expect(results.next()?.numbers == nonlinearity, "\(model): nonlinearity")
        #expect(results.next()?.numbers == spectrum.counts.map(Double.init), "\(model): intensities")
        #expect(spectrum.scansAveraged == (model.averagesOnDevice ? 3 : 1))

        // The model table agrees with seabreeze's settings for the model (obp protocol.md §8).
        #expect(theirs.config.pixels == model.pixels && theirs.config.max_value == Int(model.maxCount))
        #expect(theirs.config.integration_min == model.integrationMicroseconds.lowerBound)
        #expect(theirs.config.integration_max == model.integrationMicroseconds.upperBound)
        #expect(theirs.config.integration_base == model.integrationStepMicroseconds && theirs.config.dark_pixels == model.darkPixels)
    }

    /// Every message type Precis sends, built by seabreeze's `_construct_outgoing_message` with the
    /// same data and ACK request, is Precis's encoding; and Precis decodes what that encoder builds,
    /// immediate or payload, to the same type and data.
    @Test func everyRequestTypeEncodesAsSeabreezesEncoderAndItsMessagesDecode() async throws {
        func data(_ type: OBPMessageType) -> [UInt8] {
            switch type {
            case .setIntegrationTime: [0xA0, 0x86, 0x01, 0x00]
            case .setIntegrationTime2: [0xC4, 0x09, 0x00, 0x00]
            case .setScansToAverage: [0x10, 0x00]
            case .getWavelengthCoefficient, .getNonlinearityCoefficient: [0x03]
            default: []
            }
        }
        let requests = OBPMessageType.allCases.flatMap { type in
            type.versions.map { OBPMessage.request(type, data: data(type), version: $0) }
        }
        let others = [
            OBPMessage(protocolVersion: 0x1100, messageType: OBPMessageType.getSerialNumber.rawValue, data: Array("0123456789ABCDEF".utf8)),
            OBPMessage(protocolVersion: 0x1100, messageType: OBPMessageType.getSerialNumber.rawValue, data: Array("0123456789ABCDEFG".utf8)),
            OBPMessage(protocolVersion: 0x1100, messageType: OBPMessageType.getRawSpectrumNow.rawValue, data: (0..<2048).map { UInt8($0 % 253) }),
            OBPMessage(protocolVersion: 0x2000, messageType: OBPMessageType.getSpectrum2.rawValue, data: (0..<3064).map { UInt8($0 % 241) }),
        ]
        let all = requests + others
        let builds = all.map { Build(type: $0.messageType, hex: $0.data.hexString, version: $0.protocolVersion, ack: $0.flags.contains(.ackRequested)) }
        let theirs = try await reference(Request(model: "STS", answers: [], calls: [], build: builds))
        #expect(requests.count == 17)
        for (message, built) in zip(all, theirs.built) {
            #expect(message.encoded().hexString == built, "\(message)")
            var decoder = OBPDecoder()
            #expect(decoder.step([UInt8](hexString: built)!) == [.message(message)], "\(message)")
        }
        #expect(theirs.built.count == all.count)
    }
}
