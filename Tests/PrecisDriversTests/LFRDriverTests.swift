import PrecisCore
import PrecisDrivers
import PrecisReplay
import Testing

@Suite struct LFRDriverTests {
    @Test func identifiesAndScansTheWholeProfile() async throws {
        let driver = LFRDriver(transport: fastSimulator(), timing: testTiming())
        let identity = try await driver.identify()
        #expect(identity.serial == "LFR-SIM-0001")
        #expect(identity.instrumentID == "lfr:LFR-SIM-0001")
        let log = ProgressLog()
        let profile = try await driver.scan(crpScan) { log.add($0) }
        #expect(profile == testProfile())
        #expect(log.readings == 501)
        #expect(await driver.statistics == LFRDriver.LinkStatistics())
    }

    @Test func recoversFromCorruptAndDroppedDataFrames() async throws {
        let sim = fastSimulator { $0.faults.corruptDataFrames = [3]; $0.faults.dropDataFrames = [5, 6] }
        let driver = LFRDriver(transport: sim, timing: testTiming())
        _ = try await driver.identify()
        let profile = try await driver.scan(crpScan)
        #expect(profile == testProfile())
        let stats = await driver.statistics
        #expect(stats.rejectedFrames == 1)
        #expect(stats.rejections.first?.contains("SCAN_DATA") == true)
        #expect(stats.rejections.first?.contains("CRC mismatch") == true)
        #expect(stats.sequenceGaps == 3)   // one corrupt, two dropped
        #expect(stats.refilledReadings == 96)
    }

    @Test func recoversWhenScanDoneIsLost() async throws {
        let sim = fastSimulator { $0.faults.dropScanDone = true; $0.faults.dropDataFrames = [16] }
        let driver = LFRDriver(transport: sim, timing: testTiming())
        _ = try await driver.identify()
        #expect(try await driver.scan(crpScan) == testProfile())
        #expect(await driver.statistics.refilledReadings == 21)
    }

    @Test func resendsACommandWhoseReplyWasLost() async throws {
        let sim = fastSimulator { $0.faults.dropReplies = [.identify: 1, .startScan: 1] }
        let driver = LFRDriver(transport: sim, timing: testTiming())
        #expect(try await driver.identify().serial == "LFR-SIM-0001")
        #expect(try await driver.scan(crpScan) == testProfile())
        let retries = await driver.statistics.retries
        #expect(retries == 2, "retries \(retries)")
    }

    @Test func disconnectMidScanIsReportedWithWhatArrived() async throws {
        let sim = fastSimulator { $0.faults.disconnectAfterDataFrames = 4 }
        let driver = LFRDriver(transport: sim, timing: testTiming())
        _ = try await driver.identify()
        let log = ProgressLog()
        await #expect { try await driver.scan(crpScan) { log.add($0) } } throws: { error in
            let e = error.asPrecisError
            return e.kind == .disconnected && e.message.contains("after 128 of 501 readings")
        }
        #expect(log.readings == 128)
    }

    @Test(arguments: [(UInt16(0x0006), ErrorKind.deviceFault, "LAMP_FAULT"), (0x0003, .busy, "BUSY"), (0x0099, .deviceFault, "0x0099")])
    func readerErrorsMapToTheSharedKinds(code: UInt16, kind: ErrorKind, name: String) async throws {
        let driver = LFRDriver(transport: fastSimulator { $0.faults.startScanError = code }, timing: testTiming())
        await #expect { try await driver.scan(crpScan) } throws: { error in
            let e = error.asPrecisError
            return e.kind == kind && e.message.contains(name)
        }
    }

    @Test func emptySlotAndWrongCartridgeAreDeviceFaultsWithAHint() async throws {
        let empty = LFRDriver(transport: fastSimulator { $0.cartridgeID = nil }, timing: testTiming())
        await #expect { try await empty.scan(crpScan) } throws: { error in
            (error as? PrecisError)?.hint == "insert a cartridge"
        }
        let other = LFRDriver(transport: fastSimulator { $0.cartridgeID = "CRP26A07:999999" }, timing: testTiming())
        await #expect { try await other.scan(crpScan) } throws: { error in
            (error as? PrecisError)?.message.contains("CARTRIDGE_MISMATCH") == true
        }
    }

    @Test func cartridgePulledMidScanStopsTheScan() async throws {
        let sim = fastSimulator { $0.faults.removeCartridgeAfterDataFrames = 2 }
        let driver = LFRDriver(transport: sim, timing: testTiming())
        await #expect { try await driver.scan(crpScan) } throws: { error in
            let e = error.asPrecisError
            return e.kind == .deviceFault && e.message.contains("CARTRIDGE_REMOVED")
        }
        var events = driver.events.makeAsyncIterator()
        #expect(await events.next() == .cartridgeRemoved)
    }

    @Test func abortIsSafeWhenIdle() async throws {
        let driver = LFRDriver(transport: fastSimulator(), timing: testTiming())
        try await driver.abort()
        try await driver.abort()
    }

    @Test func silentReaderTimesOutAfterThreeTries() async throws {
        let sim = fastSimulator { $0.faults.dropReplies = [.getStatus: 5] }
        let driver = LFRDriver(transport: sim, timing: testTiming())
        await #expect { try await driver.status() } throws: { error in
            let e = error.asPrecisError
            return e.kind == .timeout && e.message.contains("GET_STATUS after 3 tries")
        }
    }

    @Test func cartridgeInsertionIsAnEvent() async throws {
        let sim = fastSimulator { $0.cartridgeID = nil }
        let driver = LFRDriver(transport: sim, timing: testTiming())
        await sim.insertCartridge("CRP26A07:000001")
        let status = try await driver.status()
        #expect(status.cartridgeID == "CRP26A07:000001")
        var events = driver.events.makeAsyncIterator()
        #expect(await events.next() == .cartridgeInserted("CRP26A07:000001"))
    }
}
