import ArgumentParser
import Foundation
import PrecisRuntime

/// `precis devices`: the instruments Precis can reach; `--watch` follows arrivals and departures.
struct DevicesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "devices", abstract: "List the instruments Precis can reach.")

    @OptionGroup var global: GlobalOptions

    @Flag(help: "After the list, print instruments as they are plugged in and out (until Ctrl-C).")
    var watch = false

    @Option(parsing: .unconditional, help: "With --watch: stop after this many seconds.")
    var seconds: Double?

    mutating func validate() throws { try Check.number(seconds, "--seconds") }

    func run() async throws {
        GlobalOptions.bootstrapLogging(verbose: global.verbose)
        let devices = await Runtime.devices()
        if global.json {
            if watch { try Terminal.printJSONLine(DeviceWatchLine(event: "present", devices: devices)) } else { try Terminal.printJSON(devices) }
        } else {
            print(Table.render(header: ["DEVICE", "FAMILY", "KIND", "SERIAL", "FIRMWARE", "STATE", "WHERE", "WHAT"],
                               rows: devices.map { [$0.address, $0.family, $0.kind, $0.serial ?? "—", $0.firmware ?? "—",
                                                    $0.state, $0.busPath ?? "—", $0.description] }))
        }
        guard watch else { return }
        try await guarded { try await follow() }
    }

    private func follow() async throws {
        let watcher = try Runtime.watchDevices()
        let deadline = seconds.map { Date().addingTimeInterval($0) }
        let stopper = Task {
            if let deadline { try? await Task.sleep(for: .seconds(deadline.timeIntervalSinceNow)); watcher.stop() }
        }
        defer { stopper.cancel() }
        if !global.json { Terminal.errorLine("Watching for instruments (Ctrl-C to stop)…") }
        for await change in watcher.changes {
            if global.json {
                try Terminal.printJSONLine(DeviceWatchLine(event: change.arrived ? "arrived" : "departed", devices: [change.device]))
            } else {
                let d = change.device
                print("\(change.arrived ? "+ arrived " : "- departed") \(d.address)  \(d.family)  \(d.busPath ?? "")  \(d.state)")
            }
            Terminal.flush()
        }
    }
}

/// One line of `devices --watch --json`.
struct DeviceWatchLine: Encodable {
    let event: String
    let devices: [DeviceListing]
}

/// Plain text tables with aligned columns.
enum Table {
    static func render(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    /// A stored ISO 8601 time as a cell: to the second, with a space for the "T".
    static func time(_ iso: String) -> String {
        String(iso.prefix(19)).replacingOccurrences(of: "T", with: " ")
    }
}
