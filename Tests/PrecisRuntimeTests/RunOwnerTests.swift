import Foundation
import PrecisCore
import PrecisRuntime
import PrecisStore
import Testing

/// A run left RUNNING by a killed Precis is closed even when its pid now belongs to another
/// process: the owner names the boot and the process's start time, not only the pid.
@Suite struct RunOwnerTests {
    let reader = DeviceIdentity(family: "lfr", serial: "LFR-0042", firmware: "2.3.1", instrumentCalibrationID: "OPT-1")

    /// A RUNNING run owned by `owner`, then recovery; its status after.
    func statusAfterRecovery(owner: String) throws -> String {
        let runtime = try makeRuntime()
        try runtime.store.saveInstrument(reader, endpoint: "sim:lfr", at: runtime.clock())
        let run = try runtime.store.beginRun(
            NewRun(sampleID: "S-0001", patientID: nil, assay: "crp", instrument: reader, endpoint: "sim:lfr", calibrationID: nil,
                   cartridgeID: "CRP26A07:1", operatorID: "tech1", owner: owner), at: runtime.clock())
        try runtime.recoverInterruptedRuns()
        return try #require(try runtime.store.run(run.id)).status.rawValue
    }

    var host: String { ProcessInfo.processInfo.hostName }
    var bootID: String { (try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8))?
        .trimmingCharacters(in: .whitespacesAndNewlines) ?? "" }

    @Test func theOwnerNamesBootAndStartTime() throws {
        let owner = try makeRuntime().owner
        #expect(owner.hasPrefix("\(getpid())@\(host);boot=\(bootID);start="), "\(owner)")
    }

    @Test func aLiveOwnerKeepsItsRun() throws {
        #expect(try statusAfterRecovery(owner: try makeRuntime().owner) == "RUNNING")
        #expect(try statusAfterRecovery(owner: "\(getpid())@\(host)") == "RUNNING")   // written by an older Precis
        #expect(try statusAfterRecovery(owner: "\(getpid())@another-box;boot=x;start=1") == "RUNNING")
    }

    @Test func aReusedPidDoesNotKeepARunAlive() throws {
        // The pid is alive (it is this process) but was started at another time: the owner died.
        #expect(try statusAfterRecovery(owner: "\(getpid())@\(host);boot=\(bootID);start=1") == "ABORTED")
    }

    @Test func anOwnerFromAnotherBootIsGone() throws {
        #expect(try statusAfterRecovery(owner: "\(getpid())@\(host);boot=00000000-0000-0000-0000-000000000000") == "ABORTED")
    }
}
