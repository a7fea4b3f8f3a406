import Foundation
import PrecisCore
import PrecisDrivers
import PrecisReplay
import Testing

/// A simulated spectrometer of `model` that answers at once.
func spectrometer(_ model: OBPModel = .sts, _ configure: (inout SimulatedOBP.Configuration) -> Void = { _ in }) -> SimulatedOBP {
    var config = SimulatedOBP.Configuration(model: model)
    config.serial = "SIM\(model.pixels)"
    configure(&config)
    return SimulatedOBP(config)
}

/// Driver timing short enough for tests, long enough for a loaded machine (the simulator
/// answers at once, so only the tests of lost answers wait it out).
func obpTiming(attempts: Int = 2, reply: Duration = .milliseconds(800)) -> OBPDriver.Timing {
    var timing = OBPDriver.Timing()
    timing.reply = reply
    timing.attempts = attempts
    return timing
}

func expectKind(_ kind: ErrorKind, containing text: String = "", _ body: () async throws -> Void,
                sourceLocation: SourceLocation = #_sourceLocation) async {
    do {
        try await body()
        Issue.record("no error; expected \(kind)", sourceLocation: sourceLocation)
    } catch let error as PrecisError {
        #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
        #expect(text.isEmpty || error.description.contains(text), "\(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("not a PrecisError: \(error)", sourceLocation: sourceLocation)
    }
}

@Suite struct OBPDriverTests {
    @Test func identifyReadsSerialFirmwareAndModel() async throws {
        let sts = OBPDriver(transport: spectrometer(.sts), model: .sts, timing: obpTiming())
        let identity = try await sts.identify()
        #expect(identity == DeviceIdentity(family: "obp", serial: "SIM1024", firmware: "0103", model: "STS"))
        #expect(identity.instrumentID == "obp:SIM1024")
        let st = OBPDriver(transport: spectrometer(.oceanST), model: .oceanST, timing: obpTiming())
        #expect(try await st.identify() == DeviceIdentity(family: "obp", serial: "SIM1516", firmware: "unknown", model: "Ocean ST"))
        try await st.abort()
    }

    @Test func integrationTimeIsSetWithinTheModelsLimitsInItsSteps() async throws {
        let device = spectrometer(.oceanST)
        let driver = OBPDriver(transport: device, model: .oceanST, timing: obpTiming())
        try await driver.setIntegrationTime(microseconds: 2_500)
        #expect(await device.integrationMicroseconds == 2_500)
        #expect(await driver.integrationMicroseconds == 2_500)
        let before = await device.requests
        await expectKind(.input, containing: "1560–6000000 µs") { try await driver.setIntegrationTime(microseconds: 1_000) }
        await expectKind(.input, containing: "steps of 10 µs") { try await driver.setIntegrationTime(microseconds: 2_505) }
        #expect(await device.requests == before, "a refused time is never sent")
        await expectKind(.input) { try await driver.setScansToAverage(0) }
    }

    @Test func aSpectrumNeedsAnIntegrationTimeFirst() async throws {
        let driver = OBPDriver(transport: spectrometer(), model: .sts, timing: obpTiming())
        await expectKind(.input, containing: "integration time") { _ = try await driver.spectrum() }
    }

    @Test func wavelengthsAreTheDevicesPolynomialOnBothGenerations() async throws {
        for model in [OBPModel.sts, .oceanSR4] {
            let config = SimulatedOBP.Configuration(model: model)
            let driver = OBPDriver(transport: SimulatedOBP(config), model: model, timing: obpTiming())
            let calibration = try await driver.wavelengthCalibration()
            #expect(calibration.coefficients == config.wavelengthCoefficients.map(Double.init))
            let wavelengths = try await driver.wavelengths()
            #expect(wavelengths.count == model.pixels)
            #expect(abs(wavelengths[0] - 340) < 1e-9 && abs(wavelengths[model.pixels - 1] - 1020) < 0.5, "\(model)")
            #expect(try await driver.nonlinearityCoefficients() == config.nonlinearityCoefficients.map(Double.init))
        }
    }

