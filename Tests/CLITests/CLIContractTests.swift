import Foundation
import Testing

/// The command line's contract (README, exit codes): a bad argument, a bad device option or an
/// id holding a name or a date is exactly one line on stderr and exit 2; a store written by a
/// newer Precis is refused with exit 4 and left as it was.
@Suite struct CLIContractTests {
    /// The binary under test: `PRECIS_UNDER_TEST` (an older build, to watch these fail on it) or the one built here.
    static let binary = ProcessInfo.processInfo.environment["PRECIS_UNDER_TEST"] ?? TestPaths.precis.path

    func precis(_ arguments: [String], db: String = newDatabase()) throws -> Invocation {
        try runProcess(Self.binary, arguments, environment: [
            "PRECIS_DB": db, "PRECIS_CALIBRATION": repoRoot.appendingPathComponent("Calibration").path,
        ])
    }

    /// Exactly one line on stderr, in Precis's words, saying what to do, and exit `status`.
    func expectOneLine(_ result: Invocation, status: Int32 = 2, _ text: String,
                       sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == status, "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.split(separator: "\n", omittingEmptySubsequences: false).count == 2
                    && result.stderr.hasSuffix("\n"), "not one line: \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.hasPrefix("precis: "), "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.contains(" — "), "no what-to-do: \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.contains(text), "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(!looksLikeACrash(result.stderr + result.stdout), sourceLocation: sourceLocation)
    }

    static let run = ["run", "--device", "sim:lfr?reading-ms=0", "--assay", "crp"]

