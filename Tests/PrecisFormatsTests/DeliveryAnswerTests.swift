import Foundation
import PrecisCore
import PrecisFormats
import Testing

/// The readers of what other parties send back (a token endpoint's answer, an HL7 ACK) and of
/// the configuration file keep their stated limits: whatever the bytes, the answer is judged
/// within them or refused, and nothing the other party wrote reaches a log unbounded.
@Suite struct DeliveryAnswerTests {
    @Test func aTokenAnswerIsReadWithinItsLimits() throws {
        let ok = try #require(OAuth2TokenAnswer.parse(#"{"access_token": "abc.def", "token_type": "Bearer", "expires_in": 3600}"#))
        #expect(ok.token == "abc.def" && ok.lifetime == 3600)
        #expect(OAuth2TokenAnswer.parse(#"{"access_token": "abc"}"#)?.lifetime == OAuth2TokenAnswer.defaultLifetime)
        #expect(OAuth2TokenAnswer.parse(#"{"access_token": "abc", "expires_in": 1e300}"#)?.lifetime == OAuth2TokenAnswer.maxLifetime)
        #expect(OAuth2TokenAnswer.parse(#"{"access_token": "abc", "expires_in": -5}"#)?.lifetime == 0)
        let long = String(repeating: "a", count: OAuth2TokenAnswer.maxTokenBytes + 1)
        #expect(OAuth2TokenAnswer.parse(#"{"access_token": "\#(long)"}"#) == nil, "a token past maxTokenBytes")
        #expect(OAuth2TokenAnswer.parse(#"{"access_token": "abc\r\nX-Injected: 1"}"#) == nil, "a token that would split a header")
        #expect(OAuth2TokenAnswer.parse(#"{"access_token": ""}"#) == nil)
        #expect(OAuth2TokenAnswer.parse(String(repeating: "[", count: 50_000)) == nil, "nesting past JSONLimits")
        let padded = #"{"access_token": "abc", "pad": ""# + String(repeating: " ", count: OAuth2TokenAnswer.maxBodyBytes) + #""}"#
        #expect(OAuth2TokenAnswer.parse(padded) == nil, "a body past maxBodyBytes")
    }

    @Test func anACKIsJudgedByMSA1() throws {
        #expect(try HL7Ack.judge("MSH|^~\\&|LIS\rMSA|AA|ABC123\r", controlID: "ABC123") == "ACK AA")
        #expect(try HL7Ack.judge("MSH#^~\\&#LIS\rMSA#CA#ABC123\r", controlID: "ABC123") == "ACK CA", "MSH-1 names the separator")
        #expect(throws: DeliveryFailure.transient("the LIS answered without an MSA segment", retryAfter: nil)) {
            try HL7Ack.judge("MSH|^~\\&|LIS\r", controlID: "ABC123")
        }
        #expect(throws: DeliveryFailure.permanent("the LIS rejected the message (AR): bad PID")) {
            try HL7Ack.judge("MSA|AR|ABC123|bad PID\r", controlID: "ABC123")
        }
    }

    /// The LIS's own words go into the queue and the audit log: cut to `maxQuoted` visible
    /// characters, control characters dropped; an ACK past `maxBytes` is not read at all.
    @Test func whatTheLISSaysIsQuotedWithinLimits() throws {
        let chatter = String(repeating: "x", count: 10_000)
        #expect { try HL7Ack.judge("MSA|AR|ABC123|\(chatter)\u{1B}[2J\r", controlID: "ABC123") } throws: { error in
            guard case .permanent(let why)? = error as? DeliveryFailure else { return false }
            return why == "the LIS rejected the message (AR): " + String(repeating: "x", count: HL7Ack.maxQuoted) + "…"
        }
        #expect { try HL7Ack.judge("MSA|AA|\u{7}\(chatter)\r", controlID: "ABC123") } throws: { error in
            guard case .transient(let why, _)? = error as? DeliveryFailure else { return false }
            return why.count < HL7Ack.maxQuoted + 60 && !why.contains("\u{7}")
        }
        let huge = "MSA|AA|ABC123\r" + String(repeating: "NTE|x\r", count: HL7Ack.maxBytes / 6 + 1)
        #expect(throws: DeliveryFailure.transient("the LIS's ACK is longer than \(HL7Ack.maxBytes) bytes", retryAfter: nil)) {
            try HL7Ack.judge(huge, controlID: "ABC123")
        }
    }

    @Test func theConfigurationIsParsedWithinItsLimits() throws {
        let good = Data(#"{"site": "ward7", "centre": {"baseURL": "https://centre.example/fhir"}, "lis": {"host": "lis", "port": 2575}}"#.utf8)
        let configuration = try PrecisConfiguration.parse(good, source: "config.json")
        #expect(configuration.destinations == ["centre", "lis"] && configuration.siteName == "ward7")
        func refusal(_ data: Data) -> String? {
            do { _ = try PrecisConfiguration.parse(data, source: "config.json"); return nil } catch let error as PrecisError {
                return error.kind == .input && !error.message.contains("\n") ? error.message : "not one input line: \(error)"
            } catch { return "\(error)" }
        }
        #expect(refusal(Data(repeating: 0x20, count: PrecisConfiguration.maxFileBytes + 1))?.contains("larger than 65536 bytes") == true)
        #expect(refusal(Data((String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)).utf8))?
            .contains("nest") == true)
        #expect(refusal(Data(#"{"lis": {"port": "2575"}}"#.utf8)) == "config.json is malformed: field 'lis.port' should be Int")
        #expect(refusal(Data(#"{"centre": {"baseURL": "ftp://x"}}"#.utf8))?.contains("is not an http(s) URL") == true)
        #expect(refusal(Data(#"{"upload": {"leaseSeconds": 1e12}}"#.utf8))?.contains("at most 604800 s") == true)
    }
}
