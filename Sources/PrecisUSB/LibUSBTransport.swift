import CLibUSB
import Foundation
import PrecisCore

/// A Transport over a USB device's bulk endpoints through libusb-1.0.
///
/// Bulk IN runs asynchronously: `Options.transfersInFlight` transfers are always submitted,
/// one event thread handles their completions, and each completion is copied once into a
/// preallocated ring that `read` drains in order. Bulk OUT is an asynchronous transfer awaited
/// by `write`. Errors map onto the shared kinds; a device that goes away fails every pending
/// and later operation with `.disconnected`.
///
/// ```
///  write ── libusb_submit_transfer(OUT) ──▶ device           (awaited)
///  device ── IN transfers × N ──▶ event thread ──▶ ring ──▶ read
/// ```
public final class LibUSBTransport: Transport, @unchecked Sendable {
    /// Endpoints and buffering.
    public struct Options: Sendable {
        /// The interface to claim.
        public var interface: Int32 = 0
        /// Bulk OUT endpoint.
        public var endpointOut: UInt8 = 0x01
        /// Bulk IN endpoint.
        public var endpointIn: UInt8 = 0x81
        /// IN transfers kept submitted.
        public var transfersInFlight = 4
        /// Bytes per IN transfer (a multiple of the endpoint's packet size).
        public var transferSize = 512
        /// Bytes the ring holds before an overflow is reported.
        public var ringCapacity = 1 << 16
        /// A streaming bulk-IN endpoint (`PacketSource`), if the family has one.
        public var streamEndpoint: UInt8?
        /// Bytes per stream transfer (the largest stream packet).
        public var streamTransferSize = 16_384
        /// Stream transfers kept submitted.
        public var streamTransfers = 8
        /// Makes the defaults.
        public init() {}
    }

    /// `usb:1-4.2 (LFR-0042)`.
    public let endpointDescription: String
    let options: Options
    let context: OpaquePointer
    let handle: OpaquePointer
    let lock = NSLock()
    var ring: ByteRing
    var failure: PrecisError?
    var waiter: (id: Int, continuation: CheckedContinuation<[UInt8], any Error>)?
    var waiterCounter = 0
    var inTransfers: [UnsafeMutablePointer<libusb_transfer>] = []
    var inFlight = 0
    var closing = false
    var eventThreadRunning = true
    let eventThreadDone = DispatchSemaphore(value: 0)
    /// Bytes the ring could not hold (reported to the reader, never hidden).
    public internal(set) var overflowBytes = 0
    /// The streaming endpoint, when `Options.streamEndpoint` names one.
    let stream: LibUSBStream?

    init(context: OpaquePointer, handle: OpaquePointer, options: Options, name: String) {
        self.context = context
        self.handle = handle
        self.options = options
        endpointDescription = name
        ring = ByteRing(capacity: options.ringCapacity)
        stream = options.streamEndpoint.map {
            LibUSBStream(endpoint: $0, transferSize: options.streamTransferSize, transfers: options.streamTransfers, name: name)
        }
    }

    /// Opens the device at `bus`/`address`, claims its interface and starts streaming bulk IN.
    public static func open(bus: Int, address: Int, name: String, options: Options = Options()) throws -> LibUSBTransport {
        var context: OpaquePointer?
        let status = libusb_init(&context)
        guard status == 0, let context else { throw LibUSBError.map(status, "starting libusb", device: name) }
        do {
            let handle = try openHandle(context: context, bus: bus, address: address, name: name, options: options)
            let transport = LibUSBTransport(context: context, handle: handle, options: options, name: name)
            try transport.start()
            return transport
        } catch {
            libusb_exit(context)
            throw error
        }
    }

    private static func openHandle(context: OpaquePointer, bus: Int, address: Int, name: String,
                                   options: Options) throws -> OpaquePointer {
        var list: UnsafeMutablePointer<OpaquePointer?>?
        let count = libusb_get_device_list(context, &list)
        guard count >= 0, let list else { throw LibUSBError.map(Int32(count), "listing USB devices", device: name) }
        defer { libusb_free_device_list(list, 1) }
        let devices = (0..<Int(count)).compactMap { list[$0] }
        guard let device = devices.first(where: {
            Int(libusb_get_bus_number($0)) == bus && Int(libusb_get_device_address($0)) == address
        }) else {
            throw PrecisError(.disconnected, "\(name) is not on USB bus \(bus) at address \(address)",
                              hint: "`precis devices` lists what is plugged in")
        }
        var handle: OpaquePointer?
        let opened = libusb_open(device, &handle)
        guard opened == 0, let handle else { throw LibUSBError.map(opened, "opening it", device: name) }
        if libusb_kernel_driver_active(handle, options.interface) == 1 {
            let detached = libusb_detach_kernel_driver(handle, options.interface)
            guard detached == 0 else {
                libusb_close(handle)
                throw LibUSBError.map(detached, "detaching the kernel driver", device: name)
            }
        }
        let claimed = libusb_claim_interface(handle, options.interface)
        guard claimed == 0 else {
            libusb_close(handle)
            throw LibUSBError.map(claimed, "claiming interface \(options.interface)", device: name)
        }
        return handle
    }

    /// Returns what arrived (at least one byte), waiting at most `timeout`.
    public func read(timeout: Duration) async throws -> [UInt8] {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[UInt8], any Error>) in
            let id: Int? = lock.withLock {
                if let failure { continuation.resume(throwing: failure); return nil }
                if ring.count > 0 { continuation.resume(returning: ring.takeAll()); return nil }
                waiterCounter += 1
                waiter = (waiterCounter, continuation)
                return waiterCounter
            }
            guard let id else { return }
            Task { [weak self] in
                try? await Task.sleep(for: timeout)
                self?.expire(id, after: timeout)
            }
        }
    }

    private func expire(_ id: Int, after timeout: Duration) {
        let pending: CheckedContinuation<[UInt8], any Error>? = lock.withLock {
            guard let waiter, waiter.id == id else { return nil }
            self.waiter = nil
            return waiter.continuation
        }
        pending?.resume(throwing: PrecisError(.timeout, "\(endpointDescription) sent nothing within \(timeout)"))
    }

    /// Wakes a waiting reader with data or the failure; call with the lock held.
    func wakeReaderLocked() {
        guard let waiter else { return }
        if let failure {
            self.waiter = nil
            waiter.continuation.resume(throwing: failure)
        } else if ring.count > 0 {
            self.waiter = nil
            waiter.continuation.resume(returning: ring.takeAll())
        }
    }

    /// Fails every pending and later operation with `.disconnected` (the device was seen to
    /// leave, e.g. by the udev monitor) and stops the IN transfers.
    public func markDisconnected(_ reason: String) {
        lock.withLock {
            if failure == nil {
                failure = PrecisError(.disconnected, reason, hint: "check the USB cable and power of the instrument")
            }
            wakeReaderLocked()
        }
        stream?.fail(PrecisError(.disconnected, reason, hint: "check the USB cable and power of the instrument"))
        cancelInTransfers()
    }

    /// libusb's version string.
    public static var libusbVersion: String { LibUSBError.version }
}
