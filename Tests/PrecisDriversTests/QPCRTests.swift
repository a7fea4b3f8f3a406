import Foundation
import PrecisCore
import PrecisDrivers
import PrecisReplay
import Testing

func fastCycler(_ configure: (inout SimulatedQPCR.Configuration) -> Void = { _ in }) -> SimulatedQPCR {
    var config = SimulatedQPCR.Configuration(plate: SyntheticPlate.dilutionSeries(cycles: 40))
    config.cycleInterval = .zero
    config.meltInterval = .zero
    configure(&config)
    return SimulatedQPCR(config)
}

func cyclerTiming() -> QPCRDriver.Timing {
    var timing = QPCRDriver.Timing()
    timing.reply = .milliseconds(300)
    timing.dataGap = .milliseconds(300)
    return timing
}

let shortProfile = ThermalProfile.standard(cycles: 40)

@Suite struct QPCRCodecTests {
    @Test func commandsAndMessagesRoundTrip() throws {
        let commands: [QPCRCommand] = [.identify, .getStatus, .abort, .uploadProfile(id: 7, profile: shortProfile),
                                       .startRun(profileID: 7, plateID: "PL-1", dyeMask: 0b0101),
                                       .getCycleData(runID: 3, cycle: 17, dye: 0), .getMeltData(runID: 3, point: 60, dye: 2)]
        for command in commands {
            #expect(try QPCRCommand(frame: SeqFrame(type: command.type.rawValue, seq: 1, payload: command.payload)) == command)
        }
        let values = (0..<96).map { UInt32($0 * 1000) }
        let messages: [QPCRMessage] = [
            .identity(QPCRIdentity(serial: "Q1", firmware: "1", model: "M", blockCalibrationID: "B", wells: 96, dyes: ["FAM", "ROX"])),
            .status(QPCRStatus(state: 1, platePresent: true, lidClosed: true, blockC: 60.5, lidC: 105, runID: 2, cycle: 12,
                               totalCycles: 40, lastRunComplete: false)),
            .profileAccepted(id: 7, cycles: 40, meltPoints: 61), .runStarted(runID: 2, cycles: 40, meltPoints: 61),
            .cycleData(QPCRReading(runID: 2, index: 5, dye: 0, values: values)),
            .meltData(QPCRReading(runID: 2, index: 3, temperatureC: 66.5, dye: 1, values: values)),
            .runDone(runID: 2, cycles: 40, meltPoints: 61), .lidOpened, .error(code: 6, detail: "lid"),
        ]
        for message in messages {
            #expect(try QPCRMessage(frame: SeqFrame(type: message.type.rawValue, seq: 1, payload: message.payload)) == message)
        }
    }

    @Test func framesDecodeWholeAndOneByteAtATime() {
        let frames = (1...5).map { SeqFrame(type: QPCRProtocol.MessageType.cycleData.rawValue, seq: UInt8($0), ref: 3,
            payload: QPCRMessage.cycleData(QPCRReading(runID: 1, index: $0, dye: 0, values: Array(repeating: 0, count: 96))).payload) }
        let wire = frames.flatMap { $0.encoded() }
        var whole = QPCRProtocol.decoder(), drip = QPCRProtocol.decoder()
        let all = whole.step(wire)
        #expect(all == frames.map { .frame($0) })
        #expect(wire.flatMap { drip.step([$0]) } == all)
    }

    @Test func aReadingWithTheWrongWellCountIsRefusedNamingIt() {
        let message = QPCRMessage.cycleData(QPCRReading(runID: 1, index: 1, dye: 0, values: [1, 2, 3]))
        #expect { try QPCRMessage(frame: SeqFrame(type: 0x90, seq: 1, payload: message.payload)) } throws: { error in
            (error as? PrecisError)?.message == "a reading holds 3 wells, the plate has 96"
        }
    }

    @Test func aProfileOutOfRangeIsRefused() {
        var bad = QPCRCommand.uploadProfile(id: 1, profile: ThermalProfile(stages: [], melt: nil)).payload
        bad[2] = 0
        #expect(throws: PrecisError.self) { try QPCRCommand(frame: SeqFrame(type: 0x03, seq: 1, payload: bad)) }
    }
}

