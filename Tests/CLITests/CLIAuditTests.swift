import Foundation
import Testing

/// `precis audit verify` through the binary: exit 0 and one line when intact; exit 4 (a store
/// problem), one `BROKEN:` line per problem on stdout and one line on stderr when not.
@Suite struct CLIAuditTests {
    func tamper(_ db: String, _ sql: String) throws {
        let edit = try runProcess("/usr/bin/sqlite3", [db, sql])
        #expect(edit.status == 0, "\(edit.stderr)")
    }

    @Test func aResultMovedToAnotherSampleExits4NamingTheRun() throws {
        let db = newDatabase()
        #expect(try precis(["run", "--device", "sim:lfr?reading-ms=0", "--assay", "crp", "--sample", "S-0001"], db: db).status == 0)
        let intact = try precis(["audit", "verify"], db: db)
        #expect(intact.status == 0)
        #expect(intact.stdout == "The audit log is intact: 7 rows, every hash chained to the one before; 6 stored records as "
                + "their latest audit row recorded them; 0 acknowledged heads still in the chain.\n")

        try tamper(db, "UPDATE runs SET sample_id = 'S-EVIL1'")
        let broken = try precis(["audit", "verify"], db: db)
        #expect(broken.status == 4)
        #expect(broken.stdout == "BROKEN: run 1: its sample_id differs from what audit row 7 recorded\n")
        #expect(broken.stderr == "precis: the store does not match its audit log (1 problems) — keep the file as evidence, "
                + "restore the store from a backup and tell the centre\n")
        #expect(!looksLikeACrash(broken.stderr))
    }

    @Test func everyTamperingIsOneLineAndAHeadGivenByTheCentreIsChecked() throws {
        let db = newDatabase()
        #expect(try precis(["run", "--device", "sim:lfr?reading-ms=0", "--assay", "crp", "--sample", "S-0001"], db: db).status == 0)
        let json = try #require(try precis(["audit", "verify", "--json"], db: db).json() as? [String: Any])
        #expect(json["records"] as? Int == 6)   // instrument, lot, run, raw trace, result, outbox entry
        try tamper(db, """
            DROP TRIGGER results_never_updated; UPDATE results SET value = 1.0;
            UPDATE raw_traces SET values_u16 = zeroblob(length(values_u16)); DELETE FROM outbox;
            """)
        let head = "centre=9:" + String(repeating: "ab", count: 32)
        let broken = try precis(["audit", "verify", "--head", head], db: db)
        #expect(broken.status == 4)
        #expect(broken.stdout.split(separator: "\n") == [
            "BROKEN: the chain ends at row 7, before the head 9 (hash abababababab…), which centre gave: rows were cut from its tail",
            "BROKEN: raw trace 1: its values_u16 differs from what audit row 4 recorded",
            "BROKEN: result 1: its value differs from what audit row 5 recorded",
            "BROKEN: outbox entry 1 is gone from the store: audit row 6 recorded it",
        ])
        #expect(broken.stderr.split(separator: "\n").count == 1)

        let bad = try precis(["audit", "verify", "--head", "centre=9:xyz"], db: db)
        #expect(bad.status == 2)
        #expect(bad.stderr.split(separator: "\n").count == 1 && bad.stderr.contains("--head takes NAME=SEQUENCE:HASH"))
    }
}
