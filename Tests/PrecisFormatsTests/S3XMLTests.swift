import Foundation
import PrecisCore
import PrecisFormats
import Testing

/// The reader of S3's XML answers, its limits, and S3 error answers named by their code.
@Suite struct S3XMLTests {
    @Test func readsAListPartsAnswer() throws {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <ListPartsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>inbox</Bucket><Key>a &amp; b</Key>
            <UploadId>XYZ</UploadId><IsTruncated>false</IsTruncated>
            <Part><PartNumber>1</PartNumber><ETag>&quot;0cc175b9c0f1b6a831c399e269772661&quot;</ETag><Size>5242880</Size></Part>
            <Part><PartNumber>2</PartNumber><ETag>"92eb5ffee6ae2fec3ad71c777531578f"</ETag><Size>17</Size></Part>
            <!-- a comment --></ListPartsResult>
            """
        let root = try S3XML.parse(Array(xml.utf8))
        #expect(root.name == "ListPartsResult")
        #expect(root.value("Key") == "a & b")
        let parts = root.all("Part")
        #expect(parts.count == 2)
        #expect(parts[0].value("ETag") == "\"0cc175b9c0f1b6a831c399e269772661\"")
        #expect(parts[1].value("Size") == "17")
        #expect(try S3XML.parse(Array("<a><b/><c>&#65;&#x42;</c></a>".utf8)).value("c") == "AB")
    }

    @Test(arguments: [
        ("", "has no element"),
        ("<a><b></a>", "closes <b> with another tag"),
        ("<a>", "ends inside <a>"),
        ("<a></a><b/>", "content after its element"),
        ("<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>", "holds a DOCTYPE"),
        ("<a><!DOCTYPE x></a>", "declaration or CDATA"),
        ("<a>&bogus;</a>", "unknown entity"),
        ("<a>&amp</a>", "unterminated entity"),
        ("<a x=1/>", "without a quoted value"),
    ])
    func refusesMalformedAnswers(text: String, message: String) {
        #expect {
            try S3XML.parse(Array(text.utf8))
        } throws: { ($0 as? PrecisError).map { $0.kind == .protocol && $0.message.contains(message) } ?? false }
    }

    @Test func refusesPastItsLimits() {
        let deep = String(repeating: "<a>", count: S3XML.maxDepth + 1) + String(repeating: "</a>", count: S3XML.maxDepth + 1)
        let many = "<r>" + String(repeating: "<p/>", count: S3XML.maxElements) + "</r>"
        let long = "<" + String(repeating: "n", count: S3XML.maxNameBytes + 1) + "/>"
        let big = "<r>" + String(repeating: "x", count: S3XML.maxBytes) + "</r>"
        for (text, message) in [(deep, "nested deeper"), (many, "more than"), (long, "too long"), (big, "more than the")] {
            #expect {
                try S3XML.parse(Array(text.utf8))
            } throws: { ($0 as? PrecisError)?.message.contains(message) ?? false }
        }
        let atDepth = String(repeating: "<a>", count: S3XML.maxDepth) + String(repeating: "</a>", count: S3XML.maxDepth)
        #expect(throws: Never.self) { try S3XML.parse(Array(atDepth.utf8)) }
    }

    @Test func errorAnswersAreNamedByTheirCode() {
        func failure(_ status: Int, _ code: String?, retryAfter: String? = nil) -> S3Failure {
            let body = code.map { "<Error><Code>\($0)</Code><Message>m</Message><RequestId>1</RequestId></Error>" } ?? "<html>busy</html>"
            return S3Failure.answer(status: status, body: Array(body.utf8), retryAfter: retryAfter)
        }
        let slow = failure(503, "SlowDown", retryAfter: "7")
        #expect(slow.code == "SlowDown" && slow.kind == .busy && slow.isTransient && slow.retryAfter == 7)
        #expect(slow.delivery == .transient("503 SlowDown: m", retryAfter: 7))
        let denied = failure(403, "AccessDenied")
        #expect(denied.kind == .permission && !denied.isTransient)
        #expect(denied.delivery == .permanent("403 AccessDenied: m"))
        #expect(failure(404, "NoSuchUpload").kind == .notFound)
        #expect(failure(400, "BadDigest").isTransient && failure(400, "BadDigest").kind == .protocol)
        #expect(failure(400, "EntityTooSmall").kind == .input && !failure(400, "EntityTooSmall").isTransient)
        #expect(failure(500, nil).code == "InternalError" && failure(500, nil).isTransient)
        #expect(failure(429, nil).code == "TooManyRequests" && failure(429, nil).kind == .busy)
        #expect(S3Failure(status: 0, code: "NoAnswer", message: "reset").kind == .disconnected)
    }
}
