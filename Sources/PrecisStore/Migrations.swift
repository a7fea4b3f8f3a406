import Foundation
import GRDB

/// The schema, as versioned migrations. A migration never changes once shipped: a new
/// table or column is a new migration appended here. (GRDB migration guide)
enum Migrations {
    static func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-runs-results-outbox-audit", migrate: v1)
        migrator.registerMigration("v2-quality-control", migrate: v2)
        migrator.registerMigration("v3-operators-signin", migrate: v3)
        migrator.registerMigration("v4-sequencing-runs", migrate: v4)
        migrator.registerMigration("v5-audit-content", migrate: v5)
        migrator.registerMigration("v6-training-runs", migrate: v6)
        migrator.registerMigration("v7-signin-unknown-tally", migrate: v7)
        migrator.registerMigration("v8-run-kinds-raw-data-coded-results", migrate: v8)
        migrator.registerMigration("v9-sequencing-runs-in-runs", migrate: v9)
        migrator.registerMigration("v10-any-run-kind", migrate: v10)
        migrator.registerMigration("v11-list-indexes", migrate: v11)
        migrator.registerMigration("v12-inbox-uploads", migrate: v12)
        migrator.registerMigration("v13-change-count", migrate: v13)
        return migrator
    }

    private static func v1(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE instruments (
                id TEXT PRIMARY KEY,              -- family:serial
                family TEXT NOT NULL,
                serial TEXT NOT NULL,
                firmware TEXT NOT NULL,
                instrument_calibration_id TEXT,
                model TEXT,
                endpoint TEXT NOT NULL,
                first_seen TEXT NOT NULL,
                last_seen TEXT NOT NULL
            );
            CREATE TABLE calibrations (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                lot TEXT NOT NULL,
                assay TEXT NOT NULL,
                version INTEGER NOT NULL,
                sha256 TEXT NOT NULL UNIQUE,
                expiry TEXT NOT NULL,
                content TEXT NOT NULL,            -- the lot file as loaded
                loaded_at TEXT NOT NULL
            );
            CREATE TABLE runs (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                uid TEXT NOT NULL UNIQUE,
                sample_id TEXT NOT NULL,
                patient_id TEXT,                  -- pseudonymous only
                assay TEXT NOT NULL,
                instrument_id TEXT NOT NULL REFERENCES instruments(id),
                endpoint TEXT NOT NULL,
                calibration_id INTEGER REFERENCES calibrations(id),
                cartridge_id TEXT,
                operator TEXT NOT NULL,
                owner TEXT NOT NULL,              -- pid@host of the process running it
                status TEXT NOT NULL CHECK (status IN ('RUNNING','COMPLETED','INVALID','ABORTED')),
                started_at TEXT NOT NULL,
                ended_at TEXT,
                error_kind TEXT,
                error_message TEXT,
                link_report TEXT                  -- what the link lost and recovered (JSON)
            );
            CREATE INDEX runs_status ON runs(status);
            CREATE TABLE raw_traces (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                run_id INTEGER NOT NULL REFERENCES runs(id),
                kind TEXT NOT NULL,               -- 'lfr-profile'
                sample_count INTEGER NOT NULL,
                expected_count INTEGER,
                complete INTEGER NOT NULL,
                full_scale INTEGER NOT NULL,
                positions BLOB NOT NULL,          -- int32 little-endian, µm
                values_u16 BLOB NOT NULL,         -- uint16 little-endian counts
                created_at TEXT NOT NULL
            );
            CREATE INDEX raw_traces_run ON raw_traces(run_id);
            CREATE TABLE results (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                uid TEXT NOT NULL UNIQUE,
                run_id INTEGER NOT NULL REFERENCES runs(id),
                supersedes_id INTEGER REFERENCES results(id),
                status TEXT NOT NULL CHECK (status IN ('FINAL','INVALID','CORRECTED','VOID')),
                analyte TEXT NOT NULL,
                loinc_code TEXT NOT NULL,
                loinc_display TEXT NOT NULL,
                value REAL,
                comparator TEXT,
                unit TEXT NOT NULL,
                decimals INTEGER NOT NULL,
                flags TEXT NOT NULL,              -- comma-separated ResultFlag raw values
                response REAL,                    -- T/C ratio
                analysis TEXT NOT NULL,           -- lines, areas, noise, method (JSON)
                reference_range TEXT,
                reason TEXT,
                created_at TEXT NOT NULL
            );
            CREATE INDEX results_run ON results(run_id);
            CREATE TRIGGER results_never_updated BEFORE UPDATE ON results
                BEGIN SELECT RAISE(ABORT, 'a stored result is never changed: record a correction'); END;
            CREATE TRIGGER results_never_deleted BEFORE DELETE ON results
                BEGIN SELECT RAISE(ABORT, 'a stored result is never deleted: record a correction'); END;
            CREATE TABLE outbox (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                result_id INTEGER NOT NULL REFERENCES results(id),
                destination TEXT NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('pending','in_flight','delivered','failed')),
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at TEXT NOT NULL,
                last_error TEXT,
                lease_owner TEXT,
                lease_expires_at TEXT,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                delivered_at TEXT,
                UNIQUE (result_id, destination)
            );
            CREATE INDEX outbox_due ON outbox(state, next_attempt_at);
            CREATE TABLE audit_log (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                at TEXT NOT NULL,
                actor TEXT NOT NULL,
                entity TEXT NOT NULL,
                entity_id TEXT NOT NULL,
                action TEXT NOT NULL,
                detail TEXT NOT NULL,             -- JSON object, keys sorted
                prev_hash TEXT NOT NULL,
                hash TEXT NOT NULL
            );
            CREATE TRIGGER audit_never_updated BEFORE UPDATE ON audit_log
                BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
            CREATE TRIGGER audit_never_deleted BEFORE DELETE ON audit_log
                BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
            """)
    }

    private static func v2(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE qc_runs (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                assay TEXT NOT NULL,
                instrument_id TEXT NOT NULL,
                material_lot TEXT NOT NULL,
                run_id INTEGER REFERENCES runs(id),   -- when measured on an instrument by Precis
                source TEXT NOT NULL CHECK (source IN ('instrument','manual')),
                operator TEXT NOT NULL,
                at TEXT NOT NULL
            );
            CREATE TABLE qc_results (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                qc_run_id INTEGER NOT NULL REFERENCES qc_runs(id),
                level INTEGER NOT NULL,
                value REAL NOT NULL,
                unit TEXT NOT NULL
            );
            CREATE INDEX qc_runs_series ON qc_runs(assay, instrument_id, material_lot);
            CREATE TRIGGER qc_results_never_changed BEFORE UPDATE ON qc_results
                BEGIN SELECT RAISE(ABORT, 'a QC result is never changed'); END;
            CREATE TABLE qc_lockouts (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                assay TEXT NOT NULL,
                instrument_id TEXT NOT NULL,
                qc_run_id INTEGER NOT NULL REFERENCES qc_runs(id),
                rules TEXT NOT NULL,                  -- the rejecting Westgard rules, comma-separated
                detail TEXT NOT NULL,                 -- JSON: the observations that broke them
                created_at TEXT NOT NULL,
                acknowledged_at TEXT,
                acknowledged_by TEXT,
                reason TEXT
            );
            CREATE INDEX qc_lockouts_open ON qc_lockouts(assay, instrument_id, acknowledged_at);
            """)
    }

    /// The kiosk's operators (a PIN kept only as a salted PBKDF2-SHA256 hash) and every
    /// sign-in attempt, so that the rate limit survives a restart.
    private static func v3(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE operators (
                id TEXT PRIMARY KEY,
                role TEXT NOT NULL CHECK (role IN ('operator','supervisor')),
                pin_salt BLOB NOT NULL,
                pin_iterations INTEGER NOT NULL,
                pin_hash BLOB NOT NULL,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            );
            CREATE TABLE signin_attempts (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                operator_id TEXT NOT NULL,
                ok INTEGER NOT NULL,
                at TEXT NOT NULL
            );
            CREATE INDEX signin_attempts_operator ON signin_attempts(operator_id, id);
            """)
    }

    /// Sequencing runs: their metadata here, the reads in a BLOW5 file next to the database.
    private static func v4(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE sequencing_runs (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                uid TEXT NOT NULL UNIQUE,
                sample_id TEXT NOT NULL,          -- pseudonymous only
                instrument_id TEXT NOT NULL REFERENCES instruments(id),
                endpoint TEXT NOT NULL,
                flow_cell_id TEXT,
                channels INTEGER NOT NULL,
                sample_rate REAL NOT NULL,
                operator TEXT NOT NULL,
                owner TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('RUNNING','COMPLETED','ABORTED')),
                started_at TEXT NOT NULL,
                ended_at TEXT,
                reads_path TEXT NOT NULL,         -- the BLOW5 file (.partial until finished)
                reads INTEGER NOT NULL DEFAULT 0,
                samples INTEGER NOT NULL DEFAULT 0,
                read_samples INTEGER NOT NULL DEFAULT 0,
                events INTEGER NOT NULL DEFAULT 0,
                lost_packets INTEGER NOT NULL DEFAULT 0,
                lost_frames INTEGER NOT NULL DEFAULT 0,
                corrupt_packets INTEGER NOT NULL DEFAULT 0,
                ring_overflows INTEGER NOT NULL DEFAULT 0,
                flags TEXT NOT NULL DEFAULT '',   -- comma-separated: data-loss, overflow, corrupt-packets
                error_kind TEXT,
                error_message TEXT
            );
            CREATE INDEX sequencing_runs_status ON sequencing_runs(status);
            """)
    }

    /// Each audit row commits to the content of what it records (`content_digest`, see
    /// `ContentDigest`), and the store keeps the newest chain head each destination
    /// acknowledged. Rows written before have no digest: every record already stored gets
    /// one audit row "digest recorded at migration", which vouches for its content only
    /// from then on.
    private static func v5(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE audit_log ADD COLUMN content_digest TEXT;   -- c1:SHA-256 of the entity's content after the change
            ALTER TABLE audit_log ADD COLUMN content_fields TEXT;   -- name=8 hex digits per field, to name what changed
            CREATE TABLE audit_heads (
                destination TEXT PRIMARY KEY,
                sequence INTEGER NOT NULL,        -- the audit row's id the destination was sent
                hash TEXT NOT NULL,
                acknowledged_at TEXT NOT NULL
            );
            """)
        try Store.recordDigestsAtMigration(db, at: Date())
    }

    /// Runs on a simulator or a replayed trace are training runs: marked so that their results
    /// are never taken for a patient's (tagged in every message, refused by production
    /// destinations). Runs stored before this migration keep being treated as they were.
    private static func v6(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE runs ADD COLUMN training INTEGER NOT NULL DEFAULT 0 CHECK (training IN (0, 1));
            ALTER TABLE sequencing_runs ADD COLUMN training INTEGER NOT NULL DEFAULT 0 CHECK (training IN (0, 1));
            """)
    }

    /// Refused sign-ins for ids that are no operator's are audited once per window, with how
    /// many came since the last such entry (a script trying ids cannot grow the audit log
    /// without bound): the count waits here, in its one row, until it is written.
    private static func v7(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE signin_unknown_tally (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                last_audited TEXT NOT NULL,
                unaudited INTEGER NOT NULL
            );
            """)
    }

    /// Every family's runs in one table: a run has a kind (every run stored before is a strip);
    /// raw data of any kind is kept whole with its SHA-256 (a plate's RDML, a voltammogram, a
    /// reads file by path) — a strip's profile stays in `raw_traces`; a result may name its own
    /// sample (a plate holds many), carry a coded value (SNOMED CT Detected / Not detected)
    /// instead of a number, the method it was measured by, and the raw data it came from.
    private static func v8(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE raw_data (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                run_id INTEGER NOT NULL REFERENCES runs(id),
                kind TEXT NOT NULL,               -- RawDataKind: 'qpcr-rdml', 'voltammogram', 'reads'
                media_type TEXT NOT NULL,
                content BLOB,                     -- the bytes, or NULL when they are in the file at `path`
                path TEXT,
                size INTEGER NOT NULL,
                sha256 TEXT NOT NULL,
                complete INTEGER NOT NULL CHECK (complete IN (0, 1)),
                summary TEXT NOT NULL,            -- JSON: what a reader needs without opening the content
                created_at TEXT NOT NULL,
                CHECK ((content IS NULL) != (path IS NULL))
            );
            CREATE INDEX raw_data_run ON raw_data(run_id);
            CREATE TRIGGER raw_data_never_updated BEFORE UPDATE ON raw_data
                BEGIN SELECT RAISE(ABORT, 'raw data is never changed'); END;
            CREATE TRIGGER raw_data_never_deleted BEFORE DELETE ON raw_data
                BEGIN SELECT RAISE(ABORT, 'raw data is never deleted'); END;
            ALTER TABLE runs ADD COLUMN kind TEXT NOT NULL DEFAULT 'strip'
                CHECK (kind IN ('strip', 'plate', 'voltammetry', 'sequencing'));
            ALTER TABLE results ADD COLUMN sample_id TEXT;        -- NULL: the run's sample
            ALTER TABLE results ADD COLUMN patient_id TEXT;       -- NULL: the run's patient (pseudonymous only)
            ALTER TABLE results ADD COLUMN value_system TEXT;     -- a coded value: its system, code and display
            ALTER TABLE results ADD COLUMN value_code TEXT;
            ALTER TABLE results ADD COLUMN value_display TEXT;
            ALTER TABLE results ADD COLUMN method TEXT;
            ALTER TABLE results ADD COLUMN specimen_type TEXT;    -- system|code|display (HL70487 or SCT); NULL: serum
            ALTER TABLE results ADD COLUMN raw_data_id INTEGER REFERENCES raw_data(id);
            CREATE INDEX runs_kind ON runs(kind, id);
            """)
    }

    /// Sequencing runs are runs (kind `sequencing`) with their results and raw data like any
    /// other: what only a sequencing run has (flow cell, channels, sample rate, where the reads
    /// go) is in `sequencing_details`, keyed by the run's id and written once at its start;
    /// the reads file is raw data (by path, size and SHA-256) and its totals that raw data's
    /// summary. A result may be coded outside LOINC (`code_system`) and have components.
    ///
    /// Each sequencing run stored before is copied into `runs` with its details and its reads
    /// file as raw data (hashed now if the file is still there), each copy audited as migrated
    /// from its old row; the old rows stay as they were, frozen, so that the audit rows that
    /// recorded them still verify. No result is made for them: a past run was never meant to
    /// be sent, and migrating must not send anything.
    private static func v9(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE sequencing_details (
                id INTEGER PRIMARY KEY REFERENCES runs(id),   -- the run's id
                flow_cell_id TEXT,
                channels INTEGER NOT NULL,
                sample_rate REAL NOT NULL,
                reads_path TEXT NOT NULL,         -- the BLOW5 file (.partial until finished)
                migrated_from INTEGER UNIQUE REFERENCES sequencing_runs(id)
            );
            CREATE TRIGGER sequencing_details_never_updated BEFORE UPDATE ON sequencing_details
                BEGIN SELECT RAISE(ABORT, 'a run''s sequencing details are written once'); END;
            CREATE TRIGGER sequencing_details_never_deleted BEFORE DELETE ON sequencing_details
                BEGIN SELECT RAISE(ABORT, 'a run''s sequencing details are never deleted'); END;
            ALTER TABLE results ADD COLUMN code_system TEXT;      -- NULL: LOINC
            ALTER TABLE results ADD COLUMN components TEXT;       -- JSON [ResultComponent], NULL: none
            """)
        try Store.moveSequencingRunsIntoRuns(db, at: Date())
        try db.execute(sql: """
            CREATE TRIGGER sequencing_runs_frozen_insert BEFORE INSERT ON sequencing_runs
                BEGIN SELECT RAISE(ABORT, 'sequencing runs are kept in runs since schema v9'); END;
            CREATE TRIGGER sequencing_runs_frozen_update BEFORE UPDATE ON sequencing_runs
                BEGIN SELECT RAISE(ABORT, 'sequencing runs are kept in runs since schema v9'); END;
            CREATE TRIGGER sequencing_runs_frozen_delete BEFORE DELETE ON sequencing_runs
                BEGIN SELECT RAISE(ABORT, 'sequencing runs are kept in runs since schema v9'); END;
            """)
    }

    /// A run's kind is whatever family ran it (`RunKind` is a name each family gives), not the
    /// four v8 listed: the CHECK on `runs.kind` goes, so the next family needs no migration.
    /// SQLite cannot drop a constraint with ALTER TABLE; its documented way to remove a CHECK
    /// without rebuilding the table (sqlite.org/lang_altertable.html, "making other kinds of
    /// table schema changes": writable_schema, the table's SQL edited, schema_version raised,
    /// integrity checked, all in the migration's transaction) changes no row.
    private static func v10(_ db: Database) throws {
        guard let sql = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'runs'"),
              let start = sql.range(of: "CHECK (kind IN (") else {
            throw DatabaseError(message: "v10: the runs table has no CHECK on kind to remove")
        }
        guard let end = sql.range(of: "))", range: start.upperBound..<sql.endIndex) else {
            throw DatabaseError(message: "v10: the CHECK on runs.kind does not end")
        }
        var edited = sql
        edited.removeSubrange(start.lowerBound..<end.upperBound)
        let version = try Int.fetchOne(db, sql: "PRAGMA schema_version") ?? 0
        try db.execute(sql: "PRAGMA writable_schema = ON")
        try db.execute(sql: "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'runs'", arguments: [edited])
        try db.execute(sql: "PRAGMA schema_version = \(version + 1)")
        try db.execute(sql: "PRAGMA writable_schema = OFF")
        let check = try String.fetchAll(db, sql: "PRAGMA integrity_check")
        guard check == ["ok"] else { throw DatabaseError(message: "v10: integrity check after the schema edit: \(check)") }
    }

    /// Indexes for what the kiosk's pages ask on every request: a run's audit trail (its
    /// detail, `entity, entity_id`) and a result's later records (a void or a correction,
    /// `supersedes_id`). The lists walk `runs` by its primary key; results, raw data and outbox
    /// entries are found by `run_id` and `result_id`, indexed since v1 and v8.
    private static func v11(_ db: Database) throws {
        try db.execute(sql: """
            CREATE INDEX audit_log_entity ON audit_log(entity, entity_id, id);
            CREATE INDEX results_supersedes ON results(supersedes_id) WHERE supersedes_id IS NOT NULL;
            """)
    }

    /// A sequencing run's reads file goes to the centre's S3 inbox before the message that
    /// points at it: `outbox.stage` orders a result's entries (a lower stage is delivered
    /// first; 0 for every entry before). A multipart upload survives the uploader's death:
    /// `inbox_uploads` keeps, per outbox entry, the object's key, the encrypted file beside
    /// the reads, both files' checksums, the server's upload id and the bytes sent;
    /// `inbox_parts` each part the server took (its number, size, ETag and MD5).
    private static func v12(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE outbox ADD COLUMN stage INTEGER NOT NULL DEFAULT 0;
            CREATE TABLE inbox_uploads (
                outbox_id INTEGER PRIMARY KEY REFERENCES outbox(id),
                object_key TEXT NOT NULL,
                object_url TEXT NOT NULL,          -- s3://bucket/key
                encrypted_path TEXT NOT NULL,      -- the .c4gh file beside the reads
                part_size INTEGER NOT NULL,
                phase TEXT NOT NULL,               -- InboxPhase: encrypting, uploading, uploaded, done
                plain_size INTEGER, plain_sha256 TEXT, plain_md5 TEXT,
                encrypted_size INTEGER, encrypted_sha256 TEXT, encrypted_md5 TEXT,
                part_md5s TEXT,                    -- each part's MD5 (hex), comma-separated
                upload_id TEXT,                    -- the multipart upload in progress
                bytes_sent INTEGER NOT NULL DEFAULT 0,
                parts_sent INTEGER NOT NULL DEFAULT 0,
                retries INTEGER NOT NULL DEFAULT 0,
                rate REAL,                         -- bytes per second of the last part
                started_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                completed_at TEXT
            );
            CREATE TABLE inbox_parts (
                outbox_id INTEGER NOT NULL REFERENCES inbox_uploads(outbox_id),
                upload_id TEXT NOT NULL,
                number INTEGER NOT NULL,
                size INTEGER NOT NULL,
                etag TEXT NOT NULL,
                md5 TEXT NOT NULL,
                PRIMARY KEY (outbox_id, upload_id, number)
            );
            """)
    }
}
