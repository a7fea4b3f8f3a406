import Foundation
import PrecisCore
import PrecisFormats
import PrecisUpload

/// Precis' version, as sent in every message.
public enum PrecisVersion {
    /// The version.
    public static let current = "0.4.0"
}

/// Reading the configuration (its fields, limits and checks are `PrecisFormats`'
/// `PrecisConfiguration`) and the retry policy it asks for.
extension PrecisConfiguration {
    /// The retry policy the configuration asks for.
    public var retryPolicy: RetryPolicy {
        RetryPolicy(base: upload?.baseSeconds ?? Self.defaultBaseSeconds, cap: upload?.capSeconds ?? Self.defaultCapSeconds,
                    lease: upload?.leaseSeconds ?? Self.defaultLeaseSeconds)
    }

    /// Reads the configuration from `explicit`, `$PRECIS_CONFIG` or the default path; none at
    /// the default path is an empty configuration, a named file that is missing or malformed is an error.
    public static func load(explicit: String?, env: [String: String] = ProcessInfo.processInfo.environment) throws -> PrecisConfiguration {
        let (path, named) = location(explicit: explicit, env: env)
        guard named || FileManager.default.fileExists(atPath: path) else { return PrecisConfiguration() }
        let data = try BoundedFile.read(URL(fileURLWithPath: path), limit: maxFileBytes, what: "the configuration \(path)")
        return try parse(data, source: path)
    }

    /// The configuration file `load` reads, and whether it was named (then it must exist).
    public static func location(explicit: String?, env: [String: String] = ProcessInfo.processInfo.environment)
        -> (path: String, named: Bool) {
        let named = explicit ?? env["PRECIS_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        if named == nil, Installation.isPackaged { return (Installation.configurationFile.path, false) }   // the package's conffile
        let home = env["HOME"] ?? NSHomeDirectory()
        return (named ?? "\(env["XDG_CONFIG_HOME"] ?? "\(home)/.config")/precis/config.json", named != nil)
    }
}
