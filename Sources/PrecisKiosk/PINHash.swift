import Crypto
import _CryptoExtras
import Foundation
import PrecisCore
import PrecisStore

/// PINs as they are stored: PBKDF2-HMAC-SHA256 over the PIN with a random 16-byte salt,
/// a 32-byte key, and at least 100 000 iterations (210 000 by default, OWASP's figure).
public enum PINHash {
    /// The fewest iterations accepted when checking a stored hash.
    public static let minimumIterations = 100_000

    /// A PIN is 4 to 12 digits.
    public static func validate(_ pin: String) throws {
        guard (4...12).contains(pin.count), pin.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw PrecisError(.input, "a PIN is 4 to 12 digits")
        }
    }

    /// A fresh salt and the hash of `pin` under it.
    public static func make(pin: String, iterations: Int) throws -> (salt: [UInt8], hash: [UInt8]) {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return (salt, try derive(pin: pin, salt: salt, iterations: max(iterations, minimumIterations)))
    }

    /// PBKDF2-HMAC-SHA256(`pin`, `salt`, `iterations`), 32 bytes.
    public static func derive(pin: String, salt: [UInt8], iterations: Int) throws -> [UInt8] {
        let key = try KDF.Insecure.PBKDF2.deriveKey(from: Array(pin.utf8), salt: salt, using: .sha256,
                                                     outputByteCount: 32, unsafeUncheckedRounds: iterations)
        return key.withUnsafeBytes { Array($0) }
    }

    /// Whether `pin` matches `record`, comparing in constant time.
    public static func verify(pin: String, against record: OperatorRecord) -> Bool {
        guard record.iterations >= minimumIterations,
              let derived = try? derive(pin: pin, salt: record.salt, iterations: record.iterations),
              derived.count == record.hash.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(derived, record.hash) { difference |= a ^ b }
        return difference == 0
    }
}
