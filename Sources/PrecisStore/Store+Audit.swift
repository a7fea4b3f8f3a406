import Crypto
import Foundation
import GRDB
import PrecisCore

/// One row of the audit log.
public struct AuditEntry: Sendable, Codable, Equatable {
    /// Row id, increasing.
    public var id: Int64
    /// When, ISO 8601 UTC.
    public var at: String
    /// Who: an operator id or `system`.
    public var actor: String
    /// What kind of thing changed: run, result, outbox, calibration, instrument.
    public var entity: String
    /// Which one.
    public var entityID: String
    /// What happened: `created`, `status RUNNING -> ABORTED`, …
    public var action: String
    /// Details, a JSON object with sorted keys.
    public var detail: String
    /// The previous row's hash (64 zeros for the first).
    public var prevHash: String
    /// SHA-256 over the previous hash and this row's fields.
    public var hash: String
}

/// What checking the audit chain found.
public struct AuditVerification: Sendable, Codable, Equatable {
    /// Rows checked.
    public var rows: Int
    /// Each problem found, naming the row; empty when the chain is intact.
    public var problems: [String]
    /// Whether the chain is intact.
    public var intact: Bool { problems.isEmpty }
}

extension Store {
    static let genesisHash = String(repeating: "0", count: 64)

    /// Appends one audit row inside the caller's transaction, chained to the previous row.
    static func audit(_ db: Database, at: Date, actor: String, entity: String, entityID: String,
                      action: String, detail: [String: String] = [:]) throws {
        let prev = try String.fetchOne(db, sql: "SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1") ?? genesisHash
        let detailJSON = canonicalJSON(detail)
        let when = Timestamp.string(at)
        let hash = chainHash(prev: prev, at: when, actor: actor, entity: entity, entityID: entityID,
                             action: action, detail: detailJSON)
        try db.execute(sql: """
            INSERT INTO audit_log (at, actor, entity, entity_id, action, detail, prev_hash, hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [when, actor, entity, entityID, action, detailJSON, prev, hash])
    }

    static func chainHash(prev: String, at: String, actor: String, entity: String, entityID: String,
                          action: String, detail: String) -> String {
        let fields = [prev, at, actor, entity, entityID, action, detail]
        let joined = fields.map { "\($0.utf8.count):\($0)" }.joined(separator: "|")
        return SHA256.hash(data: Data(joined.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func canonicalJSON(_ object: [String: String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(object), as: UTF8.self)) ?? "{}"
    }

    /// Every audit row, oldest first.
    public func auditEntries(entity: String? = nil, entityID: String? = nil) throws -> [AuditEntry] {
        try read { db in
            var sql = "SELECT * FROM audit_log"
            var args: [any DatabaseValueConvertible] = []
            if let entity { sql += " WHERE entity = ?"; args.append(entity) }
            if let entityID { sql += (args.isEmpty ? " WHERE" : " AND") + " entity_id = ?"; args.append(entityID) }
            return try Row.fetchAll(db, sql: sql + " ORDER BY id", arguments: StatementArguments(args)).map(Self.auditEntry)
        }
    }

    /// Recomputes the chain: an edited row breaks its own hash, a deleted or inserted row
    /// breaks the link from the next one, and ids must run without gaps.
    public func verifyAudit() throws -> AuditVerification {
        let rows = try auditEntries()
        var problems: [String] = []
        var prev = Self.genesisHash
        var lastID: Int64 = 0
        for row in rows {
            if row.id != lastID + 1 { problems.append("rows \(lastID + 1)–\(row.id - 1) are missing") }
            if row.prevHash != prev { problems.append("row \(row.id) does not follow row \(lastID): the chain is broken") }
            let expected = Self.chainHash(prev: row.prevHash, at: row.at, actor: row.actor, entity: row.entity,
                                          entityID: row.entityID, action: row.action, detail: row.detail)
            if expected != row.hash { problems.append("row \(row.id) was changed after it was written") }
            prev = row.hash
            lastID = row.id
        }
        return AuditVerification(rows: rows.count, problems: problems)
    }

    static func auditEntry(_ row: Row) -> AuditEntry {
        AuditEntry(id: row["id"], at: row["at"], actor: row["actor"], entity: row["entity"],
                   entityID: row["entity_id"], action: row["action"], detail: row["detail"],
                   prevHash: row["prev_hash"], hash: row["hash"])
    }
}
