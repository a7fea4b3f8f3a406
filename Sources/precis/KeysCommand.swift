import ArgumentParser
import Foundation
import PrecisRuntime

/// `precis keys`: shows Precis's own Crypt4GH public key, making the pair on first use.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Show Precis's Crypt4GH public key (the pair is made on first use, beside the store).",
        discussion: "The secret key is kept with mode 0600; a looser one, or a public key that is not its own, is refused.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let pair = try guarded { try OwnKeys.loadOrCreate(in: OwnKeys.directory(databasePath: global.db)) }
        if global.json {
            let report: [String: Any] = ["publicKey": pair.key.publicKey.pem, "publicKeyFile": pair.publicKeyFile.path,
                                         "secretKeyFile": pair.secretKeyFile.path, "created": pair.created]
            let data = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            if pair.created { FileHandle.standardError.write(Data("precis: made a new key pair in \(pair.secretKeyFile.deletingLastPathComponent().path)\n".utf8)) }
            print(pair.key.publicKey.pem, terminator: "")
        }
    }
}
