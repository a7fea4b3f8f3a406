import Logging
import PrecisCore

/// What a running script reports, in the order the device sent it.
public enum MethodSCRIPTEvent: Sendable, Equatable {
    /// The device acknowledged the script (`e`).
    case started
    /// A measurement loop, scan or loop opened.
    case loopStarted(MethodSCRIPTScope, code: String)
    /// The innermost scope closed.
    case loopEnded(MethodSCRIPTScope)
    /// A data package arrived.
    case package(MethodSCRIPTPackage)
    /// The script sent text (`send_string`).
    case text(String)
}

/// Everything a script sent, collected.
public struct MethodSCRIPTResult: Sendable, Equatable {
    /// Every data package, in order.
    public var packages: [MethodSCRIPTPackage] = []
    /// The packages grouped by the innermost measurement loop or scan they arrived in;
    /// empty groups are left out. A CV with `nscans(3)` gives three curves.
    public var curves: [[MethodSCRIPTPackage]] = []
    /// Text lines from `send_string`.
    public var texts: [String] = []

    /// The values of the first variable of type `code` in each package of `curve` (all packages if nil).
    public func values(_ code: String, curve: Int? = nil) -> [Double] {
        let source = curve.map { curves.indices.contains($0) ? curves[$0] : [] } ?? packages
        return source.compactMap { $0[code]?.value }
    }
}

