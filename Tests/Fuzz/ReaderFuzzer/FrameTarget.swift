import PrecisCore
import PrecisDrivers

/// `frames`: the bytes are fed, in chunks the input itself decides, to every
/// incremental decoder of the device families (LFR and qPCR frames, MethodSCRIPT lines), and
/// whole to the nps stream-packet check (a packet that passes must re-encode to its header).
/// A crash, a hang or a frame that decodes but does not re-encode to the same bytes is a bug.
func fuzzFrames(_ bytes: [UInt8]) {
    let chunk = max(1, Int(bytes.first ?? 1) % 17)
    bytes.withUnsafeBytes { raw in
        if case .success(let header) = NPSPacketHeader.parse(raw, channels: Int(bytes.count > 17 ? bytes[16] : 0)) {
            var again = [UInt8](repeating: 0, count: NPSProtocol.streamHeaderSize)
            again.withUnsafeMutableBytes { header.write(into: $0) }
            precondition(Array(bytes.prefix(20)) == Array(again.prefix(20)), "nps packet header does not round-trip")
        }
    }
    var lfr = LFRFrameDecoder(), qpcr = QPCRProtocol.decoder(), methodscript = MethodSCRIPTDecoder()
    var index = 0
    while index < bytes.count {
        let piece = Array(bytes[index..<min(index + chunk, bytes.count)])
        for case .frame(let frame) in lfr.step(piece) {
            precondition(COBS.decode(frame.encoded().dropLast()[...]) == frame.decodedBytes, "LFR frame does not round-trip")
            _ = try? LFRMessage(frame: frame)
            _ = try? LFRCommand(frame: frame)
        }
        for case .frame(let frame) in qpcr.step(piece) {
            _ = try? QPCRMessage(frame: frame)
            _ = try? QPCRCommand(frame: frame)
        }
        _ = try? methodscript.step(piece)
        index += chunk
    }
}
