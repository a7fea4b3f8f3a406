import Foundation
import HTTPTypes
import Hummingbird

/// A response body the kiosk made from the store, with the headers that go with it.
struct CachedView: Sendable {
    /// The encoded body.
    let body: ByteBuffer
    /// Its headers (content type, a page's Link and X-Next-Cursor), without the ETag.
    let headers: HTTPFields
}

/// What the kiosk's read-only views (a page of results) were at a store change count
/// (`Store.changeCount`), kept so that a ward's dashboards polling the same page are answered
/// without reading and encoding it again. An entry is given only while the store's count is the
/// one it was made at, so a view is never older than the store; a change from any process (an
/// upload in a terminal) moves the count. Concurrent requests for a view not yet made wait for
/// the one making it (made once, not once per request). A failure is not kept.
final class ViewCache: @unchecked Sendable {
    private struct Entry {
        let count: Int64
        let task: Task<CachedView, any Error>
    }

    private let lock = NSLock()
    private var entries: [String: Entry] = [:]
    private let limit: Int

    /// At most `limit` views are kept (pages asked for with other limits or cursors); views made
    /// at an older count are dropped first, and past the limit half of the rest (in no order).
    init(limit: Int = 64) { self.limit = limit }

    /// The view for `key` at store count `count`: the kept one, or `make`'s.
    func view(_ key: String, count: Int64, make: @escaping @Sendable () throws -> CachedView) async throws -> CachedView {
        let task = lock.withLock { () -> Task<CachedView, any Error> in
            if let entry = entries[key], entry.count == count { return entry.task }
            entries = entries.filter { $0.value.count >= count }
            if entries.count >= limit { entries = Dictionary(uniqueKeysWithValues: entries.prefix(limit / 2).map { ($0.key, $0.value) }) }
            let task = Task { try make() }
            entries[key] = Entry(count: count, task: task)
            return task
        }
        do {
            return try await task.value
        } catch {
            lock.withLock { if entries[key]?.count == count { entries[key] = nil } }
            throw error
        }
    }

    /// How many views are kept now (for tests).
    var count: Int { lock.withLock { entries.count } }
}

extension Kiosk {
    /// The ETag of a view made at store count `count`: the same URL at the same count is the same body.
    static func etag(_ count: Int64) -> String { "\"c\(count)\"" }

    /// A kept view as a response: 304 without a body when the client already holds this ETag
    /// (`If-None-Match`), else the body; `Cache-Control: no-store` stays, so a browser keeps
    /// no patient data on its disk, and an API client revalidates with the ETag it was given.
    static func response(_ view: CachedView, count: Int64, request: Request) -> Response {
        let tag = etag(count)
        var headers = view.headers
        headers[.eTag] = tag
        if let sent = request.headers[.ifNoneMatch],
           sent.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }).contains(where: { $0 == tag || $0 == "*" }) {
            headers[.contentType] = nil
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: view.body))
    }
}
