import Foundation
import PrecisCore

/// What is in each well of a plate: `well,sample,type[,quantity,unit,patient]` rows of a CSV
/// file, or of text sent to the kiosk's API (an outside input: its limits are `CSVTable`'s, and
/// `make fuzz`'s `csv` target reads every table as a layout too).
public struct PlateLayout: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var sample: String
        /// RDML sample type: unkn, std, ntc, nac, ntp, nrt, pos, opt.
        public var type: String
        public var quantity: RDMLDocument.Quantity?
        /// The sample's pseudonymous patient (`patient` column), for patient samples.
        public var patient: String? = nil

        public init(sample: String, type: String, quantity: RDMLDocument.Quantity? = nil, patient: String? = nil) {
            self.sample = sample
            self.type = type
            self.quantity = quantity
            self.patient = patient
        }
    }

    /// By well name (A1…H12).
    public var wells: [String: Entry]

    static let types: Set<String> = ["unkn", "std", "ntc", "nac", "ntp", "nrt", "pos", "opt"]

    /// Reads a layout; every problem (a well off the plate or given twice, a sample id that is not
    /// a pseudonymous code, an unknown type, a standard without a quantity) is an `.input` error
    /// naming the row.
    public init(contentsOf url: URL) throws {
        try self.init(table: try CSVTable(contentsOf: url), name: url.lastPathComponent)
    }

    /// A layout sent as text (the kiosk's API), read with the same rules; `name` is what errors call it.
    public init(text: String, name: String = "the layout") throws {
        try self.init(table: try CSVTable(text: text, source: name), name: name)
    }

    init(table: CSVTable, name: String) throws {
        guard let well = table.columns.firstIndex(of: "well"), let sample = table.columns.firstIndex(of: "sample"),
              let type = table.columns.firstIndex(of: "type") else {
            throw PrecisError(.input, "\(name) needs the columns well, sample and type (and quantity, unit for standards)")
        }
        let quantity = table.columns.firstIndex(of: "quantity"), unit = table.columns.firstIndex(of: "unit")
        let patientColumn = table.columns.firstIndex(of: "patient")
        var wells: [String: Entry] = [:]
        for (index, row) in table.rows.enumerated() {
            let place = "\(name) row \(index + 2)"
            let name = row[well].trimmingCharacters(in: .whitespaces).uppercased()
            guard RDMLDocument.PlateFormat.plate96.reactionID(name) != nil else { throw PrecisError(.input, "\(place): well '\(name)' is not on a 96-well plate (A1…H12)") }
            guard wells[name] == nil else { throw PrecisError(.input, "\(place): well \(name) is given twice") }
            let id = try Identifiers.pseudonym(row[sample].trimmingCharacters(in: .whitespaces), as: "sample id in \(place)")
            let kind = row[type].trimmingCharacters(in: .whitespaces)
            guard Self.types.contains(kind) else {
                throw PrecisError(.input, "\(place): type '\(kind)' is not one of \(Self.types.sorted().joined(separator: ", "))")
            }
            var amount: RDMLDocument.Quantity?
            if let quantity, !row[quantity].trimmingCharacters(in: .whitespaces).isEmpty {
                guard let value = Double(row[quantity].trimmingCharacters(in: .whitespaces)), value > 0, value.isFinite else {
                    throw PrecisError(.input, "\(place): quantity '\(row[quantity])' is not a positive number")
                }
                amount = .init(value: value, unit: unit.map { row[$0].trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 } ?? "cop")
            }
            if kind == "std" && amount == nil { throw PrecisError(.input, "\(place): standard \(id) has no quantity") }
            let patient = try patientColumn.map { row[$0].trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
                .map { try Identifiers.pseudonym($0, as: "patient id in \(place)") }
            if let other = wells.values.first(where: { $0.sample == id }), other.patient != patient {
                throw PrecisError(.input, "\(place): sample \(id) is given for two patients")
            }
            wells[name] = Entry(sample: id, type: kind, quantity: amount, patient: patient)
        }
        guard !wells.isEmpty else { throw PrecisError(.input, "\(name) has no wells") }
        self.wells = wells
    }

    public init(wells: [String: Entry]) { self.wells = wells }
}
