/// NumPy's .npy format (versions 1-3): magic "\x93NUMPY", version, header length, a Python
/// dict literal with 'descr', 'fortran_order' and 'shape', then the values. Read: float32,
/// float64, int32, int64, uint8 (either byte order), C order, into a Float32 tensor.
public enum NPY {
    public struct Header {
        public let descr: String
        public let fortranOrder: Bool
        public let shape: [Int]
        public let dataOffset: Int
    }

    public static func read(_ path: String) throws -> Tensor {
        try decode(try FileBytes.readMaybeGzip(path, declaredSize: declaredSize(path: path)), path: path)
    }

    /// The size an NPY header declares, for `FileBytes.readMaybeGzip`: nil until the header
    /// has expanded, then its length plus the data's (no bound for a dtype or shape that
    /// `decode` refuses anyway).
    static func declaredSize(path: String) -> Gzip.DeclaredSize {
        { prefix in
            guard prefix.count >= 10 else { return nil }
            // a wrong magic number or version is an error at once (parseHeader says which)
            if !prefix.starts(with: [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]) || !(1...3).contains(prefix[6]) {
                _ = try parseHeader(Array(prefix), path: path)
            }
            let start = prefix[6] == 1 ? 10 : 12
            guard prefix.count >= start else { return nil }
            var headerLength = Int(prefix[8]) | Int(prefix[9]) << 8
            if start == 12 { headerLength |= Int(prefix[10]) << 16 | Int(prefix[11]) << 24 }
            guard prefix.count >= start + headerLength else { return nil }
            let h = try parseHeader(Array(prefix.prefix(start + headerLength)), path: path)
            guard let width = Int(String(h.descr.dropFirst(2))), width > 0 else { return Gzip.defaultLimit }
            var bytes = width
            for s in h.shape {
                let (m, overflow) = bytes.multipliedReportingOverflow(by: s)
                if overflow { return Gzip.defaultLimit }
                bytes = m
            }
            let (total, overflow) = h.dataOffset.addingReportingOverflow(bytes)
            return overflow ? Gzip.defaultLimit : Gzip.Limit(bytes: total, reason: "its NPY header declares")
        }
    }

