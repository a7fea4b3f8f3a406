import PrecisCore
import PrecisDrivers

/// `obp`: the bytes are fed to the OBP decoder (obp protocol.md §11) whole and in chunks the
/// input itself decides; the two must yield the same outputs. Every message it yields stays
/// within the limits, encodes again to bytes that decode to the same message, and its data is
/// read as each model's spectrum and as the answers' scalar types without crashing.
func fuzzOBP(_ bytes: [UInt8]) {
    let chunk = max(1, Int(bytes.first ?? 1) % 97)
    var whole = OBPDecoder(versions: [.v1, .v2]), pieces = OBPDecoder(versions: [.v1, .v2])
    let all = whole.step(bytes)
    var chunked: [OBPDecoder.Output] = []
    var index = 0
    while index < bytes.count {
        chunked += pieces.step(bytes[index..<min(index + chunk, bytes.count)])
        precondition(pieces.buffered <= OBPProtocol.maxPayload + OBPProtocol.minimumMessageSize + chunk, "decoder holds too much")
        index += chunk
    }
    precondition(all == chunked, "OBP decoder depends on how the bytes were cut")
    for case .message(let message) in all {
        precondition(message.data.count <= OBPProtocol.maxPayload, "a message past the payload limit")
        var again = OBPDecoder(versions: [.v1, .v2])
        precondition(again.step(message.encoded()) == [.message(message)], "an OBP message does not round-trip")
        for model in OBPModel.all {
            _ = try? OBPSpectrum(reply: message.data, model: model, integrationMicroseconds: 1, scansAveraged: 1)
        }
        _ = try? message.ascii("serial")
        _ = try? message.f32s("coefficients")
        _ = try? message.u16("u16")
    }
}