@Suite struct QPCRDriverTests {
    @Test func aRunReturnsThePlateTheCyclerRecorded() async throws {
        let driver = QPCRDriver(transport: fastCycler(), timing: cyclerTiming())
        let identity = try await driver.identify()
        #expect(identity.instrumentID == "qpcr:QPCR-SIM-0001")
        let plate = try await driver.run(profile: shortProfile, plateID: "PL-1", dyes: ["FAM"])
        let recorded = SyntheticPlate.dilutionSeries(cycles: 40)
        #expect(plate.amplification == recorded.amplification)
        #expect(plate.melt == recorded.melt)
        #expect(plate.meltTemperatures == recorded.meltTemperatures)
        #expect(await driver.statistics == LinkStatistics())
    }

    @Test func lostAndDamagedCyclesAreFetchedAgain() async throws {
        let sim = fastCycler { $0.faults.corruptDataFrames = [3, 50]; $0.faults.dropDataFrames = [17]; $0.faults.dropRunDone = true }
        let driver = QPCRDriver(transport: sim, timing: cyclerTiming())
        let plate = try await driver.run(profile: shortProfile, plateID: "PL-2", dyes: ["FAM"])
        #expect(plate.amplification == SyntheticPlate.dilutionSeries(cycles: 40).amplification)
        #expect(plate.melt == SyntheticPlate.dilutionSeries(cycles: 40).melt)
        let stats = await driver.statistics
        #expect(stats.rejectedFrames == 2)
        #expect(stats.refilledReadings == 3)
    }

    @Test func aLostRunDoneCostsTheShortWaitNotTheDataGap() async throws {
        let sim = fastCycler { $0.faults.dropRunDone = true }
        var timing = cyclerTiming()
        timing.dataGap = .seconds(120)  // far above the plate's own time, even on a loaded machine
        timing.doneGap = .milliseconds(500)
        let driver = QPCRDriver(transport: sim, timing: timing)
        let began = ContinuousClock.now
        let plate = try await driver.run(profile: shortProfile, plateID: "PL-5", dyes: ["FAM"])
        #expect(ContinuousClock.now - began < .seconds(100), "waited for the data gap, not for the short wait after the last frame")
        #expect(plate.melt == SyntheticPlate.dilutionSeries(cycles: 40).melt)
    }

    @Test func twoDyesComeBackSeparately() async throws {
        let driver = QPCRDriver(transport: fastCycler(), timing: cyclerTiming())
        let plate = try await driver.run(profile: shortProfile, plateID: "PL-3", dyes: ["FAM", "ROX"])
        #expect(plate.dyes == ["FAM", "ROX"])
        #expect(plate.amplification[1].allSatisfy { $0.allSatisfy { $0 == 1000 } })   // ROX not recorded: flat
    }

    @Test func anOpenedLidStopsTheRunWithADeviceFault() async throws {
        let progress = Counter()
        let driver = QPCRDriver(transport: fastCycler { $0.faults.openLidAfterDataFrames = 10 }, timing: cyclerTiming())
        await #expect { try await driver.run(profile: shortProfile, plateID: "PL-4", dyes: ["FAM"]) { _ in progress.add() } } throws: { error in
            let e = error.asPrecisError
            return e.kind == .deviceFault && e.message.contains("LID_OPEN") && e.message.contains("after 10 of 40 cycle readings")
        }
        #expect(progress.value == 10)
    }

    @Test func aPulledCableIsADisconnection() async throws {
        let driver = QPCRDriver(transport: fastCycler { $0.faults.disconnectAfterDataFrames = 5 }, timing: cyclerTiming())
        await #expect { try await driver.run(profile: shortProfile, plateID: "PL-5", dyes: ["FAM"]) } throws: { error in
            error.asPrecisError.kind == .disconnected
        }
    }

    @Test func anUnknownDyeAndAHeaterFaultAreClearErrors() async throws {
        let driver = QPCRDriver(transport: fastCycler(), timing: cyclerTiming())
        await #expect { try await driver.run(profile: shortProfile, plateID: "PL-6", dyes: ["SYBR-X"]) } throws: { error in
            error.asPrecisError.message.contains("has no SYBR-X channel (it has FAM, HEX, ROX, Cy5)")
        }
        let faulty = QPCRDriver(transport: fastCycler { $0.faults.startRunError = 0x0007 }, timing: cyclerTiming())
        await #expect { try await faulty.run(profile: shortProfile, plateID: "PL-7", dyes: ["FAM"]) } throws: { error in
            let e = error.asPrecisError
            return e.kind == .deviceFault && e.message.contains("HEATER_FAULT")
        }
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
