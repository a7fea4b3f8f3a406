import Foundation
import Hummingbird
import Logging
import PrecisRuntime
import ServiceLifecycle

extension Kiosk {
    /// Runs the kiosk until SIGTERM or SIGINT: the HTTP server, the uploader, the store and
    /// device watchers, and the systemd watchdog. On the signal it tells systemd STOPPING=1,
    /// refuses new runs, lets runs in progress finish within `drainTimeout` and aborts the
    /// rest (recorded as ABORTED with their partial data), then stops the uploader and the
    /// server. `listening` is called with the port once the server accepts connections.
    public func run(notifier: SystemdNotifier = SystemdNotifier(), listening: @escaping @Sendable (Int) -> Void = { _ in })
        async throws {
        devices.set(await Runtime.devices().filter(offers))
        let host = configuration.host
        let app = Application(
            router: makeRouter(),
            configuration: ApplicationConfiguration(address: .hostname(host, port: configuration.port), serverName: "precis-kiosk"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                listening(port)
                self.listening.set()
                notifier.notify("READY=1\nSTATUS=listening on http://\(host):\(port)")
            },
            logger: logger)
        let services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: app),
            .init(service: UploaderService(runtime: runtime, interval: configuration.uploadInterval, logger: logger),
                  successTerminationBehavior: .ignore),
            .init(service: WatchdogService(kiosk: self, notifier: notifier), successTerminationBehavior: .ignore),
            .init(service: WatcherService(kiosk: self), successTerminationBehavior: .ignore),
            .init(service: DrainService(kiosk: self, notifier: notifier), successTerminationBehavior: .ignore),
        ]
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        logger.info("kiosk stopped")
    }
}

/// Stopped first on SIGTERM: says STOPPING=1, drains the runs, ends the event streams.
struct DrainService: Service, CustomStringConvertible {
    let kiosk: Kiosk
    let notifier: SystemdNotifier
    var description: String { "runs" }

    func run() async throws {
        try? await gracefulShutdown()
        notifier.notify("STOPPING=1\nSTATUS=stopping: finishing runs in progress")
        kiosk.logger.info("stopping: \(kiosk.runs.liveCount) run(s) in progress get \(kiosk.configuration.drainTimeout) to finish")
        await kiosk.runs.drain(timeout: Task.isCancelled ? .zero : kiosk.configuration.drainTimeout)
        kiosk.hub.finishAll()
    }
}

/// The background uploader (when a destination is configured) until the service stops.
struct UploaderService: Service, CustomStringConvertible {
    let runtime: Runtime
    let interval: Duration
    let logger: Logger
    var description: String { "uploader" }

    func run() async throws {
        guard let task = try runtime.startBackgroundUploader(interval: interval) else {
            logger.notice("no destination is configured: results wait in the queue")
            try? await gracefulShutdown()
            return
        }
        try? await gracefulShutdown()
        task.cancel()
        await task.value
    }
}

/// WATCHDOG=1 every half `WatchdogSec` once the server listens, but only while the store answers.
struct WatchdogService: Service, CustomStringConvertible {
    let kiosk: Kiosk
    let notifier: SystemdNotifier
    var description: String { "watchdog" }

    func run() async throws {
        guard let interval = notifier.watchdogInterval else { try? await gracefulShutdown(); return }
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                if self.kiosk.listening.isSet, (try? self.kiosk.runtime.store.runs(limit: 1)) != nil {
                    notifier.notify("WATCHDOG=1")
                }
                try await Task.sleep(for: interval)
            }
        }
    }
}

/// The store watcher (queue and QC events, heartbeat) and the udev device watcher.
struct WatcherService: Service, CustomStringConvertible {
    let kiosk: Kiosk
    var description: String { "watchers" }

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.kiosk.watchStore() }
                group.addTask { await self.kiosk.watchDevices() }
            }
        }
    }
}
