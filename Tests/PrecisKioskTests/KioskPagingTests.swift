import AsyncHTTPClient
import Foundation
import PrecisTestSupport
import Testing

extension KioskTests.KioskRunTests {
    /// `GET /api/v1/results` a page at a time: `limit` runs, newest first, the next page named by
    /// `X-Next-Cursor` and a `Link: …; rel="next"`, every run once across the pages, the raw data
    /// listed only when asked, and a cursor that is not one refused.
    @Test("the results list pages: limit, cursor, Link rel=next, every run once, raw data only when asked")
    func theResultsListPages() async throws {
        let kiosk = try SharedKiosk.kiosk()
        let http = KioskClient(base: kiosk.baseURL)
        let op = try await http.signIn("op1", "1234")
        for n in 0..<5 {
            let started = try await http.send(.POST, "/api/v1/runs", body: try Self.body([
                "device": "sim:lfr?reading-ms=0", "assay": "crp", "sample": "S-07\(n)0",
            ]), token: op)
            _ = try await http.waitForRun(try #require(try started.json()["ticket"] as? String), token: op)
        }
        let everything = try await http.send(.GET, "/api/v1/results?limit=500", token: op).array().compactMap { $0["runId"] as? Int }
        #expect(everything.count >= 5 && everything == everything.sorted(by: >), "newest first: \(everything)")

        var seen: [Int] = [], path: String? = "/api/v1/results?limit=2", pages = 0
        while let next = path {
            let page = try await http.send(.GET, next, token: op)
            #expect(page.status == 200, "\(page.body)")
            let rows = try page.array()
            #expect(rows.count <= 2 && !rows.isEmpty)
            #expect(rows.allSatisfy { $0["rawData"] == nil }, "a page lists no raw data unless asked")
            seen += rows.compactMap { $0["runId"] as? Int }
            pages += 1
            if let cursor = page.headers.first(name: "X-Next-Cursor") {
                let link = try #require(page.headers.first(name: "Link"))
                #expect(link == "</api/v1/results?limit=2&cursor=\(cursor)>; rel=\"next\"", "\(link)")
                #expect(Int(cursor) == seen.last, "the cursor is where the page ended")
                path = "/api/v1/results?limit=2&cursor=\(cursor)"
            } else {
                path = nil
            }
            if pages > 500 { break }
        }
        #expect(seen == everything, "every run once, in order, across \(pages) pages")

        let withRaw = try await http.send(.GET, "/api/v1/results?limit=1&raw=true", token: op).array()
        #expect((withRaw.first?["rawData"] as? [Any]) != nil || withRaw.first?["rawProfile"] != nil)
        #expect(withRaw.first?["rawProfile"] != nil, "a strip's profile counts are in every summary")
        let last = try await http.send(.GET, "/api/v1/results?limit=500&cursor=\(everything.last!)", token: op)
        #expect(try last.array().isEmpty && last.headers.first(name: "X-Next-Cursor") == nil, "past the oldest run: nothing")
        for bad in ["cursor=0", "cursor=-4", "cursor=abc", "raw=yes"] {
            let refused = try await http.send(.GET, "/api/v1/results?\(bad)", token: op)
            #expect(refused.status == 400, "\(bad): \(refused.status) \(refused.body)")
        }
    }
}

extension KioskTests.KioskRunTests {
    /// `GET /api/v1/queue` a page at a time, oldest first (the order of delivery): every entry once
    /// across the pages, the same as one large page, and a bad cursor or limit refused.
    @Test("the upload queue pages: limit, cursor, Link rel=next, oldest first, every entry once")
    func theQueuePages() async throws {
        let kiosk = try SharedKiosk.kiosk()
        let http = KioskClient(base: kiosk.baseURL)
        let op = try await http.signIn("op1", "1234")
        for n in 0..<3 {
            let started = try await http.send(.POST, "/api/v1/runs", body: try Self.body([
                "device": "sim:lfr?reading-ms=0", "assay": "crp", "sample": "S-08\(n)0",
            ]), token: op)
            _ = try await http.waitForRun(try #require(try started.json()["ticket"] as? String), token: op)
        }
        let everything = try await http.send(.GET, "/api/v1/queue?all=true&limit=500", token: op).array().compactMap { $0["id"] as? Int }
        #expect(everything.count >= 3 && everything == everything.sorted(), "oldest first: \(everything)")
        var seen: [Int] = [], path: String? = "/api/v1/queue?all=true&limit=2"
        while let next = path, seen.count <= everything.count {
            let page = try await http.send(.GET, next, token: op)
            #expect(page.status == 200 && page.headers.first(name: "ETag") != nil, "\(page.body)")
            seen += try page.array().compactMap { $0["id"] as? Int }
            if let cursor = page.headers.first(name: "X-Next-Cursor") {
                #expect(page.headers.first(name: "Link") == "</api/v1/queue?limit=2&cursor=\(cursor)&all=true>; rel=\"next\"")
                path = "/api/v1/queue?all=true&limit=2&cursor=\(cursor)"
            } else {
                path = nil
            }
        }
        #expect(seen == everything, "every entry once, in order")
        let first = try await http.send(.GET, "/api/v1/queue?all=true&limit=1", token: op).array()
        #expect(first.first?["id"] as? Int == everything.first)
        for bad in ["limit=0", "limit=501", "cursor=0", "cursor=x"] {
            #expect(try await http.send(.GET, "/api/v1/queue?\(bad)", token: op).status == 400, "\(bad)")
        }
    }
}
