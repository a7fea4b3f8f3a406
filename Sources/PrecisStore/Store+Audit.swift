import Crypto
import Foundation
import GRDB
import PrecisCore

/// One row of the audit log.
public struct AuditEntry: Sendable, Codable, Equatable {
    /// Row id, increasing: the row's sequence number in the chain.
    public var id: Int64
    /// When, ISO 8601 UTC.
    public var at: String
    /// Who: an operator id or `system`.
    public var actor: String
    /// What kind of thing changed: run, raw-trace, result, outbox, calibration, instrument, …
    public var entity: String
    /// Which one.
    public var entityID: String
    /// What happened: `created`, `status RUNNING -> ABORTED`, …
    public var action: String
    /// Details, a JSON object with sorted keys.
    public var detail: String
    /// The digest of the entity's content after the change (`c1:` + SHA-256, see
    /// `ContentDigest`); nil in rows written before v5, and when the entity is not stored.
    public var contentDigest: String?
    /// A short digest per field of that content, so that verify can name what changed.
    public var contentFields: String?
    /// The previous row's hash (64 zeros for the first).
    public var prevHash: String
    /// SHA-256 over the previous hash and this row's fields.
    public var hash: String
}

extension Store {
    static let genesisHash = String(repeating: "0", count: 64)

    /// Appends one audit row inside the caller's transaction, chained to the previous row. The
    /// row records the digest of the entity's content as it is now (after the change), when
    /// the entity is of an audited kind and stored.
    static func audit(_ db: Database, at: Date, actor: String, entity: String, entityID: String,
                      action: String, detail: [String: String] = [:]) throws {
        let content = try AuditedKind(rawValue: entity).flatMap { try ContentDigest.current(db, $0, id: entityID) }
        let prev = try String.fetchOne(db, sql: "SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1") ?? genesisHash
        let detailJSON = canonicalJSON(detail)
        let when = Timestamp.string(at)
        let hash = chainHash(prev: prev, at: when, actor: actor, entity: entity, entityID: entityID,
                             action: action, detail: detailJSON, content: content)
        try db.execute(sql: """
            INSERT INTO audit_log (at, actor, entity, entity_id, action, detail, content_digest, content_fields, prev_hash, hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [when, actor, entity, entityID, action, detailJSON, content?.digest, content?.fields, prev, hash])
    }

    /// SHA-256 over the length-prefixed fields; a row with a content digest also covers the
    /// digest and its field digests (rows written before v5 have none and hash as they did).
    static func chainHash(prev: String, at: String, actor: String, entity: String, entityID: String,
                          action: String, detail: String, content: ContentDigest?) -> String {
        var fields = [prev, at, actor, entity, entityID, action, detail]
        if let content { fields += [content.digest, content.fields] }
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
        try read { db in try Self.auditEntries(db, entity: entity, entityID: entityID) }
    }

    static func auditEntries(_ db: Database, entity: String? = nil, entityID: String? = nil) throws -> [AuditEntry] {
        var sql = "SELECT * FROM audit_log"
        var args: [any DatabaseValueConvertible] = []
        if let entity { sql += " WHERE entity = ?"; args.append(entity) }
        if let entityID { sql += (args.isEmpty ? " WHERE" : " AND") + " entity_id = ?"; args.append(entityID) }
        return try Row.fetchAll(db, sql: sql + " ORDER BY id", arguments: StatementArguments(args)).map(auditEntry)
    }

    /// Records the current content of every stored entity in one audit row each, as the v5
    /// migration does for a store whose rows were written before digests existed. The action
    /// says so: those digests vouch only for the content as it was found then.
    static func recordDigestsAtMigration(_ db: Database, at: Date) throws {
        for kind in AuditedKind.allCases {
            var ids: [String] = []
            try ContentDigest.each(db, kind) { id, _ in ids.append(id) }
            for id in ids {
                try audit(db, at: at, actor: "system", entity: kind.rawValue, entityID: id, action: "digest recorded at migration")
            }
        }
    }

    static func auditEntry(_ row: Row) -> AuditEntry {
        AuditEntry(id: row["id"], at: row["at"], actor: row["actor"], entity: row["entity"],
                   entityID: row["entity_id"], action: row["action"], detail: row["detail"],
                   contentDigest: row["content_digest"], contentFields: row["content_fields"],
                   prevHash: row["prev_hash"], hash: row["hash"])
    }
}
