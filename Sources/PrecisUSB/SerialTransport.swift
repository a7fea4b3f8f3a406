import Foundation
import PrecisCore

/// A Transport over a serial port (a USB CDC-ACM or FTDI instrument: `/dev/ttyACM*`,
/// `/dev/ttyUSB*`): raw mode, 8N1, no flow control, the given baud rate; reads wait with
/// poll(2) on a queue of their own, so no Swift concurrency thread ever blocks.
public final class SerialTransport: Transport, @unchecked Sendable {
    /// `serial:/dev/ttyACM0`.
    public let endpointDescription: String
    private let fd: Int32
    private let queue: DispatchQueue
    private let lock = NSLock()
    private var closed = false

    /// The baud rates Precis instruments use.
    static let speeds: [Int: speed_t] = [
        9600: speed_t(B9600), 19200: speed_t(B19200), 38400: speed_t(B38400), 57600: speed_t(B57600),
        115200: speed_t(B115200), 230400: speed_t(B230400), 460800: speed_t(B460800), 921600: speed_t(B921600),
    ]

    private init(fd: Int32, name: String) {
        self.fd = fd
        endpointDescription = name
        queue = DispatchQueue(label: "precis.serial.\(name)")
    }

    /// Opens `path` in raw mode at `baud`.
    public static func open(path: String, baud: Int, name: String? = nil) throws -> SerialTransport {
        let label = name ?? "serial:\(path)"
        guard let speed = speeds[baud] else {
            throw PrecisError(.input, "unsupported baud rate \(baud) for \(label)",
                              hint: "one of " + speeds.keys.sorted().map(String.init).joined(separator: ", "))
        }
        let fd = Glibc.open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw error(errno, "opening it", device: label) }
        var settings = termios()
        guard tcgetattr(fd, &settings) == 0 else {
            let code = errno
            Glibc.close(fd)
            throw error(code, "reading its settings", device: label)
        }
        cfmakeraw(&settings)
        settings.c_cflag |= tcflag_t(CLOCAL | CREAD)
        settings.c_cflag &= ~(tcflag_t(CSTOPB) | tcflag_t(CRTSCTS))
        cfsetispeed(&settings, speed)
        cfsetospeed(&settings, speed)
        guard tcsetattr(fd, TCSANOW, &settings) == 0 else {
            let code = errno
            Glibc.close(fd)
            throw error(code, "setting raw mode at \(baud) baud", device: label)
        }
        tcflush(fd, TCIOFLUSH)
        return SerialTransport(fd: fd, name: label)
    }

    /// Returns what arrived (at least one byte), waiting at most `timeout`.
    public func read(timeout: Duration) async throws -> [UInt8] {
        let ms = Int32(clamping: timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        return try await withCheckedThrowingContinuation { continuation in
            queue.async { [self] in
                continuation.resume(with: Result { try readBlocking(timeoutMS: max(ms, 0)) })
            }
        }
    }

    private func readBlocking(timeoutMS: Int32) throws -> [UInt8] {
        guard !lock.withLock({ closed }) else { throw PrecisError(.disconnected, "\(endpointDescription) was closed") }
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&poller, 1, timeoutMS)
        if ready == 0 { throw PrecisError(.timeout, "\(endpointDescription) sent nothing in \(timeoutMS) ms") }
        if ready < 0 { throw Self.error(errno, "waiting to read", device: endpointDescription) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = Glibc.read(fd, &buffer, buffer.count)
        if count > 0 { return Array(buffer[0..<count]) }
        if count == 0 || poller.revents & Int16(POLLHUP) != 0 {
            throw PrecisError(.disconnected, "\(endpointDescription) went away (hung up)", hint: "check the USB cable")
        }
        throw Self.error(errno, "reading", device: endpointDescription)
    }

    /// Writes all of `bytes`, waiting at most `timeout` for the port to take them.
    public func write(_ bytes: [UInt8], timeout: Duration) async throws {
        let deadline = Date().addingTimeInterval(Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18)
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            queue.async { [self] in
                continuation.resume(with: Result { try writeBlocking(bytes, deadline: deadline) })
            }
        }
    }

    private func writeBlocking(_ bytes: [UInt8], deadline: Date) throws {
        var offset = 0
        while offset < bytes.count {
            let left = Int32(max(0, deadline.timeIntervalSinceNow * 1000))
            var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            guard poll(&poller, 1, left) > 0 else { throw PrecisError(.timeout, "\(endpointDescription) did not take the write") }
            let written = bytes[offset...].withUnsafeBufferPointer { Glibc.write(fd, $0.baseAddress, $0.count) }
            guard written >= 0 else {
                if errno == EAGAIN { continue }
                throw Self.error(errno, "writing", device: endpointDescription)
            }
            offset += written
        }
    }

    /// Closes the port. Safe to call twice.
    public func close() async {
        let first = lock.withLock { () -> Bool in defer { closed = true }; return !closed }
        if first { queue.sync { _ = Glibc.close(fd) } }
    }

    /// An errno while doing `what` on `device`, as a PrecisError.
    static func error(_ code: Int32, _ what: String, device: String) -> PrecisError {
        let text = String(cString: strerror(code))
        switch code {
        case ENOENT, ENODEV, ENXIO, EIO:
            return PrecisError(.disconnected, "\(device) is not there (\(text)) while \(what)", hint: "check the USB cable")
        case EACCES, EPERM:
            return PrecisError(.permission, "no permission to open \(device)", hint: LibUSBError.permissionHint)
        case EBUSY:
            return PrecisError(.busy, "\(device) is in use by another program")
        default:
            return PrecisError(.other, "\(device): \(text) while \(what)")
        }
    }
}
