/// The IDX format of MNIST and its family (Fashion-MNIST, KMNIST, EMNIST):
/// magic `00 00 <type> <rank>`, then `rank` big-endian UInt32 sizes, then the values
/// (big-endian), row-major.
public struct IDXArray {
    public let dims: [Int]
    /// Values for type 0x08 (unsigned byte), the type of every MNIST-family file.
    public let bytes: [UInt8]?
    /// Values of the other types (int8, int16, int32, float32, float64) as Float32.
    public let floats: [Float]?

    public var count: Int { dims.reduce(1, *) }

    /// The header: value type and width, sizes, header length and element count.
    struct Header {
        let type: UInt8, width: Int, dims: [Int], headerSize: Int, total: Int
    }

    /// Reads the header at the start of `data` (the whole header must be there).
    static func parseHeader(_ data: [UInt8], path: String) throws -> Header {
        guard data.count >= 4 else {
            throw DataError("\(path) is truncated: \(data.count) bytes, too short for an IDX header")
        }
        guard data[0] == 0, data[1] == 0 else {
            let magic = data[0..<4].map { String($0, radix: 16) }.joined(separator: " ")
            throw DataError("\(path) is not an IDX file (magic number \(magic), expected 00 00 <type> <rank>)")
        }
        let type = data[2], rank = Int(data[3])
        let width: Int
        switch type {
        case 0x08, 0x09: width = 1
        case 0x0B: width = 2
        case 0x0C, 0x0D: width = 4
        case 0x0E: width = 8
        default:
            throw DataError("\(path): unknown IDX value type 0x\(String(type, radix: 16)) in the magic number")
        }
        guard rank >= 1 else { throw DataError("\(path): IDX rank 0 in the magic number") }
        let headerSize = 4 + 4 * rank
        guard data.count >= headerSize else {
            throw DataError("\(path) is truncated: the header needs \(headerSize) bytes, the file has \(data.count)")
        }
        var dims: [Int] = []
        var total = 1
        for d in 0..<rank {
            let p = 4 + 4 * d
            let size = Int(data[p]) << 24 | Int(data[p + 1]) << 16 | Int(data[p + 2]) << 8 | Int(data[p + 3])
            dims.append(size)
            let (m, overflow) = total.multipliedReportingOverflow(by: size)
            guard !overflow, m <= Int(Int32.max) else { throw DataError("\(path): sizes \(dims) are too large") }
            total = m
        }
        return Header(type: type, width: width, dims: dims, headerSize: headerSize, total: total)
    }

    /// The size an IDX header declares, for `FileBytes.readMaybeGzip`: nil until the header
    /// has expanded, then its length plus the data's.
    static func declaredSize(path: String) -> Gzip.DeclaredSize {
        { prefix in
            guard prefix.count >= 4 else { return nil }
            let headerSize = 4 + 4 * Int(prefix[3])
            // a wrong magic number is an error at once; otherwise wait for the whole header
            guard prefix.count >= headerSize || prefix[0] != 0 || prefix[1] != 0 else { return nil }
            let h = try parseHeader(Array(prefix.prefix(headerSize)), path: path)
            return Gzip.Limit(bytes: h.headerSize + h.total * h.width, reason: "its IDX header declares")
        }
    }

    /// Parses IDX bytes; `path` only serves the messages.
    public static func parse(_ data: [UInt8], path: String) throws -> IDXArray {
        let h = try parseHeader(data, path: path)
        let (type, width, dims, headerSize, total) = (h.type, h.width, h.dims, h.headerSize, h.total)
        let needed = headerSize + total * width
        guard data.count >= needed else {
            throw DataError("\(path) is truncated: sizes \(dims.map(String.init).joined(separator: "x")) need \(needed) bytes, the file has \(data.count)")
        }
        guard data.count == needed else {
            throw DataError("\(path): \(data.count - needed) byte\(data.count - needed == 1 ? "" : "s") after the data (sizes \(dims.map(String.init).joined(separator: "x")) need \(needed) bytes, the file has \(data.count))")
        }
        if type == 0x08 {
            return IDXArray(dims: dims, bytes: Array(data[headerSize..<needed]), floats: nil)
        }
        var floats = [Float](repeating: 0, count: total)
        data.withUnsafeBufferPointer { src in
            var p = headerSize
            for i in 0..<total {
                var u: UInt64 = 0
                for k in 0..<width { u = u << 8 | UInt64(src[p + k]) }
                p += width
                switch type {
                case 0x09: floats[i] = Float(Int8(truncatingIfNeeded: u))
                case 0x0B: floats[i] = Float(Int16(truncatingIfNeeded: u))
                case 0x0C: floats[i] = Float(Int32(truncatingIfNeeded: u))
                case 0x0D: floats[i] = Float(bitPattern: UInt32(truncatingIfNeeded: u))
                default: floats[i] = Float(Double(bitPattern: u))
                }
            }
        }
        return IDXArray(dims: dims, bytes: nil, floats: floats)
    }

    /// Reads an IDX file, raw or gzip.
    public static func read(_ path: String, hint: String? = nil) throws -> IDXArray {
        try parse(try FileBytes.readMaybeGzip(path, hint: hint, declaredSize: declaredSize(path: path)), path: path)
    }
}

/// Image datasets from IDX image and label files.
public enum IDXLoader {
    /// A dataset from an images file (N x H x W or N x C x H x W, unsigned bytes) and a labels
    /// file (N, unsigned bytes, 0-based). `classes` names the labels; when nil the classes are
    /// "0", "1", ... up to the largest label.
    public static func load(images: String, labels: String, classes: [String]?, hint: String? = nil) throws -> Dataset {
        let x = try IDXArray.read(images, hint: hint)
        let y = try IDXArray.read(labels, hint: hint)
        guard let pixels = x.bytes else { throw DataError("\(images): expected unsigned-byte images (IDX type 0x08)") }
        guard x.dims.count == 3 || x.dims.count == 4 else {
            throw DataError("\(images): expected images of rank 3 (N x H x W) or 4 (N x C x H x W), got rank \(x.dims.count)")
        }
        guard y.dims.count == 1 else { throw DataError("\(labels): expected a rank-1 labels file, got rank \(y.dims.count)") }
        guard x.dims[0] == y.dims[0] else {
            throw DataError("\(images) holds \(x.dims[0]) images but \(labels) holds \(y.dims[0]) labels")
        }
        let raw: [Int]
        if let b = y.bytes { raw = b.map { Int($0) } } else {
            raw = try (y.floats ?? []).map { v in
                guard v >= 0, v == v.rounded(), v < 1e6 else { throw DataError("\(labels): label \(v) is not a class index") }
                return Int(v)
            }
        }
        let names = classes ?? (0...(raw.max() ?? 0)).map(String.init)
        var labels32 = [Int32](repeating: 0, count: raw.count)
        for (i, l) in raw.enumerated() {
            guard l < names.count else {
                throw DataError("\(labels): label \(l) of sample \(i + 1) is out of range (\(names.count) classes, labels 0...\(names.count - 1))")
            }
            labels32[i] = Int32(l)
        }
        let shape = x.dims.count == 3 ? [1, x.dims[1], x.dims[2]] : Array(x.dims[1...])
        let store = try DataStore(kind: .image, sampleShape: shape, bytes: pixels, floats: [],
                                  labels: labels32, classes: names)
        return Dataset(store: store)
    }
}
