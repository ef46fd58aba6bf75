/// Tidy tables as CSV (RFC 4180): one observation per row, one variable per column.
///
/// Writing: fields that hold a comma, a double quote, CR or LF are quoted (quotes doubled);
/// so are strings that would otherwise read back as something else (a number, a boolean,
/// the empty string, or text with surrounding spaces). Integers are written as integers;
/// other numbers with the shortest text that reads back to the same Float64 (full precision);
/// NaN and infinities as `nan`, `inf`, `-inf`; missing values as an empty unquoted field.
/// Records end in LF (readers, this one included, accept LF and CRLF).
///
/// Reading: unquoted fields that look like decimal numbers become numbers (integers when they
/// have no fraction or exponent), `true`/`false` booleans, empty unquoted fields missing;
/// quoted fields stay strings. So `write` then `read` gives back the same values.
public enum TidyCSV {
    public enum Value: Equatable {
        case missing
        case integer(Int64)
        case number(Double)
        case string(String)
        case bool(Bool)
    }

    // MARK: writing

    public static func field(_ v: Value) -> String {
        switch v {
        case .missing: return ""
        case .integer(let i): return String(i)
        case .bool(let b): return b ? "true" : "false"
        case .number(let d): return numberText(d)
        case .string(let s): return needsQuotes(s) ? quoted(s) : s
        }
    }

    /// Integral values below 2^53 as integers ("3"), others in shortest round-trip form.
    public static func numberText(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d > 0 ? "inf" : "-inf" }
        if d == d.rounded() && abs(d) < 9_007_199_254_740_992 {
            return d == 0 ? "0" : String(Int64(d))
        }
        return "\(d)"
    }

    static func needsQuotes(_ s: String) -> Bool {
        if s.isEmpty { return true }
        if s.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) { return true }
        if s.first == " " || s.last == " " { return true }
        if case .string = interpret(s) { return false }
        return true
    }

    static func quoted(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The whole file: the header (column names) and one line per row; `rows[r][c]` is the
    /// value of column `c` in row `r`.
    public static func encode(columns: [String], rows: [[Value]]) -> [UInt8] {
        var out = columns.map { field(.string($0)) }.joined(separator: ",") + "\n"
        for row in rows {
            out += row.map(field).joined(separator: ",")
            out += "\n"
        }
        return Array(out.utf8)
    }

    // MARK: reading

    /// What an unquoted field means.
    public static func interpret(_ s: String) -> Value {
        if s.isEmpty { return .missing }
        switch s {
        case "true": return .bool(true)
        case "false": return .bool(false)
        case "nan", "NaN", "NAN": return .number(.nan)
        case "inf", "Inf", "+inf", "infinity", "Infinity": return .number(.infinity)
        case "-inf", "-Inf", "-infinity", "-Infinity": return .number(-.infinity)
        default: break
        }
        guard let kind = decimalKind(s) else { return .string(s) }
        if kind == .integer, let i = Int64(s.hasPrefix("+") ? String(s.dropFirst()) : s) { return .integer(i) }
        guard let d = Double(s) else { return .string(s) }
        return .number(d)
    }

    enum NumberKind { case integer, decimal }

    /// Plain decimal syntax only: [+-]digits[.digits][e[+-]digits] (no hex, no spaces).
    static func decimalKind(_ s: String) -> NumberKind? {
        let b = Array(s.utf8)
        var i = 0
        if i < b.count && (b[i] == 0x2B || b[i] == 0x2D) { i += 1 }
        func digits() -> Int {
            let start = i
            while i < b.count && b[i] >= 0x30 && b[i] <= 0x39 { i += 1 }
            return i - start
        }
        var kind = NumberKind.integer
        var n = digits()
        if i < b.count && b[i] == 0x2E {
            i += 1
            kind = .decimal
            n += digits()
        }
        guard n > 0 else { return nil }
        if i < b.count && (b[i] == 0x65 || b[i] == 0x45) {
            i += 1
            kind = .decimal
            if i < b.count && (b[i] == 0x2B || b[i] == 0x2D) { i += 1 }
            guard digits() > 0 else { return nil }
        }
        return i == b.count ? kind : nil
    }

    /// Parses a whole file: the header and the rows (each as long as the header). Quoted
    /// fields stay strings; unquoted ones are read as numbers, booleans or missing values.
    public static func decode(_ bytes: [UInt8], path: String) throws -> (header: [String], rows: [[Value]]) {
        let table = try CSVTable.parse(bytes, path: path)
        guard let head = table.records.first else { throw DataError("\(path): the file is empty (no header line)") }
        let header = try CSVTable.headerNames(head, path: path)
        let records = table.records.map { r in (fields: Array(zip(r.fields, r.quoted)), line: r.line) }
        var rows: [[Value]] = []
        rows.reserveCapacity(records.count - 1)
        for r in records.dropFirst() {
            guard r.fields.count == header.count else {
                throw DataError("\(path):\(r.line): \(r.fields.count) fields, but the header has \(header.count) columns")
            }
            rows.append(r.fields.map { $0.1 ? .string($0.0) : interpret($0.0) })
        }
        return (header, rows)
    }
}
