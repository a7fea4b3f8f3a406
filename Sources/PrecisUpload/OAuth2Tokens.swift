import AsyncHTTPClient
import Foundation
import NIOCore
import PrecisFormats

/// OAuth2 client-credentials bearer tokens (RFC 6749 §4.4): fetched when needed, kept until
/// a minute before they expire, fetched again after a 401. The answer is read as
/// `OAuth2TokenAnswer` says, within its limits.
actor OAuth2Tokens {

    let client: HTTPClient
    let tokenURL: String
    let clientID: String
    let secret: String
    let scope: String?
    var current: (token: String, expires: Date)?

    init(client: HTTPClient, tokenURL: String, clientID: String, secret: String, scope: String?) {
        self.client = client
        self.tokenURL = tokenURL
        self.clientID = clientID
        self.secret = secret
        self.scope = scope
    }

    /// A token valid for at least another minute.
    func token() async throws -> String {
        if let current, current.expires > Date().addingTimeInterval(60) { return current.token }
        var request = HTTPClientRequest(url: tokenURL)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        let credentials = Data("\(clientID):\(secret)".utf8).base64EncodedString()
        request.headers.add(name: "Authorization", value: "Basic \(credentials)")
        var form = "grant_type=client_credentials"
        if let scope, let encoded = scope.addingPercentEncoding(withAllowedCharacters: .alphanumerics) { form += "&scope=\(encoded)" }
        request.body = .bytes(ByteBuffer(string: form))
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await client.execute(request, timeout: .seconds(30))
            body = try await response.body.collect(upTo: OAuth2TokenAnswer.maxBodyBytes)
        } catch {
            throw DeliveryFailure.transient("no answer from the token endpoint \(tokenURL)", retryAfter: nil)
        }
        guard response.status == .ok, let answer = OAuth2TokenAnswer.parse(String(buffer: body)) else {
            // Transient whatever the code: refused credentials are not a refused result, and the
            // results must flow again once the configuration is put right.
            let failure = "the token endpoint answered \(response.status.code)"
            throw DeliveryFailure.transient(failure + (response.status.code < 500 ? ": check the client id and secret" : ""),
                                            retryAfter: nil)
        }
        current = (answer.token, Date().addingTimeInterval(answer.lifetime))
        return answer.token
    }

    /// Forgets the token (after a 401).
    func invalidate() { current = nil }
}
