import Foundation
import PrecisCore
import PrecisStore
import PrecisTestSupport

/// A configuration naming the test inbox (and `centre`, when given), with short retries.
func writeInboxConfiguration(inbox: TestInbox, recipient: URL, in folder: URL, centre: String? = nil, partSizeMiB: Int = 5,
                             base: Double = 0.1, cap: Double = 1, lease: Double = 20, timeout: Double = 10) throws -> String {
    var config: [String: Any] = [
        "site": "test-bench",
        "inbox": ["endpoint": inbox.endpoint, "bucket": inbox.bucket, "region": "us-east-1", "keyPrefix": "bench/",
                  "partSizeMiB": partSizeMiB, "accessKeyID": "testing", "secretAccessKey": "testing",
                  "recipients": [recipient.path], "timeoutSeconds": timeout, "production": false],
        "upload": ["baseSeconds": base, "capSeconds": cap, "leaseSeconds": lease],
    ]
    if let centre { config["centre"] = ["baseURL": centre, "timeoutSeconds": 5, "production": false] }
    let url = folder.appendingPathComponent("config.json")
    try JSONSerialization.data(withJSONObject: config).write(to: url)
    return url.path
}
