import Foundation

/// One server-sent event: its name (`devices`, `run`, `trace`, `plate-cycle`, `voltammogram`,
/// `result`, `queue`, `qc`) and
/// a JSON payload.
public struct KioskEvent: Sendable {
    /// The SSE event name.
    public var name: String
    /// The JSON text sent as `data:`.
    public var json: String

    /// `event: NAME\ndata: JSON\n\n`.
    var wireText: String { "event: \(name)\ndata: \(json)\n\n" }
}

/// Fans events out to every connected page or client (`GET /api/v1/events`). A slow
/// client loses its oldest events rather than holding anyone up.
final class EventHub: @unchecked Sendable {
    private let lock = NSLock()
    private var subscribers: [UUID: AsyncStream<KioskEvent>.Continuation] = [:]
    private var closed = false

    /// How many clients listen now.
    var count: Int { lock.withLock { subscribers.count } }

    /// A new stream of events; it ends when the client goes or `finishAll` is called.
    func subscribe() -> AsyncStream<KioskEvent> {
        let id = UUID()
        let (stream, continuation) = AsyncStream.makeStream(of: KioskEvent.self, bufferingPolicy: .bufferingNewest(512))
        continuation.onTermination = { [weak self] _ in
            guard let self else { return }
            _ = self.lock.withLock { self.subscribers.removeValue(forKey: id) }
        }
        let open = lock.withLock {
            if !closed { subscribers[id] = continuation }
            return !closed
        }
        if !open { continuation.finish() }
        return stream
    }

    /// Sends `payload` as event `name` to everyone.
    func publish<T: Encodable>(_ name: String, _ payload: T) {
        guard let data = try? KioskJSON.encoder.encode(payload) else { return }
        let event = KioskEvent(name: name, json: String(decoding: data, as: UTF8.self))
        let targets = lock.withLock { Array(subscribers.values) }
        for target in targets { target.yield(event) }
    }

    /// Ends every stream (the service is stopping).
    func finishAll() {
        let targets = lock.withLock {
            closed = true
            return Array(subscribers.values)
        }
        for target in targets { target.finish() }
    }
}

/// The JSON coders the API uses: sorted keys, ISO 8601 dates, non-finite numbers as strings.
enum KioskJSON {
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .iso8601
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity",
                                                                 nan: "NaN")
        return e
    }()
}
