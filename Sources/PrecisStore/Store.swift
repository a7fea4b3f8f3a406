import Foundation
import GRDB
import PrecisCore

/// The local store: one SQLite file in WAL mode holding instruments, calibrations, runs,
/// raw traces, results, the outbox and the audit log. The one type over the database:
/// everything else asks it. (GRDB's AppDatabase)
public final class Store: Sendable {
    /// The database file.
    public let path: String
    let pool: DatabasePool

    /// Opens (creating when needed) the store at `path` and brings its schema up to date.
    /// Fails with a `.storage` error that names the path and what to do.
    public init(path: String) throws {
        self.path = path
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw PrecisError(.storage, "cannot create the folder for the store at \(path)",
                                  hint: "choose another path with --db or fix the folder's permissions")
            }
        }
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            let migrator = Migrations.migrator()
            try Self.refuseNewer(path: path, migrator)
            pool = try DatabasePool(path: path, configuration: config)
            try migrator.migrate(pool)
        } catch let error as PrecisError {
            throw error
        } catch {
            throw PrecisError(.storage, "cannot open the store at \(path): \(Self.reason(error))",
                              hint: "check the path given with --db (or PRECIS_DB) and its permissions")
        }
    }

    /// Refuses a store written by a newer Precis (one holding migrations this build does not
    /// know), before anything is migrated or written: an older build would write rows the newer
    /// schema does not expect, or miss what it must keep. It looks through a read-only connection:
    /// opening the pool already writes (GRDB creates and drops a table to fill an empty -wal).
    private static func refuseNewer(path: String, _ migrator: DatabaseMigrator) throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        var config = Configuration()
        config.readonly = true
        config.busyMode = .timeout(10)
        let queue = try DatabaseQueue(path: path, configuration: config)
        let applied = try queue.read { try migrator.appliedIdentifiers($0) }
        try queue.close()
        let unknown = applied.subtracting(migrator.migrations).sorted()
        guard !unknown.isEmpty else { return }
        throw PrecisError(.storage, "the store at \(path) was written by a newer Precis: it has schema "
                          + unknown.joined(separator: ", ") + ", this build knows up to \(migrator.migrations.last ?? "none")",
                          hint: "use the newer Precis with this store (this one does not change it), or give another --db")
    }

    /// Runs `body` in one write transaction, mapping database errors to `.storage`. The
    /// messages of a store in use never name its path: they reach the kiosk's API clients,
    /// who did not send it (only opening, by whoever named the path, says where).
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.write(body) } catch let error as PrecisError { throw error } catch {
            throw PrecisError(.storage, "the store refused a write: \(Self.reason(error))")
        }
    }

    /// Runs `body` on a read-only snapshot.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.read(body) } catch let error as PrecisError { throw error } catch {
            throw PrecisError(.storage, "the store could not be read: \(Self.reason(error))")
        }
    }

    static func reason(_ error: any Error) -> String {
        if let db = error as? DatabaseError { return db.message ?? db.resultCode.description }
        return String(describing: error)
    }
}

/// Timestamps as the store writes them: ISO 8601, UTC, milliseconds, so text order is time order.
public enum Timestamp {
    private static let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// `2026-11-22T15:04:05.123Z`, to the nearest millisecond. The formatter truncates, and a
    /// parsed `.135` is often 134.9999… ms as a Double, so formatting it as it is gave `.134`: a
    /// time read back from the store came out a millisecond early, and an outbox entry asked
    /// for at its own due time was not yet due. Rounding first, then formatting from a point a
    /// fraction inside the millisecond, makes `string(date(s)) == s` for every `s`.
    public static func string(_ date: Date) -> String {
        let milliseconds = (date.timeIntervalSince1970 * 1000).rounded()
        return style.format(Date(timeIntervalSince1970: milliseconds / 1000 + 0.0004))
    }
    /// Parses what `string` writes.
    public static func date(_ text: String) -> Date? { try? style.parse(text) }
}