    @Test func scansAreAveragedOnTheDeviceOr0x2000OnTheHost() async throws {
        let sts = spectrometer(.sts)
        let onDevice = OBPDriver(transport: sts, model: .sts, timing: obpTiming())
        try await onDevice.setIntegrationTime(microseconds: 50_000)
        try await onDevice.setScansToAverage(8)
        #expect(try await onDevice.deviceScansToAverage() == 8)
        #expect(await sts.scansToAverage == 8)
        let before = await sts.requests
        #expect(try await onDevice.spectrum().scansAveraged == 8)
        #expect(await sts.requests == before + 1)

        let sr2 = spectrometer(.oceanSR2)
        let onHost = OBPDriver(transport: sr2, model: .oceanSR2, timing: obpTiming())
        try await onHost.setIntegrationTime(microseconds: 50_000)
        let sent = await sr2.requests
        try await onHost.setScansToAverage(3)
        #expect(await sr2.requests == sent, "0x2000 has no averaging request")
        let spectrum = try await onHost.spectrum()
        #expect(spectrum.scansAveraged == 3 && spectrum.counts.count == 2110 && spectrum.metadata.count == 32)
        #expect(await sr2.requests == sent + 3)
        #expect(try await onHost.deviceScansToAverage() == 3)
    }

    /// The sample's absorbance, from sample, reference and dark spectra, is the source's.
    @Test func aSampleSpectrumShowsTheHaemoglobinBandsAgainstTheReference() async throws {
        let device = spectrometer(.sts)
        let driver = OBPDriver(transport: device, model: .sts, timing: obpTiming())
        try await driver.setIntegrationTime(microseconds: 100_000)
        try await driver.setScansToAverage(16)
        let wavelengths = try await driver.wavelengths()
        await device.setScene(.dark)
        let dark = try await driver.spectrum()
        await device.setScene(.reference)
        let reference = try await driver.spectrum()
        await device.setScene(.sample)
        let sample = try await driver.spectrum()
        #expect(!reference.isSaturated && reference.peak.fractionOfMax > 0.7 && reference.peak.fractionOfMax < 0.8)
        let source = OBPSpectrumSource()
        for target in [541.0, 577.0, 700.0] {
            let pixel = wavelengths.indices.min { abs(wavelengths[$0] - target) < abs(wavelengths[$1] - target) }!
            let a = -log10((Double(sample.counts[pixel]) - Double(dark.counts[pixel]))
                           / (Double(reference.counts[pixel]) - Double(dark.counts[pixel])))
            #expect(abs(a - source.absorbance(atNM: wavelengths[pixel])) < 0.02, "A at \(target) nm: \(a)")
        }
    }

    @Test func qeProSpectraAreU32AfterMetadataAndTheElectricDarkIsTheMaskedPixels() async throws {
        let device = spectrometer(.qePro)
        let driver = OBPDriver(transport: device, model: .qePro, timing: obpTiming())
        try await driver.setIntegrationTime(microseconds: 8_000)
        let spectrum = try await driver.spectrum()
        #expect(spectrum.counts.count == 1044 && spectrum.maxCount == 262_143)
        let dark = try #require(spectrum.electricDark)
        #expect(abs(dark - 262_143 * (0.03 + 0.01 * 0.008)) < 10)
        #expect(spectrum.counts.max()! > 20_000)
    }

    @Test func tooMuchLightSaturatesTheDetector() async throws {
        let device = spectrometer(.oceanST) { $0.faults.lightGain = 4 }
        let driver = OBPDriver(transport: device, model: .oceanST, timing: obpTiming())
        try await driver.setIntegrationTime(microseconds: 100_000)
        let saturated = try await driver.spectrum()
        #expect(saturated.isSaturated && saturated.peak.count == 16_383)
        #expect(!saturated.saturatedPixels.isEmpty && !saturated.saturatedPixels.contains(1510), "dark pixels see no light")
        var faults = SimulatedOBP.Faults()
        faults.lightGain = 1
        await device.setFaults(faults)
        #expect(try await !driver.spectrum().isSaturated)
    }

    @Test func aCorruptAnswerIsRefusedAndAskedForAgain() async throws {
        // Answers 1 (GET_SERIAL_NUMBER_LENGTH) and 5 (the spectrum, after the repeat, the serial and the ACK) arrive damaged.
        let device = spectrometer(.sts) { $0.faults.corruptAnswers = [1, 5] }
        let driver = OBPDriver(transport: device, model: .sts, timing: obpTiming())
        #expect(try await driver.serialNumber() == "SIM1024")
        try await driver.setIntegrationTime(microseconds: 10_000)
        #expect(try await driver.spectrum().counts.count == 1024)
        let statistics = await driver.statistics
        #expect(statistics.retries == 2 && statistics.rejectedFrames >= 2)
        #expect(statistics.rejections.contains { $0.contains("MD5") })
    }

