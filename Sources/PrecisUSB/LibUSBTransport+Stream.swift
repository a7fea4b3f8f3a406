import Atomics
import CLibUSB
import Foundation
import PrecisCore

/// A streaming bulk-IN endpoint of the device behind a `LibUSBTransport` (the nps family's 0x82):
/// `transfers` transfers of `transferSize` bytes stay submitted; each completion is handed to the
/// sink on the transport's one event thread (the sink copies it once into its ring) and the
/// transfer is submitted again at once, with no lock taken on the way (the sink is fixed while
/// streaming, `stopping` is atomic). A transfer error or a vanished device fails the sink.
final class LibUSBStream: @unchecked Sendable {
    let endpoint: UInt8
    let transferSize: Int
    let count: Int
    let lock = NSLock()
    var transfers: [UnsafeMutablePointer<libusb_transfer>] = []
    var inFlight = 0
    let stopping = ManagedAtomic<Bool>(false)
    var failed = false
    /// Where packets go. Written before the first submit and after the last callback only, so
    /// never while a callback reads it: the event thread reads it without the lock.
    nonisolated(unsafe) var sink: (any PacketSink)?
    let name: String

    init(endpoint: UInt8, transferSize: Int, transfers: Int, name: String) {
        self.endpoint = endpoint
        self.transferSize = transferSize
        count = transfers
        self.name = name
    }

    func start(handle: OpaquePointer, sink: any PacketSink) throws {
        try lock.withLock {
            guard transfers.isEmpty else { throw PrecisError(.busy, "\(name) is already streaming") }
            self.sink = sink
            stopping.store(false, ordering: .releasing)
            failed = false
        }
        let me = Unmanaged.passUnretained(self).toOpaque()
        try LibUSBTransport.submitBulkIn(count: count, handle: handle, endpoint: endpoint, size: transferSize,
                                         callback: { LibUSBStream.completed($0) }, userData: me,
                                         what: "starting the stream on endpoint 0x\(String(endpoint, radix: 16))", device: name,
                                         kept: { transfer in lock.withLock { transfers.append(transfer) } },
                                         submitted: { lock.withLock { inFlight += 1 } })
    }

    static func completed(_ transfer: UnsafeMutablePointer<libusb_transfer>?) {
        guard let transfer, let me = transfer.pointee.user_data else { return }
        Unmanaged<LibUSBStream>.fromOpaque(me).takeUnretainedValue().handle(transfer)
    }

    private func handle(_ transfer: UnsafeMutablePointer<libusb_transfer>) {
        let status = transfer.pointee.status
        let stopping = self.stopping.load(ordering: .acquiring)
        let sink = self.sink
        var again = !stopping
        switch status {
        case LIBUSB_TRANSFER_COMPLETED:
            if !stopping, let sink, transfer.pointee.actual_length > 0 {
                _ = sink.deliver(UnsafeRawBufferPointer(start: transfer.pointee.buffer, count: Int(transfer.pointee.actual_length)))
            }
        case LIBUSB_TRANSFER_TIMED_OUT:
            break
        case LIBUSB_TRANSFER_CANCELLED:
            again = false
        default:
            again = false
            fail(LibUSBError.map(status: status, device: name))
        }
        if again {
            let submitted = libusb_submit_transfer(transfer)
            if submitted == 0 { return }
            fail(LibUSBError.map(submitted, "reading the stream", device: name))
        }
        lock.withLock { inFlight -= 1 }
    }

    func fail(_ error: PrecisError) {
        let sink: (any PacketSink)? = lock.withLock {
            guard !failed, !stopping.load(ordering: .acquiring) else { return nil }
            failed = true
            return self.sink
        }
        sink?.sourceFailed(error)
    }

    /// Cancels the transfers and waits (up to 2 s) for their callbacks; frees them.
    func stop() {
        stopping.store(true, ordering: .releasing)
        let pending = lock.withLock { transfers }
        for transfer in pending { _ = libusb_cancel_transfer(transfer) }
        let deadline = Date().addingTimeInterval(2)
        while lock.withLock({ inFlight > 0 }) && Date() < deadline { usleep(2_000) }
        lock.withLock {
            guard inFlight == 0 else { return }   // callbacks still owed: leak rather than free under them
            for transfer in transfers {
                transfer.pointee.buffer.deallocate()
                libusb_free_transfer(transfer)
            }
            transfers = []
            sink = nil
        }
    }
}

extension LibUSBTransport: PacketSource {
    /// `usb:… ep 0x82`.
    public var streamDescription: String { "\(endpointDescription) ep 0x\(String(options.streamEndpoint ?? 0, radix: 16))" }

    /// Submits the stream transfers on `Options.streamEndpoint`; completions go to `sink`.
    public func startStreaming(into sink: any PacketSink) throws {
        guard let stream else {
            throw PrecisError(.other, "\(endpointDescription) was opened without a stream endpoint")
        }
        if let failure = lock.withLock({ failure }) { throw failure }
        try stream.start(handle: handle, sink: sink)
    }

    /// Cancels the stream transfers.
    public func stopStreaming() async {
        guard let stream else { return }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            Thread {
                stream.stop()
                c.resume()
            }.start()
        }
    }
}
