import Foundation
import PrecisCore
import Testing

/// `BoundedFile` refuses a file by its size before reading it, and stops reading one that has
/// no size (a device, a FIFO) one byte past the limit; `JSONLimits` bounds JSON's nesting.
@Suite struct BoundedReadTests {
    func message(_ body: () throws -> Void) -> String? {
        do { try body() } catch let error as PrecisError { return error.kind == .input ? error.message : "kind \(error.kind)" } catch {
            return "\(error)"
        }
        return nil
    }

    @Test func aFileIsReadWithinItsLimitAndRefusedPastIt() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bounded-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data("0123456789".utf8).write(to: url)
        #expect(try BoundedFile.text(url, limit: 10, what: "t") == "0123456789")
        #expect(message { _ = try BoundedFile.read(url, limit: 9, what: "file t") }
                == "file t is 10 bytes; Precis reads at most 9 bytes (9 bytes)")
        try FileHandle(forWritingTo: url).truncate(atOffset: 1 << 40)   // a terabyte, sparse: refused by stat alone
        #expect(message { _ = try BoundedFile.read(url, limit: 1 << 20, what: "file t") }
                == "file t is 1099511627776 bytes; Precis reads at most 1048576 bytes (1 MiB)")
        #expect(message { _ = try BoundedFile.read(URL(fileURLWithPath: "/dev/zero"), limit: 1 << 16, what: "zero") }
                == "zero is more than 65536 bytes; Precis reads at most 65536 bytes (64 KiB)")
        #expect(message { _ = try BoundedFile.read(URL(fileURLWithPath: "/"), limit: 1, what: "root") } == "root is a folder, not a file")
        #expect(message { _ = try BoundedFile.read(url, limit: 1, what: "lot", kind: .calibration) } == "kind calibration")
    }

    @Test func jsonNestingIsBounded() throws {
        func nested(_ depth: Int) -> Data { Data((String(repeating: "[", count: depth) + String(repeating: "]", count: depth)).utf8) }
        try JSONLimits.check(nested(JSONLimits.maxDepth), source: "ok.json")
        #expect(message { try JSONLimits.check(nested(100_000), source: "a.json") }
                == "a.json nests JSON deeper than 64 levels (line 1); Precis reads at most 64")
        // Brackets inside strings, escaped quotes included, are text.
        let text = "{\"a\": \"\\\"" + String(repeating: "[", count: 100) + "\",\n \"b\": [[1]]}"
        #expect(JSONLimits.lineTooDeep(Data(text.utf8)) == nil)
        #expect(JSONLimits.lineTooDeep(Data(text.utf8), maxDepth: 2) == 2)
    }
}
