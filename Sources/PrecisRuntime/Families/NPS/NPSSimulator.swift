import Foundation
import PrecisCore
import PrecisFormats
import PrecisReplay

/// `sim:nps`'s options (all optional), a simulated sequencer:
///
/// | option | meaning |
/// |---|---|
/// | `input=FILE` | a SLOW5/BLOW5 file whose reads are played, read i on channel i mod channels (its header becomes RUN_INFO, its sampling rate the rate) |
/// | `reads=N`, `length=N`, `seed=N` | without input: N synthetic reads per channel of about `length` samples (default 2 × 4000) |
/// | `channels=N`, `rate=HZ`, `frames=N` | the sequencer's shape (default 512 channels, 5000 Hz, 8 frames per packet) |
/// | `gap=N` | open-pore samples before each read (default 1000) |
/// | `fast` | as fast as the host takes packets, not at the sampling rate |
/// | `drop=3,9` | lose those stream packets (by sequence number) |
/// | `unplug-after=N` | pull the cable after N stream packets |
/// | `fault=asic|flowcell` | refuse START_ACQUISITION with that error |
/// | `no-pore=N`, `saturated=N` | that many channels (from the last) without a pore, or at an ADC rail |
struct NPSSimulatorOptions: FamilySimulatorOptions {
    /// The device errors `fault=` can make START_ACQUISITION answer (protocol.md's error codes).
    static let faults: [String: UInt16] = ["asic": 0x0005, "flowcell": 0x0004]
    static let known: [String: SimulatorOption] = [
        "input": .file, "reads": .count, "length": .count, "seed": .count, "channels": .positive, "rate": .positive,
        "frames": .positive, "serial": .text, "gap": .count, "fast": .flag, "drop": .counts, "unplug-after": .count,
        "fault": .choice(faults.keys.sorted()), "no-pore": .count, "saturated": .count,
    ]

    /// The simulated sequencer's settings.
    var configuration = SimulatedNPS.Configuration()

    init(_ options: SimulatorOptions) throws {
        var config = SimulatedNPS.Configuration()
        if let n = options.count("channels") { config.identity.channels = n }
        if let n = options.count("frames") { config.identity.framesPerPacket = n }
        if let serial = options.text("serial") { config.identity.serial = serial }
        guard (1...4096).contains(config.identity.channels), (1...1024).contains(config.identity.framesPerPacket) else {
            throw PrecisError(.input, "sim:nps needs 1–4096 channels and 1–1024 frames per packet")
        }
        if let path = options.text("input") {
            try Self.playFile(URL(fileURLWithPath: path), into: &config)
        } else {
            Self.synthetic(&config, reads: options.count("reads") ?? 2, length: options.count("length") ?? 4000,
                           seed: UInt64(options.count("seed") ?? 1))
        }
        if let hz = options.count("rate") { config.identity.sampleRate = hz }
        if let gap = options.count("gap") { config.gapSamples = gap }
        config.realTime = !options.flag("fast")
        config.faults.dropSequences = Set(options.counts("drop").map { UInt32($0) })
        config.faults.unplugAfterPackets = options.count("unplug-after")
        config.faults.startError = options.text("fault").flatMap { Self.faults[$0] }
        let channels = config.identity.channels
        for (option, kind) in [("no-pore", NPSChannelScript.Kind.noPore), ("saturated", .saturated)] {
            guard let n = options.count(option), n > 0 else { continue }
            while config.scripts.count < channels { config.scripts.append(NPSChannelScript()) }
            let start = kind == .noPore ? channels - n : channels - n - (options.count("no-pore") ?? 0)
            for c in max(0, start)..<min(channels, start + n) where config.scripts[c].reads.isEmpty { config.scripts[c].kind = kind }
        }
        configuration = config
    }

    func simulator(name: String) throws -> any Transport { SimulatedNPS(configuration, name: name) }

    /// Plays a SLOW5/BLOW5 file: read i on channel (i mod channels) + 1, each channel taking the
    /// calibration of its first read (later reads with another calibration are re-quantised to it).
    /// The most samples a played file may hold in all (they are all kept for the run: 400 MB).
    static let maxPlayedSamples = 200_000_000

    static func playFile(_ url: URL, into config: inout SimulatedNPS.Configuration) throws {
        let reader = try SLOW5Reader(url: url)
        var samples = 0
        let channels = config.identity.channels
        var scripts = [NPSChannelScript](repeating: NPSChannelScript(), count: channels)
        var calibrations = [ChannelCalibration?](repeating: nil, count: channels)
        var index = 0
        var rate: Double?
        while let read = try reader.next() {
            let c = index % channels
            index += 1
            samples += read.rawSignal.count
            guard samples <= maxPlayedSamples else {
                throw PrecisError(.input, "\(url.lastPathComponent) holds more than \(maxPlayedSamples) samples; Precis plays at most \(maxPlayedSamples)")
            }
            rate = rate ?? read.samplingRate
            let own = read.calibration
            let cal = calibrations[c] ?? own
            calibrations[c] = cal
            var raw = read.rawSignal
            if cal != own {
                raw = read.picoamperes.map { cal.raw(picoamperes: Double($0)) }
            }
            scripts[c].reads.append(raw)
        }
        guard index > 0 else { throw PrecisError(.input, "\(url.lastPathComponent) has no reads to play") }
        config.scripts = scripts
        config.calibrations = calibrations.map { $0 ?? config.defaultCalibration }
        if let rate { config.identity.sampleRate = Int(rate.rounded()) }
        config.runInfo = reader.header.attributeNames.compactMap { name in
            reader.header.attribute(name).map { (name, $0) }
        }
    }

    static func synthetic(_ config: inout SimulatedNPS.Configuration, reads: Int, length: Int, seed: UInt64) {
        let channels = config.identity.channels
        config.calibrations = (0..<channels).map {
            ChannelCalibration(digitisation: 8192, offset: Double(4 + $0 % 9), range: 1402.882 + Double($0 % 5))
        }
        config.scripts = (0..<channels).map { c in
            let cal = config.calibrations[c]
            return NPSChannelScript(reads: (0..<reads).map { r in
                let s = seed &* 1_000_003 &+ UInt64(c * 1000 + r)
                let n = max(500, length / 2 + Int(s % UInt64(max(1, length))))
                return SyntheticNanopore.read(length: n, digitisation: cal.digitisation, offset: cal.offset, range: cal.range, seed: s)
            })
        }
        config.runInfo = [("device_id", "SIM-NPS"), ("flow_cell_id", config.identity.flowCellID),
                          ("sample_frequency", String(config.identity.sampleRate)), ("experiment_type", "simulation")]
    }
}
