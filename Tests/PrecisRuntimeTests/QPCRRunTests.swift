import Foundation
import PrecisCore
import PrecisRuntime
import PrecisStore
import Testing

/// A qPCR assay through `Runtime.run`: the simulated cycler holds what a wells file says, the
/// layout says what the technician loaded, and the results, the plate's controls and what is
/// stored follow from both.
@Suite struct QPCRRunTests {
    static let plates = repoRoot.appendingPathComponent("Calibration/plates")

    /// The HIV-1 plate of `Calibration/plates`, with `edit` applied to the simulator's wells file.
    static func hivRun(_ runtime: Runtime, wells edit: (inout [String]) -> Void = { _ in }) async throws -> RunReport {
        var lines = try String(contentsOf: plates.appendingPathComponent("hiv1-vl-sim-wells.csv"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        edit(&lines)
        let wells = try temporaryFolder().appendingPathComponent("wells.csv")
        try lines.joined(separator: "\n").write(to: wells, atomically: true, encoding: .utf8)
        return try await runtime.run(RunRequest(device: "sim:qpcr?cycle-ms=0&wells=\(wells.path)", assay: "hiv1-vl",
                                                sample: "PLATE-T1", lot: "HIV26B01",
                                                layout: plates.appendingPathComponent("hiv1-vl-plate.csv")))
    }

    static func replace(_ well: String, with line: String) -> (inout [String]) -> Void {
        { lines in lines = lines.map { $0.hasPrefix(well + ",") ? line : $0 } }
    }

    @Test func aViralLoadPlateGivesEachSampleItsCopiesPerMillilitre() async throws {
        let runtime = try makeRuntime()
        let report = try await Self.hivRun(runtime)
        #expect(report.status == .completed)
        #expect(report.kind == "plate")
        #expect(report.plate?.valid == true)
        #expect(report.plate?.checks.map(\.control) == ["standard curve", "no-template control", "positive control"])
        let results = try #require(report.results)
        #expect(results.map(\.sample) == ["S-1001", "S-1002", "S-1003", "S-1004"])
        #expect(results.map(\.patient) == ["P-2001", "P-2002", "P-2003", "P-2004"])
        // The wells file put 20 000, 0, 100 and 800 000 copies in each reaction; the lot's
        // 0.4 copies per reaction per copy/mL makes those 50 000, none, 250 and 2 000 000 copies/mL.
        let truth: [Double?] = [50_000, nil, 250, 2_000_000]
        for (result, expected) in zip(results, truth) {
            #expect(result.status == .final)
            if let expected {
                let value = try #require(result.concentration?.value)
                #expect(abs(log10(value) - log10(expected)) < 0.1, "\(result.sample): \(value) copies/mL, not ≈ \(expected)")
                #expect(result.concentration?.unit == "{copies}/mL")
                #expect(result.cqSD.map { $0 < 0.5 } == true)
            } else {
                #expect(result.concentration == Concentration(value: 20, comparator: "<", unit: "{copies}/mL"))
                #expect(result.flags == ["BELOW_LOD"])
            }
        }
        #expect(results.allSatisfy { $0.outbox.count == 1 && $0.outbox[0].state == .pending })
        let stored = try runtime.store.results(forRun: report.runId)
        #expect(stored.count == 4)
        #expect(stored.allSatisfy { $0.rawDataID != nil && $0.specimen?.code == "PLAS" && $0.method?.contains("standard curve") == true })
        let raw = try runtime.store.rawData(forRun: report.runId)
        #expect(raw.map(\.kind) == [.plateRDML])
        #expect(raw[0].complete)
        let bytes = try #require(try runtime.store.rawDataContent(raw[0].id))
        #expect(bytes.count == raw[0].size)
        #expect(try runtime.store.run(report.runId)?.kind == .plate)
        #expect(try runtime.store.verifyAudit().problems == [])
    }

    @Test func aContaminatedNTCInvalidatesEveryPatientResultAndIsReported() async throws {
        let runtime = try makeRuntime()
        let report = try await Self.hivRun(runtime, wells: Self.replace("A12", with: "A12,50,2e4"))
        #expect(report.status == .invalid)
        #expect(report.plate?.valid == false)
        let ntc = try #require(report.plate?.checks.first { $0.control == "no-template control" })
        #expect(!ntc.passed)
        #expect(ntc.detail.hasPrefix("NTC A12 amplified (Cq "))
        let results = try #require(report.results)
        #expect(results.count == 4)
        #expect(results.allSatisfy { $0.status == .invalid && $0.concentration == nil && $0.flags == ["PLATE_CONTROL_FAILED"] })
        #expect(results.allSatisfy { $0.reason?.contains("NTC A12 amplified") == true })
        // Stored and queued as invalid results: the centre learns the plate failed, never a number.
        #expect(try runtime.store.results(forRun: report.runId).allSatisfy { $0.status == .invalid && $0.concentration == nil })
        #expect(results.allSatisfy { $0.outbox.count == 1 })
    }

    @Test func aPositiveControlOutOfItsRangeInvalidatesThePlate() async throws {
        let runtime = try makeRuntime()
        // 400 copies per reaction: 1 000 copies/mL, log10 3.0, below the material's 4.0 − 3 × 0.12.
        let report = try await Self.hivRun(runtime, wells: { lines in
            Self.replace("B1", with: "B1,400,2e4")(&lines)
            Self.replace("B2", with: "B2,400,2e4")(&lines)
        })
        let positive = try #require(report.plate?.checks.first { $0.control == "positive control" })
        #expect(!positive.passed)
        #expect(positive.detail.contains("expected 3.64–4.36"))
        #expect(report.results?.allSatisfy { $0.status == .invalid } == true)
    }

    @Test func replicatesThatDisagreeInvalidateOnlyTheirSample() async throws {
        let runtime = try makeRuntime()
        let report = try await Self.hivRun(runtime, wells: Self.replace("C2", with: "C2,,2e4"))
        #expect(report.plate?.valid == true)
        let results = try #require(report.results)
        #expect(results[0].status == .invalid)
        #expect(results[0].flags == ["REPLICATE_SPREAD"])
        #expect(results[0].reason?.contains("1 of 2 wells amplified") == true)
        #expect(results.dropFirst().allSatisfy { $0.status == .final })
        #expect(report.status == .completed)
    }

    @Test func theQualitativeAssayCallsDetectedNotDetectedAndInvalid() async throws {
        let runtime = try makeRuntime()
        let report = try await runtime.run(RunRequest(
            device: "sim:qpcr?cycle-ms=0&wells=\(Self.plates.appendingPathComponent("sars-cov-2-sim-wells.csv").path)",
            assay: "sars-cov-2", sample: "PLATE-T2", lot: "SC226C03",
            layout: Self.plates.appendingPathComponent("sars-cov-2-plate.csv")))
        #expect(report.plate?.valid == true)
        let results = try #require(report.results)
        #expect(results.map(\.coded) == [.detected, .notDetected, nil, .detected])
        #expect(results.map(\.status) == [.final, .final, .invalid, .final])
        #expect(results[2].flags == ["IC_FAILED"])
        #expect(results.allSatisfy { $0.concentration == nil })
        let stored = try runtime.store.results(forRun: report.runId)
        #expect(stored.map { $0.coded?.code } == ["260373001", "260415000", nil, "260373001"])
    }

    @Test func aPlateThatStopsHalfWayIsAbortedWithTheCurvesThatArrived() async throws {
        let runtime = try makeRuntime()
        let report = try await runtime.run(RunRequest(
            device: "sim:qpcr?cycle-ms=0&lid-after=30&wells=\(Self.plates.appendingPathComponent("hiv1-vl-sim-wells.csv").path)",
            assay: "hiv1-vl", sample: "PLATE-T3", lot: "HIV26B01", layout: Self.plates.appendingPathComponent("hiv1-vl-plate.csv")))
        #expect(report.status == .aborted)
        #expect(report.error?.message.isEmpty == false)
        let raw = try runtime.store.rawData(forRun: report.runId)
        #expect(raw.count == 1)
        #expect(raw.first?.complete == false)
        #expect(try runtime.store.results(forRun: report.runId).isEmpty)
        #expect(try runtime.store.run(report.runId)?.status == .aborted)
    }

    @Test func whatAPlateNeedsIsAskedForBeforeAnythingRuns() async throws {
        let runtime = try makeRuntime()
        let layout = Self.plates.appendingPathComponent("hiv1-vl-plate.csv")
        await #expect(throws: PrecisError.self) {
            try await runtime.run(RunRequest(device: "sim:qpcr?cycle-ms=0", assay: "hiv1-vl", sample: "PLATE-T4", lot: "HIV26B01"))
        }
        do {
            _ = try await runtime.run(RunRequest(device: "sim:qpcr?cycle-ms=0", assay: "hiv1-vl", sample: "PLATE-T4", layout: layout))
            Issue.record("a plate without a lot ran")
        } catch let error as PrecisError {
            #expect(error.message.contains("needs the kit's lot"))
        }
        do {
            _ = try await runtime.run(RunRequest(device: "sim:lfr", assay: "hiv1-vl", sample: "PLATE-T4", lot: "HIV26B01", layout: layout))
            Issue.record("a plate ran on a strip reader")
        } catch let error as PrecisError {
            #expect(error.message.contains("needs a qpcr device"))
        }
        #expect(try runtime.store.runs().isEmpty)
    }

    @Test func voidingOneResultOfAPlateReplacesThatSampleOnly() async throws {
        let runtime = try makeRuntime()
        let report = try await Self.hivRun(runtime)
        let results = try #require(report.results)
        do {
            _ = try runtime.voidResult(runID: report.runId, supervisor: "sup1", reason: "which one?")
            Issue.record("a plate's void named no result")
        } catch let error as PrecisError {
            #expect(error.kind == .input)
            #expect(error.message.contains("name the result"))
        }
        let void = try runtime.voidResult(runID: report.runId, resultID: results[1].resultId, supervisor: "sup1", reason: "mislabelled tube")
        #expect(void.status == .void)
        #expect(void.sampleID == "S-1002")
        #expect(void.patientID == "P-2002")
        #expect(void.supersedesID == results[1].resultId)
        let listed = try #require(try runtime.results().first?.results)
        #expect(listed.map(\.sample) == ["S-1001", "S-1002", "S-1003", "S-1004"])
        #expect(listed.map(\.status) == [.final, .void, .final, .final])
        let queue = try runtime.queue()
        #expect(queue.first { $0.sample == "S-1002" }?.state == .failed)       // held: never sent
        #expect(queue.first { $0.sample == "S-1002" }?.lastError?.contains("voided") == true)
        #expect(queue.filter { $0.state == .pending }.map(\.sample) == ["S-1001", "S-1003", "S-1004"])
        do {
            _ = try runtime.voidResult(runID: report.runId, resultID: results[1].resultId, supervisor: "sup1", reason: "again")
            Issue.record("voided twice")
        } catch let error as PrecisError {
            #expect(error.kind == .conflict)
        }
        #expect(try runtime.store.verifyAudit().problems == [])
    }
}
