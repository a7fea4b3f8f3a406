import Benchmark
import Foundation
import PrecisCore
import PrecisCrypt4GH
import PrecisFormats
import PrecisStore
import PrecisTestSupport
import PrecisUpload

/// Upload to the centre's S3 inbox, on the local test inbox (moto's S3 server, started from
/// `.venv` as the tests start it, here without its fault proxy): a 64 MiB reads file delivered
/// by the uploader (encrypted once to `.c4gh`, sent in 8 MiB parts with their checksums, each
/// part recorded in the store, joined, then the manifest), against the link itself: curl
/// sending the same encrypted parts to the same server as the same multipart upload, one part
/// at a time as Precis sends them. The encryption (done once per file, before the first part)
/// is measured alone too: the delivery less the encryption, against the link, says whether the
/// sending is limited by the link (here, moto) or by Precis. Every iteration is a new
/// store, run and object; only the delivery (or the put) is measured.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .cpuTotal, .throughput, .peakMemoryResident],
                                           maxDuration: .seconds(60), maxIterations: 15)
    let size = 64 << 20
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("precis-inbox-bench-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let reads = folder.appendingPathComponent("reads.blow5")
    try? makeReadsFile(reads, size: size)
    let centre = Crypt4GHSecretKey.generate()
    let recipient = folder.appendingPathComponent("centre.pub")
    try? centre.publicKey.pem.write(to: recipient, atomically: true, encoding: .utf8)
    // moto is started by the first benchmark that needs it and stopped after the last (a child
    // left running would keep the benchmark tool waiting for this process's output to end).
    let inbox = LocalInbox()
    Benchmark.teardown = { inbox.stop() }

    Benchmark("inbox: a 64 MiB reads file encrypted and sent to the local S3 inbox (8 MiB parts, recorded in the store)") { benchmark in
        let run = folder.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: run) }
        let file = run.appendingPathComponent("reads.blow5")
        try FileManager.default.linkItem(at: reads, to: file)
        let store = try storeWithReads(file, at: run.appendingPathComponent("precis.sqlite").path, destinations: [])
        var configuration = S3InboxConfiguration(endpoint: "http://127.0.0.1:\(try inbox.port())", bucket: "inbox",
                                                 recipients: [recipient.path])
        configuration.partSizeMiB = 8
        configuration.accessKeyID = "testing"
        configuration.secretAccessKey = "testing"
        configuration.production = false
        let destination = try S3InboxDestination(configuration: configuration, store: store,
                                                 sender: Sender(site: "bench", software: "bench"))
        let uploader = Uploader(store: store, destinations: [destination], owner: "1@bench")
        benchmark.startMeasurement()
        let summary = try await uploader.runOnce(limit: 1)
        benchmark.stopMeasurement()
        await destination.shutdown()
        guard summary.delivered == 1 else { fatalError("the inbox did not take the file: \(summary)") }
    }

    Benchmark("encrypt once: the 64 MiB reads file to .c4gh with every checksum the upload needs (InboxFile.encrypt)") { benchmark in
        let to = folder.appendingPathComponent("once-\(UUID().uuidString).c4gh")
        defer { try? FileManager.default.removeItem(at: to) }
        let sha256 = try FileDigest.sha256(path: reads.path)?.sha256 ?? ""
        benchmark.startMeasurement()
        blackHole(try InboxFile.encrypt(plainPath: reads.path, expectedSHA256: sha256, to: to.path, recipients: [centre.publicKey],
                                        partSize: 8 << 20))
        benchmark.stopMeasurement()
    }

    Benchmark("link: curl sends the same 64 MiB encrypted bytes to the same server as the same multipart upload (8 MiB parts, one at a time)") { benchmark in
        let parts = try encryptedParts(reads, in: folder, for: centre.publicKey, partSize: 8 << 20)
        let object = "http://127.0.0.1:\(try inbox.port())/inbox/link/\(UUID().uuidString).c4gh"
        benchmark.startMeasurement()
        let created = try curl(["-X", "POST", object + "?uploads"])
        guard let id = created.firstMatch(of: #/<UploadId>([^<]+)</UploadId>/#)?.1 else { fatalError("no upload id: \(created)") }
        var done = "<CompleteMultipartUpload>"
        for (k, part) in parts.enumerated() {
            let etag = try curl(["-T", part.path, "-D", "-", "-o", "/dev/null", object + "?partNumber=\(k + 1)&uploadId=\(id)"])
                .firstMatch(of: #/(?i)etag: *("[^"]+")/#)?.1 ?? ""
            done += "<Part><PartNumber>\(k + 1)</PartNumber><ETag>\(etag)</ETag></Part>"
        }
        _ = try curl(["-X", "POST", "-H", "Content-Type: application/xml", "--data-binary", done + "</CompleteMultipartUpload>", object + "?uploadId=\(id)"])
        benchmark.stopMeasurement()
    }
}

/// curl's answer (headers too when asked) to one request; a failed request stops the benchmark.
func curl(_ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
    process.arguments = ["-sS", "-f"] + arguments
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { fatalError("curl \(arguments) failed") }
    return text
}

/// The reads file encrypted as the uploader encrypts it, cut into parts (made once, kept).
func encryptedParts(_ reads: URL, in folder: URL, for recipient: Crypt4GHPublicKey, partSize: Int) throws -> [URL] {
    let whole = folder.appendingPathComponent("link.c4gh")
    if !FileManager.default.fileExists(atPath: whole.path) {
        let sha256 = try FileDigest.sha256(path: reads.path)?.sha256 ?? ""
        _ = try InboxFile.encrypt(plainPath: reads.path, expectedSHA256: sha256, to: whole.path, recipients: [recipient], partSize: partSize)
    }
    let size = (try FileManager.default.attributesOfItem(atPath: whole.path)[.size] as? Int) ?? 0
    return try (1...(size + partSize - 1) / partSize).map { number in
        let url = folder.appendingPathComponent("link.part\(number)")
        if !FileManager.default.fileExists(atPath: url.path) {
            try Data(InboxFile.part(number, of: whole.path, partSize: partSize)).write(to: url)
        }
        return url
    }
}

/// The test inbox (`TestInbox`: moto behind its fault proxy, from `.venv`), started on first
/// use; the benchmark talks to moto directly.
final class LocalInbox: @unchecked Sendable {
    let lock = NSLock()
    var inbox: TestInbox?

    /// moto's port, starting it first if it is not running.
    func port() throws -> Int {
        try lock.withLock {
            if let inbox { return inbox.motoPort }
            let started = try TestInbox()
            inbox = started
            return started.motoPort
        }
    }

    /// Stops moto (and its proxy).
    func stop() {
        lock.withLock {
            inbox?.stop()
            inbox = nil
        }
    }
}
