import Foundation
import GRDB
import PrecisCore

extension Store {
    /// Queues result `resultID` for `destination`; an entry of a higher `stage` waits until the
    /// result's entries of lower stages are delivered (a message after the data it points at).
    static func enqueue(_ db: Database, resultID: Int64, destination: String, stage: Int = 0, at: Date) throws -> OutboxEntry {
        let when = Timestamp.string(at)
        try db.execute(sql: """
            INSERT INTO outbox (result_id, destination, state, attempts, next_attempt_at, created_at, updated_at, stage)
            VALUES (?, ?, 'pending', 0, ?, ?, ?, ?)
            """, arguments: [resultID, destination, when, when, when, stage])
        let id = db.lastInsertedRowID
        try audit(db, at: at, actor: "system", entity: "outbox", entityID: String(id), action: "queued",
                  detail: ["result": String(resultID), "destination": destination])
        guard let entry = try fetchOutbox(db, where: "o.id = ?", [id]).first else {
            throw PrecisError(.storage, "outbox entry \(id) vanished")
        }
        return entry
    }

    /// Outbox entries, oldest first; all of them, or those in `states`.
    public func outbox(states: [OutboxState]? = nil) throws -> [OutboxEntry] {
        try outbox(states: states, after: nil, limit: nil)
    }

    /// A page of the outbox, oldest first: at most `limit` entries in `states` (nil: all) whose id
    /// is above `after` (the last id of the page before), read through the primary key.
    public func outbox(states: [OutboxState]?, after: Int64?, limit: Int?) throws -> [OutboxEntry] {
        try read { db in
            var clauses: [String] = [], args: [any DatabaseValueConvertible] = []
            if let states {
                clauses.append("o.state IN (\(states.map { _ in "?" }.joined(separator: ",")))")
                args += states.map(\.rawValue)
            }
            if let after { clauses.append("o.id > ?"); args.append(after) }
            return try Self.fetchOutbox(db, where: clauses.isEmpty ? "1" : clauses.joined(separator: " AND "), args, limit: limit)
        }
    }

    /// The outbox entries of one result.
    public func outbox(forResult resultID: Int64) throws -> [OutboxEntry] {
        try read { db in try Self.fetchOutbox(db, where: "o.result_id = ?", [resultID]) }
    }

    static func fetchOutbox(_ db: Database, where clause: String, _ args: [any DatabaseValueConvertible],
                            limit: Int? = nil) throws -> [OutboxEntry] {
        try Row.fetchAll(db, sql: """
            SELECT o.*, r.run_id, COALESCE(r.sample_id, runs.sample_id) AS sample_id, runs.training FROM outbox o
            JOIN results r ON r.id = o.result_id JOIN runs ON runs.id = r.run_id
            WHERE \(clause) ORDER BY o.id\(limit.map { " LIMIT \(max(0, $0))" } ?? "")
            """, arguments: StatementArguments(args)).map { row in
            OutboxEntry(id: row["id"], resultID: row["result_id"], runID: row["run_id"], sampleID: row["sample_id"],
                        destination: row["destination"], state: row["state"], attempts: row["attempts"],
                        nextAttemptAt: row["next_attempt_at"], lastError: row["last_error"], createdAt: row["created_at"],
                        updatedAt: row["updated_at"], deliveredAt: row["delivered_at"], training: row["training"])
        }
    }
}
