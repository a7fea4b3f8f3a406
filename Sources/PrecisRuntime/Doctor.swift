import Foundation
import PrecisCore
import PrecisUSB

/// One finding of `precis doctor`.
public struct DoctorCheck: Sendable, Codable, Equatable {
    /// What was checked.
    public var name: String
    /// Whether it is fine.
    public var ok: Bool
    /// What was found.
    public var detail: String
    /// What to do about it, when it is not fine.
    public var fix: String?
}

/// Checks the bench box: libraries, udev rules and group, access to each instrument, the
/// store and the calibrations. One line per problem says what to do.
public enum Doctor {
    /// Runs every check.
    public static func run(databasePath: String?, calibrationDirectory: String?,
                           rulesPath: String = UdevRules.activePath()) -> [DoctorCheck] {
        var checks = [
            DoctorCheck(name: "libusb", ok: true, detail: "libusb \(LibUSBTransport.libusbVersion)"),
            DoctorCheck(name: "libudev", ok: true, detail: "libudev \(UdevDiscovery.libudevVersion)"),
            rules(at: rulesPath), group(),
        ]
        checks += instruments()
        checks.append(store(databasePath))
        checks += calibrations(calibrationDirectory)
        return checks
    }

    static func rules(at path: String) -> DoctorCheck {
        guard let installed = try? String(contentsOfFile: path, encoding: .utf8) else {
            return DoctorCheck(name: "udev rules", ok: false, detail: "\(path) is not installed", fix: UdevRules.installHint)
        }
        guard installed == UdevRules.text() else {
            return DoctorCheck(name: "udev rules", ok: false, detail: "\(path) is out of date for this Precis",
                               fix: UdevRules.installHint)
        }
        return DoctorCheck(name: "udev rules", ok: true, detail: "\(path) is current")
    }

    static func group() -> DoctorCheck {
        if geteuid() == 0 {
            return DoctorCheck(name: "group precis", ok: true, detail: "running as root (a bench user needs group precis)")
        }
        guard let entry = getgrnam("precis") else {
            return DoctorCheck(name: "group precis", ok: false, detail: "there is no group precis",
                               fix: "sudo groupadd -f precis && sudo usermod -aG precis $USER, then log in again")
        }
        let gid = entry.pointee.gr_gid
        var groups = [gid_t](repeating: 0, count: 256)
        let count = getgroups(Int32(groups.count), &groups)
        let member = getegid() == gid || groups.prefix(Int(max(count, 0))).contains(gid)
        return DoctorCheck(name: "group precis", ok: member,
                           detail: member ? "this user is in group precis" : "this user is not in group precis",
                           fix: member ? nil : "sudo usermod -aG precis $USER, then log in again")
    }

    static func instruments() -> [DoctorCheck] {
        let devices: [DiscoveredDevice]
        do { devices = try UdevDiscovery.enumerate(matching: FamilyRegistry.devices) } catch {
            return [DoctorCheck(name: "instruments", ok: false, detail: error.asPrecisError.message, fix: "check that udev runs")]
        }
        guard !devices.isEmpty else { return [DoctorCheck(name: "instruments", ok: true, detail: "none plugged in")] }
        return devices.map { device in
            DoctorCheck(name: "instrument \(device.address)", ok: device.accessible,
                        detail: "\(device.family) at \(device.busPath) (\(device.devnode))"
                            + (device.accessible ? ", can be opened" : ", may not be opened by this user"),
                        fix: device.accessible ? nil : UdevRules.installHint)
        }
    }

    static func store(_ path: String?) -> DoctorCheck {
        let target = path ?? Paths.defaultDatabase()
        do {
            _ = try PrecisStoreOpener.open(target)
            return DoctorCheck(name: "store", ok: true, detail: "\(target) opens and is up to date")
        } catch {
            let e = error.asPrecisError
            return DoctorCheck(name: "store", ok: false, detail: e.message, fix: e.hint)
        }
    }

    static func calibrations(_ explicit: String?) -> [DoctorCheck] {
        do {
            let catalog = CalibrationCatalog(directory: try Paths.calibrationDirectory(explicit: explicit))
            let ids = catalog.assayIDs()
            var checks = [DoctorCheck(name: "calibrations", ok: true,
                                      detail: "\(catalog.directory.path): assays \(ids.joined(separator: ", "))")]
            for id in ids {
                do { _ = try catalog.assay(id) } catch {
                    checks.append(DoctorCheck(name: "assay \(id)", ok: false, detail: error.asPrecisError.message,
                                              fix: "fix or replace the file"))
                }
            }
            return checks
        } catch {
            let e = error.asPrecisError
            return [DoctorCheck(name: "calibrations", ok: false, detail: e.message, fix: e.hint)]
        }
    }
}
