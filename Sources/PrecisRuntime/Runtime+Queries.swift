import Foundation
import PrecisCore
import PrecisDrivers
import PrecisSignal
import PrecisStore
import PrecisUSB

/// One run in a list of results.
public struct ResultSummary: Sendable, Codable, Equatable {
    public var runId: Int64
    public var runUid: String
    public var sample: String
    public var patient: String?
    public var assay: String
    /// The run's status: RUNNING, COMPLETED, INVALID, ABORTED.
    public var status: String
    public var startedAt: String
    public var endedAt: String?
    public var instrument: String
    public var resultId: Int64?
    /// The result's status: FINAL, INVALID, CORRECTED.
    public var resultStatus: String?
    public var concentration: Concentration?
    public var display: String?
    public var flags: [String]
    public var tcRatio: Double?
    /// How much raw data is stored.
    public var rawProfile: RawSummary?
    public var outbox: [OutboxSummary]
    public var error: ErrorSummary?
    /// A training run (a simulator or a replayed trace): never a patient's result.
    public var training: Bool
}

/// One run with everything needed to draw it.
public struct ResultDetail: Sendable, Codable, Equatable {
    public var summary: ResultSummary
    public var analysis: StoredAnalysis?
    /// The lines and curves as recomputed from the stored raw profile with the stored method.
    public var curves: LateralFlowResult?
    /// The stored raw profile (partial for an aborted run).
    public var raw: RawTrace?
    /// The audit trail of this run.
    public var audit: [AuditEntry]
}

/// One entry of the upload queue.
public struct QueueItem: Sendable, Codable, Equatable {
    public var id: Int64
    public var runId: Int64
    public var resultId: Int64
    public var sample: String
    public var destination: String
    public var state: String
    public var attempts: Int
    /// When it was queued.
    public var since: String
    public var nextAttemptAt: String
    public var lastError: String?
    /// The result is a training run's (simulated or replayed).
    public var training: Bool
}

/// An instrument Precis can reach.
public struct DeviceListing: Sendable, Codable, Equatable {
    /// What to give `--device`.
    public var address: String
    public var family: String
    /// `simulated`, `usb`, `serial`.
    public var kind: String
    /// Where it sits: the USB bus path (`1-4.2`) and device node, for real instruments.
    public var busPath: String?
    public var description: String
    public var serial: String?
    public var firmware: String?
    /// `ready`, or what is wrong.
    public var state: String
}

extension Runtime {
    /// The newest runs and their results, newest first.
    public func results(limit: Int = 50) throws -> [ResultSummary] {
        try store.runs(limit: limit).map(summary)
    }

    /// One run in full; throws `.notFound` for an unknown id.
    public func resultDetail(runID: Int64) throws -> ResultDetail {
        guard let run = try store.run(runID) else {
            throw PrecisError(.notFound, "no run \(runID) in this store", hint: "`precis results` lists the runs")
        }
        let summary = try summary(run)
        let result = try store.result(forRun: runID)
        let analysis = result.flatMap { try? JSONDecoder().decode(StoredAnalysis.self, from: Data($0.analysisJSON.utf8)) }
        let raw = try store.rawTrace(forRun: runID)
        var curves: LateralFlowResult?
        if let analysis, let raw, raw.complete {
            curves = LateralFlowAnalyzer(method: analysis.method).analyze(raw.profile)
        }
        return ResultDetail(summary: summary, analysis: analysis, curves: curves, raw: raw,
                            audit: try store.auditEntries(entity: "run", entityID: String(runID)))
    }

    /// What waits in the outbox (everything not yet delivered), oldest first.
    public func queue(includeDelivered: Bool = false) throws -> [QueueItem] {
        try store.outbox(states: includeDelivered ? nil : ["pending", "in_flight", "failed"]).map {
            QueueItem(id: $0.id, runId: $0.runID, resultId: $0.resultID, sample: $0.sampleID, destination: $0.destination,
                      state: $0.state, attempts: $0.attempts, since: $0.createdAt, nextAttemptAt: $0.nextAttemptAt,
                      lastError: $0.lastError, training: $0.training)
        }
    }

    /// The instruments Precis can reach now: the simulators, and (with USB support) what is plugged in.
    public static func devices() async -> [DeviceListing] {
        var list: [DeviceListing] = []
        for family in SimulatorSetup.families {
            let registration = DriverRegistry.registration(for: family)
            var entry = DeviceListing(address: "sim:\(family)", family: family.name, kind: "simulated", busPath: nil,
                                      description: registration?.displayName ?? family.name,
                                      serial: nil, firmware: nil, state: "ready")
            do {
                guard let registration else { throw PrecisError(.other, "no driver for \(family)") }
                let driver = registration.makeDriver(try SimulatorSetup.transport(try DeviceAddress(entry.address)))
                let identity = try await driver.identify()
                await driver.close()
                entry.serial = identity.serial
                entry.firmware = identity.firmware
            } catch {
                entry.state = error.asPrecisError.message
            }
            list.append(entry)
        }
        return list + ((try? UdevDiscovery.enumerate()) ?? []).map(listing)
    }

    /// A plugged-in instrument as `devices` lists it (not opened: it may be busy with a run).
    public static func listing(_ device: DiscoveredDevice) -> DeviceListing {
        DeviceListing(address: device.address, family: device.family.name, kind: device.kind,
                      busPath: "\(device.busPath) \(device.devnode)",
                      description: DriverRegistry.registration(for: device.family)?.displayName ?? device.family.name,
                      serial: device.serial.isEmpty ? nil : device.serial, firmware: nil,
                      state: device.accessible ? "ready" : "no permission: install the udev rules (precis doctor)")
    }

    func summary(_ run: RunRecord) throws -> ResultSummary {
        let result = try store.result(forRun: run.id)
        let raw = try store.rawTrace(forRun: run.id)
        let outbox = try result.map { try store.outbox(forResult: $0.id) } ?? []
        return ResultSummary(
            runId: run.id, runUid: run.uid, sample: run.sampleID, patient: run.patientID, assay: run.assay,
            status: run.status, startedAt: run.startedAt, endedAt: run.endedAt, instrument: run.instrumentID,
            resultId: result?.id, resultStatus: result?.status,
            concentration: result.flatMap { r in r.concentration.map { Format.rounded($0, decimals: r.decimals) } },
            display: result.flatMap { r in r.concentration.map { Format.concentration($0, decimals: r.decimals) } },
            flags: result?.flags.map(\.rawValue) ?? [], tcRatio: result?.response,
            rawProfile: raw.map { RawSummary(readings: $0.profile.count, expected: $0.expectedCount, complete: $0.complete) },
            outbox: outbox.map(OutboxSummary.init),
            error: run.errorMessage.map { ErrorSummary(PrecisError(ErrorKind(rawValue: run.errorKind ?? "") ?? .other, $0)) },
            training: run.training)
    }
}
