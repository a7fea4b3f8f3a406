import Foundation
import GRDB
import PrecisCore
import PrecisStore
import Testing

/// Issue 13, part 1: a store in use never names its path in an error (the kiosk's clients see them).
@Suite struct StoreErrorPathTests {
    @Test func aRefusedWriteAndAFailedReadDoNotNameTheStoresPath() throws {
        let path = temporaryStorePath()
        let store = try Store(path: path)
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: "CREATE TRIGGER no_runs BEFORE INSERT ON runs BEGIN SELECT RAISE(ABORT, 'refused by test'); END;")
        }
        let write = try #require(throws: PrecisError.self) { _ = try newRun(store) }
        #expect(write.kind == .storage && write.message.contains("refused by test"), "\(write)")
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        #expect(!write.description.contains(folder), "\(write)")
        try queue.write { db in try db.execute(sql: "DROP TABLE outbox") }
        let read = try #require(throws: PrecisError.self) { _ = try store.outbox() }
        #expect(read.kind == .storage && !read.description.contains(folder), "\(read)")
    }
}
