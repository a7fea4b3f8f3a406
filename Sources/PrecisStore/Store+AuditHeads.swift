import Foundation
import GRDB
import PrecisCore

/// The chain's newest row, by sequence number (its id) and hash. Every delivery carries the
/// head as it was when the delivery was put together, so that the destination can later
/// vouch that the chain held that row with that hash: a store whose tail was cut, or whose
/// chain was rewritten, no longer does.
public struct AuditHead: Sendable, Codable, Equatable {
    /// The audit row's id.
    public var sequence: Int64
    /// Its hash (64 hex digits).
    public var hash: String

    /// Makes a head.
    public init(sequence: Int64, hash: String) {
        self.sequence = sequence
        self.hash = hash
    }

    /// `SEQUENCE:HASH`, as `precis audit verify --head` takes it.
    public var text: String { "\(sequence):\(hash)" }

    /// Reads `SEQUENCE:HASH` (a positive sequence, 64 hex digits); nil otherwise.
    public init?(text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let sequence = Int64(parts[0]), sequence > 0, parts[1].count == 64,
              parts[1].allSatisfy(\.isHexDigit) else { return nil }
        self.init(sequence: sequence, hash: parts[1].lowercased())
    }
}

/// A head a destination acknowledged (it took a delivery carrying it), or one given by hand.
public struct AcknowledgedHead: Sendable, Codable, Equatable {
    /// The destination (`centre`, `lis`), or who gave it.
    public var destination: String
    /// The head.
    public var head: AuditHead
    /// When it was acknowledged; nil for a head given on the command line.
    public var acknowledgedAt: String?

    /// Makes one.
    public init(destination: String, head: AuditHead, acknowledgedAt: String?) {
        self.destination = destination
        self.head = head
        self.acknowledgedAt = acknowledgedAt
    }
}

extension Store {
    /// The chain's newest row, nil while the log is empty.
    static func auditHead(_ db: Database) throws -> AuditHead? {
        try Row.fetchOne(db, sql: "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").map {
            AuditHead(sequence: $0["id"], hash: $0["hash"])
        }
    }

    /// The newest head each destination acknowledged, by destination.
    public func acknowledgedHeads() throws -> [AcknowledgedHead] {
        try read { db in try Self.acknowledgedHeads(db) }
    }

    static func acknowledgedHeads(_ db: Database) throws -> [AcknowledgedHead] {
        try Row.fetchAll(db, sql: "SELECT * FROM audit_heads ORDER BY destination").map {
            AcknowledgedHead(destination: $0["destination"], head: AuditHead(sequence: $0["sequence"], hash: $0["hash"]),
                             acknowledgedAt: $0["acknowledged_at"])
        }
    }

    /// Keeps `head` as what `destination` acknowledged, unless it already acknowledged a later one.
    static func recordAcknowledged(_ db: Database, destination: String, head: AuditHead, at: Date) throws {
        try db.execute(sql: """
            INSERT INTO audit_heads (destination, sequence, hash, acknowledged_at) VALUES (?, ?, ?, ?)
            ON CONFLICT(destination) DO UPDATE SET sequence = excluded.sequence, hash = excluded.hash,
                acknowledged_at = excluded.acknowledged_at WHERE excluded.sequence > audit_heads.sequence
            """, arguments: [destination, head.sequence, head.hash, Timestamp.string(at)])
    }

    /// Each acknowledged head the chain no longer holds: cut after it, or rewritten.
    static func headProblems(_ heads: [AcknowledgedHead], _ rows: [AuditEntry]) -> [String] {
        let byID = Dictionary(rows.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let last = rows.last?.id ?? 0
        return heads.compactMap { acknowledged in
            let head = acknowledged.head
            let who = acknowledged.acknowledgedAt.map { "\(acknowledged.destination) acknowledged on \($0)" }
                ?? "\(acknowledged.destination) gave"
            let named = "head \(head.sequence) (hash \(head.hash.prefix(12))…), which \(who)"
            if let row = byID[head.sequence] {
                return row.hash == head.hash ? nil : "row \(head.sequence) is not the \(named): the chain was rewritten"
            }
            if head.sequence > last {
                return "the chain ends at row \(last), before the \(named): rows were cut from its tail"
            }
            return "row \(head.sequence), the \(named), is missing"
        }
    }
}
