import Crypto
import Foundation
import PrecisCore
import PrecisFormats
import PrecisStore
import PrecisTestSupport
import PrecisUpload
import Testing

/// The S3 inbox destination against a real S3 server (moto) behind the fault proxy: a file goes
/// encrypted, whole or in parts, resumes from the parts the server holds, aborts stale uploads,
/// and arrives decryptable by the crypt4gh package with the plain file's SHA-256.
@Suite(.serialized) struct InboxUploadTests {
    struct Fixture {
        let folder: URL, reads: URL, store: Store, inbox: TestInbox, keys: (secret: URL, public: URL), config: PrecisConfiguration

        init(_ name: String, size: Int, proxy: [String] = [], partSizeMiB: Int = 5) throws {
            folder = try TestPaths.temporaryFolder(name)
            reads = folder.appendingPathComponent("reads/run.blow5")
            try FileManager.default.createDirectory(at: reads.deletingLastPathComponent(), withIntermediateDirectories: true)
            try makeReadsFile(reads, size: size)
            store = try storeWithReads(reads, at: folder.appendingPathComponent("precis.sqlite").path, destinations: [])
            inbox = try TestInbox(proxy)
            keys = try TestInbox.centreKeys(in: folder)
            let path = try writeInboxConfiguration(inbox: inbox, recipient: keys.public, in: folder, partSizeMiB: partSizeMiB)
            config = try PrecisConfiguration.parse(try Data(contentsOf: URL(fileURLWithPath: path)), source: path)
        }

        func destination() throws -> S3InboxDestination {
            try S3InboxDestination(configuration: config.inbox!, store: store, sender: Sender(site: "test-bench", software: "test"))
        }

        func uploader(_ destination: S3InboxDestination) -> Uploader {
            Uploader(store: store, destinations: [destination], owner: "test@\(UUID().uuidString)",
                     policy: RetryPolicy(base: 0.05, cap: 0.2, lease: 30))
        }

        var package: ResultPackage { get throws { try store.package(for: try store.outbox()[0]) } }
        var plainSHA256: String { get throws { try #require(try FileDigest.sha256(path: reads.path)).sha256 } }
        func objects(_ suffix: String) throws -> [(key: String, size: Int)] { try inbox.objects().filter { $0.key.hasSuffix(suffix) } }
    }

    @Test func aSmallFileGoesWholeEncryptedWithItsManifest() async throws {
        let f = try Fixture("inbox-small", size: 300_000)
        defer { f.inbox.stop() }
        let destination = try f.destination()
        let summary = try await f.uploader(destination).runOnce()
        await destination.shutdown()
        #expect(summary.delivered == 1, "\(summary.lines)")
        let objects = try f.objects(".c4gh")
        #expect(objects.count == 1)
        #expect(objects.first?.key == "bench/\(try f.package.run.uid)/run.blow5.c4gh")
        let decrypted = try f.inbox.decrypted(objects[0].key, secretKey: f.keys.secret)
        #expect(decrypted.size == 300_000)
        #expect(decrypted.sha256 == (try f.plainSHA256))
        let manifest = try JSONDecoder().decode(InboxManifest.self, from: try f.inbox.object("bench/\(try f.package.run.uid)/run.blow5.manifest.json"))
        #expect(manifest.files.first?.plain.sha256 == (try f.plainSHA256))
        #expect(manifest.files.first?.encrypted.size == objects[0].size)
        #expect(FileManager.default.fileExists(atPath: f.reads.path + ".manifest.json"))
        #expect(!FileManager.default.fileExists(atPath: f.reads.path + ".c4gh"), "the encrypted copy is removed once delivered")
        let upload = try #require(try f.store.inboxUpload(outboxID: try f.store.outbox()[0].id))
        #expect(upload.phase == .done)
        #expect(upload.encrypted?.md5 == manifest.files.first?.encrypted.md5)
        // What /metrics exports: the object's and the manifest's bytes, one part, no retry.
        let totals = try f.store.inboxTotals()
        #expect(totals.bytes > objects[0].size && totals.parts == 1 && totals.retries == 0)
    }

    @Test func aStoppedUploadResumesFromThePartsTheServerHolds() async throws {
        // 12 MiB in 5 MiB parts: three parts. The first pass sends part 1 and loses its lease;
        // part 2 then reaches the server behind the store's back (its answer lost); the second
        // pass must send part 3 alone, then join all three.
        let f = try Fixture("inbox-resume", size: 12 << 20)
        defer { f.inbox.stop() }
        let destination = try f.destination()
        let calls = Counter()
        await #expect(throws: (any Error).self) {
            _ = try await destination.deliver(try f.package) { calls.next() <= 1 }
        }
        let entry = try f.store.outbox()[0]
        let first = try #require(try f.store.inboxUpload(outboxID: entry.id))
        let uploadID = try #require(first.uploadID)
        #expect(try f.store.inboxParts(outboxID: entry.id, uploadID: uploadID).map(\.number) == [1])
        let client = try S3Client(configuration: f.config.inbox!, credentials: { .init(accessKeyID: "t", secretAccessKey: "t") })
        let part2 = try InboxFile.part(2, of: first.encryptedPath, partSize: first.partSize)
        _ = try await client.uploadPart(key: first.objectKey, uploadID: uploadID, number: 2, body: part2)
        await client.shutdown()
        let before = try f.inbox.stats().bodyBytes
        _ = try await destination.deliver(try f.package)
        await destination.shutdown()
        let sent = try f.inbox.stats().bodyBytes - before
        let encryptedSize = try #require(first.encrypted?.size)
        let part3 = encryptedSize - 2 * first.partSize
        let manifestBytes = try f.inbox.object(InboxManifest.key(forObject: first.objectKey)).count
        #expect(sent < part3 + manifestBytes + 4096, "only part 3, the join request and the manifest go: \(sent) bytes")
        #expect(try f.objects(".c4gh").count == 1)
        #expect(try f.inbox.openUploads() == 0)
        #expect(try f.inbox.decrypted(first.objectKey, secretKey: f.keys.secret).sha256 == (try f.plainSHA256))
    }

