import Foundation
import PrecisCore
import PrecisReplay
import Testing

/// Line profiles: LF or CRLF line endings, and the stated line and file limits.
@Suite struct LineProfileFileTests {
    let lines = ["# full_scale=4095", "position_um,reflectance", "0,100", "10,200", "20,300"]

    @Test func crlfReadsAsLF() throws {
        let lf = try LineProfileFile.parse(lines.joined(separator: "\n") + "\n", source: "lf.csv")
        let crlf = try LineProfileFile.parse(lines.joined(separator: "\r\n") + "\r\n", source: "crlf.csv")
        #expect(crlf == lf)
        #expect(crlf.positionsUM == [0, 10, 20] && crlf.reflectance == [100, 200, 300] && crlf.fullScale == 4095)
    }

    @Test func aLongLineAndALargeFileAreRefused() throws {
        let long = lines.joined(separator: "\n") + "\n30," + String(repeating: "0", count: 300)
        #expect(throws: PrecisError(.input, "profile p.csv line 6 is 303 characters; Precis reads at most 256")) {
            try LineProfileFile.parse(long, source: "p.csv")
        }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("profile-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: url) }
        FileManager.default.createFile(atPath: url.path, contents: nil)
        try FileHandle(forWritingTo: url).truncate(atOffset: UInt64(LineProfileFile.maxFileBytes + 1))
        #expect { try LineProfileFile.read(url) } throws: { error in
            (error as? PrecisError)?.message.hasSuffix("is 4194305 bytes; Precis reads at most 4194304 bytes (4 MiB)") == true
        }
    }
}