    @Test(arguments: [
        (["events", "none.slow5", "--window1", "abc"], "'abc' is invalid for '--window1"),
        (["events", "none.slow5", "--threshold1", "-1"], "--threshold1 takes a finite number at least 0"),
        (["events", "none.slow5", "--peak-height", "inf"], "--peak-height takes a finite number"),
        (["events", "none.slow5", "--window2", "0"], "--window2 takes a whole number from 1 to 4096"),
        (["analyze", "qpcr", "none.rdml", "--threshold", "-1"], "--threshold takes a finite number more than 0"),
        (["analyze", "qpcr", "none.rdml", "--threshold", "nan"], "--threshold takes a finite number"),
        (["analyze", "qpcr", "none.rdml", "--threshold=inf"], "--threshold takes a finite number"),
        (run + ["--sample", "S-1", "--wait-cartridge", "-5"], "--wait-cartridge takes a whole number from 0"),
        (run + ["--sample", "S-1", "--wait-cartridge=-5"], "--wait-cartridge takes a whole number from 0"),
        (run + ["--sample", "-S1"], "the sample id given is not a valid pseudonymous id"),
        (["run", "--device", "sim:nps", "--sample", "S-1", "--duration", "nan"], "--duration takes a finite number"),
        (["run", "--device", "sim:nps", "--sample", "S-1", "--bias", "-900"], "--bias takes a whole number from -300 to 300"),
        (["kiosk", "install-unit", "--port", "99999", "--prefix", NSTemporaryDirectory()], "--port takes a whole number from 1 to 65535"),
        (["upload", "--seconds", "-1"], "--seconds takes a finite number at least 0"),
        (["results", "--limit", "0"], "--limit takes a whole number"),
        (["results", "show", "abc"], "'abc' is invalid"),
        (["run"], "missing expected argument '--device"),
        (["frobnicate"], "unexpected argument 'frobnicate'"),
    ])
    func anArgumentErrorIsOneLineAndExitTwo(arguments: [String], text: String) throws {
        let result = try precis(arguments)
        expectOneLine(result, text)
        let verb = arguments.first == "frobnicate" ? "precis --help" : "--help"
        if !text.contains("pseudonymous") { #expect(result.stderr.contains(verb), "\(result.stderr)") }
        #expect(!result.stderr.contains("-S1"), "the refused id is repeated: \(result.stderr)")
    }

    @Test(arguments: [["--help"], ["run", "--help"], ["help", "run"], ["analyze", "qpcr", "--help"]])
    func helpIsStillHelpAndExitZero(arguments: [String]) throws {
        let result = try precis(arguments)
        #expect(result.status == 0)
        #expect(result.stdout.contains("USAGE: precis"))
        #expect(result.stderr.isEmpty, "\(result.stderr)")
    }

    @Test(arguments: [
        ("sim:lfr?reading-ms=0&disconect-after=5", "sim:lfr has no option 'disconect-after'"),
        ("sim:lfr?ratio=-1", "sim:lfr option ratio=-1 needs a finite number"),
        ("sim:lfr?ratio=nan", "sim:lfr option ratio=nan needs a finite number"),
        ("sim:lfr?reading-ms=fast", "sim:lfr option reading-ms=fast needs a whole number"),
        ("sim:lfr?corrupt=3,x", "sim:lfr option corrupt=3,x needs whole numbers"),
        ("sim:lfr?fault=smoke", "sim:lfr option fault=smoke is not one of lamp, motor, temperature"),
        ("sim:lfr?drop-done=maybe", "sim:lfr option drop-done=maybe takes no value"),
        ("sim:lfr?seed=1&seed=2", "option 'seed' is given twice"),
        ("sim:lfr?&reading-ms=0", "has an empty option"),
        ("usb:LFR-0042?reading-ms=0", "usb: addresses take no options"),
        ("replay:session.jsonl?fast", "replay: addresses take no options"),
    ])
    func aDeviceOptionTheSimulatorDoesNotTakeIsRefused(device: String, text: String) throws {
        let db = newDatabase()
        let result = try precis(["run", "--device", device, "--assay", "crp", "--sample", "S-0001"], db: db)
        expectOneLine(result, text)
        if text.contains("has no option") { #expect(result.stderr.contains("disconnect-after, drop, drop-done")) }
        #expect(!result.stdout.contains("Run 1"), "a run was made: \(result.stdout)")
    }

    @Test func theOtherSimulatorsRefuseUnknownOptionsToo() throws {
        let layout = repoRoot.appendingPathComponent("Calibration/plates/hiv1-vl-plate.csv").path
        let plate = try precis(["run", "--device", "sim:qpcr?lid-afterr=3", "--assay", "hiv1-vl", "--lot", "HIV26B01", "--layout", layout])
        expectOneLine(plate, "sim:qpcr has no option 'lid-afterr'")
        #expect(plate.stderr.contains("lid-after"))
        let nps = try precis(["run", "--device", "sim:nps?fast&chanels=4", "--sample", "S-0001"])
        expectOneLine(nps, "sim:nps has no option 'chanels'")
        #expect(nps.stderr.contains("channels"))
        let zero = try precis(["run", "--device", "sim:nps?fast&channels=0", "--sample", "S-0001"])
        expectOneLine(zero, "sim:nps option channels=0 needs a whole number ≥ 1")
    }

    @Test(arguments: [
        (["--sample", "S19640812X"], "sample id", "19640812"),
        (["--sample", "S-0001", "--patient", "P19640812"], "patient id", "19640812"),
        (["--sample", "X12.08.1964Y"], "sample id", "1964"),
        (["--sample", "S-0001", "--patient", "PAT1964-08-12"], "patient id", "1964"),
        (["--sample", "S-0001", "--operator", "Dr. John Smith"], "operator id", "John"),
        (["--sample", "S-0001", "--operator", "Smith, John"], "operator id", "John"),
    ])
    func anIdHoldingADateOrANameIsRefusedWithoutRepeatingIt(ids: [String], what: String, secret: String) throws {
        let result = try precis(Self.run + ids)
        expectOneLine(result, "the \(what) given is not a valid pseudonymous id")
        #expect(!result.stderr.contains(secret), "the refused value is repeated: \(result.stderr)")
        #expect(!result.stdout.contains("stored"))
    }

    @Test func codesWithoutADateStillRun() throws {
        let result = try precis(Self.run + ["--sample", "LAB.2026.17", "--patient", "P-7F3A", "--operator", "sup1"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("sample LAB.2026.17"))
    }

    @Test func everyVerbTakingAnOperatorRefusesAName() throws {
        let qc = try precis(["qc", "add", "--assay", "crp", "--instrument", "lfr:LFR-SIM-0001", "--lot", "QC-CRP-2609",
                             "--value", "1=8.2", "--operator", "Dr. John Smith"])
        expectOneLine(qc, "the operator id given is not a valid pseudonymous id")
        let retry = try precis(["queue", "retry", "1", "--operator", "Dr. John Smith"])
        expectOneLine(retry, "the operator id given is not a valid pseudonymous id")
        #expect(!(qc.stderr + retry.stderr).contains("John"))
    }

    @Test func aStoreFromANewerPrecisIsRefusedAndLeftAsItWas() throws {
        let db = newDatabase()
        #expect(try precis(["results"], db: db).status == 0)
        let newest = try sqlite(db, "SELECT identifier FROM grdb_migrations ORDER BY rowid DESC LIMIT 1")
        #expect(newest.hasPrefix("v"))
        _ = try sqlite(db, "INSERT INTO grdb_migrations VALUES ('v99-from-the-future')")
        let before = try Data(contentsOf: URL(fileURLWithPath: db))
        for arguments in [Self.run + ["--sample", "S-0001"], ["results"], ["audit", "verify"]] {
            expectOneLine(try precis(arguments, db: db), status: 4, "was written by a newer Precis")
        }
        let result = try precis(Self.run + ["--sample", "S-0001"], db: db)
        #expect(result.stderr.contains("v99-from-the-future"), "\(result.stderr)")
        #expect(result.stderr.contains("knows up to \(newest)"), "\(result.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: db)) == before, "the store was written")
        #expect(try sqlite(db, "SELECT COUNT(*) FROM runs") == "0")
    }

    private func sqlite(_ db: String, _ sql: String) throws -> String {
        let run = try runProcess("/usr/bin/env", ["sqlite3", db, sql])
        #expect(run.status == 0, "\(run.stderr)")
        return run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
