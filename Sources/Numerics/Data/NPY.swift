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
        let text = String(decoding: b[start..<(start + headerLength)], as: UTF8.self)
        guard let descr = quotedValue(text, key: "descr") else {
            throw DataError("\(path): NPY header without 'descr': \(text)")
        }
        let fortran = text.range(of: "'fortran_order': True") != nil
        guard let shapeStart = text.range(of: "'shape':"),
              let open = text[shapeStart.upperBound...].firstIndex(of: "("),
              let close = text[open...].firstIndex(of: ")") else {
            throw DataError("\(path): NPY header without 'shape': \(text)")
        }
        var shape: [Int] = []
        for part in text[text.index(after: open)..<close].split(separator: ",") {
            let s = part.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "L", with: "")
            if s.isEmpty { continue }
            guard let v = Int(s), v >= 0 else { throw DataError("\(path): bad NPY shape entry '\(s)'") }
            shape.append(v)
        }
        return Header(descr: descr, fortranOrder: fortran, shape: shape, dataOffset: start + headerLength)
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

    private static func quotedValue(_ text: String, key: String) -> String? {
        guard let k = text.range(of: "'\(key)':") else { return nil }
        let rest = text[k.upperBound...]
        guard let q1 = rest.firstIndex(where: { $0 == "'" || $0 == "\"" }) else { return nil }
        let after = rest[rest.index(after: q1)...]
        guard let q2 = after.firstIndex(where: { $0 == "'" || $0 == "\"" }) else { return nil }
        return String(after[..<q2])
    }
}

import Foundation
