import Foundation
import GRDB
import PrecisCore

/// What checking the audit log against itself, the store's tables and the acknowledged heads found.
public struct AuditVerification: Sendable, Codable, Equatable {
    /// Audit rows checked.
    public var rows: Int
    /// Stored records (runs, raw traces, results, outbox entries, …) checked against their latest audit row.
    public var records: Int
    /// Heads acknowledged by destinations (or given) checked against the chain.
    public var heads: Int
    /// Each problem found, naming the row or the record; empty when all is intact.
    public var problems: [String]
    /// Whether the chain, the content and the heads are intact.
    public var intact: Bool { problems.isEmpty }
}

extension Store {
    /// Checks three things, naming every row or record that disagrees:
    /// - the chain: an edited row breaks its own hash, a deleted or inserted row breaks the
    ///   link from the next one, and ids must run without gaps;
    /// - the content: every stored record of an audited kind has an audit row, and its
    ///   current content has the digest its latest audit row recorded; a record an audit row
    ///   recorded is still there;
    /// - the heads: every head a destination acknowledged (and each of `given`) is still in
    ///   the chain with its hash, so a tail cut off the chain shows.
    public func verifyAudit(heads given: [AcknowledgedHead] = []) throws -> AuditVerification {
        try read { db in
            let rows = try Self.auditEntries(db)
            let heads = try Self.acknowledgedHeads(db) + given
            let content = try Self.contentProblems(db, rows)
            return AuditVerification(rows: rows.count, records: content.records, heads: heads.count,
                                     problems: Self.chainProblems(rows) + Self.headProblems(heads, rows) + content.problems)
        }
    }

    static func chainProblems(_ rows: [AuditEntry]) -> [String] {
        var problems: [String] = []
        var prev = genesisHash
        var lastID: Int64 = 0
        for row in rows {
            if row.id != lastID + 1 { problems.append("rows \(lastID + 1)–\(row.id - 1) are missing") }
            if row.prevHash != prev { problems.append("row \(row.id) does not follow row \(lastID): the chain is broken") }
            let content = row.contentDigest.map { ContentDigest(digest: $0, fields: row.contentFields ?? "") }
            let expected = chainHash(prev: row.prevHash, at: row.at, actor: row.actor, entity: row.entity,
                                     entityID: row.entityID, action: row.action, detail: row.detail, content: content)
            if expected != row.hash { problems.append("row \(row.id) was changed after it was written") }
            prev = row.hash
            lastID = row.id
        }
        return problems
    }

    /// Compares every stored record with the latest audit row that recorded its content.
    static func contentProblems(_ db: Database, _ rows: [AuditEntry]) throws -> (records: Int, problems: [String]) {
        var latest: [AuditedKind: [String: AuditEntry]] = [:]
        for row in rows where row.contentDigest != nil {
            guard let kind = AuditedKind(rawValue: row.entity) else { continue }
            latest[kind, default: [:]][row.entityID] = row
        }
        var problems: [String] = []
        var records = 0
        for kind in AuditedKind.allCases {
            let recorded = latest[kind] ?? [:]
            var stored = Set<String>()
            try ContentDigest.each(db, kind) { id, now in
                records += 1
                stored.insert(id)
                guard let row = recorded[id] else {
                    return problems.append("\(kind.label) \(id) has no audit row: it was stored outside Precis")
                }
                guard row.contentDigest != now.digest else { return }
                let changed = describe(now.changedFields(since: row.contentFields ?? ""))
                problems.append("\(kind.label) \(id): \(changed) from what audit row \(row.id) recorded")
            }
            for row in recorded.values.sorted(by: { $0.id < $1.id }) where !stored.contains(row.entityID) {
                problems.append("\(kind.label) \(row.entityID) is gone from the store: audit row \(row.id) recorded it")
            }
        }
        return (records, problems)
    }

    /// `its value differs`, `its value and unit differ`, `its a, b and c differ`.
    static func describe(_ fields: [String]) -> String {
        switch fields.count {
        case 0: "its content differs"
        case 1: "its \(fields[0]) differs"
        default: "its \(fields.dropLast().joined(separator: ", ")) and \(fields.last!) differ"
        }
    }
}
