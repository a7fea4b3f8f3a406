import Foundation
import GRDB

/// Counts over the whole store, for `/metrics`.
public struct StoreCounts: Sendable, Equatable {
    /// Runs by status (RUNNING, COMPLETED, INVALID, ABORTED).
    public var runsByStatus: [String: Int]
    /// Current results (the newest record of each run) by flag; `none` for a result without flags.
    public var resultsByFlag: [String: Int]
    /// Current results by status (FINAL, INVALID, CORRECTED, VOID).
    public var resultsByStatus: [String: Int]
    /// Outbox entries by state (pending, in_flight, delivered, failed).
    public var outboxByState: [String: Int]
    /// Delivery attempts that failed (retried later or given up), from the audit log.
    public var uploadFailures: Int
}

extension Store {
    /// Counts runs, results, the outbox and failed deliveries in one read.
    public func counts() throws -> StoreCounts {
        try read { db in
            func grouped(_ sql: String) throws -> [String: Int] {
                var out: [String: Int] = [:]
                for row in try Row.fetchAll(db, sql: sql) { out[row[0]] = row[1] }
                return out
            }
            let current = """
                SELECT status, flags FROM results r WHERE id = (SELECT MAX(id) FROM results WHERE run_id = r.run_id)
                """
            var byFlag: [String: Int] = [:]
            var byStatus: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: current) {
                let flags: String = row["flags"], status: String = row["status"]
                byStatus[status, default: 0] += 1
                let list = flags.split(separator: ",").map(String.init)
                for flag in list.isEmpty ? ["none"] : list { byFlag[flag, default: 0] += 1 }
            }
            let failures = try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM audit_log WHERE entity = 'outbox' AND action IN ('retry later', 'failed permanently')
                """) ?? 0
            return StoreCounts(runsByStatus: try grouped("SELECT status, COUNT(*) FROM runs GROUP BY status"),
                               resultsByFlag: byFlag, resultsByStatus: byStatus,
                               outboxByState: try grouped("SELECT state, COUNT(*) FROM outbox GROUP BY state"),
                               uploadFailures: failures)
        }
    }
}
