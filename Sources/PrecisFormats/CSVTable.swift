import Foundation
import PrecisCore

/// A CSV table (RFC 4180: commas, double-quoted fields with "" for a quote, CRLF or LF) with a
/// header row, read whole. Columns are fetched by name as numbers, with errors that name the
/// row and column.
public struct CSVTable: Sendable, Equatable {
    /// The header's column names.
    public var columns: [String]
    /// The data rows, each as many fields as the header.
    public var rows: [[String]]

    /// The largest file, in bytes (standards, layouts and fits are a few KiB).
    public static let maxFileBytes = 8 << 20
    /// The most rows, the header included.
    public static let maxRows = 100_000
    /// The most columns.
    public static let maxColumns = 256
    /// The longest field, in bytes.
    public static let maxFieldLength = 4096

    /// Parses `text`; `source` names it in errors.
    public init(text: String, source: String = "CSV") throws {
        var records = try Self.records(text, source: source)
        while records.last.map({ $0.count == 1 && $0[0].isEmpty }) == true { records.removeLast() }
        guard let header = records.first, !(header.count == 1 && header[0].isEmpty) else {
            throw PrecisError(.input, "\(source) is empty (no header row)")
        }
        columns = header.map { $0.trimmingCharacters(in: .whitespaces) }
        rows = Array(records.dropFirst())
        for (index, row) in rows.enumerated() where row.count != columns.count {
            throw PrecisError(.input, "\(source) row \(index + 2) has \(row.count) fields, the header has \(columns.count)")
        }
    }

    /// Reads the CSV file at `url`.
    public init(contentsOf url: URL) throws {
        let text = try BoundedFile.text(url, limit: Self.maxFileBytes, what: "CSV file \(url.lastPathComponent)")
        try self.init(text: text, source: url.lastPathComponent)
    }

    /// The column `name` as numbers; an empty table, a missing column or a cell that is not a
    /// number is an error naming where.
    public func numbers(_ name: String) throws -> [Double] {
        guard let column = columns.firstIndex(of: name) else {
            throw PrecisError(.input, "no column '\(name)' (columns: \(columns.joined(separator: ", ")))")
        }
        guard !rows.isEmpty else { throw PrecisError(.input, "the table has no data rows") }
        return try rows.enumerated().map { index, row in
            let cell = row[column].trimmingCharacters(in: .whitespaces)
            guard let value = Double(cell), value.isFinite else {
                throw PrecisError(.input, "row \(index + 2), column '\(name)': '\(cell)' is not a number")
            }
            return value
        }
    }

    private static func records(_ text: String, source: String) throws -> [[String]] {
        var records: [[String]] = [], record: [String] = [], field = ""
        var quoted = false, afterQuote = false
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = iterator.next()
        func check() throws {
            if field.utf8.count > maxFieldLength {
                throw PrecisError(.input, "\(source) row \(records.count + 1) has a field longer than \(maxFieldLength) bytes; Precis reads at most \(maxFieldLength)")
            }
            // A row just ended is `records.last` (found by make fuzz: 257 fields then a newline slipped through).
            if record.count > maxColumns || (records.last?.count ?? 0) > maxColumns {
                let row = record.count > maxColumns ? records.count + 1 : records.count
                throw PrecisError(.input, "\(source) row \(row) has more than \(maxColumns) fields; Precis reads at most \(maxColumns)")
            }
            if records.count > maxRows {
                throw PrecisError(.input, "\(source) has more than \(maxRows) rows; Precis reads at most \(maxRows)")
            }
        }
        while let c = pending {
            pending = iterator.next()
            try check()
            if quoted {
                if c == "\"" {
                    if pending == "\"" { field.unicodeScalars.append("\""); pending = iterator.next() } else { quoted = false; afterQuote = true }
                } else { field.unicodeScalars.append(c) }
                continue
            }
            switch c {
            case "\"" where field.isEmpty && !afterQuote: quoted = true
            case ",": record.append(field); field = ""; afterQuote = false
            case "\r" where pending == "\n": continue
            case "\n", "\r": record.append(field); records.append(record); record = []; field = ""; afterQuote = false
            default:
                guard !afterQuote else { throw PrecisError(.input, "\(source): text after a closing quote in row \(records.count + 1)") }
                field.unicodeScalars.append(c)
            }
        }
        guard !quoted else { throw PrecisError(.input, "\(source): a quoted field is never closed") }
        try check()
        if !field.isEmpty || !record.isEmpty { record.append(field); records.append(record); record = []; field = "" }
        try check()
        return records
    }
}
