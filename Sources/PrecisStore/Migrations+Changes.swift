import GRDB

extension Migrations {
    /// The tables whose rows the kiosk's lists, its queue and `/metrics` are made from; a row
    /// inserted, updated or deleted in any of them counts one change (v13). Fixed as shipped: a
    /// table added later that such a view reads gets its triggers in its own migration.
    static let countedTables = ["instruments", "calibrations", "runs", "raw_traces", "results", "outbox", "audit_log",
                                "qc_runs", "qc_results", "qc_lockouts", "raw_data", "sequencing_details", "inbox_uploads",
                                "inbox_parts"]

    /// v13: `store_changes`, one row whose `count` every write to a counted table raises in the
    /// same transaction, by trigger, whichever process writes (the kiosk, `precis upload`, a run
    /// in a terminal). A reader that kept what it made from the store at count N may give it
    /// again while the count is still N: nothing it was made from has changed.
    static func v13(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE store_changes (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                count INTEGER NOT NULL
            );
            INSERT INTO store_changes (id, count) VALUES (1, 0);
            """)
        for table in countedTables {
            for event in ["INSERT", "UPDATE", "DELETE"] {
                try db.execute(sql: """
                    CREATE TRIGGER \(table)_\(event.lowercased())_counted AFTER \(event) ON \(table)
                    BEGIN UPDATE store_changes SET count = count + 1 WHERE id = 1; END
                    """)
            }
        }
    }
}
