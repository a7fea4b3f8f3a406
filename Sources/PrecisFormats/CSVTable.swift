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
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw PrecisError(.input, "cannot read \(url.path)")
        }
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
        var iterator = Array(text.unicodeScalars).makeIterator()
        var pending: Unicode.Scalar? = iterator.next()
        while let c = pending {
            pending = iterator.next()
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
        if !field.isEmpty || !record.isEmpty { record.append(field); records.append(record) }
        return records
    }
}
