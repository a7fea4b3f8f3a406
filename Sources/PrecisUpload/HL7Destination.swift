import Foundation
import PrecisCore
import PrecisFormats
import PrecisStore

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
        return try MLLP.judge(ack: ack, controlID: id)
    }
}

/// The minimal lower layer protocol: <VT> message <FS><CR>, with the ACK framed the same way.
enum MLLP {
    static let start: UInt8 = 0x0B, end: [UInt8] = [0x1C, 0x0D]
    /// The largest ACK read, in bytes (one is about 200): a listener that keeps sending is cut off.
    static let maxAckBytes = 64 << 10

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

    /// MSA-1: AA/CA delivered, AE/CE try again, AR/CR refused.
    static func judge(ack: String, controlID: String) throws -> String {
        guard let msa = ack.split(whereSeparator: { $0 == "\r" || $0 == "\n" }).first(where: { $0.hasPrefix("MSA|") }) else {
            throw DeliveryFailure.transient("the LIS answered without an MSA segment", retryAfter: nil)
        }
        let fields = msa.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        let code = fields.count > 1 ? fields[1] : "", acked = fields.count > 2 ? fields[2] : ""
        let text = fields.count > 3 ? fields[3] : ""
        guard acked == controlID else { throw DeliveryFailure.transient("the LIS acknowledged \(acked), not \(controlID)", retryAfter: nil) }
        switch code {
        case "AA", "CA": return "ACK \(code)"
        case "AE", "CE": throw DeliveryFailure.transient("the LIS answered \(code): \(text)", retryAfter: nil)
        default: throw DeliveryFailure.permanent("the LIS rejected the message (\(code)): \(text)")
        }
    }
}
