import Foundation
import HTTPTypes
import Hummingbird
import PrecisCore
import PrecisRuntime

/// `POST /api/v1/session`.
struct SignInRequest: Decodable {
    var `operator`: String
    var pin: String
}

/// `POST /api/v1/runs`: what to run; the sample id is scanned or typed.
struct StartRunRequest: Decodable {
    var device: String
    var assay: String
    var sample: String
    var patient: String?
    var lot: String?
    /// How long to wait for a cartridge to be inserted (default: the kiosk's setting).
    var cartridgeWaitSeconds: Int?
    /// A qPCR plate's layout as CSV (`well,sample,type[,quantity,unit,patient]`); `sample` is then the plate's id.
    var layout: String?
    /// A sequencing run: seconds of signal to take (default: until the sequencer stops).
    var durationSeconds: Double?
}

/// `POST /api/v1/runs/{ticket}/step`: which step was done (optional).
struct StepRequest: Decodable {
    var step: String?
}

/// A supervisor's void: the reason, and on a run of several samples the result.
struct VoidRequest: Decodable {
    var reason: String
    var resultId: Int64?
}

/// A supervisor's reason (void, lockout acknowledgement).
struct ReasonRequest: Decodable {
    var reason: String
}

/// A session as the API shows it; the token only in the answer to sign-in.
struct SessionView: Encodable {
    var token: String?
    var csrf: String
    var `operator`: String
    var role: Role
    var expiresAt: Date

    init(_ s: KioskSession, includeToken: Bool) {
        token = includeToken ? s.token : nil
        csrf = s.csrf
        `operator` = s.operatorID
        role = s.role
        expiresAt = s.expiresAt
    }
}

/// An assay the page offers, with what its run form needs.
struct AssayListing: Encodable {
    var id: String
    var analyte: String
    /// The UCUM code stored and sent.
    var unit: String
    /// The unit as people read it (`copies/mL`, `µg/dL`).
    var unitDisplay: String
    var family: String
    /// A run needs the plate's layout (a qPCR assay); `sample` is then the plate's id.
    var needsLayout: Bool
    /// A run needs a lot (a strip's comes from its cartridge).
    var needsLot: Bool
    /// A run takes no lot at all (a sequencing run: its flow cell is the sequencer's to report).
    var takesNoLot: Bool
    /// The lots that load and are in date.
    var lots: [String]
}

/// A voided result, as `POST /api/v1/results/{id}/void` answers.
struct VoidAnswer: Encodable {
    var runId: Int64
    var voidedResultId: Int64
    var voidRecordId: Int64
    var reason: String
    var by: String
}

extension Kiosk {
    /// Signs in: 200 with the session (token and CSRF token) and the HttpOnly cookie.
    func signIn(_ request: Request) async throws -> Response {
        if let origin = request.headers[.origin], let host = request.head.authority,
           URL(string: origin)?.host != host.split(separator: ":").first.map(String.init) {
            throw APIError(403, "sign-in from another site (\(origin)) is refused")
        }
        let input = try await body(SignInRequest.self, request)
        let who = try operators.signIn(id: input.operator, pin: input.pin)
        let session = sessions.open(operatorID: who.id, role: who.role)
        let maxAge = Int(Operators.seconds(configuration.sessionLifetime))
        return try Self.json(SessionView(session, includeToken: true),
                             headers: [.setCookie: Self.cookie(session.token, maxAge: maxAge)])
    }

    /// Starts a run: 202 with the run as it stands once stored (or waiting for a cartridge).
    func startRun(_ request: Request) async throws -> Response {
        let session = try changer(request)
        let input = try await body(StartRunRequest.self, request)
        try checkOffered(try DeviceAddress(input.device))
        if let layout = input.layout, layout.utf8.count > 32768 {
            throw APIError(400, "a plate's layout is at most 32768 bytes of CSV (\(layout.utf8.count) given)")
        }
        let wait = input.cartridgeWaitSeconds.map { Duration.seconds(min(max($0, 0), 3600)) } ?? configuration.cartridgeWait
        if let duration = input.durationSeconds, !(duration > 0 && duration <= 86_400) {
            throw APIError(400, "durationSeconds is a number of seconds above 0 and at most 86400")
        }
        var request = RunRequest(device: input.device, assay: input.assay, sample: input.sample, patient: input.patient,
                                 lot: input.lot, operatorID: session.operatorID, cartridgeWait: wait, layoutText: input.layout)
        request.duration = input.durationSeconds
        let run = try await runs.start(request)
        var headers = HTTPFields()
        if let id = run.runId { headers[.location] = "/api/v1/results/\(id)" }
        return try Self.json(run, status: .accepted, headers: headers)
    }

    /// A page of `GET /api/v1/results`: `limit` runs (default 50, at most 500), newest first,
    /// from `cursor` on (the `X-Next-Cursor` of the page before; also in a `Link: …; rel="next"`
    /// header, RFC 8288, when a next page may exist); each run's raw data listed only with `raw=true`.
    /// A page is kept by the store's change count (`ViewCache`) and carries it as its ETag.
    func resultsPage(_ request: Request) async throws -> Response {
        let withRaw = try Self.flag(request, "raw") ?? false
        return try await keptPage(request, path: "/api/v1/results", extra: withRaw ? "&raw=true" : "") { [runtime] limit, before in
            var page = try runtime.results(limit: limit, before: before)
            if !withRaw { for i in page.indices { page[i].rawData = nil } }
            return (page, page.last?.runId)
        }
    }

