import Foundation
import PrecisCore
import PrecisFormats
import PrecisStore

/// Delivers ORU^R01 messages to the LIS: written atomically to a drop folder (a resend
/// replaces the same file), or sent over MLLP and confirmed by the ACK's MSA-1.
public struct HL7Destination: Destination {
    /// `lis`.
    public let name: String
    /// As configured; production unless `"production": false`.
    public var production: Bool { configuration.production ?? true }
    let configuration: LISConfiguration
    let sender: Sender
    let clock: @Sendable () -> Date

    /// Makes a destination.
    public init(name: String = "lis", configuration: LISConfiguration, sender: Sender,
                clock: @escaping @Sendable () -> Date = { Date() }) throws {
        guard configuration.dropFolder != nil || (configuration.host != nil && configuration.port != nil) else {
            throw PrecisError(.input, "the LIS needs dropFolder, or host and port")
        }
        self.name = name
        self.configuration = configuration
        self.sender = sender
        self.clock = clock
    }

    /// The message's bytes.
    public func payload(_ package: ResultPackage) throws -> Data {
        Data(HL7Mapping.oru(package, sender: sender, receiver: (configuration.application ?? "LIS", configuration.facility ?? "HOSPITAL"),
                            at: Timestamp.date(package.result.createdAt) ?? clock()).utf8)
    }

    /// Drops or sends the message.
    public func deliver(_ package: ResultPackage) async throws -> String {
        let message = try payload(package)
        let id = HL7Mapping.controlID(package)
        if let folder = configuration.dropFolder {
            let target = URL(fileURLWithPath: folder).appendingPathComponent("\(id).hl7")
            let temporary = URL(fileURLWithPath: folder).appendingPathComponent(".\(id).hl7.part")
            do {
                try DurableFile.write(message, to: target, via: temporary)
            } catch {
                throw DeliveryFailure.transient("cannot write to the LIS folder \(folder): \(error.asPrecisError.message)", retryAfter: nil)
            }
            return "written \(target.lastPathComponent)"
        }
        let ack = try await MLLP.send(message, host: configuration.host ?? "", port: configuration.port ?? 0)
        return try HL7Ack.judge(ack, controlID: id)
    }
}

/// The minimal lower layer protocol: <VT> message <FS><CR>, with the ACK framed the same way.
enum MLLP {
    static let start: UInt8 = 0x0B, end: [UInt8] = [0x1C, 0x0D]
    /// The largest ACK read, in bytes: a listener that keeps sending is cut off.
    static let maxAckBytes = HL7Ack.maxBytes

    /// Sends one framed message and returns the ACK's text.
    static func send(_ message: Data, host: String, port: Int, timeout: TimeInterval = 15) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try exchange(message, host: host, port: port, timeout: timeout) })
            }
        }
    }

    private static func exchange(_ message: Data, host: String, port: Int, timeout: TimeInterval) throws -> String {
        var hints = addrinfo(ai_flags: 0, ai_family: AF_UNSPEC, ai_socktype: Int32(SOCK_STREAM.rawValue), ai_protocol: 0,
                             ai_addrlen: 0, ai_addr: nil, ai_canonname: nil, ai_next: nil)
        var found: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &found) == 0, let address = found else {
            throw DeliveryFailure.transient("cannot resolve the LIS \(host):\(port)", retryAfter: nil)
        }
        defer { freeaddrinfo(found) }
        let fd = socket(address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
        guard fd >= 0 else { throw DeliveryFailure.transient("no socket for the LIS", retryAfter: nil) }
        defer { close(fd) }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        guard connect(fd, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 else {
            throw DeliveryFailure.transient("the LIS at \(host):\(port) refused the connection", retryAfter: nil)
        }
        let framed = [start] + Array(message) + end
        guard framed.withUnsafeBytes({ Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == framed.count else {
            throw DeliveryFailure.transient("the connection to the LIS broke while sending", retryAfter: nil)
        }
        var reply = [UInt8](), buffer = [UInt8](repeating: 0, count: 4096)
        let deadline = Date().addingTimeInterval(timeout)
        while !reply.suffix(2).elementsEqual(end) {
            // Each recv waits at most `timeout`; the whole ACK, too (a listener dripping a byte at a time).
            guard Date() < deadline else { throw DeliveryFailure.transient("the LIS did not finish its ACK in \(Int(timeout)) s", retryAfter: nil) }
            let n = recv(fd, &buffer, buffer.count, 0)
            guard n > 0 else { throw DeliveryFailure.transient("no ACK from the LIS (the message may have arrived: it will be resent)", retryAfter: nil) }
            reply += buffer[0..<n]
            guard reply.count <= maxAckBytes else {
                throw DeliveryFailure.transient("the LIS sent more than \(maxAckBytes) bytes without ending its ACK; Precis reads at most \(maxAckBytes)",
                                                retryAfter: nil)
            }
        }
        return String(decoding: reply.drop { $0 == start }.dropLast(2), as: UTF8.self)
    }
}
