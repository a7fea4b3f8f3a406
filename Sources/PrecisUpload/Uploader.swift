import Foundation
import Logging
import PrecisCore
import PrecisFormats
import PrecisStore

/// What one pass of the uploader did.
public struct UploadSummary: Sendable, Codable, Equatable {
    /// Entries delivered.
    public var delivered = 0
    /// Entries to try again later.
    public var retrying = 0
    /// Entries refused for good.
    public var failed = 0
    /// Each outcome, one line each (no patient data: outbox ids, sample codes, reasons).
    public var lines: [String] = []
    /// Makes an empty summary.
    public init() {}

    /// Adds another pass.
    public mutating func add(_ other: UploadSummary) {
        delivered += other.delivered
        retrying += other.retrying
        failed += other.failed
        lines += other.lines
    }
}

/// Delivers the outbox: leases due entries, sends each to its destination, and settles it —
/// delivered, due again after a backoff (Retry-After honoured), or failed for good. A crash
/// at any point leaves the lease to expire and the entry to be sent again; destinations make
/// the resend harmless (FHIR conditional create, the same HL7 control id and file name).
public actor Uploader {
    let store: Store
    let destinations: [String: any Destination]
    let owner: String
    let clock: @Sendable () -> Date
    let policy: RetryPolicy
    let logger: Logger

    /// Makes an uploader; `owner` names its leases (`pid@host`).
    public init(store: Store, destinations: [any Destination], owner: String, clock: @escaping @Sendable () -> Date = { Date() },
                policy: RetryPolicy = RetryPolicy(), logger: Logger = Logger(label: "precis.upload")) {
        self.store = store
        self.destinations = Dictionary(uniqueKeysWithValues: destinations.map { ($0.name, $0) })
        self.owner = owner
        self.clock = clock
        self.policy = policy
        self.logger = logger
    }

    /// One pass: every destination's due entries, up to `limit` each; `progress` hears each outcome.
    public func runOnce(limit: Int = 100, progress: @Sendable (String) -> Void = { _ in }) async throws -> UploadSummary {
        var summary = UploadSummary()
        for (name, destination) in destinations.sorted(by: { $0.key < $1.key }) {
            let entries = try store.claimDue(destination: name, owner: owner, now: clock(), lease: policy.lease, limit: limit)
            var unreachable: String?
            for entry in entries {
                // A destination that did not answer at all is not tried again in this pass: the
                // rest wait their backoff instead of each spending a full timeout.
                let line: String
                if let why = unreachable {
                    line = try postpone(entry, at: destination, because: why, summary: &summary)
                } else {
                    line = try await deliver(entry, to: destination, summary: &summary, unreachable: &unreachable)
                }
                summary.lines.append(line)
                progress(line)
            }
        }
        return summary
    }

    /// Keeps delivering until cancelled: a pass, then a pause of `interval` (shorter when the
    /// pass was busy).
    public func run(interval: Duration = .seconds(5)) async {
        while !Task.isCancelled {
            let busy = (try? await runOnce()).map { $0.delivered + $0.retrying + $0.failed > 0 } ?? false
            try? await Task.sleep(for: busy ? .milliseconds(50) : interval)
        }
    }

    private func postpone(_ entry: OutboxEntry, at destination: any Destination, because why: String,
                          summary: inout UploadSummary) throws -> String {
        let wait = policy.delay(afterAttempts: entry.attempts, retryAfter: nil)
        try store.markRetry(entry.id, owner: owner, at: clock(), error: "not tried: \(why)", next: clock().addingTimeInterval(wait))
        summary.retrying += 1
        return "outbox \(entry.id) (run \(entry.runID), \(entry.sampleID)) → \(destination.name): not tried, \(why)"
    }

    private func deliver(_ entry: OutboxEntry, to destination: any Destination, summary: inout UploadSummary,
                         unreachable: inout String?) async throws -> String {
        let label = "outbox \(entry.id) (run \(entry.runID), \(entry.sampleID)) → \(destination.name)"
        // The claim's lease may have run out while earlier entries were sent (a slow centre):
        // renew it, or leave the entry to the uploader that took it over, so it is not sent twice.
        guard try store.renewLease(entry.id, owner: owner, now: clock(), lease: policy.lease) else {
            logger.info("\(label): taken over by another uploader; not sent from here")
            return "\(label): taken over by another uploader"
        }
        do {
            let package = try store.package(for: entry)
            if package.run.training, destination.production { throw DeliveryFailure.permanent(Self.trainingRefused(destination)) }
            let (store, owner, clock, lease) = (store, owner, clock, policy.lease)
            let note = try await destination.deliver(package) {
                try store.renewLease(entry.id, owner: owner, now: clock(), lease: lease)
            }
            guard try store.markDelivered(entry.id, owner: owner, at: clock(), note: note, head: package.auditHead) else {
                // The send outlasted the lease and another uploader holds the entry now: it
                // settles it (its resend is harmless), and this one does not count it.
                logger.warning("\(label): sent, but the lease had passed to another uploader")
                return "\(label): sent (\(note)), but another uploader had taken it over and will settle it"
            }
            summary.delivered += 1
            return "\(label): delivered (\(note))"
        } catch let failure as DeliveryFailure {
            switch failure {
            case let .transient(why, retryAfter):
                if why.hasPrefix("no answer") || why.contains("refused the connection") { unreachable = why }
                let wait = policy.delay(afterAttempts: entry.attempts, retryAfter: retryAfter)
                try store.markRetry(entry.id, owner: owner, at: clock(), error: why, next: clock().addingTimeInterval(wait))
                summary.retrying += 1
                logger.warning("\(label): \(why); again in \(Int(wait)) s")
                return "\(label): will retry in \(Int(wait)) s: \(why)"
            case .permanent(let why):
                try store.markFailed(entry.id, owner: owner, at: clock(), error: why)
                summary.failed += 1
                logger.error("\(label): refused: \(why)")
                return "\(label): FAILED: \(why)"
            }
        } catch {
            let why = error.asPrecisError.message
            try store.markRetry(entry.id, owner: owner, at: clock(), error: why,
                               next: clock().addingTimeInterval(policy.delay(afterAttempts: entry.attempts, retryAfter: nil)))
            summary.retrying += 1
            return "\(label): will retry: \(why)"
        }
    }
}
