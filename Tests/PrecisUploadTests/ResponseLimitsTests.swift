import Foundation
import PrecisCore
@testable import PrecisUpload
import PrecisFormats
import Testing

/// What the centre and the LIS answer is read within stated limits: a FHIR answer nested a
/// hundred thousand deep is judged by its status, not decoded; an ACK that never ends is cut off.
@Suite struct ResponseLimitsTests {
    @Test func aDeeplyNestedFHIRAnswerIsNotDecoded() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(FHIRResponse.json(deep) == nil)
        #expect(try FHIRResponse.judge(status: 200, body: deep, retryAfter: nil) == "200")
        #expect { try FHIRResponse.judge(status: 400, body: deep, retryAfter: nil) } throws: { error in
            guard case DeliveryFailure.permanent(let why)? = error as? DeliveryFailure else { return false }
            return why.hasPrefix("400 from the centre: [[[[") && why.count < 300
        }
        #expect(FHIRResponse.json("{\"entry\": []}") == .object(["entry": .array([])]))
    }

    /// A listener that answers with an endless stream and no MLLP end: the ACK is cut off at
    /// `MLLP.maxAckBytes`, as a failure to try again.
    @Test func anEndlessACKIsCutOff() async throws {
        let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(server) }
        var address = sockaddr_in(sin_family: sa_family_t(AF_INET), sin_port: 0, sin_addr: in_addr(s_addr: inet_addr("127.0.0.1")),
                                  sin_zero: (0, 0, 0, 0, 0, 0, 0, 0))
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try #require(withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(server, $0, length) == 0 && listen(server, 1) == 0 && getsockname(server, $0, &length) == 0
        } })
        let port = Int(UInt16(bigEndian: address.sin_port))
        let flood = Thread {
            let client = accept(server, nil, nil)
            guard client >= 0 else { return }
            defer { close(client) }
            let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 4096)
            while chunk.withUnsafeBytes({ send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) > 0 {}
        }
        flood.start()
        await #expect { _ = try await MLLP.send(Data("MSH|^~\\&|".utf8), host: "127.0.0.1", port: port, timeout: 10) } throws: { error in
            guard case DeliveryFailure.transient(let why, _)? = error as? DeliveryFailure else { return false }
            return why == "the LIS sent more than 65536 bytes without ending its ACK; Precis reads at most 65536"
        }
    }
}