    public static func parseHeader(_ b: [UInt8], path: String) throws -> Header {
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
        guard b.count >= 10 else { throw DataError("\(path) is truncated: \(b.count) bytes, too short for an NPY header") }
        guard Array(b[0..<6]) == magic else {
            throw DataError("\(path) is not an NPY file (wrong magic number; expected \\x93NUMPY)")
        }
        let major = b[6]
        let headerLength: Int, start: Int
        switch major {
        case 1:
            headerLength = Int(b[8]) | Int(b[9]) << 8
            start = 10
        case 2, 3:
            guard b.count >= 12 else { throw DataError("\(path) is truncated inside the NPY header") }
            headerLength = Int(b[8]) | Int(b[9]) << 8 | Int(b[10]) << 16 | Int(b[11]) << 24
            start = 12
        default:
            throw DataError("\(path): unsupported NPY version \(major).\(b[7])")
        }
        guard b.count >= start + headerLength else { throw DataError("\(path) is truncated inside the NPY header") }
        let headerBytes = Array(b[start..<(start + headerLength)])
        let text = String(decoding: headerBytes, as: UTF8.self)
        func malformed(_ reason: String) -> DataError {
            DataError("\(path): malformed NPY header (\(reason)): \(text.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        var entries: [String: HeaderLiteral.Value] = [:]
        do {
            for (key, value, at) in try HeaderLiteral.parse(headerBytes) {
                guard ["descr", "fortran_order", "shape"].contains(key) else {
                    throw HeaderLiteral.Failure(message: "unexpected key '\(key)'", at: at)
                }
                guard entries.updateValue(value, forKey: key) == nil else {
                    throw HeaderLiteral.Failure(message: "key '\(key)' appears twice", at: at)
                }
            }
        } catch let f as HeaderLiteral.Failure {
            throw malformed("\(f.message) at character \(f.at + 1)")
        }
        for key in ["descr", "fortran_order", "shape"] where entries[key] == nil {
            throw malformed("missing key '\(key)'")
        }
        guard case .string(let descr) = entries["descr"]! else {
            throw malformed("'descr' must be a string, got \(entries["descr"]!.kind)")
        }
        guard case .bool(let fortran) = entries["fortran_order"]! else {
            throw malformed("'fortran_order' must be True or False, got \(entries["fortran_order"]!.kind)")
        }
        guard case .tuple(let shape) = entries["shape"]! else {
            throw malformed("'shape' must be a tuple of integers, got \(entries["shape"]!.kind)")
        }
        return Header(descr: descr, fortranOrder: fortran, shape: shape, dataOffset: start + headerLength)
    }

    /// The header's dict literal, read as Python reads it (numpy's reader uses
    /// `ast.literal_eval`), for the values an NPY header holds: string keys, and strings,
    /// True/False or tuples of non-negative integers as values. Anything else is refused,
    /// never skipped, so no text inside a value can pass for a key.
    enum HeaderLiteral {
        enum Value {
            case string(String), bool(Bool), tuple([Int])
            var kind: String {
                switch self {
                case .string: return "a string"
                case .bool: return "a boolean"
                case .tuple: return "a tuple"
                }
            }
        }

        struct Failure: Error {
            let message: String
            let at: Int
        }

        /// The (key, value, position of the key) entries in order; duplicates are the caller's.
        static func parse(_ b: [UInt8]) throws -> [(String, Value, Int)] {
            var i = 0
            func fail(_ message: String) -> Failure { Failure(message: message, at: min(i, b.count)) }
            func skipSpace() {
                while i < b.count, [0x20, 0x09, 0x0A, 0x0D].contains(b[i]) { i += 1 }
            }
            func expect(_ c: UInt8) throws {
                skipSpace()
                guard i < b.count, b[i] == c else { throw fail("expected '\(Character(UnicodeScalar(c)))'") }
                i += 1
            }
            func string() throws -> String {
                let quote = b[i]
                let first = i + 1
                i = first
                while i < b.count, b[i] != quote {
                    guard b[i] != 0x5C, b[i] != 0x0A else { throw fail("unsupported character in a string") }
                    i += 1
                }
                guard i < b.count else { throw Failure(message: "unterminated string", at: first - 1) }
                defer { i += 1 }
                return String(decoding: b[first..<i], as: UTF8.self)
            }
            func integer() throws -> Int {
                let first = i
                while i < b.count, b[i] >= 0x30 && b[i] <= 0x39 { i += 1 }
                guard i > first else { throw Failure(message: "expected a non-negative integer", at: first) }
                guard i - first <= 18 else { throw Failure(message: "integer too large", at: first) }
                let v = Int(String(decoding: b[first..<i], as: UTF8.self))!
                if i < b.count, b[i] == 0x4C || b[i] == 0x6C { i += 1 }   // Python 2 long: 3L
                return v
            }
            func tuple() throws -> [Int] {
                let open = i
                i += 1
                var items: [Int] = []
                var comma = false
                while true {
                    skipSpace()
                    if i < b.count, b[i] == 0x29 { i += 1; break }
                    items.append(try integer())
                    skipSpace()
                    if i < b.count, b[i] == 0x2C { i += 1; comma = true; continue }
                    if i < b.count, b[i] == 0x29 { i += 1; break }
                    throw fail("expected ',' or ')'")
                }
                if items.count == 1 && !comma {
                    throw Failure(message: "expected a tuple, got the integer \(items[0])", at: open)
                }
                return items
            }
            func value() throws -> Value {
                skipSpace()
                guard i < b.count else { throw fail("expected a value") }
                switch b[i] {
                case 0x27, 0x22: return .string(try string())
                case 0x28: return .tuple(try tuple())
                default:
                    let first = i
                    while i < b.count, (b[i] >= 0x41 && b[i] <= 0x5A) || (b[i] >= 0x61 && b[i] <= 0x7A) || b[i] == 0x5F { i += 1 }
                    switch String(decoding: b[first..<i], as: UTF8.self) {
                    case "True": return .bool(true)
                    case "False": return .bool(false)
                    case "": throw Failure(message: "expected a string, True, False or a tuple", at: first)
                    default: throw Failure(message: "expected True or False", at: first)
                    }
                }
            }
            var entries: [(String, Value, Int)] = []
            try expect(0x7B)
            while true {
                skipSpace()
                if i < b.count, b[i] == 0x7D { i += 1; break }
                guard i < b.count, b[i] == 0x27 || b[i] == 0x22 else { throw fail("expected a string key or '}'") }
                let at = i
                let key = try string()
                try expect(0x3A)
                entries.append((key, try value(), at))
                skipSpace()
                if i < b.count, b[i] == 0x2C { i += 1; continue }
                if i < b.count, b[i] == 0x7D { i += 1; break }
                throw fail("expected ',' or '}'")
            }
            skipSpace()
            guard i == b.count else { throw fail("unexpected text after the dict") }
            return entries
        }
    }

    public static func decode(_ b: [UInt8], path: String) throws -> Tensor {
        let h = try parseHeader(b, path: path)
        guard !h.fortranOrder || h.shape.count <= 1 else {
            throw DataError("\(path): Fortran-order arrays are not supported; save with np.ascontiguousarray")
        }
        do { try Tensor.validateShape(h.shape) } catch let e as TensorError { throw DataError("\(path): \(e.message)") }
        let chars = Array(h.descr)
        guard chars.count >= 3 else { throw DataError("\(path): unsupported NPY dtype '\(h.descr)'") }
        let order = chars[0], kind = chars[1]
        let width = Int(String(chars[2...])) ?? 0
        let bigEndian = order == ">"
        let supported: Set<String> = ["f4", "f8", "i4", "i8", "u1", "i1", "f2"]
        guard order == "<" || order == ">" || order == "|" || order == "=",
              supported.contains("\(kind)\(width)"), kind != "f" || width != 2 else {
            throw DataError("\(path): unsupported NPY dtype '\(h.descr)' (supported: float32, float64, int32, int64, uint8)")
        }
        let count = h.shape.reduce(1, *)
        let needed = h.dataOffset + count * width
        guard b.count >= needed else {
            throw DataError("\(path) is truncated: shape \(describeShape(h.shape)) of \(h.descr) needs \(needed) bytes, the file has \(b.count)")
        }
        guard b.count == needed else {
            throw DataError("\(path): \(b.count - needed) byte\(b.count - needed == 1 ? "" : "s") after the data (shape \(describeShape(h.shape)) of \(h.descr) needs \(needed) bytes, the file has \(b.count))")
        }
        let t = try Tensor(uninitializedShape: h.shape)
        let dst = t.pointer
        b.withUnsafeBufferPointer { src in
            guard let base = src.baseAddress else { return }
            let p = UnsafeRawPointer(base + h.dataOffset)
            for i in 0..<count {
                let q = p + i * width
                switch (kind, width) {
                case ("u", 1): dst[i] = Float(q.load(as: UInt8.self))
                case ("i", 1): dst[i] = Float(q.load(as: Int8.self))
                case ("f", 4):
                    var u = q.loadUnaligned(as: UInt32.self)
                    u = bigEndian ? u.byteSwapped : u
                    dst[i] = Float(bitPattern: u)
                case ("f", 8):
                    var u = q.loadUnaligned(as: UInt64.self)
                    u = bigEndian ? u.byteSwapped : u
                    dst[i] = Float(Double(bitPattern: u))
                case ("i", 4):
                    var u = q.loadUnaligned(as: Int32.self)
                    u = bigEndian ? u.byteSwapped : u
                    dst[i] = Float(u)
                default:
                    var u = q.loadUnaligned(as: Int64.self)
                    u = bigEndian ? u.byteSwapped : u
                    dst[i] = Float(u)
                }
            }
        }
        return t
    }

    /// Writes a Float32 tensor as a version 1.0 .npy file ('<f4', C order).
    public static func encode(_ t: Tensor) -> [UInt8] {
        let shape = t.shape.map(String.init).joined(separator: ", ") + (t.rank == 1 ? "," : "")
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(shape)), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var out: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0]
        let n = header.utf8.count
        out += [UInt8(n & 0xFF), UInt8(n >> 8)]
        out += Array(header.utf8)
        for v in t.toArray() {
            let u = v.bitPattern.littleEndian
            out += [UInt8(u & 0xFF), UInt8((u >> 8) & 0xFF), UInt8((u >> 16) & 0xFF), UInt8(u >> 24)]
        }
        return out
    }
}

import Foundation