    @Test func withoutAChecksumACorruptFooterIsStillCaught() async throws {
        let device = spectrometer(.sts) {
            $0.checksum = .none
            $0.faults.corruptAnswers = [1]
        }
        let driver = OBPDriver(transport: device, model: .sts, timing: obpTiming())
        #expect(try await driver.identify().serial == "SIM1024")
        #expect(await driver.statistics.rejections.contains { $0.contains("footer") })
    }

    @Test func anAnswerDamagedEveryTimeIsAProtocolError() async throws {
        let device = spectrometer(.sts) { $0.faults.corruptAnswers = [1, 2, 3] }
        let driver = OBPDriver(transport: device, model: .sts, timing: obpTiming())
        await expectKind(.protocol, containing: "came damaged") { _ = try await driver.identify() }
    }

    @Test func aLostAnswerIsAskedForAgainAndNoAnswerIsATimeout() async throws {
        let device = spectrometer(.sts) { $0.faults.dropAnswers = [1] }
        let driver = OBPDriver(transport: device, model: .sts, timing: obpTiming())
        #expect(try await driver.serialNumber() == "SIM1024")
        #expect(await driver.statistics.retries == 1)

        let silent = spectrometer(.sts) { $0.faults.dropAnswers = [1, 2] }
        let gaveUp = OBPDriver(transport: silent, model: .sts, timing: obpTiming())
        await expectKind(.timeout, containing: "GET_SERIAL_NUMBER_LENGTH after 2 tries") { _ = try await gaveUp.serialNumber() }
    }

    @Test func anUnpluggedSpectrometerIsDisconnected() async throws {
        let device = spectrometer(.sts) { $0.faults.unplugAfterRequests = 3 }
        let driver = OBPDriver(transport: device, model: .sts, timing: obpTiming())
        _ = try await driver.identify()   // three requests: their answers still arrive
        await expectKind(.disconnected) { try await driver.setIntegrationTime(microseconds: 10_000) }
        await driver.close()
    }

    @Test(arguments: [(UInt16(6), ErrorKind.protocol), (7, .busy), (12, .calibration), (9, .deviceFault), (77, .deviceFault)])
    func aNACKBecomesItsKindAndIsNotRetried(_ code: UInt16, _ kind: ErrorKind) async throws {
        let device = spectrometer(.sts) { $0.faults.nack = [.getWavelengthCoefficientCount: code] }
        let driver = OBPDriver(transport: device, model: .sts, timing: obpTiming())
        await expectKind(kind, containing: "GET_WL_COEFF_COUNT") { _ = try await driver.wavelengths() }
        #expect(await driver.statistics.retries == 0)
        #expect(await device.requests == 1)
    }

    @Test func aHardwareExceptionIsADeviceFault() async throws {
        let device = spectrometer(.sts) { $0.faults.exception = [.getRawSpectrumNow: 13] }
        let driver = OBPDriver(transport: device, model: .sts, timing: obpTiming())
        try await driver.setIntegrationTime(microseconds: 10_000)
        await expectKind(.deviceFault, containing: "hardware exception") { _ = try await driver.spectrum() }
    }