    /// `GET /api/v1/queue`: a page of the upload queue, oldest first (the order it is delivered
    /// in): `limit` entries (default 50) after `cursor`, what waits or with `all=true` everything,
    /// `X-Next-Cursor` and `Link: …; rel="next"` when more may follow; kept by the store's change count.
    func queuePage(_ request: Request) async throws -> Response {
        let all = try Self.flag(request, "all") ?? false
        return try await keptPage(request, path: "/api/v1/queue", extra: all ? "&all=true" : "") { [runtime] limit, after in
            let page = try runtime.queue(includeDelivered: all, after: after, limit: limit)
            return (page, page.last?.id)
        }
    }

    /// A list endpoint's page: `limit` (1–500, default 50) rows from `cursor` on, as `read` gives
    /// them with the id the next page starts from; `X-Next-Cursor` and `Link: …; rel="next"` when
    /// the page is full; kept by the store's change count under the path and its query.
    private func keptPage<Row: Encodable & Sendable>(
        _ request: Request, path: String, extra: String,
        read: @escaping @Sendable (Int, Int64?) throws -> ([Row], Int64?)
    ) async throws -> Response {
        let limit = try Self.query(request, "limit", in: 1...500) ?? 50
        let cursor = try Self.cursor(request)
        let count = try runtime.store.changeCount()
        let view = try await views.view("\(path)?limit=\(limit)&cursor=\(cursor ?? 0)\(extra)", count: count) {
            let (page, next) = try read(limit, cursor)
            var headers = HTTPFields()
            if page.count == limit, let next {
                headers[HTTPField.Name("X-Next-Cursor")!] = String(next)
                headers[HTTPField.Name("Link")!] = "<\(path)?limit=\(limit)&cursor=\(next)\(extra)>; rel=\"next\""
            }
            return try Self.jsonView(page, headers: headers)
        }
        return Self.response(view, count: count, request: request)
    }

    /// The `cursor` query value: nil when absent, 400 unless a positive whole number.
    static func cursor(_ request: Request) throws -> Int64? {
        guard let text = request.uri.queryParameters.get("cursor") else { return nil }
        guard let id = Int64(text), id > 0 else { throw APIError(400, "'cursor' must be the X-Next-Cursor of a page before") }
        return id
    }

    /// The operator has done the step the run waits for (closed the light path, put the blank or
    /// the sample in): 200 with the run; `{"step": "dark"}` in the body, if given, must name it.
    func confirmStep(_ request: Request, ticket: String) async throws -> Response {
        _ = try changer(request)
        let input = try? await body(StepRequest.self, request)
        return try Self.json(try runs.confirmStep(ticket, id: input?.step))
    }

    /// A supervisor voids a run's result: a new VOID record supersedes it, with the reason audited.
    func voidResult(_ request: Request, runID: Int64) async throws -> Response {
        let session = try changer(request, role: .supervisor)
        let input = try await body(VoidRequest.self, request)
        let reason = input.reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard reason.count >= 3 else { throw APIError(400, "a result is voided only with a reason") }
        let void = try runtime.voidResult(runID: runID, resultID: input.resultId, supervisor: session.operatorID, reason: reason)
        let answer = VoidAnswer(runId: runID, voidedResultId: void.supersedesID ?? 0, voidRecordId: void.id, reason: reason,
                                by: session.operatorID)
        hub.publish("void", answer)
        return try Self.json(answer)
    }

    /// A supervisor lifts a QC lockout with a reason (audited by the runtime).
    func acknowledge(_ request: Request, lockoutID: Int64) async throws -> Response {
        let session = try changer(request, role: .supervisor)
        let reason = try await body(ReasonRequest.self, request).reason
        let lockout = try runtime.acknowledgeLockout(id: lockoutID, supervisor: session.operatorID, reason: reason)
        hub.publish("qc", try runtime.qcStatus())
        return try Self.json(lockout)
    }

    /// The assays in the calibration folder that load and that an instrument Precis drives can
    /// run (an assay whose family has no procedure yet is not offered, so no run is refused late).
    func assays() -> [AssayListing] {
        runtime.catalog.assayIDs().compactMap { id -> AssayListing? in
            guard let assay = try? runtime.catalog.assay(id), Runtime.drives(assay.family) else { return nil }
            let needsLot = assay.qpcr != nil || assay.voltammetry != nil || assay.absorbance != nil
            return AssayListing(id: assay.id, analyte: assay.analyte, unit: assay.unit.ucum, unitDisplay: assay.unit.display,
                                family: assay.family.name, needsLayout: assay.qpcr != nil, needsLot: needsLot,
                                takesNoLot: assay.sequencing != nil, lots: runtime.lots(for: assay))
        }
    }
}
