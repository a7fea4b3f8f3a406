import Foundation
import PrecisCore
import PrecisRuntime
import PrecisStore
import Testing

/// Issue 13, part 1: no file Precis opens other than through SQLite is the store or one of its files.
@Suite struct StoreFileGuardTests {
    /// A folder with a store file `precis.sqlite` and its `-wal` and `-shm` (plain files: the
    /// guard compares identities and names and never opens anything).
    func folderWithStore() throws -> (folder: URL, store: String, files: StoreFileGuard) {
        let folder = try temporaryFolder()
        let store = folder.appendingPathComponent("precis.sqlite").path
        for suffix in ["", "-wal", "-shm"] {
            #expect(FileManager.default.createFile(atPath: store + suffix, contents: Data("x".utf8)))
        }
        return (folder, store, StoreFileGuard(storePath: store))
    }

    @Test func theStoreAndEachOfItsFilesAreRefusedByPathWithoutNamingTheStore() throws {
        let (_, store, files) = try folderWithStore()
        for path in [store, store + "-wal", store + "-shm", store + "-journal"] {
            #expect(files.isStoreFile(path), "\(path)")
            let error = try #require(throws: PrecisError.self) { try files.admit(path, as: "--out") }
            #expect(error.kind == .input)
            #expect(error.message.contains("--out") && !error.message.contains(store) && !(error.hint ?? "").contains(store))
        }
    }

    @Test func aSymbolicLinkAChainOfThemAndALinkedFolderLeadToTheStore() throws {
        let (folder, store, files) = try folderWithStore()
        let fm = FileManager.default
        let other = try temporaryFolder()
        let link = other.appendingPathComponent("trace.jsonl").path
        try fm.createSymbolicLink(atPath: link, withDestinationPath: store)
        let chain = other.appendingPathComponent("chain.csv").path
        try fm.createSymbolicLink(atPath: chain, withDestinationPath: "trace.jsonl")          // relative, to a link
        let dangling = other.appendingPathComponent("out.rdml").path
        try fm.createSymbolicLink(atPath: dangling, withDestinationPath: store + "-journal")  // not there yet
        let linkedFolder = other.appendingPathComponent("data").path
        try fm.createSymbolicLink(atPath: linkedFolder, withDestinationPath: folder.path)
        for path in [link, chain, dangling, linkedFolder + "/precis.sqlite-wal", linkedFolder + "/precis.sqlite-journal"] {
            #expect(files.isStoreFile(path), "\(path)")
        }
        #expect(StoreFileGuard(storePath: linkedFolder + "/precis.sqlite").isStoreFile(store + "-shm"), "the store named through a link")
    }

    @Test func aHardLinkToTheStoreOrItsWALIsRefusedACopyIsNot() throws {
        let (_, store, files) = try folderWithStore()
        let other = try temporaryFolder()
        let hard = other.appendingPathComponent("profile.csv").path
        let hardWAL = other.appendingPathComponent("reads.blow5").path
        guard link(store, hard) == 0, link(store + "-wal", hardWAL) == 0 else { Issue.record("link: errno \(errno)"); return }
        #expect(files.isStoreFile(hard))
        #expect(files.isStoreFile(hardWAL))
        let copy = other.appendingPathComponent("copy.sqlite").path
        try FileManager.default.copyItem(atPath: store, toPath: copy)
        #expect(!files.isStoreFile(copy), "a copy is another file")
        #expect(throws: Never.self) { try files.admit(copy, as: "FILE") }
    }

    @Test func aRelativePathToTheStoreIsRefused() throws {
        let (_, store, files) = try folderWithStore()
        let depth = FileManager.default.currentDirectoryPath.split(separator: "/").count
        let relative = String(repeating: "../", count: depth) + store.dropFirst()
        #expect(!relative.hasPrefix("/"))
        #expect(files.isStoreFile(relative), "\(relative) from \(FileManager.default.currentDirectoryPath)")
        #expect(files.isStoreFile(relative + "-wal"))
        #expect(StoreFileGuard(storePath: relative).isStoreFile(store), "a store named by a relative path")
    }

    @Test func anOutputThatDoesNotExistYetIsRefusedOnlyWhereTheStoresFilesWouldBe() throws {
        let (folder, store, files) = try folderWithStore()
        try FileManager.default.removeItem(atPath: store + "-wal")
        #expect(files.isStoreFile(store + "-wal"), "SQLite would create it: it must not exist as anything else")
        #expect(files.isStoreFile(folder.appendingPathComponent("./precis.sqlite-journal").path))
        for path in [folder.appendingPathComponent("plate.rdml").path, folder.appendingPathComponent("precis.sqlite-walx").path,
                     folder.appendingPathComponent("new/precis.sqlite").path, "/nonexistent/folder/precis.sqlite-wal"] {
            #expect(!files.isStoreFile(path), "\(path)")
        }
        let fresh = StoreFileGuard(storePath: folder.appendingPathComponent("new.sqlite").path)
        #expect(fresh.isStoreFile(folder.appendingPathComponent("new.sqlite").path), "a store not created yet")
    }

    @Test func standardOutputOnTheStoreIsRefusedByItsDescriptor() throws {
        let (_, store, files) = try folderWithStore()
        let fd = open(store + "-shm", O_WRONLY | O_APPEND)
        defer { close(fd) }
        #expect(throws: PrecisError.self) { try files.admit(descriptor: fd, as: "standard output") }
        let other = open(try temporaryFolder().appendingPathComponent("out.json").path, O_WRONLY | O_CREAT, 0o600)
        defer { close(other) }
        #expect(throws: Never.self) { try files.admit(descriptor: other, as: "standard output") }
    }

    @Test func theRuntimeRefusesTheStoreAsADeviceFileOrARecordingBeforeOpeningIt() async throws {
        let runtime = try makeRuntime()
        let store = runtime.store.path
        for device in ["replay:\(store)", "sim:lfr?reading-ms=0&profile=\(store)", "sim:nps?input=\(store)-wal"] {
            let error = await #expect(throws: PrecisError.self) {
                _ = try await runtime.run(RunRequest(device: device, assay: "crp", sample: "S-1"))
            }
            #expect(error?.kind == .input && error?.message.contains("Precis store") == true, "\(device): \(String(describing: error))")
        }
        let recording = await #expect(throws: PrecisError.self) {
            _ = try await runtime.run(RunRequest(device: fastSim, assay: "crp", sample: "S-1", recording: URL(fileURLWithPath: store + "-wal")))
        }
        #expect(recording?.message.contains("the recording") == true)
        #expect(throws: PrecisError.self) { _ = try runtime.analyzeProfile(URL(fileURLWithPath: store), assay: "crp", lot: "CRP26A07") }
        #expect(try runtime.store.runs().isEmpty, "nothing was started")
        let run = try await runtime.run(RunRequest(device: fastSim, assay: "crp", sample: "S-2"))
        #expect(run.training, "a simulated run is a training run")
        #expect(try runtime.store.run(run.runId)?.training == true)
    }
}
