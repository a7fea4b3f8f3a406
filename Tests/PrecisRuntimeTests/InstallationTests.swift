import Foundation
import PrecisCore
import PrecisFormats
@testable import PrecisRuntime
import PrecisTestSupport
import Testing

/// `precis --version` names the version and the commit; a build in a source tree reads the
/// commit from `.git` itself (a bench box building from a clone may have no git), and says it
/// is a development build. The packaged paths apply only to the packaged binary.
@Suite struct InstallationTests {
    /// A `.git` folder as git writes it, HEAD on `refs/heads/main`.
    func checkout(head: String, refs: [String: String] = [:], packed: String? = nil) throws -> URL {
        let root = try TestPaths.temporaryFolder("checkout")
        let git = root.appendingPathComponent(".git")
        try FileManager.default.createDirectory(at: git, withIntermediateDirectories: true)
        try (head + "\n").write(to: git.appendingPathComponent("HEAD"), atomically: true, encoding: .utf8)
        for (ref, hash) in refs {
            let file = git.appendingPathComponent(ref)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try (hash + "\n").write(to: file, atomically: true, encoding: .utf8)
        }
        if let packed { try packed.write(to: git.appendingPathComponent("packed-refs"), atomically: true, encoding: .utf8) }
        return root
    }

    let hash = "0aa8023a7276542ea94d6d111921e57e2e8731cd"

    @Test func theCommitIsReadFromALooseRefAPackedRefOrADetachedHead() throws {
        let loose = try checkout(head: "ref: refs/heads/main", refs: ["refs/heads/main": hash])
        #expect(Installation.commit(of: loose) == "0aa8023a7276")
        let packed = try checkout(head: "ref: refs/heads/main",
                                  packed: "# pack-refs with: peeled fully-peeled sorted\n\(hash) refs/heads/main\n")
        #expect(Installation.commit(of: packed) == "0aa8023a7276")
        let detached = try checkout(head: hash)
        #expect(Installation.commit(of: detached) == "0aa8023a7276")
        let unborn = try checkout(head: "ref: refs/heads/main")
        #expect(Installation.commit(of: unborn) == nil)
        #expect(Installation.commit(of: try TestPaths.temporaryFolder("no-git")) == nil)
    }

    @Test func aWorktreesCommitIsFoundThroughItsGitdirPointer() throws {
        let main = try checkout(head: "ref: refs/heads/main", refs: ["refs/heads/main": String(repeating: "1", count: 40),
                                                                      "refs/heads/topic": hash])
        let admin = main.appendingPathComponent(".git/worktrees/topic")
        try FileManager.default.createDirectory(at: admin, withIntermediateDirectories: true)
        try "ref: refs/heads/topic\n".write(to: admin.appendingPathComponent("HEAD"), atomically: true, encoding: .utf8)
        try "../..\n".write(to: admin.appendingPathComponent("commondir"), atomically: true, encoding: .utf8)
        let tree = try TestPaths.temporaryFolder("worktree")
        try "gitdir: \(admin.path)\n".write(to: tree.appendingPathComponent(".git"), atomically: true, encoding: .utf8)
        #expect(Installation.commit(of: tree) == "0aa8023a7276")
    }

    @Test func theBinaryNamesThisTreesVersionAndCommit() throws {
        let run = try runProcess(TestPaths.precis.path, ["--version"])
        #expect(run.status == 0)
        let number = try String(contentsOf: TestPaths.root.appendingPathComponent("packaging/VERSION"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let commit = Installation.commit(of: TestPaths.root) ?? "unknown"
        #expect(run.stdout.trimmingCharacters(in: .newlines) == "precis \(number) (development build, commit \(commit))")
        #expect(!Installation.isPackaged)     // the test binary is not /usr/bin/precis
    }

    @Test func aBuildInASourceTreeKeepsTheDevelopersPaths() throws {
        let env = ["HOME": "/home/tech", "XDG_DATA_HOME": "", "PRECIS_DB": ""]
        #expect(Paths.defaultDatabase(env) == "/home/tech/.local/share/precis/precis.sqlite")
        #expect(PrecisConfiguration.location(explicit: nil, env: ["HOME": "/home/tech"]).path == "/home/tech/.config/precis/config.json")
        #expect(Paths.defaultDatabase(["PRECIS_DB": "/tmp/x.sqlite"]) == "/tmp/x.sqlite")
    }
}
