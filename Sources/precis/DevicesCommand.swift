import ArgumentParser
import PrecisRuntime

/// `precis devices`: the instruments Precis can reach.
struct DevicesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "devices", abstract: "List the instruments Precis can reach.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        GlobalOptions.bootstrapLogging(verbose: global.verbose)
        let devices = await Runtime.devices()
        if global.json { return try Terminal.printJSON(devices) }
        print(Table.render(header: ["DEVICE", "FAMILY", "KIND", "SERIAL", "FIRMWARE", "STATE", "WHAT"],
                           rows: devices.map { [$0.address, $0.family, $0.kind, $0.serial ?? "—", $0.firmware ?? "—",
                                                $0.state, $0.description] }))
    }
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
}
