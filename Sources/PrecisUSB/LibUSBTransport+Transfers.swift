import CLibUSB
import Foundation
import PrecisCore

extension LibUSBTransport {
    /// Starts the event thread and submits the IN transfers.
    func start() throws {
        let thread = Thread { [self] in
            var tv = timeval(tv_sec: 0, tv_usec: 100_000)
            while lock.withLock({ eventThreadRunning }) {
                _ = libusb_handle_events_timeout_completed(context, &tv, nil)
            }
            eventThreadDone.signal()
        }
        thread.name = "precis.libusb-events"
        thread.start()
        let me = Unmanaged.passUnretained(self).toOpaque()
        try Self.submitBulkIn(count: options.transfersInFlight, handle: handle, endpoint: options.endpointIn,
                              size: options.transferSize, callback: { LibUSBTransport.inCompleted($0) }, userData: me,
                              what: "starting to read", device: endpointDescription,
                              kept: { transfer in lock.withLock { inTransfers.append(transfer) } },
                              submitted: { lock.withLock { inFlight += 1 } })
    }

    /// Allocates `count` bulk-IN transfers of `size` bytes on `endpoint` with their buffers and
    /// submits them; `kept` records each before it is submitted (to be cancelled and freed
    /// later), `submitted` counts it once it is in flight.
    static func submitBulkIn(count: Int, handle: OpaquePointer, endpoint: UInt8, size: Int, callback: libusb_transfer_cb_fn,
                             userData: UnsafeMutableRawPointer, what: String, device: String,
                             kept: (UnsafeMutablePointer<libusb_transfer>) -> Void, submitted: () -> Void) throws {
        for _ in 0..<count {
            guard let transfer = libusb_alloc_transfer(0) else { throw PrecisError(.other, "libusb could not allocate a transfer") }
            let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: size)
            libusb_fill_bulk_transfer(transfer, handle, endpoint, buffer, Int32(size), callback, userData, 0)
            kept(transfer)
            let status = libusb_submit_transfer(transfer)
            guard status == 0 else { throw LibUSBError.map(status, what, device: device) }
            submitted()
        }
    }

    /// An IN transfer came back: keep its bytes, submit it again.
    static func inCompleted(_ transfer: UnsafeMutablePointer<libusb_transfer>?) {
        guard let transfer, let me = transfer.pointee.user_data else { return }
        Unmanaged<LibUSBTransport>.fromOpaque(me).takeUnretainedValue().handleIn(transfer)
    }

    private func handleIn(_ transfer: UnsafeMutablePointer<libusb_transfer>) {
        let status = transfer.pointee.status
        let resubmit: Bool = lock.withLock {
            switch status {
            case LIBUSB_TRANSFER_COMPLETED:
                let lost = ring.append(transfer.pointee.buffer, length: Int(transfer.pointee.actual_length))
                if lost > 0 {
                    overflowBytes += lost
                    failure = failure ?? PrecisError(.protocol, "\(endpointDescription): receive buffer overflowed, "
                                                     + "\(overflowBytes) bytes lost", hint: "the host could not keep up",
                                                     cause: .receiveOverflow)
                }
            case LIBUSB_TRANSFER_TIMED_OUT:
                break
            case LIBUSB_TRANSFER_CANCELLED:
                if failure == nil && !closing { failure = PrecisError(.disconnected, "\(endpointDescription) was closed") }
            default:
                failure = failure ?? LibUSBError.map(status: status, device: endpointDescription)
            }
            wakeReaderLocked()
            let again = failure == nil && !closing
            if !again { inFlight -= 1 }
            return again
        }
        guard resubmit else { return }
        let submitted = libusb_submit_transfer(transfer)
        if submitted != 0 {
            lock.withLock {
                inFlight -= 1
                failure = failure ?? LibUSBError.map(submitted, "reading", device: endpointDescription)
                wakeReaderLocked()
            }
        }
    }

    /// Sends `bytes` on the bulk OUT endpoint and waits for the transfer to complete.
    public func write(_ bytes: [UInt8], timeout: Duration) async throws {
        if let failure = lock.withLock({ failure }) { throw failure }
        let ms = UInt32(max(1, timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000))
        let box = OutTransfer(bytes: bytes, device: endpointDescription)
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            box.continuation = continuation
            guard let transfer = libusb_alloc_transfer(0) else {
                return continuation.resume(throwing: PrecisError(.other, "libusb could not allocate a transfer"))
            }
            let retained = Unmanaged.passRetained(box).toOpaque()
            libusb_fill_bulk_transfer(transfer, handle, options.endpointOut, box.buffer, Int32(bytes.count),
                                      { OutTransfer.completed($0) }, retained, ms)
            let submitted = libusb_submit_transfer(transfer)
            if submitted != 0 {
                Unmanaged<OutTransfer>.fromOpaque(retained).release()
                libusb_free_transfer(transfer)
                continuation.resume(throwing: LibUSBError.map(submitted, "writing", device: endpointDescription))
            }
        }
    }

    /// Cancels the IN transfers (their callbacks count them out).
    func cancelInTransfers() {
        let transfers = lock.withLock { inTransfers }
        for transfer in transfers { _ = libusb_cancel_transfer(transfer) }
    }

    /// Stops streaming, releases the interface and closes the device. Safe to call twice.
    public func close() async {
        let first = lock.withLock { () -> Bool in
            defer { closing = true }
            return !closing
        }
        guard first else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread { [self] in
                shutDown()
                continuation.resume()
            }.start()
        }
    }

    private func shutDown() {
        stream?.stop()
        cancelInTransfers()
        let deadline = Date().addingTimeInterval(2)
        while lock.withLock({ inFlight > 0 }) && Date() < deadline { usleep(5_000) }
        lock.withLock {
            eventThreadRunning = false
            failure = failure ?? PrecisError(.disconnected, "\(endpointDescription) was closed")
            wakeReaderLocked()
        }
        libusb_interrupt_event_handler(context)
        eventThreadDone.wait()
        for transfer in lock.withLock({ inTransfers }) {
            transfer.pointee.buffer.deallocate()
            libusb_free_transfer(transfer)
        }
        _ = libusb_release_interface(handle, options.interface)
        libusb_close(handle)
        libusb_exit(context)
    }
}

/// One OUT transfer's buffer and waiting writer, kept alive until libusb calls back.
final class OutTransfer: @unchecked Sendable {
    let buffer: UnsafeMutablePointer<UInt8>
    let device: String
    var continuation: CheckedContinuation<Void, any Error>?

    init(bytes: [UInt8], device: String) {
        buffer = .allocate(capacity: max(bytes.count, 1))
        buffer.initialize(from: bytes, count: bytes.count)
        self.device = device
    }

    deinit { buffer.deallocate() }

    static func completed(_ transfer: UnsafeMutablePointer<libusb_transfer>?) {
        guard let transfer, let raw = transfer.pointee.user_data else { return }
        let box = Unmanaged<OutTransfer>.fromOpaque(raw).takeRetainedValue()
        let status = transfer.pointee.status
        let complete = status == LIBUSB_TRANSFER_COMPLETED && transfer.pointee.actual_length == transfer.pointee.length
        libusb_free_transfer(transfer)
        if complete {
            box.continuation?.resume()
        } else if status == LIBUSB_TRANSFER_COMPLETED {
            box.continuation?.resume(throwing: PrecisError(.protocol, "\(box.device) accepted only part of a write"))
        } else {
            box.continuation?.resume(throwing: LibUSBError.map(status: status, device: box.device))
        }
    }
}
