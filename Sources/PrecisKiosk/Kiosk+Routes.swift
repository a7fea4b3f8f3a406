import Foundation
import HTTPTypes
import Hummingbird
import PrecisRuntime

extension Kiosk {
    /// Every route: the page, `/api/v1/…`, the events stream and `/metrics`.
    public func makeRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: MethodNotAllowedMiddleware(table: MethodTable(openAPI: KioskResources.page("openapi.json"))))
        addPageRoutes(router)
        addSessionRoutes(router)
        addRunRoutes(router)
        addRecordRoutes(router)
        router.get("/api/v1/events") { request, _ in await self.respond { try self.events(request) } }
        router.get("/api/v1/openapi.json") { _, _ in
            await self.respond { try Self.file("openapi.json", type: "application/json") }
        }
        router.get("/metrics") { _, _ in
            let text = self.metrics.render(store: self.runtime.store, activeRuns: self.runs.liveCount,
                                           eventClients: self.hub.count)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
        return router
    }

    private func addPageRoutes(_ router: Router<BasicRequestContext>) {
        router.get("/") { _, _ in await self.respond { try self.indexPage() } }
        router.get("/kiosk.css") { _, _ in await self.respond { try Self.file("kiosk.css", type: "text/css; charset=utf-8") } }
        router.get("/kiosk.js") { _, _ in
            await self.respond { try Self.file("kiosk.js", type: "text/javascript; charset=utf-8") }
        }
    }

    private func addSessionRoutes(_ router: Router<BasicRequestContext>) {
        router.post("/api/v1/session") { request, _ in await self.respond { try await self.signIn(request) } }
        router.get("/api/v1/session") { request, _ in
            await self.respond {
                let caller = try self.caller(request)
                return try Self.json(SessionView(caller.session, includeToken: false))
            }
        }
        router.delete("/api/v1/session") { request, _ in
            await self.respond {
                let session = try self.changer(request)
                self.sessions.close(session.token)
                try? self.runtime.store.appendAudit(actor: session.operatorID, entity: "operator", entityID: session.operatorID,
                                                    action: "signed out", at: self.runtime.clock())
                return Response(status: .noContent, headers: [.setCookie: Self.cookie("", maxAge: 0)])
            }
        }
    }

    private func addRunRoutes(_ router: Router<BasicRequestContext>) {
        router.get("/api/v1/devices") { request, _ in
            await self.respond { _ = try self.caller(request); return try Self.json(self.devices.current) }
        }
        router.get("/api/v1/assays") { request, _ in
            await self.respond { _ = try self.caller(request); return try Self.json(self.assays()) }
        }
        router.get("/api/v1/runs") { request, _ in
            await self.respond { _ = try self.caller(request); return try Self.json(self.runs.all()) }
        }
        router.post("/api/v1/runs") { request, _ in await self.respond { try await self.startRun(request) } }
        router.post("/api/v1/runs/:ticket/step") { request, context in
            await self.respond { try await self.confirmStep(request, ticket: try Self.text(context, "ticket")) }
        }
    }

    private func addRecordRoutes(_ router: Router<BasicRequestContext>) {
        router.get("/api/v1/results") { request, _ in
            await self.respond {
                _ = try self.caller(request)
                return try await self.resultsPage(request)
            }
        }
        router.get("/api/v1/results/:id") { request, context in
            await self.respond {
                _ = try self.caller(request)
                return try Self.json(self.runtime.resultDetail(runID: Self.id(context)))
            }
        }
        router.post("/api/v1/results/:id/void") { request, context in
            await self.respond { try await self.voidResult(request, runID: Self.id(context)) }
        }
        router.get("/api/v1/queue") { request, _ in
            await self.respond {
                _ = try self.caller(request)
                return try await self.queuePage(request)
            }
        }
        router.post("/api/v1/queue/:id/retry") { request, context in
            await self.respond {
                let session = try self.changer(request)
                let item = try self.runtime.retryOutbox(id: Self.id(context), actor: session.operatorID)
                self.hub.publish("queue", try self.runtime.queue())
                return try Self.json(item)
            }
        }
        router.get("/api/v1/qc") { request, _ in
            await self.respond { _ = try self.caller(request); return try Self.json(self.runtime.qcStatus()) }
        }
        router.post("/api/v1/qc/lockouts/:id/acknowledge") { request, context in
            await self.respond { try await self.acknowledge(request, lockoutID: Self.id(context)) }
        }
    }

    /// `precis_session=TOKEN; Path=/; HttpOnly; SameSite=Strict; Max-Age=N`.
    static func cookie(_ token: String, maxAge: Int) -> String {
        "\(sessionCookie)=\(token); Path=/; HttpOnly; SameSite=Strict; Max-Age=\(maxAge)"
    }

    /// The page; in training mode its body has the class `training-mode`, which shows the mode on every screen.
    func indexPage() throws -> Response {
        try Self.file("index.html", type: "text/html; charset=utf-8") { data in
            guard self.configuration.training else { return data }
            return Data(String(decoding: data, as: UTF8.self).replacingOccurrences(of: "<body>", with: #"<body class="training-mode">"#).utf8)
        }
    }

    /// A file of the page (`Page/`), with headers that keep it in its own frame and origin.
    static func file(_ name: String, type: String, transform: (Data) -> Data = { $0 }) throws -> Response {
        guard let data = KioskResources.page(name).map(transform) else { throw APIError(404, "\(name) is missing from this installation") }
        return Response(status: .ok, headers: [
            .contentType: type, .cacheControl: "no-cache",
            HTTPField.Name("Content-Security-Policy")!: "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
            HTTPField.Name("X-Content-Type-Options")!: "nosniff", HTTPField.Name("Referrer-Policy")!: "no-referrer",
        ], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
