import Foundation
import HTTPTypes
import Hummingbird
import PrecisRuntime

/// The first events a new listener gets: the state of everything it shows.
struct Snapshot: Encodable {
    var devices: [DeviceListing]
    var runs: [ActiveRun]
    var queue: [QueueItem]
    var qc: QCStatus
}

extension Kiosk {
    /// `GET /api/v1/events`: server-sent events. First `snapshot`, then `devices`, `run`,
    /// `trace` (a strip), `plate-cycle` (a plate), `voltammogram`, `result`, `queue`, `qc` and
    /// `void` as they happen, and a heartbeat every 16 s;
    /// it ends at the first event after the session has ended.
    func events(_ request: Request) throws -> Response {
        let token = try caller(request).session.token
        let stream = hub.subscribe()
        let snapshot = Snapshot(devices: devices.current, runs: runs.all(), queue: try runtime.queue(), qc: try runtime.qcStatus())
        let first = KioskEvent(name: "snapshot", json: String(decoding: try KioskJSON.encoder.encode(snapshot), as: UTF8.self))
        let headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-store",
                                   HTTPField.Name("X-Accel-Buffering")!: "no"]
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            try await writer.write(ByteBuffer(string: "retry: 2000\n\n" + first.wireText))
            for await event in stream {
                guard self.sessions.isLive(token) else { break }   // signed out or expired: the stream ends
                try await writer.write(ByteBuffer(string: event.wireText))
            }
            try await writer.finish(nil)
        })
    }

    /// Publishes the queue and QC status whenever they change (the uploader, another
    /// process, a supervisor), and a heartbeat, until cancelled.
    func watchStore() async {
        var lastQueue = "", lastQC = ""
        var queueCount: Int64?
        var beats = 0
        while !Task.isCancelled {
            // The queue is read again only when the store has changed since (a queue of thousands
            // of entries read and encoded every 2 s was a tenth of a core on an idle kiosk).
            let count = try? runtime.store.changeCount()
            if count == nil || count != queueCount, let queue = try? runtime.queue(),
               let text = try? String(decoding: KioskJSON.encoder.encode(queue), as: UTF8.self) {
                queueCount = count
                if text != lastQueue {
                    lastQueue = text
                    hub.publish("queue", queue)
                }
            }
            if let qc = try? runtime.qcStatus(), let text = try? String(decoding: KioskJSON.encoder.encode(qc), as: UTF8.self),
               text != lastQC {
                lastQC = text
                hub.publish("qc", qc)
            }
            beats += 1
            if beats % 8 == 0 { hub.publish("heartbeat", ["at": Date()]) }
            try? await Task.sleep(for: .seconds(2))
        }
    }

    /// Follows udev arrivals and departures into the device list and the `devices` event.
    func watchDevices() async {
        guard let watcher = try? Runtime.watchDevices() else {
            logger.notice("udev hotplug is not available here: the instrument list is the one found at start")
            return
        }
        await withTaskCancellationHandler {
            for await change in watcher.changes {
                devices.apply(arrived: change.arrived, change.device)
                hub.publish("devices", DeviceChange(change: change.arrived ? "arrived" : "departed", device: change.device,
                                                    devices: devices.current))
            }
        } onCancel: {
            watcher.stop()
        }
    }
}
