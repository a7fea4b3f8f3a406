import Foundation
import PrecisCore
import PrecisDrivers
import Testing

/// A stream file that did not finish is bad input naming its line, never a curve analysed as whole.
@Suite struct MethodSCRIPTStreamTests {
    static let packages = (0..<48).map { i in
        String(MethodSCRIPTPackageEncoder.package([MethodSCRIPTPackageEncoder.variable("da", -0.5 + 0.01 * Double(i)),
                                                   MethodSCRIPTPackageEncoder.variable("ba", 1e-6)]).dropLast())
    }

    static func read(_ lines: [String]) throws -> [MethodSCRIPTPackage] {
        try MethodSCRIPTStream.packages(Data(lines.joined(separator: "\n").utf8), source: "run.txt")
    }

    @Test func aWholeStreamReadsEveryPackage() throws {
        #expect(try Self.read(["e", "M0000"] + Self.packages + ["*", "", ""]).count == 48)
        // Comment lines count as lines and nested scopes close in order.
        #expect(try Self.read(["# a capture", "e", "L", "M0007"] + Self.packages + ["*", "+", ""]).count == 48)
    }

    @Test func aDeviceErrorAfter48PackagesNamesItsLine() throws {
        let error = #expect(throws: PrecisError.self) { try Self.read(["e", "M0000"] + Self.packages + ["!4032", "*", ""]) }
        #expect(error?.kind == .input)
        #expect(error?.message.hasPrefix("run.txt line 51: the device reported device error 0x4032") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("after 48 data packages") == true)
    }

    @Test func aLoopWithoutItsEndNamesTheLineItBegan() throws {
        let error = #expect(throws: PrecisError.self) { try Self.read(["e", "M0000"] + Self.packages + [""]) }
        #expect(error?.kind == .input)
        #expect(error?.message.hasPrefix("run.txt line 2: the loop begun here has no end") == true, "\(error?.message ?? "")")
        let inner = #expect(throws: PrecisError.self) { try Self.read(["e", "L", "M0000"] + Self.packages + ["*", ""]) }
        #expect(inner?.message.hasPrefix("run.txt line 2: ") == true, "\(inner?.message ?? "")")
    }
}
