import CLibUSB
import PrecisCore

/// libusb's error codes in the shared vocabulary. A permission error names the udev rule to
/// install instead of LIBUSB_ERROR_ACCESS.
enum LibUSBError {
    /// The hint for a device this user may not open.
    static let permissionHint = "install udev/70-precis.rules (sudo cp udev/70-precis.rules /etc/udev/rules.d/ && "
        + "sudo udevadm control --reload && sudo udevadm trigger), add yourself to group precis, plug the instrument in again"

    /// `code` from a libusb call while doing `what` on `device`, as a PrecisError.
    static func map(_ code: Int32, _ what: String, device: String) -> PrecisError {
        let name = String(cString: libusb_error_name(code))
        switch code {
        case LIBUSB_ERROR_NO_DEVICE.rawValue:
            return PrecisError(.disconnected, "\(device) went away while \(what)", hint: "check the USB cable and power")
        case LIBUSB_ERROR_TIMEOUT.rawValue:
            return PrecisError(.timeout, "\(device) did not answer in time while \(what)")
        case LIBUSB_ERROR_PIPE.rawValue:
            return PrecisError(.stall, "\(device) stalled the endpoint while \(what)", hint: "unplug and replug the instrument")
        case LIBUSB_ERROR_BUSY.rawValue:
            return PrecisError(.busy, "\(device) is in use by another program", hint: "close the other program (lsof /dev/bus/usb)")
        case LIBUSB_ERROR_ACCESS.rawValue:
            return PrecisError(.permission, "no permission to open \(device)", hint: permissionHint)
        case LIBUSB_ERROR_NOT_FOUND.rawValue:
            return PrecisError(.disconnected, "\(device) is not there any more (\(what))")
        case LIBUSB_ERROR_OVERFLOW.rawValue, LIBUSB_ERROR_IO.rawValue:
            return PrecisError(.protocol, "USB transfer error on \(device) while \(what) (\(name))",
                               hint: "check the cable; a hub or a long cable can cause this")
        default:
            return PrecisError(.other, "libusb \(name) on \(device) while \(what)")
        }
    }

    /// A failed transfer's status in the shared vocabulary.
    static func map(status: libusb_transfer_status, device: String) -> PrecisError {
        switch status {
        case LIBUSB_TRANSFER_NO_DEVICE:
            return PrecisError(.disconnected, "\(device) went away (unplugged)", hint: "check the USB cable and power")
        case LIBUSB_TRANSFER_STALL:
            return PrecisError(.stall, "\(device) stalled the endpoint", hint: "unplug and replug the instrument")
        case LIBUSB_TRANSFER_TIMED_OUT:
            return PrecisError(.timeout, "\(device) did not complete a transfer in time")
        case LIBUSB_TRANSFER_OVERFLOW:
            return PrecisError(.protocol, "\(device) sent more than the transfer could hold")
        case LIBUSB_TRANSFER_CANCELLED:
            return PrecisError(.disconnected, "the connection to \(device) was closed")
        default:
            return PrecisError(.protocol, "USB transfer error on \(device)", hint: "check the cable")
        }
    }

    /// libusb's version, `1.0.26.11724`.
    static var version: String {
        guard let v = libusb_get_version()?.pointee else { return "unknown" }
        return "\(v.major).\(v.minor).\(v.micro).\(v.nano)"
    }
}
