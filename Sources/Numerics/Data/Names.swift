/// Names -> label datasets: a CSV with a name column and a label column becomes fixed-length
/// sequences of 1-based character indices. Index 1 pads, index 2 stands for a character the
/// vocabulary lacks, characters count from 3 (sorted by code point).
public enum NamesLoader {
    public static let padding = "<pad>"
    public static let unknown = "<unk>"

    /// Options: the columns; `length` (default: the longest name); `vocab` and `classes` from
    /// a training set, so a test set is encoded the same way; `lower` lower-cases names.
    public struct Options {
        public var name: CSVColumn = .name("name")
        public var label: CSVColumn = .name("label")
        public var length: Int? = nil
        public var vocab: [String]? = nil
        public var classes: [String]? = nil
        public var lower = false
        public init() {}
    }

    public static func load(path: String, options o: Options) throws -> Dataset {
        let table = try CSVTable.parse(try FileBytes.readMaybeGzip(path), path: path)
        guard let header = table.records.first else { throw DataError("\(path) is empty (no header, no rows)") }
        let rows = table.records.dropFirst()
        guard !rows.isEmpty else { throw DataError("\(path) holds a header but no data rows (empty dataset)") }
        let columns = try CSVTable.headerNames(header, path: path)
        let nameColumn = try o.name.resolve(in: columns, path: path, role: "name")
        let labelColumn = try o.label.resolve(in: columns, path: path, role: "label")
        var names: [[Character]] = [], labels: [String] = [], lines: [Int] = []
        for rec in rows {
            guard rec.fields.count == header.fields.count else {
                throw DataError("\(path):\(rec.line): ragged row: \(rec.fields.count) fields, the header has \(header.fields.count)")
            }
            let n = rec.fields[nameColumn]
            guard !n.isEmpty else { throw DataError("\(path):\(rec.line): empty name") }
            names.append(Array(o.lower ? n.lowercased() : n))
            labels.append(rec.fields[labelColumn])
            lines.append(rec.line)
        }
        let vocab: [String]
        if let given = o.vocab {
            guard given.count >= 2, given[0] == padding, given[1] == unknown else {
                throw DataError("a vocabulary starts with \"\(padding)\" and \"\(unknown)\" (use the vocabulary of a names dataset)")
            }
            vocab = given
        } else {
            var seen = Set<Character>()
            for n in names { seen.formUnion(n) }
            vocab = [padding, unknown] + seen.map(String.init).sorted {
                Array($0.unicodeScalars.map(\.value)).lexicographicallyPrecedes($1.unicodeScalars.map(\.value))
            }
        }
        let length = o.length ?? names.map(\.count).max() ?? 1
        guard length >= 1 else { throw DataError("sequence length must be at least 1, got \(length)") }
        guard length * names.count <= Tensor.maxElements else {
            throw DataError("\(names.count) names of length \(length) are too many; choose a smaller length")
        }
        let codes = try encode(names, vocab: vocab, length: length)
        let (cls, idx) = try classList(labels, given: o.classes, path: path, lines: lines, column: columns[labelColumn])
        let store = try DataStore(kind: .sequence, sampleShape: [length], bytes: [], floats: codes,
                                  labels: idx, classes: cls, vocab: vocab)
        return Dataset(store: store)
    }

    /// Encodes names as rows of `length` 1-based indices (truncated or padded with 1).
    public static func encode(_ names: [[Character]], vocab: [String], length: Int) throws -> [Float] {
        var lookup: [Character: Float] = [:]
        for (k, s) in vocab.enumerated().dropFirst(2) {
            guard s.count == 1, let ch = s.first else {
                throw DataError("vocabulary entry \(k + 1) must be one character, got \"\(s)\"")
            }
            lookup[ch] = Float(k + 1)
        }
        var out = [Float](repeating: 1, count: names.count * length)
        for (i, n) in names.enumerated() {
            for (t, ch) in n.prefix(length).enumerated() { out[i * length + t] = lookup[ch] ?? 2 }
        }
        return out
    }
}