    @Test func theSimulatorRefusesWhatTheSpecRefuses() async throws {
        let device = spectrometer(.sts)
        func exchange(_ request: OBPMessage) async throws -> OBPMessage {
            try await device.write(request.encoded(), timeout: .seconds(1))
            var decoder = OBPDecoder()
            while true {
                for case .message(let message) in decoder.step(try await device.read(timeout: .seconds(1))) { return message }
            }
        }
        let wrongVersion = try await exchange(.request(.getSerialNumber, version: .v2))
        #expect(wrongVersion.flags.contains(.nack) && wrongVersion.errorCode == 1)
        let otherGeneration = try await exchange(OBPMessage(protocolVersion: 0x1100, messageType: OBPMessageType.getSpectrum2.rawValue))
        #expect(otherGeneration.errorCode == 2)
        let badLength = try await exchange(.request(.setIntegrationTime, data: [1, 2], version: .v1))
        #expect(badLength.errorCode == 5)
        let outOfRange = try await exchange(.request(.setIntegrationTime, data: [1, 0, 0, 0], version: .v1))
        #expect(outOfRange.errorCode == 6)
        var noAck = OBPMessage.request(.setScansToAverage, data: [2, 0], version: .v1)
        noAck.flags = []
        try await device.write(noAck.encoded(), timeout: .seconds(1))
        await #expect(throws: PrecisError.self) { _ = try await device.read(timeout: .milliseconds(50)) }
        #expect(await device.scansToAverage == 2)
        let ack = try await exchange(.request(.setScansToAverage, data: [4, 0], version: .v1))
        #expect(ack.flags == [.response, .ack] && ack.data.isEmpty)
        var damaged = OBPMessage.request(.getSerialNumber, version: .v1)
        damaged.checksumType = .md5
        var bytes = damaged.encoded()
        bytes[50] ^= 1
        try await device.write(bytes, timeout: .seconds(1))
        var decoder = OBPDecoder()
        let answer = decoder.step(try await device.read(timeout: .seconds(1)))
        #expect(answer.count == 1 && { if case .message(let m) = answer[0] { m.errorCode == 3 } else { false } }())
    }

    @Test func aRecordedSessionReplaysToTheSameSpectrum() async throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("obp-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: url) }
        let recorder = try RecordingTransport(wrapping: spectrometer(.oceanHR4) { $0.faults.corruptAnswers = [3] }, to: url, family: "obp")
        let live = OBPDriver(transport: recorder, model: .oceanHR4, timing: obpTiming())
        let identity = try await live.identify()
        try await live.setIntegrationTime(microseconds: 20_000)
        let recorded = try await live.spectrum()
        await live.close()

        let replay = try ReplayTransport(contentsOf: url)
        let again = OBPDriver(transport: replay, model: .oceanHR4, timing: obpTiming())
        #expect(try await again.identify() == identity)
        try await again.setIntegrationTime(microseconds: 20_000)
        #expect(try await again.spectrum() == recorded)
        #expect(await again.statistics.retries == 1)
        try await replay.verifyDone()
    }

    @Test func aSpectrumWaitsForItsAcquisition() async throws {
        let device = spectrometer(.sts) { $0.acquisitionTimeScale = 1 }
        let driver = OBPDriver(transport: device, model: .sts, timing: obpTiming(reply: .milliseconds(600)))
        try await driver.setIntegrationTime(microseconds: 1_500_000)   // longer than the reply time
        // Two tries of 0.6 s each would end before the answer at 1.5 s: that one comes proves the
        // driver waits for the acquisition (not how often it asked, which a loaded machine decides).
        let start = ContinuousClock.now
        _ = try await driver.spectrum()
        #expect(ContinuousClock.now - start >= .milliseconds(1490))
    }

    /// The driver's exact bytes (the spec's worked example), an unrelated message ignored, and a
    /// deferred answer (error 255) waited past, against a script that must be used up.
    @Test func aScriptedExchangeIsTheSpecsBytesAndADeferredAnswerIsWaitedFor() async throws {
        let ack = obpAnswer(.setIntegrationTime, [], flags: [.response, .ack]).encoded()
        let deferred = obpAnswer(.getFirmwareRevision, [], error: 255).encoded()
        let stray = obpAnswer(.getScansToAverage, [1, 0]).encoded()
        let revision = obpAnswer(.getFirmwareRevision, [0x07, 0x02], checksum: .md5).encoded()
        let script = ScriptedTransport([
            .expectWrite(OBPCodecTests.setIntegrationGolden), .reply(Array(ack.prefix(40))), .reply(Array(ack.dropFirst(40))),
            .expectWrite(OBPMessage.request(.getFirmwareRevision, version: .v1).encoded()),
            .reply(deferred), .reply(stray), .reply(revision),
        ])
        let driver = OBPDriver(transport: script, model: .sts, timing: obpTiming())
        try await driver.setIntegrationTime(microseconds: 100_000)
        #expect(try await driver.firmwareRevision() == "0207")
        try await script.verifyDone()
        #expect(await driver.statistics.retries == 0)
    }
}
