import Foundation
import PrecisCore
import PrecisStore
import Testing

/// What the server holds of an upload is the parts under the upload id the store has for it now:
/// parts of an upload that was given up (another id) or of none open do not count.
@Suite struct InboxHeldBytesTests {
    @Test func onlyTheOpenUploadsPartsCount() throws {
        let store = try Store(path: temporaryStorePath())
        let run = try newRun(store)
        let done = try store.completeRun(run.id, raw: RawTrace(kind: "lfr-profile", profile: profile(11), expectedCount: 11,
                                                               complete: true),
                                         result: result(), destinations: ["inbox"], linkReport: nil, at: now, actor: "t")
        let id = try #require(done.outbox.first?.id)
        _ = try store.beginInboxUpload(outboxID: id, key: "k", url: "s3://b/k", encryptedPath: "/tmp/x.c4gh", partSize: 5, at: now)
        #expect(try store.inboxHeldBytes().isEmpty)
        try store.recordUploadID(outboxID: id, "old", at: now)
        try store.recordPart(outboxID: id, uploadID: "old", InboxPart(number: 1, size: 7, etag: "\"a\"", md5: "a"), seconds: 1, at: now)
        #expect(try store.inboxHeldBytes() == [id: 7])
        try store.recordUploadID(outboxID: id, "new", at: now)
        try store.recordPart(outboxID: id, uploadID: "new", InboxPart(number: 1, size: 5, etag: "\"b\"", md5: "b"), seconds: 1, at: now)
        try store.recordPart(outboxID: id, uploadID: "new", InboxPart(number: 2, size: 3, etag: "\"c\"", md5: "c"), seconds: 1, at: now)
        #expect(try store.inboxHeldBytes() == [id: 8], "the given-up upload's part is not held")
        try store.recordUploadID(outboxID: id, nil, at: now)
        #expect(try store.inboxHeldBytes().isEmpty, "no upload open: nothing held")
    }
}
