import Foundation

extension Uploader {
    /// Why a training result is not sent to `destination`: the outbox keeps this as the entry's error.
    static func trainingRefused(_ destination: any Destination) -> String {
        "not sent: a training result (simulated or replayed instrument) never goes to a production destination; "
            + "\(destination.name) is production (set \"production\": false on it for a test system)"
    }
}
