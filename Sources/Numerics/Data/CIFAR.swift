import Foundation

/// The CIFAR-10 and CIFAR-100 "binary version": records of label byte(s) then 3072 pixel
/// bytes (1024 red, 1024 green, 1024 blue, rows of 32). CIFAR-10 has one label byte;
/// CIFAR-100 has two (coarse, fine).
public enum CIFARLoader {
    public static let imageBytes = 3 * 32 * 32
    /// The most records one file may hold: the whole dataset (50,000 training and 10,000
    /// test images), as a file that concatenates all the batches would. A compressed file
    /// that expands further is refused as it expands.
    public static let maxRecords = 60_000

    public static let cifar10Classes = ["airplane", "automobile", "bird", "cat", "deer",
                                        "dog", "frog", "horse", "ship", "truck"]

    /// Reads record files into one dataset. `labelBytes` is 1 (CIFAR-10) or 2 (CIFAR-100);
    /// `labelByte` selects which label byte is the class (0 = coarse, 1 = fine for CIFAR-100).
    public static func load(files: [String], labelBytes: Int, labelByte: Int, classes: [String],
                            hint: String? = nil) throws -> Dataset {
        let record = labelBytes + imageBytes
        var contents: [[UInt8]] = []
        var total = 0
        for path in files {
            let data = try FileBytes.readMaybeGzip(path, hint: hint, limit: Gzip.Limit(
                bytes: maxRecords * record, reason: "of \(maxRecords) records, the most a CIFAR file holds"))
            guard data.count % record == 0, data.count > 0 else {
                throw DataError("\(path) is truncated or not a CIFAR binary file: \(data.count) bytes is not a whole number of \(record)-byte records")
            }
            total += data.count / record
            contents.append(data)
        }
        var pixels = [UInt8](repeating: 0, count: total * imageBytes)
        var labels = [Int32](repeating: 0, count: total)
        var n = 0
        for (f, data) in contents.enumerated() {
            let records = data.count / record
            try pixels.withUnsafeMutableBufferPointer { dst in
                try data.withUnsafeBufferPointer { src in
                    for r in 0..<records {
                        let s = src.baseAddress! + r * record
                        let label = Int(s[labelByte])
                        guard label < classes.count else {
                            throw DataError("\(files[f]): label \(label) of record \(r + 1) is out of range (\(classes.count) classes, labels 0...\(classes.count - 1))")
                        }
                        labels[n] = Int32(label)
                        (dst.baseAddress! + n * imageBytes).update(from: s + labelBytes, count: imageBytes)
                        n += 1
                    }
                }
            }
        }
        let store = try DataStore(kind: .image, sampleShape: [3, 32, 32], bytes: pixels, floats: [],
                                  labels: labels, classes: classes)
        return Dataset(store: store)
    }

    /// Class names from a meta file with one name per line (`batches.meta.txt`,
    /// `fine_label_names.txt`); blank lines are skipped, a name given twice is an error. nil
    /// when the file is absent.
    public static func readNames(_ path: String) throws -> [String]? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let bytes = try FileBytes.read(path)
        var names: [String] = [], lineOf: [String: Int] = [:]
        let lines = String(decoding: bytes, as: UTF8.self)
            .split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
        for (i, line) in lines.enumerated() {
            let name = line.trimmingCharacters(in: .whitespaces)
            if name.isEmpty { continue }
            if let first = lineOf[name] {
                throw DataError("\(path):\(i + 1): class name '\(name)' is given twice (first on line \(first)); class names must be unique")
            }
            lineOf[name] = i + 1
            names.append(name)
        }
        guard !names.isEmpty else { throw DataError("\(path) holds no class names") }
        return names
    }
}
