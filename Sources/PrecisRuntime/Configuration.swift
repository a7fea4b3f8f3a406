import Foundation
import PrecisCore
import PrecisUpload

/// Precis' version, as sent in every message.
public enum PrecisVersion {
    /// The version.
    public static let current = "0.4.0"
}

/// Where results go and how this bench box names itself: a JSON file
/// (`--config`, `$PRECIS_CONFIG`, or `~/.config/precis/config.json`). Without one, results
/// queue for the centre and wait (`precis queue` shows them) until it is configured.
///
/// ```json
/// {"site": "ward7-bench2",
///  "centre": {"baseURL": "https://centre.example/fhir", "caFile": "/etc/precis/centre-ca.pem",
///             "clientCertificate": "/etc/precis/bench.pem", "clientKey": "/etc/precis/bench.key",
///             "tokenURL": "https://centre.example/oauth2/token", "clientID": "ward7-bench2",
///             "clientSecretFile": "/etc/precis/oauth-secret", "gzip": true},
///  "lis": {"host": "lis.hospital.example", "port": 2575, "application": "LIS", "facility": "HOSP"}}
/// ```
public struct PrecisConfiguration: Sendable, Codable, Equatable {
    /// This bench box's id at the centre; the host name when absent.
    public var site: String?
    /// The regional centre's FHIR server.
    public var centre: FHIRServerConfiguration?
    /// The hospital LIS.
    public var lis: LISConfiguration?
    /// Retry timing, when the defaults (30 s doubling to an hour, 2-minute leases) do not suit.
    public var upload: UploadTiming?

    /// Retry timing.
    public struct UploadTiming: Sendable, Codable, Equatable {
        /// The first delay, s.
        public var baseSeconds: Double?
        /// The longest delay, s.
        public var capSeconds: Double?
        /// How long a lease lasts, s.
        public var leaseSeconds: Double?
    }

    /// The retry policy the configuration asks for.
    public var retryPolicy: RetryPolicy {
        RetryPolicy(base: upload?.baseSeconds ?? 30, cap: upload?.capSeconds ?? 3600, lease: upload?.leaseSeconds ?? 120)
    }

    /// No destinations configured.
    public init() {}

    /// The site name used in identifiers and messages.
    public var siteName: String { site ?? ProcessInfo.processInfo.hostName }

    /// The outbox destinations every result is queued for.
    public var destinations: [String] { ["centre"] + (lis == nil ? [] : ["lis"]) }

    /// The largest configuration file, in bytes (one is a few hundred).
    public static let maxFileBytes = 64 << 10
    /// The longest request timeout taken, in seconds.
    public static let maxTimeoutSeconds = 600.0
    /// The longest retry delay, cap or lease taken, in seconds (a week).
    public static let maxUploadSeconds = 604_800.0

    /// Reads the configuration from `explicit`, `$PRECIS_CONFIG` or the default path; none at
    /// the default path is an empty configuration, a named file that is missing or malformed is an error.
    public static func load(explicit: String?, env: [String: String] = ProcessInfo.processInfo.environment) throws -> PrecisConfiguration {
        let (path, named) = location(explicit: explicit, env: env)
        guard named || FileManager.default.fileExists(atPath: path) else { return PrecisConfiguration() }
        let data = try BoundedFile.read(URL(fileURLWithPath: path), limit: maxFileBytes, what: "the configuration \(path)")
        try JSONLimits.check(data, source: path)
        let configuration: PrecisConfiguration
        do {
            configuration = try JSONDecoder().decode(PrecisConfiguration.self, from: data)
        } catch let error as DecodingError {
            throw PrecisError(.input, "\(path) is malformed: \(CalibrationCatalog.describe(error))")
        }
        try configuration.check(path)
        return configuration
    }

    /// The configuration file `load` reads, and whether it was named (then it must exist).
    public static func location(explicit: String?, env: [String: String] = ProcessInfo.processInfo.environment)
        -> (path: String, named: Bool) {
        let named = explicit ?? env["PRECIS_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        let home = env["HOME"] ?? NSHomeDirectory()
        return (named ?? "\(env["XDG_CONFIG_HOME"] ?? "\(home)/.config")/precis/config.json", named != nil)
    }

    /// Refuses settings that would break delivery: a centre URL that is not http(s), retry
    /// timing that is not positive, and a lease no longer than the longest request (a send that
    /// outlasts its lease may be taken over and sent a second time).
    func check(_ path: String) throws {
        func refuse(_ what: String) -> PrecisError { PrecisError(.input, "\(path): \(what)", hint: "see the README's Delivery section") }
        if let centre, URL(string: centre.baseURL).map({ ["http", "https"].contains($0.scheme ?? "") && $0.host != nil }) != true {
            throw refuse("centre.baseURL '\(centre.baseURL)' is not an http(s) URL")
        }
        if let timeout = centre?.timeoutSeconds, !(timeout > 0 && timeout <= Self.maxTimeoutSeconds) {
            throw refuse("centre.timeoutSeconds is \(timeout); Precis takes more than 0 and at most \(Int(Self.maxTimeoutSeconds))")
        }
        if let port = lis?.port, !(1...65535).contains(port) { throw refuse("lis.port \(port) is not a TCP port (1–65535)") }
        let policy = retryPolicy
        guard [policy.base, policy.cap, policy.lease].allSatisfy({ $0 <= Self.maxUploadSeconds }) else {
            throw refuse("upload timing is at most \(Int(Self.maxUploadSeconds)) s (a week) for each of baseSeconds, capSeconds and leaseSeconds")
        }
        guard policy.base > 0, policy.cap >= policy.base, policy.lease > 0 else {
            throw refuse("upload timing must be positive, with capSeconds at least baseSeconds")
        }
        let longest = max(centre.map { $0.timeoutSeconds ?? 30 } ?? 0, lis?.host == nil ? 0 : 15)
        guard policy.lease > longest else {
            throw refuse("upload.leaseSeconds (\(policy.lease)) must be longer than the longest request (\(longest) s)")
        }
    }
}
