import AsyncHTTPClient
import Foundation
import NIOCore

/// OAuth2 client-credentials bearer tokens (RFC 6749 §4.4): fetched when needed, kept until
/// a minute before they expire, fetched again after a 401. Limits: the answer is read up to
/// `maxBodyBytes`, a token longer than `maxTokenBytes` is refused, and `expires_in` counts
/// only when finite, within 0 to `maxLifetime` seconds.
actor OAuth2Tokens {
    /// The largest token answer read, in bytes.
    static let maxBodyBytes = 64 << 10
    /// The longest token sent on (it goes into every request's header).
    static let maxTokenBytes = 16 << 10
    /// The longest lifetime believed, in seconds: a day.
    static let maxLifetime = 86_400.0

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
            body = try await response.body.collect(upTo: Self.maxBodyBytes)
        } catch {
            throw DeliveryFailure.transient("no answer from the token endpoint \(tokenURL)", retryAfter: nil)
        }
        guard response.status == .ok,
              let json = FHIRResponse.json(String(buffer: body)),
              case .string(let token)? = json["access_token"], !token.isEmpty, token.utf8.count <= Self.maxTokenBytes,
              token.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            // Transient whatever the code: refused credentials are not a refused result, and the
            // results must flow again once the configuration is put right.
            let failure = "the token endpoint answered \(response.status.code)"
            throw DeliveryFailure.transient(failure + (response.status.code < 500 ? ": check the client id and secret" : ""),
                                            retryAfter: nil)
        }
        var lifetime = 300.0
        if case .number(let seconds)? = json["expires_in"], seconds.isFinite { lifetime = min(max(seconds, 0), Self.maxLifetime) }
        current = (token, Date().addingTimeInterval(lifetime))
        return token
    }

    /// Forgets the token (after a 401).
    func invalidate() { current = nil }
}
