import Foundation
import PrecisCore

/// How to reach the regional centre's FHIR server.
public struct FHIRServerConfiguration: Sendable, Codable, Equatable {
    /// The FHIR base URL: `https://centre.example/fhir`.
    public var baseURL: String
    /// A CA certificate (PEM) to trust instead of the system's store (pinning the centre's CA).
    public var caFile: String?
    /// The client certificate (PEM) for mutual TLS.
    public var clientCertificate: String?
    /// The client key (PEM) for mutual TLS.
    public var clientKey: String?
    /// OAuth2 client-credentials: the token endpoint.
    public var tokenURL: String?
    /// OAuth2 client id.
    public var clientID: String?
    /// A file holding the OAuth2 client secret (never the secret itself in the config).
    public var clientSecretFile: String?
    /// OAuth2 scope, when the centre wants one.
    public var scope: String?
    /// Compress request bodies with gzip.
    public var gzip: Bool?
    /// Seconds before a request is given up.
    public var timeoutSeconds: Double?
    /// False for a test or training centre; absent or true, training results are refused.
    public var production: Bool?

    /// Makes a configuration for `baseURL`; the rest is set as needed.
    public init(baseURL: String) { self.baseURL = baseURL }
}

/// How to reach the hospital LIS: a folder it watches, or an MLLP listener.
public struct LISConfiguration: Sendable, Codable, Equatable {
    /// A folder to drop `<control id>.hl7` files into.
    public var dropFolder: String?
    /// MLLP host.
    public var host: String?
    /// MLLP port.
    public var port: Int?
    /// MSH-5, the receiving application.
    public var application: String?
    /// MSH-6, the receiving facility.
    public var facility: String?
    /// False for a test or training LIS; absent or true, training results are refused.
    public var production: Bool?

    /// Makes a configuration.
    public init(dropFolder: String? = nil, host: String? = nil, port: Int? = nil, application: String? = nil,
                facility: String? = nil) {
        self.dropFolder = dropFolder
        self.host = host
        self.port = port
        self.application = application
        self.facility = facility
    }
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
///  "lis": {"host": "lis.hospital.example", "port": 2575, "application": "LIS", "facility": "HOSP"},
///  "inbox": {"endpoint": "https://inbox.centre.example", "bucket": "ward7", "credentialsFile": "/etc/precis/s3-credentials",
///            "recipients": ["/etc/precis/centre.pub"]}}
/// ```
public struct PrecisConfiguration: Sendable, Codable, Equatable {
    /// This bench box's id at the centre; the host name when absent.
    public var site: String?
    /// The regional centre's FHIR server.
    public var centre: FHIRServerConfiguration?
    /// The hospital LIS.
    public var lis: LISConfiguration?
    /// The centre's S3 inbox, for sequencing runs' reads files (Crypt4GH-encrypted).
    public var inbox: S3InboxConfiguration?
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

    /// No destinations configured.
    public init() {}

    /// The site name used in identifiers and messages.
    public var siteName: String { site ?? ProcessInfo.processInfo.hostName }

    /// The outbox destinations every result is queued for.
    public var destinations: [String] { ["centre"] + (lis == nil ? [] : ["lis"]) }

    /// The outbox destinations a result's data file (a sequencing run's reads) is queued for:
    /// the inbox, delivered before the messages that point at it.
    public var fileDestinations: [String] { inbox == nil ? [] : ["inbox"] }

    /// The first retry delay when the configuration names none, s.
    public static let defaultBaseSeconds = 30.0
    /// The longest retry delay when the configuration names none, s.
    public static let defaultCapSeconds = 3600.0
    /// How long a lease lasts when the configuration names none, s.
    public static let defaultLeaseSeconds = 120.0

    /// The largest configuration file, in bytes (one is a few hundred).
    public static let maxFileBytes = 64 << 10
    /// The longest request timeout taken, in seconds.
    public static let maxTimeoutSeconds = 600.0
    /// The longest retry delay, cap or lease taken, in seconds (a week).
    public static let maxUploadSeconds = 604_800.0

    /// The configuration in `data`, read from `source` (named in errors): at most
    /// `maxFileBytes`, nesting within `JSONLimits`, every field of the right type, and the
    /// settings `check` asks for. Anything else is one `.input` error naming the file.
    public static func parse(_ data: Data, source: String) throws -> PrecisConfiguration {
        guard data.count <= maxFileBytes else {
            throw PrecisError(.input, "\(source) is larger than \(maxFileBytes) bytes; a configuration is a few hundred")
        }
        try JSONLimits.check(data, source: source)
        let configuration: PrecisConfiguration
        do {
            configuration = try JSONDecoder().decode(PrecisConfiguration.self, from: data)
        } catch let error as DecodingError {
            throw PrecisError(.input, "\(source) is malformed: \(error.plainDescription)")
        }
        try configuration.check(source)
        return configuration
    }

    /// Refuses settings that would break delivery: a centre URL that is not http(s), retry
    /// timing that is not positive, and a lease no longer than the longest request (a send that
    /// outlasts its lease may be taken over and sent a second time).
    public func check(_ path: String) throws {
        func refuse(_ what: String) -> PrecisError { PrecisError(.input, "\(path): \(what)", hint: "see the README's Delivery section") }
        if let centre, URL(string: centre.baseURL).map({ ["http", "https"].contains($0.scheme ?? "") && $0.host != nil }) != true {
            throw refuse("centre.baseURL '\(centre.baseURL)' is not an http(s) URL")
        }
        if let timeout = centre?.timeoutSeconds, !(timeout > 0 && timeout <= Self.maxTimeoutSeconds) {
            throw refuse("centre.timeoutSeconds is \(timeout); Precis takes more than 0 and at most \(Int(Self.maxTimeoutSeconds))")
        }
        if let port = lis?.port, !(1...65535).contains(port) { throw refuse("lis.port \(port) is not a TCP port (1–65535)") }
        try inbox?.check(refuse)
        let policy = (base: upload?.baseSeconds ?? Self.defaultBaseSeconds, cap: upload?.capSeconds ?? Self.defaultCapSeconds,
                      lease: upload?.leaseSeconds ?? Self.defaultLeaseSeconds)
        guard [policy.base, policy.cap, policy.lease].allSatisfy({ $0 <= Self.maxUploadSeconds }) else {
            throw refuse("upload timing is at most \(Int(Self.maxUploadSeconds)) s (a week) for each of baseSeconds, capSeconds and leaseSeconds")
        }
        guard policy.base > 0, policy.cap >= policy.base, policy.lease > 0 else {
            throw refuse("upload timing must be positive, with capSeconds at least baseSeconds")
        }
        let longest = max(centre.map { $0.timeoutSeconds ?? 30 } ?? 0, lis?.host == nil ? 0 : 15, inbox?.timeout ?? 0)
        guard policy.lease > longest else {
            throw refuse("upload.leaseSeconds (\(policy.lease)) must be longer than the longest request (\(longest) s)")
        }
    }
}
