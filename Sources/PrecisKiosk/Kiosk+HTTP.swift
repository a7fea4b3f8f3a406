import Foundation
import HTTPTypes
import Hummingbird
import PrecisCore

/// Who is calling: their session, and whether it came as the page's cookie (then a CSRF
/// header is required to change anything) or as an API client's bearer token.
struct Caller: Sendable {
    let session: KioskSession
    let viaCookie: Bool
}

extension Kiosk {
    static let sessionCookie = "precis_session"
    static let csrfHeader = HTTPField.Name("X-Precis-CSRF")!

    /// The caller's live session; 401 without one.
    func caller(_ request: Request) throws -> Caller {
        if let auth = request.headers[.authorization] {
            guard auth.hasPrefix("Bearer "), let session = sessions.lookup(String(auth.dropFirst(7))) else {
                throw APIError(401, "the bearer token is unknown or expired: sign in again (POST /api/v1/session)")
            }
            return Caller(session: session, viaCookie: false)
        }
        guard let token = request.cookies[Self.sessionCookie]?.value, !token.isEmpty else { throw APIError.signInFirst }
        guard let session = sessions.lookup(token) else { throw APIError(401, "the session has expired: sign in again") }
        return Caller(session: session, viaCookie: true)
    }

    /// The caller, checked for a request that changes something: signed in (401), with the
    /// page's CSRF header when the session came as a cookie (403), and in `role` (403).
    func changer(_ request: Request, role: Role = .operator) throws -> KioskSession {
        let caller = try caller(request)
        if caller.viaCookie {
            guard let sent = request.headers[Self.csrfHeader], sent == caller.session.csrf else {
                throw APIError(403, "this request needs the page's X-Precis-CSRF header")
            }
        }
        guard caller.session.role.covers(role) else {
            throw APIError(403, "only a \(role.rawValue) may do this; \(caller.session.operatorID) is signed in as \(caller.session.role.rawValue)")
        }
        return caller.session
    }

    /// The JSON body as `T`: 415 unless it is sent as application/json (a cross-site form
    /// cannot send that without a CORS preflight, which this server never grants), 400 with
    /// what is wrong when it does not parse.
    func body<T: Decodable>(_ type: T.Type, _ request: Request) async throws -> T {
        let contentType = request.headers[.contentType] ?? ""
        guard contentType.lowercased().hasPrefix("application/json") else {
            throw APIError(415, "send the body as JSON with Content-Type: application/json")
        }
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: 64 * 1024) } catch {
            throw APIError(413, "the body is larger than 64 KiB")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw APIError(400, "malformed JSON: " + error.plainDescription)
        }
    }

    /// A JSON response.
    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        let view = try jsonView(value, headers: headers)
        return Response(status: status, headers: view.headers, body: ResponseBody(byteBuffer: view.body))
    }

    /// A JSON body with its headers (content type, `no-store`), to answer now or to keep.
    static func jsonView<T: Encodable>(_ value: T, headers: HTTPFields = [:]) throws -> CachedView {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        fields[.cacheControl] = "no-store"
        return CachedView(body: ByteBuffer(bytes: try KioskJSON.encoder.encode(value)), headers: fields)
    }

    /// Runs a handler, turning every failure into a JSON error with the right status.
    func respond(_ handler: () async throws -> Response) async -> Response {
        do {
            return try await handler()
        } catch let error as APIError {
            return Self.errorResponse(error)
        } catch let error as PrecisError {
            return Self.errorResponse(APIError(Self.status(error.kind), error.message + (error.hint.map { " — \($0)" } ?? "")))
        } catch {
            logger.error("request failed: \(error)")
            return Self.errorResponse(APIError(500, "internal error: \(error)"))
        }
    }

    static func errorResponse(_ error: APIError) -> Response {
        struct Body: Encodable { var error: Inner; struct Inner: Encodable { var status: Int; var message: String } }
        var headers = HTTPFields()
        for (name, value) in error.headers { if let field = HTTPField.Name(name) { headers[field] = value } }
        let status = HTTPResponse.Status(code: error.status)
        return (try? json(Body(error: .init(status: error.status, message: error.message)), status: status, headers: headers))
            ?? Response(status: status)
    }

    /// The HTTP status of a runtime error kind.
    static func status(_ kind: ErrorKind) -> Int {
        switch kind {
        case .input: 400
        case .notFound: 404
        case .conflict: 409
        case .calibration: 422
        case .qualityControl: 409
        case .storage, .other: 500
        case .busy: 409
        default: 503
        }
    }

    /// A whole-number query value within `range`, nil when absent; 400 for any other value,
    /// never a silent clamp, so a client learns that it asked for something else.
    static func query(_ request: Request, _ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = request.uri.queryParameters.get(name) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw APIError(400, "'\(name)' must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// A boolean query value (`true` or `false`), nil when absent; 400 for any other value.
    static func flag(_ request: Request, _ name: String) throws -> Bool? {
        guard let text = request.uri.queryParameters.get(name) else { return nil }
        switch text {
        case "true": return true
        case "false": return false
        default: throw APIError(400, "'\(name)' must be true or false")
        }
    }

    /// A path parameter as text (a run's ticket); 400 when missing.
    static func text(_ context: BasicRequestContext, _ name: String) throws -> String {
        guard let value = context.parameters.get(name), !value.isEmpty else { throw APIError(400, "'\(name)' is missing") }
        return value
    }

    /// A path parameter as a number; 400 otherwise.
    static func id(_ context: BasicRequestContext, _ name: String = "id") throws -> Int64 {
        guard let value = context.parameters.get(name, as: Int64.self) else { throw APIError(400, "'\(name)' must be a number") }
        return value
    }
}
