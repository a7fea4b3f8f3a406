import Foundation
import HTTPTypes
import Hummingbird

/// Which methods each API path takes, read from the OpenAPI document the kiosk serves
/// (`Page/openapi.json`), so that the document and the 405 answers cannot disagree.
/// A path the document names, asked with a method it does not list, is answered
/// 405 Method Not Allowed with an `Allow` header (RFC 9110 §15.5.6), not 404.
struct MethodTable: Sendable {
    /// One path template (`/api/v1/results/{id}` as segments, nil for a parameter) and its methods.
    struct Entry: Sendable {
        var segments: [String?]
        var methods: [String]
    }

    let entries: [Entry]

    /// The table of the OpenAPI document `data`; empty when it does not parse.
    init(openAPI data: Data?) {
        let verbs = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]
        guard let data, let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let paths = root["paths"] as? [String: Any] else { entries = []; return }
        entries = paths.compactMap { template, item in
            guard let operations = item as? [String: Any] else { return nil }
            let methods = verbs.filter { operations[$0] != nil }.map { $0.uppercased() }
            return Entry(segments: Self.segments(template).map { $0.hasPrefix("{") ? nil : $0 }, methods: methods)
        }
    }

    /// The methods `path` takes, or nil when the document does not name it.
    func methods(for path: String) -> [String]? {
        let parts = Self.segments(path)
        return entries.first { entry in
            entry.segments.count == parts.count && zip(entry.segments, parts).allSatisfy { $0 == nil || $0 == $1 }
        }?.methods
    }

    private static func segments(_ path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }
}

/// Answers 405 for a method the OpenAPI document does not list on a path it names.
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    let table: MethodTable

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let allowed = table.methods(for: request.uri.path), !allowed.contains(request.method.rawValue) else {
            return try await next(request, context)
        }
        let error = APIError(405, "\(request.method.rawValue) is not taken here; this path takes \(allowed.joined(separator: ", "))",
                             headers: ["Allow": allowed.joined(separator: ", ")])
        return Kiosk.errorResponse(error)
    }
}
