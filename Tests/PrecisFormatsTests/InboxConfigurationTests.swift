import Foundation
import PrecisCore
import PrecisFormats
import Testing

/// The S3 inbox's configuration: every bad setting refused with the field named.
@Suite struct InboxConfigurationTests {
    static let good = #""endpoint": "https://inbox.example:9000", "bucket": "ward7-inbox", "recipients": ["/etc/precis/centre.pub"], "credentialsFile": "/etc/precis/s3""#

    func parse(_ inbox: String, extra: String = "") throws -> PrecisConfiguration {
        try PrecisConfiguration.parse(Data(#"{"inbox": {\#(inbox)}\#(extra)}"#.utf8), source: "config.json")
    }

    @Test func aGoodOneReads() throws {
        let config = try parse(Self.good + #", "partSizeMiB": 8, "region": "eu-north-1", "keyPrefix": "bench2/""#)
        #expect(config.inbox?.partSize == 8 << 20)
        #expect(config.inbox?.signingRegion == "eu-north-1")
        #expect(config.fileDestinations == ["inbox"])
        #expect(try parse(Self.good).inbox?.partSize == 16 << 20)
        #expect(PrecisConfiguration().fileDestinations.isEmpty)
    }

    @Test(arguments: [
        (#""endpoint": "ftp://x", "bucket": "abc", "recipients": ["k"], "credentialsFile": "c""#, "inbox.endpoint 'ftp://x' is not an http(s) URL"),
        (#""endpoint": "https://x/path", "bucket": "abc", "recipients": ["k"], "credentialsFile": "c""#, "without a path"),
        (#""endpoint": "https://x", "bucket": "AB_c", "recipients": ["k"], "credentialsFile": "c""#, "inbox.bucket 'AB_c' is not an S3 bucket name"),
        (#""endpoint": "https://x", "bucket": "ab", "recipients": ["k"], "credentialsFile": "c""#, "is not an S3 bucket name"),
        (#""endpoint": "https://x", "bucket": "abc", "recipients": [], "credentialsFile": "c""#, "inbox.recipients must name 1 to 16"),
        (#""endpoint": "https://x", "bucket": "abc", "recipients": ["k"]"#, "no credentials"),
        (#""endpoint": "https://x", "bucket": "abc", "recipients": ["k"], "accessKeyID": "A""#, "accessKeyID and secretAccessKey go together"),
        (#""endpoint": "https://x", "bucket": "abc", "recipients": ["k"], "accessKeyID": "A", "secretAccessKey": "S", "credentialsFile": "c""#, "not both"),
        (#""endpoint": "https://x", "bucket": "abc", "recipients": ["k"], "credentialsFile": "c", "partSizeMiB": 4"#, "inbox.partSizeMiB is 4"),
        (#""endpoint": "https://x", "bucket": "abc", "recipients": ["k"], "credentialsFile": "c", "region": "eu north""#, "inbox.region"),
        (#""endpoint": "https://x", "bucket": "abc", "recipients": ["k"], "credentialsFile": "c", "keyPrefix": "/abs""#, "inbox.keyPrefix"),
        (#""endpoint": "https://x", "bucket": "abc", "recipients": ["k"], "credentialsFile": "c", "timeoutSeconds": 0"#, "inbox.timeoutSeconds"),
        (#""endpoint": "https://x", "bucket": "abc", "credentialsFile": "c""#, "is malformed"),
    ])
    func badSettingsAreRefusedByName(inbox: String, message: String) {
        #expect {
            try parse(inbox)
        } throws: { error in
            guard let error = error as? PrecisError else { return false }
            return error.kind == .input && error.message.contains(message) && error.message.contains("config.json")
        }
    }

    @Test func theLeaseMustOutlastAnInboxRequest() {
        #expect(throws: PrecisError.self) { try parse(Self.good + #", "timeoutSeconds": 200"#) }
        #expect(throws: Never.self) { try parse(Self.good + #", "timeoutSeconds": 100"#) }
    }

    @Test func credentialsFilesRead() throws {
        let text = "# the inbox\n[other]\naws_access_key_id = NOPE\n[default]\naws_access_key_id = AKIA1\naws_secret_access_key=s/ecret\naws_session_token = tok\n"
        let parsed = try S3CredentialsFile.parse(text, source: "creds")
        #expect(parsed.accessKeyID == "AKIA1" && parsed.secret == "s/ecret" && parsed.token == "tok")
        #expect(throws: PrecisError.self) { try S3CredentialsFile.parse("[default]\naws_access_key_id = A\n", source: "creds") }
        #expect(throws: PrecisError.self) { try S3CredentialsFile.parse(String(repeating: "#", count: S3CredentialsFile.maxBytes + 1), source: "c") }
    }
}
