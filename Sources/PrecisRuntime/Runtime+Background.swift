import Foundation
import PrecisCore
import PrecisFormats
import PrecisUpload

extension Runtime {
    /// Starts delivering the outbox in the background (the kiosk service runs this): passes
    /// every `interval` until the task is cancelled. Nil when no destination is configured
    /// (results then wait in the queue).
    public func startBackgroundUploader(interval: Duration = .seconds(5)) throws -> Task<Void, Never>? {
        let destinations = try makeDestinations()
        guard !destinations.isEmpty else { return nil }
        let uploader = makeUploader(destinations: destinations)
        return Task {
            await uploader.run(interval: interval)
            for destination in destinations { await destination.shutdown() }
        }
    }
}
