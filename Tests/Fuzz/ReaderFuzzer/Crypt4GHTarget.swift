import Foundation
import PrecisCrypt4GH

/// A fixed recipient key for the `c4gh` target (the fuzzer's seeds are encrypted to it).
let fuzzCrypt4GHKey = try! Crypt4GHSecretKey(bytes: Array(repeating: 7, count: 32))

/// `c4gh`: a Crypt4GH file fed to the streaming decryptor in pieces of varying size. It either
/// refuses the bytes with a `Crypt4GHError` or gives plain bytes; it never crashes, never holds
/// more than its limits, and never gives more plain bytes than the file had.
func fuzzCrypt4GH(_ bytes: [UInt8]) {
    var decryptor = Crypt4GHDecryptor(key: fuzzCrypt4GHKey)
    var plain: [UInt8] = []
    var at = 0, step = 1
    do {
        while at < bytes.count {
            let end = min(bytes.count, at + step)
            try decryptor.update(bytes[at..<end], into: &plain)
            at = end
            step = step * 3 % 70_001 + 1
        }
        try decryptor.finish(into: &plain)
    } catch {
        return
    }
    precondition(plain.count <= bytes.count, "more plain bytes than the file had")
}
