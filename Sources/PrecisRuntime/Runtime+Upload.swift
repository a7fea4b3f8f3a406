import Foundation
import PrecisCore
import PrecisFormats
import PrecisStore
import PrecisUpload

extension Runtime {
    /// Who this bench box is, as messages name it.
    public var sender: Sender {
        Sender(site: configuration.siteName, software: PrecisVersion.current, deviceTypes: FamilyRegistry.deviceTypes)
    }

    /// The destinations the configuration sets up (none when it names none).
    public func makeDestinations() throws -> [any Destination] {
        var list: [any Destination] = []
        if let centre = configuration.centre { list.append(try FHIRDestination(configuration: centre, sender: sender, logger: logger)) }
        if let lis = configuration.lis { list.append(try HL7Destination(configuration: lis, sender: sender, clock: clock)) }
        if let inbox = configuration.inbox {
            // Precis's own key writes the header packets, so the centre can check where a file came from.
            let writer = try OwnKeys.loadOrCreate(in: OwnKeys.directory(databasePath: store.path)).key
            list.append(try S3InboxDestination(configuration: inbox, store: store, sender: sender, writer: writer, clock: clock,
                                               logger: logger))
        }
        return list
    }

    /// An uploader over the configured destinations; `policy` sets the backoff.
    public func makeUploader(destinations: [any Destination], policy: RetryPolicy? = nil) -> Uploader {
        Uploader(store: store, destinations: destinations, owner: owner, clock: clock, policy: policy ?? configuration.retryPolicy,
                 logger: logger)
    }

    /// Exactly what `destination` would be sent for run `runID`: a FHIR Bundle (`fhir`) or an
    /// ORU^R01 (`hl7v2`), built from the stored result whether or not a destination is configured.
    public func export(runID: Int64, resultID: Int64? = nil, format: String) throws -> Data {
        // The entry for the destination the format goes to, so that its audit head is the one it was sent.
        let package = try store.package(forRun: runID, result: resultID, destination: format == "hl7v2" ? "lis" : "centre")
        switch format {
        case "fhir":
            return try FHIRMapping.bundle(package, sender: sender).data(pretty: true)
        case "hl7v2":
            let lis = configuration.lis
            return Data(HL7Mapping.oru(package, sender: sender, receiver: (lis?.application ?? "LIS", lis?.facility ?? "HOSPITAL"),
                                       at: Timestamp.date(package.result.createdAt) ?? clock()).utf8)
        default:
            throw PrecisError(.input, "unknown export format '\(format)'", hint: "fhir or hl7v2")
        }
    }

    /// Puts a failed (or waiting) outbox entry back in line, due now.
    public func retryOutbox(id: Int64, actor: String) throws -> QueueItem {
        let e = try store.retryOutbox(id, actor: try Identifiers.validate(actor, as: "operator id"), at: clock())
        return QueueItem(id: e.id, runId: e.runID, resultId: e.resultID, sample: e.sampleID, destination: e.destination,
                         state: e.state, attempts: e.attempts, since: e.createdAt, nextAttemptAt: e.nextAttemptAt, lastError: e.lastError,
                         training: e.training)
    }

    /// A supervisor voids a result: a new VOID record supersedes it (the same sample on a plate;
    /// `resultID` names which there), its unsent outbox entries are held, and the reason is audited.
    public func voidResult(runID: Int64, resultID: Int64? = nil, supervisor: String, reason: String) throws -> ResultRecord {
        let who = try Identifiers.validate(supervisor, as: "supervisor id")
        let why = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard why.count >= 3 else { throw PrecisError(.input, "a result is voided only with a reason") }
        return try store.voidResult(runID: runID, resultID: resultID, supervisor: who, reason: why, at: clock())
    }
}
