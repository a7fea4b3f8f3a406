import ArgumentParser
import Foundation
import PrecisRuntime

/// `precis queue`: what waits to be uploaded, since when, and why it has not gone;
/// `precis queue retry ID` puts a failed entry back in line.
struct QueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue", abstract: "Show results waiting for upload, or retry a failed one.",
        subcommands: [List.self, Retry.self], defaultSubcommand: List.self)

    /// The queue.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Show results waiting for upload.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Include delivered entries.") var all = false

        func run() async throws {
            let runtime = try global.runtime()
            let items = try guarded { try runtime.queue(includeDelivered: all) }
            if global.json { return try Terminal.printJSON(items) }
            guard !items.isEmpty else { return print("The upload queue is empty.") }
            print(Table.render(header: ["OUTBOX", "RUN", "SAMPLE", "TO", "STATE", "TRIES", "SINCE", "NEXT TRY", "SENT", "LAST ERROR"],
                               rows: items.map { ["\($0.id)", "\($0.runId)", $0.training ? "\($0.sample) (training)" : $0.sample,
                                                  $0.destination, $0.state.rawValue,
                                                  "\($0.attempts)", $0.since, $0.state == .pending ? $0.nextAttemptAt : "—",
                                                  $0.upload.map(UploadProgressBar.sent) ?? "—", $0.lastError ?? "—"] }))
        }
    }

    /// `precis queue retry ID`.
    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "retry", abstract: "Put a failed outbox entry back in line.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The outbox id (from `precis queue`).") var id: Int64
        @Option(name: .customLong("operator"), help: "Who asks.")
        var operatorID: String = ProcessInfo.processInfo.environment["USER"] ?? "bench"

        mutating func validate() throws { try Check.whole(id, "the outbox id", in: 1...Int64.max) }

        func run() async throws {
            let runtime = try global.runtime()
            let item = try guarded { try runtime.retryOutbox(id: id, actor: operatorID) }
            if global.json { return try Terminal.printJSON(item) }
            print("Outbox \(item.id) (run \(item.runId), \(item.sample)) is due again for \(item.destination).")
        }
    }
}
