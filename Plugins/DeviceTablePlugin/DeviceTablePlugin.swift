import Foundation
import PackagePlugin

/// Generates the table of device descriptions (USB ids, product string, connection, baud
/// rate, endpoints) from `Firmware-Protocols/*/device.json` into the target it is applied to,
/// so those files are the one place the ids are written and a malformed one fails the build.
@main
struct DeviceTablePlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let root = context.package.directoryURL.appending(path: "Firmware-Protocols")
        let folders = try FileManager.default.contentsOfDirectory(atPath: root.path).sorted()
        // Each family's device.json and the protocol.md it names are the inputs: changing one reruns the generator.
        let inputs = folders.flatMap { folder in
            ["device.json", "protocol.md"].map { root.appending(path: folder).appending(path: $0) }
        }.filter { FileManager.default.fileExists(atPath: $0.path) }
        let output = context.pluginWorkDirectoryURL.appending(path: "DeviceDescriptions.swift")
        return [.buildCommand(
            displayName: "Generating the device table from Firmware-Protocols/*/device.json",
            executable: try context.tool(named: "DeviceTableGenerator").url,
            arguments: [root.path, output.path],
            inputFiles: inputs,
            outputFiles: [output])]
    }
}
