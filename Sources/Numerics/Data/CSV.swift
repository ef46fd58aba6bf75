/// RFC 4180 CSV: comma-separated fields, records ending in LF or CRLF, fields in double
/// quotes may hold commas, line breaks and doubled quotes (""). A UTF-8 byte-order mark is
/// skipped; empty lines are ignored.
public struct CSVTable {
    public struct Record {
        public let fields: [String]
        /// Whether each field was written in quotes ("" is a value; an empty unquoted field is
        /// a missing one for readers that care).
        public let quoted: [Bool]
        /// 1-based line of the file where the record starts.
        public let line: Int
    }
    public let records: [Record]

    /// The column names of a header record: each non-empty and unique, since columns are
    /// chosen and reported by name.
    public static func headerNames(_ header: Record, path: String) throws -> [String] {
        var columnOf: [String: Int] = [:]
        for (k, name) in header.fields.enumerated() {
            guard !name.isEmpty else {
                throw DataError("\(path):\(header.line): the name of column \(k + 1) in the header is empty (every column needs a name)")
            }
            if let first = columnOf[name] {
                throw DataError("\(path):\(header.line): column '\(name)' appears twice in the header (columns \(first + 1) and \(k + 1))")
            }
            columnOf[name] = k
        }
        return header.fields
    }

    public static func parse(_ bytes: [UInt8], path: String) throws -> CSVTable {
        var records: [Record] = []
        var fields: [String] = []
        var quoted: [Bool] = []
        var field: [UInt8] = []
        var line = 1, recordLine = 1
        var i = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        let n = bytes.count
        var inQuotes = false, wasQuoted = false
        func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            quoted.append(wasQuoted)
            field.removeAll(keepingCapacity: true)
            wasQuoted = false
        }
        func endRecord() {
            endField()
            if !(fields.count == 1 && fields[0].isEmpty && !quoted[0]) {
                records.append(Record(fields: fields, quoted: quoted, line: recordLine))
            }
            quoted.removeAll(keepingCapacity: true)
            fields.removeAll(keepingCapacity: true)
        }
        while i < n {
            let c = bytes[i]
            if inQuotes {
                if c == 0x22 {
                    if i + 1 < n && bytes[i + 1] == 0x22 { field.append(0x22); i += 2; continue }
                    inQuotes = false
                } else {
                    if c == 0x0A { line += 1 }
                    field.append(c)
                }
                i += 1
                continue
            }
            switch c {
            case 0x2C:
                endField()
            case 0x0A:
                endRecord()
                line += 1
                recordLine = line
            case 0x0D:
                if i + 1 < n && bytes[i + 1] == 0x0A { i += 1 }
                endRecord()
                line += 1
                recordLine = line
            case 0x22:
                if field.isEmpty && !wasQuoted {
                    inQuotes = true
                    wasQuoted = true
                } else {
                    throw DataError("\(path):\(line): stray double quote inside an unquoted field (quote the whole field and double inner quotes)")
                }
            default:
                if wasQuoted {
                    throw DataError("\(path):\(line): text after a closing quote (a field is either quoted whole or not at all)")
                }
                field.append(c)
            }
            i += 1
        }
        if inQuotes { throw DataError("\(path):\(recordLine): a quoted field is never closed") }
        if !field.isEmpty || !fields.isEmpty || wasQuoted { endRecord() }
        return CSVTable(records: records)
    }
}

/// Column selection shared by the CSV and names loaders.
public enum CSVColumn {
    case name(String)
    case index(Int)   // 0-based
    case last

    func resolve(in header: [String], path: String, role: String) throws -> Int {
        switch self {
        case .name(let s):
            guard let k = header.firstIndex(of: s) else {
                throw DataError("\(path): no \(role) column named '\(s)' (columns: \(header.joined(separator: ", ")))")
            }
            return k
        case .last:
            return header.count - 1
        case .index(let k):
            guard k >= 0 && k < header.count else {
                throw DataError("\(path): \(role) column \(k + 1) out of range (\(header.count) columns)")
            }
            return k
        }
    }
}