/// The driver of MethodSCRIPT potentiostats (EmStat Pico, EmStat4) over a serial transport.
///
/// ```
///  driver ── "e\n<script>\n\n" ──▶ device
///  driver ◀── "e\n" "M0000\n" "P…\n"… "*\n" "\n" ── device
/// ```
public actor MethodSCRIPTDriver: Driver {
    /// The family name used in device addresses and `Firmware-Protocols/methodscript`.
    public static let family: DeviceFamily = "methodscript"

    /// Timeouts of the exchanges.
    public struct Options: Sendable {
        /// Longest wait for the reply to a query (`t`, `i`, `v`, `Z`).
        public var replyTimeout: Duration = .seconds(2)
        /// Longest silence allowed between two lines of a running script.
        public var lineTimeout: Duration = .seconds(30)
        /// Longest wait for a write to be taken.
        public var writeTimeout: Duration = .seconds(2)
        /// Longest wait for an aborted script to finish its output.
        public var abortTimeout: Duration = .seconds(60)
        /// The default timeouts.
        public init() {}
    }

    private let transport: any Transport
    private let options: Options
    private let logger: Logger
    private var decoder = MethodSCRIPTDecoder()
    /// The device type learnt from the last `identify()`; `.unknown` before.
    public private(set) var deviceType: MethodSCRIPTDeviceType = .unknown
    /// The MethodSCRIPT version (`v` reply) learnt from the last `identify()`.
    public private(set) var methodSCRIPTVersion: String?

    /// Makes a driver with the default timeouts over a transport opened by someone else.
    public init(transport: any Transport) {
        self.init(transport: transport, options: Options())
    }

    /// Makes a driver with `options` over a transport opened by someone else.
    public init(transport: any Transport, options: Options, logger: Logger = Logger(label: "precis.methodscript")) {
        self.transport = transport
        self.options = options
        self.logger = logger
    }

    /// Asks for firmware (`t`), serial number (`i`) and MethodSCRIPT version (`v`).
    ///
    /// ```
    ///  "t\n" ──▶   ◀── "tespico1206#Jan 30 2021 12:00:00\n" "R*\n"
    ///  "i\n" ──▶   ◀── "iESPICO-0042\n"
    ///  "v\n" ──▶   ◀── "v01.09.00\n"
    /// ```
    public func identify() async throws -> DeviceIdentity {
        try await send("t\n")
        var firmwareLines = [try await reply(startingWith: "t")]
        while !(firmwareLines.last ?? "").hasSuffix("*") {
            guard firmwareLines.count < 8 else {
                throw PrecisError(.protocol, "MethodSCRIPT: the firmware reply did not end with '*' within 8 lines")
            }
            firmwareLines.append(try await nextLine(within: options.replyTimeout, doing: "reading the firmware version"))
        }
        var firmware = firmwareLines.joined(separator: " ")
        firmware.removeFirst()
        firmware.removeLast()
        try await send("i\n")
        let serial = String(try await reply(startingWith: "i").dropFirst())
        try await send("v\n")
        methodSCRIPTVersion = String(try await reply(startingWith: "v").dropFirst())
        deviceType = .fromFirmware(firmware)
        let model = MethodSCRIPTTables.firmwarePrefixes.first { firmware.hasPrefix($0.prefix) }?.model
        logger.info("identified \(model ?? "unknown model") \(serial), firmware \(firmware)")
        return DeviceIdentity(family: Self.family, serial: serial, firmware: firmware, model: model)
    }

    /// Aborts a running script and waits for its output to end; does nothing when idle.
    ///
    /// ```
    ///  "\n" "Z\n" ──▶   ◀── "Z!0006\n"                     (idle)
    ///  "\n" "Z\n" ──▶   ◀── "Z\n" … rest of output … "\n"   (a script was running)
    /// ```
    public func abort() async throws {
        try await send("\n")
        try await send("Z\n")
        let deadline = ContinuousClock.now + options.replyTimeout
        var line = try await nextLine(within: options.replyTimeout, doing: "aborting")
        while !line.hasPrefix("Z") {
            logger.debug("discarded while aborting: \(line)")
            line = try await nextLine(within: deadline - .now, doing: "aborting")
        }
        if case .deviceError(let error) = try MethodSCRIPTDecoder.classify(line) {
            guard error.code == 0x0006 else { throw Self.deviceFault(error) }
            return
        }
        let end = ContinuousClock.now + options.abortTimeout
        while try await !nextLine(within: end - .now, doing: "waiting for the aborted script to end").isEmpty {}
        logger.info("aborted the running script")
    }

    /// Closes the transport.
    public func close() async {
        await transport.close()
    }

    /// Runs `technique` with `settings`, calling `onEvent` as packages arrive.
    public func run(_ technique: MethodSCRIPTTechnique, settings: MethodSCRIPTCellSettings = MethodSCRIPTCellSettings(),
                    onEvent: @Sendable (MethodSCRIPTEvent) -> Void = { _ in }) async throws -> MethodSCRIPTResult {
        try await run(try MethodSCRIPTScriptBuilder.script(technique, settings: settings), onEvent: onEvent)
    }

    /// Sends `script`, calls `onEvent` for every line as it arrives, and returns everything collected
    /// when the device ends the output with an empty line.
    ///
    /// Throws `.deviceFault` for a `!XXXX` reply, `.protocol` for a malformed line or unbalanced
    /// loops, `.timeout` when the device is silent for `lineTimeout`, `.disconnected` when it goes.
    public func run(_ script: MethodSCRIPTScript,
                    onEvent: @Sendable (MethodSCRIPTEvent) -> Void = { _ in }) async throws -> MethodSCRIPTResult {
        try await send(script.text)
        var collector = Collector()
        while true {
            let message = try await nextMessage(within: options.lineTimeout, doing: "running the script")
            if let event = try collector.take(message) {
                onEvent(event)
            } else if collector.finished {
                logger.info("script finished with \(collector.result.packages.count) packages")
                return collector.result
            }
        }
    }

    /// The events of `script` as a stream; cancelling the consumer stops reading (call `abort()`).
    public nonisolated func measure(_ script: MethodSCRIPTScript) -> AsyncThrowingStream<MethodSCRIPTEvent, Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    _ = try await self.run(script) { continuation.yield($0) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    // MARK: - Lines

    private func send(_ text: String) async throws {
        do {
            try await transport.write(Array(text.utf8), timeout: options.writeTimeout)
        } catch {
            throw error.asPrecisError.context("MethodSCRIPT: writing to \(transport.endpointDescription)")
        }
    }

    /// The first line starting with `letter` (skipping others); a `!` error there throws `.deviceFault`.
    private func reply(startingWith letter: Character) async throws -> String {
        let deadline = ContinuousClock.now + options.replyTimeout
        while true {
            let line = try await nextLine(within: deadline - .now, doing: "waiting for the '\(letter)' reply")
            if case .deviceError(let error) = try MethodSCRIPTDecoder.classify(line) { throw Self.deviceFault(error) }
            if line.first == letter { return line }
            logger.debug("skipped while waiting for '\(letter)': \(line)")
        }
    }

    private func nextMessage(within timeout: Duration, doing what: String) async throws -> MethodSCRIPTMessage {
        let line = try await nextLine(within: timeout, doing: what)
        do {
            return try MethodSCRIPTDecoder.classify(line)
        } catch {
            throw error.asPrecisError.context("while \(what) on \(transport.endpointDescription)")
        }
    }

    /// The next complete line, reading from the transport until one is complete or `timeout` passes.
    private func nextLine(within timeout: Duration, doing what: String) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while true {
            do {
                if let line = try decoder.nextLine() { return line }
            } catch {
                throw error.asPrecisError.context("while \(what)")
            }
            let left = deadline - .now
            do {
                guard left > .zero else { throw PrecisError(.timeout, "no reply in time") }
                decoder.append(try await transport.read(timeout: left))
            } catch {
                throw readFailure(error.asPrecisError, doing: what, after: timeout)
            }
        }
    }

    private func readFailure(_ error: PrecisError, doing what: String, after timeout: Duration) -> PrecisError {
        let cut = decoder.pendingBytes > 0 ? "; a line of \(decoder.pendingBytes) bytes was cut off" : ""
        switch error.kind {
        case .timeout:
            return PrecisError(.timeout, "MethodSCRIPT: no line from \(transport.endpointDescription) within \(timeout) while \(what)\(cut)",
                               hint: "the device stopped answering; abort and check the connection")
        case .disconnected:
            return PrecisError(.disconnected, "MethodSCRIPT: \(transport.endpointDescription) went away while \(what)\(cut)",
                               hint: error.hint ?? "reconnect the potentiostat and repeat the measurement")
        default:
            return error.context("MethodSCRIPT: while \(what)")
        }
    }

    private static func deviceFault(_ error: MethodSCRIPTDeviceError) -> PrecisError {
        PrecisError(.deviceFault, "MethodSCRIPT \(error.description) (reply \"\(error.raw)\")",
                    hint: error.isScriptError ? "the instrument refused the script; check the technique's parameters"
                                              : "see the error code in Firmware-Protocols/methodscript/protocol.md §7")
    }

    /// Turns messages into events and a result, checking that scopes balance.
    private struct Collector {
        var result = MethodSCRIPTResult()
        var started = false, finished = false
        var scopes: [MethodSCRIPTScope] = []
        var current: [MethodSCRIPTPackage] = []

        mutating func take(_ message: MethodSCRIPTMessage) throws -> MethodSCRIPTEvent? {
            switch message {
            case .reply:
                return nil
            case .endOfScript where !started:
                return nil
            case .scriptStarted:
                started = true
                return .started
            case .deviceError(let error):
                throw MethodSCRIPTDriver.deviceFault(error)
            case _ where !started:
                throw PrecisError(.protocol, "MethodSCRIPT: output before the script was acknowledged with 'e'",
                                  hint: "another script may still be running; abort it first")
            case .endOfScript:
                guard scopes.isEmpty else {
                    throw PrecisError(.protocol, "MethodSCRIPT: the script ended with \(scopes.count) loop(s) still open")
                }
                flush()
                finished = true
                return nil
            default:
                return try event(message)
            }
        }

        private mutating func event(_ message: MethodSCRIPTMessage) throws -> MethodSCRIPTEvent? {
            switch message {
            case .loopStarted(let scope, let code):
                flush()
                scopes.append(scope)
                return .loopStarted(scope, code: code)
            case .loopEnded(let scope):
                guard scopes.last == scope else {
                    throw PrecisError(.protocol, "MethodSCRIPT: end of \(scope) loop while \(scopes.last.map { "a \($0) loop" } ?? "no loop") is open")
                }
                flush()
                scopes.removeLast()
                return .loopEnded(scope)
            case .package(let package):
                result.packages.append(package)
                current.append(package)
                return .package(package)
            case .text(let text):
                result.texts.append(text)
                return .text(text)
            default:
                return nil
            }
        }

        private mutating func flush() {
            if !current.isEmpty { result.curves.append(current) }
            current = []
        }
    }
}
