import Foundation
import PrecisCore

extension Runtime {
    /// What identifies the instrument `device` names, for "is it busy": a USB instrument by its
    /// sysfs path, the same for `usb:SERIAL` and `usb:BUS-PORT` (keyed on the text, the two could
    /// start two runs on one instrument); a replayed trace by its file with links resolved; a
    /// simulator by its normalised address. An address that does not parse, or a USB instrument
    /// that is not plugged in, keys on its text (its run fails on its own).
    public static func instrumentKey(_ device: String) -> String {
        instrumentKey(device) { address in (try? USBInstruments.find(address)).map(\.syspath) }
    }

    /// `instrumentKey`, with the USB instrument's identity (its sysfs path) found by `usbIdentity`.
    public static func instrumentKey(_ device: String, usbIdentity: (DeviceAddress) -> String?) -> String {
        guard let address = try? DeviceAddress(device) else { return device }
        switch address.scheme {
        case .usb: return usbIdentity(address).map { "usb@" + $0 } ?? address.description
        case .replay: return "replay:" + URL(fileURLWithPath: address.target).resolvingSymlinksInPath().standardizedFileURL.path
        default: return address.description
        }
    }
}
