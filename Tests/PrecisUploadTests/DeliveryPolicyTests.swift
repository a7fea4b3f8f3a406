import Foundation
import PrecisCore
import PrecisFormats
import PrecisTestSupport
@testable import PrecisUpload
import Testing

@Suite struct DeliveryPolicyTests {
    @Test func backoffDoublesWithJitterAndStaysUnderTheCap() {
        let low = RetryPolicy(base: 30, cap: 3600, random: { 0 }), high = RetryPolicy(base: 30, cap: 3600, random: { 0.999_999 })
        #expect(low.delay(afterAttempts: 1, retryAfter: nil) == 15)
        #expect(abs(high.delay(afterAttempts: 1, retryAfter: nil) - 30) < 0.001)
        #expect(low.delay(afterAttempts: 4, retryAfter: nil) == 120)
        for attempts in 1...200 { #expect(high.delay(afterAttempts: attempts, retryAfter: nil) <= 3600) }
        #expect(low.delay(afterAttempts: 1, retryAfter: 90) == 90)            // Retry-After is a floor
        #expect(low.delay(afterAttempts: 1, retryAfter: 10 * 86400) == 86400) // but a server cannot park us for weeks
    }

    @Test func retryAfterReadsSecondsAndHTTPDates() {
        let now = Date(timeIntervalSince1970: 1_795_000_000)
        #expect(RetryAfter.seconds("120", now: now) == 120)
        #expect(RetryAfter.seconds(" 0 ", now: now) == 0)
        let later = now.addingTimeInterval(300)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        #expect(RetryAfter.seconds(formatter.string(from: later), now: now) == 300)
        #expect(RetryAfter.seconds("soon", now: now) == nil)
        #expect(RetryAfter.seconds(nil, now: now) == nil)
    }

    @Test func theCentresAnswerDecidesDeliveredRetryOrRefused() throws {
        let ok = #"{"resourceType":"Bundle","type":"transaction-response","entry":[{"response":{"status":"201 Created"}},{"response":{"status":"200 OK"}}]}"#
        #expect(try FHIRResponse.judge(status: 200, body: ok, retryAfter: nil) == "200: 201 Created, 200 OK")
        let refusal = #"{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"invalid","diagnostics":"unknown LOINC code"}]}"#
        #expect(throws: DeliveryFailure.permanent("400 from the centre: unknown LOINC code")) {
            try FHIRResponse.judge(status: 400, body: refusal, retryAfter: nil)
        }
        for status in [408, 429, 500, 502, 503] {
            #expect { try FHIRResponse.judge(status: status, body: "", retryAfter: "7") } throws: { error in
                if case .transient(_, let after)? = error as? DeliveryFailure { return after == 7 }
                return false
            }
        }
        #expect { try FHIRResponse.judge(status: 404, body: "", retryAfter: nil) } throws: { error in
            if case .permanent? = error as? DeliveryFailure { return true }
            return false
        }
        let partial = #"{"resourceType":"Bundle","entry":[{"response":{"status":"201 Created"}},{"response":{"status":"422 Unprocessable"}}]}"#
        #expect(throws: DeliveryFailure.self) { try FHIRResponse.judge(status: 200, body: partial, retryAfter: nil) }
    }

    @Test func refusedCredentialsAreNotARefusedResult() {
        for status in [401, 403] {
            #expect { try FHIRResponse.judge(status: status, body: "", retryAfter: nil) } throws: { error in
                guard case .transient(let why, _)? = error as? DeliveryFailure else { return false }
                return why.hasPrefix("\(status) from the centre") && why.contains("check the OAuth2 client")
            }
        }
    }

    @Test func mllpAcknowledgementsAreRead() throws {
        #expect(try HL7Ack.judge("MSH|^~\\&|LIS\rMSA|AA|ABC123\r", controlID: "ABC123") == "ACK AA")
        #expect(throws: DeliveryFailure.permanent("the LIS rejected the message (AR): bad PID")) {
            try HL7Ack.judge("MSA|AR|ABC123|bad PID\r", controlID: "ABC123")
        }
        #expect { try HL7Ack.judge("MSA|AE|ABC123|busy\r", controlID: "ABC123") } throws: { error in
            if case .transient? = error as? DeliveryFailure { return true }
            return false
        }
        #expect(throws: DeliveryFailure.self) { try HL7Ack.judge("MSA|AA|OTHER\r", controlID: "ABC123") }
    }

    @Test func gzipBodiesAreRealGzip() throws {
        let text = Data(String(repeating: "{\"resourceType\":\"Observation\"}", count: 200).utf8)
        let packed = try Gzip.compress(text)
        #expect(packed.prefix(2) == Data([0x1F, 0x8B]))
        #expect(packed.count < text.count / 5)
        let file = try TestPaths.temporaryFolder().appendingPathComponent("body.gz")
        try packed.write(to: file)
        let unpacked = try runProcess("/usr/bin/env", ["gzip", "-dc", file.path])
        #expect(unpacked.stdout == String(decoding: text, as: UTF8.self))
    }
}