/// Class names from string labels: sorted numerically when every label is a number
/// ("2" before "10"), else by their bytes; `given` fixes the classes (a test set using a
/// training set's classes). An empty label (of the column named `column`) is an error.
func classList(_ labels: [String], given: [String]?, path: String, lines: [Int], column: String) throws -> (classes: [String], indices: [Int32]) {
    for (i, l) in labels.enumerated() where l.trimmingCharacters(in: .whitespaces).isEmpty {
        throw DataError("\(path):\(lines[i]): empty label (column '\(column)'); every row needs a class label")
    }
    let classes: [String]
    if let given {
        classes = given
    } else {
        let unique = Array(Set(labels))
        let numbers = unique.compactMap { Double($0) }
        if numbers.count == unique.count {
            classes = unique.sorted { Double($0)! < Double($1)! }
        } else {
            classes = unique.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        }
    }
    var lookup: [String: Int32] = [:]
    for (k, c) in classes.enumerated() where lookup[c] == nil { lookup[c] = Int32(k) }
    var indices = [Int32](repeating: 0, count: labels.count)
    for (i, l) in labels.enumerated() {
        guard let k = lookup[l] else {
            throw DataError("\(path):\(lines[i]): label '\(l)' is not one of the \(classes.count) known classes")
        }
        indices[i] = k
    }
    return (classes, indices)
}

/// Tabular datasets: one label column, every other column a numeric feature.
public enum CSVLoader {
    public static func load(path: String, label: CSVColumn, header: Bool = true,
                            classes: [String]? = nil) throws -> Dataset {
        let table = try CSVTable.parse(try FileBytes.readMaybeGzip(path), path: path)
        var records = table.records[...]
        guard let first = records.first else { throw DataError("\(path) is empty (no header, no rows)") }
        let names: [String]
        if header {
            names = try CSVTable.headerNames(first, path: path)
            records = records.dropFirst()
        } else {
            names = (1...first.fields.count).map { "column \($0)" }
        }
        guard !records.isEmpty else { throw DataError("\(path) holds a header but no data rows (empty dataset)") }
        let labelColumn = try label.resolve(in: names, path: path, role: "label")
        let width = names.count
        let d = width - 1
        guard d >= 1 else { throw DataError("\(path): only the label column; no features") }
        var features = [Float](repeating: 0, count: records.count * d)
        var labels: [String] = [], lines: [Int] = []
        labels.reserveCapacity(records.count)
        for (r, rec) in records.enumerated() {
            guard rec.fields.count == width else {
                throw DataError("\(path):\(rec.line): ragged row: \(rec.fields.count) fields, the header has \(width)")
            }
            var j = 0
            for (k, f) in rec.fields.enumerated() {
                if k == labelColumn { continue }
                guard let v = parseNumber(f) else {
                    let shown = f.isEmpty ? "an empty field" : "'\(f.prefix(40))'"
                    throw DataError("\(path):\(rec.line): feature '\(names[k])' is not a number: \(shown)")
                }
                features[r * d + j] = v
                j += 1
            }
            labels.append(rec.fields[labelColumn].trimmingCharacters(in: .whitespaces))
            lines.append(rec.line)
        }
        let (cls, idx) = try classList(labels, given: classes, path: path, lines: lines, column: names[labelColumn])
        var featureNames = names
        featureNames.remove(at: labelColumn)
        let store = try DataStore(kind: .features, sampleShape: [d], bytes: [], floats: features,
                                  labels: idx, classes: cls, featureNames: featureNames)
        return Dataset(store: store)
    }

    /// A finite number (surrounding spaces allowed), or nil.
    static func parseNumber(_ s: String) -> Float? {
        let t = s.trimmingCharacters(in: .whitespaces)
        guard let v = Double(t), v.isFinite else { return nil }
        return Float(v)
    }
}

import Foundation
