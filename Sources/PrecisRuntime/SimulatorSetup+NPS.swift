import Foundation
import PrecisCore
import PrecisDrivers
import PrecisFormats
import PrecisReplay

extension SimulatorSetup {
    /// A simulated sequencer. Options:
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
    static func nps(_ address: DeviceAddress) throws -> SimulatedNPS {
        var config = SimulatedNPS.Configuration()
        if let n = address.option("channels") { config.identity.channels = try int(n, "channels") }
        if let n = address.option("frames") { config.identity.framesPerPacket = try int(n, "frames") }
        if let serial = address.option("serial") { config.identity.serial = serial }
        guard (1...4096).contains(config.identity.channels), (1...1024).contains(config.identity.framesPerPacket) else {
            throw PrecisError(.input, "sim:nps needs 1–4096 channels and 1–1024 frames per packet")
        }
        if let path = address.option("input") {
            try playFile(URL(fileURLWithPath: path), into: &config)
        } else {
            synthetic(&config, reads: try address.option("reads").map { try int($0, "reads") } ?? 2,
                      length: try address.option("length").map { try int($0, "length") } ?? 4000,
                      seed: UInt64(try address.option("seed").map { try int($0, "seed") } ?? 1))
        }
        if let hz = address.option("rate") { config.identity.sampleRate = try int(hz, "rate") }
        if let gap = address.option("gap") { config.gapSamples = try int(gap, "gap") }
        config.realTime = !address.flag("fast")
        config.faults.dropSequences = Set(try list(address.option("drop"), "drop").map { UInt32($0) })
        config.faults.unplugAfterPackets = try address.option("unplug-after").map { try int($0, "unplug-after") }
        if let fault = address.option("fault") {
            let codes: [String: UInt16] = ["asic": 0x0005, "flowcell": 0x0004]
            guard let code = codes[fault] else { throw PrecisError(.input, "unknown simulated fault '\(fault)' (asic, flowcell)") }
            config.faults.startError = code
        }
        let channels = config.identity.channels
        for (option, kind) in [("no-pore", NPSChannelScript.Kind.noPore), ("saturated", .saturated)] {
            guard let n = try address.option(option).map({ try int($0, option) }), n > 0 else { continue }
            while config.scripts.count < channels { config.scripts.append(NPSChannelScript()) }
            let start = kind == .noPore ? channels - n : channels - n - (try address.option("no-pore").map { try int($0, "no-pore") } ?? 0)
            for c in max(0, start)..<min(channels, start + n) where config.scripts[c].reads.isEmpty { config.scripts[c].kind = kind }
        }
        return SimulatedNPS(config, name: address.description)
    }

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