    @Test func staleUploadsOfTheKeyAreAbortedAndOneIsKept() async throws {
        let f = try Fixture("inbox-stale", size: 11 << 20)
        defer { f.inbox.stop() }
        let destination = try f.destination()
        let key = destination.objectKey(try f.package, file: f.reads.path)
        let client = try S3Client(configuration: f.config.inbox!, credentials: { .init(accessKeyID: "t", secretAccessKey: "t") })
        _ = try await client.createMultipartUpload(key: key)
        _ = try await client.createMultipartUpload(key: key)
        await client.shutdown()
        #expect(try f.inbox.openUploads() == 2)
        let summary = try await f.uploader(destination).runOnce()
        await destination.shutdown()
        #expect(summary.delivered == 1, "\(summary.lines)")
        #expect(try f.inbox.openUploads() == 0)
        #expect(try f.objects(".c4gh").count == 1)
    }

    @Test func failuresAreRetriedCountedAndTheFileArrivesOnce() async throws {
        let f = try Fixture("inbox-faults", size: 16 << 20, proxy: ["--fail-ratio", "0.4", "--faults", "500,503,429,drop", "--seed", "5"])
        defer { f.inbox.stop() }
        let destination = try f.destination()
        let uploader = f.uploader(destination)
        var delivered = 0
        for _ in 0..<40 where delivered == 0 {
            delivered += try await uploader.runOnce().delivered
            try await Task.sleep(for: .milliseconds(100))
        }
        await destination.shutdown()
        #expect(delivered == 1)
        #expect(try f.inbox.stats().failed > 0)
        let upload = try #require(try f.store.inboxUpload(outboxID: try f.store.outbox()[0].id))
        #expect(upload.retries > 0)
        #expect(try f.store.inboxTotals().retries == upload.retries)
        #expect(try f.objects(".c4gh").count == 1)
        #expect(try f.inbox.openUploads() == 0)
        #expect(try f.inbox.decrypted(upload.objectKey, secretKey: f.keys.secret).sha256 == (try f.plainSHA256))
    }

    @Test func theMessageWaitsForItsFile() throws {
        let folder = try TestPaths.temporaryFolder("inbox-stage")
        let reads = folder.appendingPathComponent("run.blow5")
        try makeReadsFile(reads, size: 1000)
        let store = try storeWithReads(reads, at: folder.appendingPathComponent("precis.sqlite").path, destinations: ["centre"])
        #expect(try store.claimDue(destination: "centre", owner: "a", now: Date(), lease: 10, limit: 10).isEmpty)
        let file = try store.claimDue(destination: "inbox", owner: "a", now: Date(), lease: 10, limit: 10)
        #expect(file.count == 1)
        try store.markDelivered(file[0].id, owner: "a", at: Date(), note: "s3://x/y")
        #expect(try store.claimDue(destination: "centre", owner: "a", now: Date(), lease: 10, limit: 10).count == 1)
    }
}

/// Counts calls, thread-safely.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    /// The next count, from 1.
    func next() -> Int { lock.withLock { n += 1; return n } }
}
