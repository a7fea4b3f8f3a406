import Benchmark
import Foundation
import PrecisCrypt4GH

/// Crypt4GH: encryption and decryption throughput of a reads file's bytes, on one core (the
/// state machines are synchronous: one call, one thread). Each iteration is 64 MiB, fed in
/// 1 MiB pieces as `Crypt4GHFile` reads them; MB/s = 67.1 MB / the wall clock's median.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput, .peakMemoryResident], maxDuration: .seconds(15),
                                           maxIterations: 50)
    let piece = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }
    let pieces = 64
    let centre = Crypt4GHSecretKey.generate()

    Benchmark("encrypt 64 MiB to one recipient (1 MiB pieces)") { benchmark in
        var out: [UInt8] = []
        out.reserveCapacity(piece.count + piece.count / 32)
        for _ in benchmark.scaledIterations {
            var encryptor = Crypt4GHEncryptor(recipients: [centre.publicKey])
            for _ in 0..<pieces {
                encryptor.update(piece, into: &out)
                blackHole(out.count)
                out.removeAll(keepingCapacity: true)
            }
            encryptor.finish(into: &out)
            blackHole(out)
        }
    }

    var encrypted: [[UInt8]] = []
    do {
        var encryptor = Crypt4GHEncryptor(recipients: [centre.publicKey])
        for _ in 0..<pieces {
            var out: [UInt8] = []
            encryptor.update(piece, into: &out)
            encrypted.append(out)
        }
        var last: [UInt8] = []
        encryptor.finish(into: &last)
        encrypted.append(last)
    }
    let cipherPieces = encrypted

    Benchmark("decrypt 64 MiB (1 MiB pieces)") { benchmark in
        var out: [UInt8] = []
        out.reserveCapacity(piece.count + 65536)
        for _ in benchmark.scaledIterations {
            var decryptor = Crypt4GHDecryptor(key: centre)
            for cipher in cipherPieces {
                try decryptor.update(cipher, into: &out)
                blackHole(out.count)
                out.removeAll(keepingCapacity: true)
            }
            try decryptor.finish(into: &out)
            blackHole(out)
        }
    }
}
