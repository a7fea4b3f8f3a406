import ArgumentParser
import PrecisRuntime

/// `precis queue`: what waits to be uploaded, since when, and why it has not gone.
struct QueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "queue", abstract: "Show results waiting for upload.")

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Include delivered entries.")
    var all = false

    func run() async throws {
        let runtime = try global.runtime()
        let items = try guarded { try runtime.queue(includeDelivered: all) }
        if global.json { return try Terminal.printJSON(items) }
        guard !items.isEmpty else { return print("The upload queue is empty.") }
        print(Table.render(header: ["OUTBOX", "RUN", "SAMPLE", "TO", "STATE", "TRIES", "SINCE", "LAST ERROR"],
                           rows: items.map { ["\($0.id)", "\($0.runId)", $0.sample, $0.destination, $0.state,
                                              "\($0.attempts)", $0.since, $0.lastError ?? "—"] }))
    }
}
