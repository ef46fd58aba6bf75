import CZlib
import Foundation

/// An error reading or writing a checkpoint file: a foreign, truncated or corrupted file, an
/// unsupported version, or an I/O failure. The message says which and where.
public struct CheckpointError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A set of named Float32 tensors plus a kind tag and a UTF-8 metadata string, in lwscript's
/// checkpoint file format (byte layout in docs/checkpoint-format.md):
///
///     magic "\u{89}LWSCK\r\n" (8 bytes), version u32 = 1, kind (u32 length + UTF-8),
///     metadata (u64 length + UTF-8), entry count u64, entries (name, dtype, rank, sizes,
///     data byte count, little-endian Float32 data), CRC-32 of everything before it (u32).
///
/// All integers are little-endian. Files are written atomically: a temporary file in the same
/// directory, fsync, rename, fsync of the directory. Reading checks the magic, the version,
/// every length against the file size, each entry's data size against its shape, and the
/// checksum; it never returns tensors from a damaged file.
///
/// ```swift
/// try Checkpoint.write(to: "w.ckpt", kind: "tensors", metadata: "epoch=3", tensors: [("w", w)])
/// let c = try Checkpoint.read(from: "w.ckpt")   // c.kind, c.metadata, c.tensors
/// ```
public struct Checkpoint {
    public var kind: String
    public var metadata: String
    /// Named tensors, in file order (names are unique).
    public var tensors: [(String, Tensor)]

    public init(kind: String, metadata: String, tensors: [(String, Tensor)]) {
        self.kind = kind
        self.metadata = metadata
        self.tensors = tensors
    }

    /// The tensor called `name`, if any.
    public func tensor(named name: String) -> Tensor? {
        tensors.first(where: { $0.0 == name })?.1
    }

    public static let magic: [UInt8] = [0x89, 0x4C, 0x57, 0x53, 0x43, 0x4B, 0x0D, 0x0A]
    public static let formatVersion: UInt32 = 1
    /// The only element type so far.
    static let dtypeFloat32: UInt32 = 1
    static let maxRank = Tensor.maxDimensions
    static let maxNameBytes = 1 << 16

    // MARK: files

    /// Writes a checkpoint file atomically (replacing `path` only once the new file is
    /// complete on disk).
    public static func write(to path: String, kind: String, metadata: String, tensors: [(String, Tensor)]) throws {
        let bytes = try encode(kind: kind, metadata: metadata, tensors: tensors)
        try writeAtomically(bytes, to: path)
    }

    /// Writes this checkpoint to `path` atomically.
    public func write(to path: String) throws {
        try Checkpoint.write(to: path, kind: kind, metadata: metadata, tensors: tensors)
    }

    /// Reads and fully verifies a checkpoint file.
    public static func read(from path: String) throws -> Checkpoint {
        let bytes = try readFile(path)
        do {
            return try decode(bytes)
        } catch let e as CheckpointError {
            throw CheckpointError("\(path): \(e.message)")
        }
    }

    // MARK: encoding

    /// The file's bytes for these contents.
    public static func encode(kind: String, metadata: String, tensors: [(String, Tensor)]) throws -> [UInt8] {
        var names = Set<String>()
        for (name, _) in tensors {
            guard !name.isEmpty else { throw CheckpointError("tensor names must not be empty") }
            guard !name.utf8.contains(0) else { throw CheckpointError("tensor names must not contain NUL bytes") }
            guard name.utf8.count <= maxNameBytes else { throw CheckpointError("tensor name '\(name.prefix(40))...' is too long") }
            guard names.insert(name).inserted else { throw CheckpointError("tensor name '\(name)' appears twice") }
        }
        guard kind.utf8.count <= maxNameBytes else { throw CheckpointError("kind tag is too long") }
        var size = magic.count + 4 + 4 + kind.utf8.count + 8 + metadata.utf8.count + 8 + 4
        for (name, t) in tensors { size += 4 + name.utf8.count + 4 + 4 + 8 * t.rank + 8 + 4 * t.count }
        var out: [UInt8] = []
        out.reserveCapacity(size)
        out += magic
        appendLE(&out, formatVersion)
        appendLE(&out, UInt32(kind.utf8.count))
        out += Array(kind.utf8)
        appendLE(&out, UInt64(metadata.utf8.count))
        out += Array(metadata.utf8)
        appendLE(&out, UInt64(tensors.count))
        for (name, t) in tensors {
            guard t.rank <= maxRank else { throw CheckpointError("tensor '\(name)' has \(t.rank) dimensions (at most \(maxRank))") }
            appendLE(&out, UInt32(name.utf8.count))
            out += Array(name.utf8)
            appendLE(&out, dtypeFloat32)
            appendLE(&out, UInt32(t.rank))
            for s in t.shape { appendLE(&out, UInt64(s)) }
            appendLE(&out, UInt64(4 * t.count))
            let packed = try t.contiguous()
            let start = out.count
            out += repeatElement(0, count: 4 * t.count)
            out.withUnsafeMutableBytes { raw in
                let dst = raw.baseAddress! + start
                if 1.littleEndian == 1 {
                    if t.count > 0 { dst.copyMemory(from: packed.pointer, byteCount: 4 * t.count) }
                } else {
                    for i in 0..<t.count { dst.storeBytes(of: packed.pointer[i].bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self) }
                }
            }
        }
        appendLE(&out, crc(out[...]))
        return out
    }

    /// Parses and verifies a checkpoint held in memory.
    public static func decode(_ bytes: [UInt8]) throws -> Checkpoint {
        guard bytes.count >= magic.count, Array(bytes[0..<magic.count]) == magic else {
            if bytes.count < magic.count && Array(magic[0..<bytes.count]) == bytes {
                throw CheckpointError("truncated checkpoint: the file has only \(bytes.count) bytes")
            }
            throw CheckpointError("not an lwscript checkpoint (wrong magic bytes at the start of the file)")
        }
        var r = Reader(bytes: bytes, position: magic.count)
        let version = try r.u32("the format version")
        guard version == formatVersion else {
            throw CheckpointError("unsupported checkpoint format version \(version) (this build reads version \(formatVersion))")
        }
        let kind = try r.string(length: Int(try r.u32("the kind length")), "the kind tag")
        let metaLength = try r.length(try r.u64("the metadata length"), "the metadata")
        let metadata = try r.string(length: metaLength, "the metadata")
        let count = try r.u64("the entry count")
        // Each entry takes at least 24 bytes: a count larger than that is damage, not a request.
        guard count <= UInt64(r.remaining / 24) else {
            throw CheckpointError("truncated or corrupted checkpoint: \(count) entries cannot fit in the \(r.remaining) bytes left")
        }
        var entries: [(name: String, shape: [Int], dataAt: Int)] = []
        var names = Set<String>()
        for k in 1...max(Int(count), 1) where k <= Int(count) {
            let nameLength = try r.u32("the name length of entry \(k)")
            guard nameLength > 0, nameLength <= maxNameBytes else {
                throw CheckpointError("corrupted checkpoint: entry \(k) has a name of \(nameLength) bytes")
            }
            let name = try r.string(length: Int(nameLength), "the name of entry \(k)")
            guard !name.utf8.contains(0) else { throw CheckpointError("corrupted checkpoint: the name of entry \(k) contains a NUL byte") }
            guard names.insert(name).inserted else { throw CheckpointError("corrupted checkpoint: tensor name '\(name)' appears twice") }
            let dtype = try r.u32("the element type of '\(name)'")
            guard dtype == dtypeFloat32 else {
                throw CheckpointError("tensor '\(name)' has element type \(dtype); this build reads only Float32 (type 1)")
            }
            let rank = try r.u32("the rank of '\(name)'")
            guard rank <= maxRank else { throw CheckpointError("corrupted checkpoint: tensor '\(name)' claims \(rank) dimensions") }
            var shape: [Int] = []
            var elements = 1
            for _ in 0..<Int(rank) {
                let s = try r.u64("the sizes of '\(name)'")
                let (m, overflow) = elements.multipliedReportingOverflow(by: Int(clamping: s))
                guard s <= UInt64(Tensor.maxElements), !overflow, m <= Tensor.maxElements else {
                    throw CheckpointError("corrupted checkpoint: tensor '\(name)' has an impossible size \(s)")
                }
                shape.append(Int(s))
                elements = m
            }
            let dataBytes = try r.u64("the data size of '\(name)'")
            guard dataBytes == UInt64(4 * elements) else {
                throw CheckpointError("corrupted checkpoint: tensor '\(name)' of size \(describeShape(shape)) needs \(4 * elements) bytes of data, the entry holds \(dataBytes)")
            }
            let at = r.position
            try r.skip(4 * elements, "the data of '\(name)'")
            entries.append((name, shape, at))
        }
        let end = r.position
        guard bytes.count >= end + 4 else {
            throw CheckpointError("truncated checkpoint: the checksum at byte \(end) is missing (the file has \(bytes.count) bytes)")
        }
        guard bytes.count == end + 4 else {
            throw CheckpointError("corrupted checkpoint: \(bytes.count - end - 4) unexpected bytes after the last entry")
        }
        var tail = Reader(bytes: bytes, position: end)
        let stored = try tail.u32("the checksum")
        let computed = crc(bytes[0..<end])
        guard stored == computed else {
            throw CheckpointError("corrupted checkpoint: checksum mismatch (stored \(hex(stored)), computed \(hex(computed)))")
        }
        var tensors: [(String, Tensor)] = []
        tensors.reserveCapacity(entries.count)
        for e in entries {
            let t = try Tensor(uninitializedShape: e.shape)
            bytes.withUnsafeBytes { raw in
                let src = raw.baseAddress! + e.dataAt
                if 1.littleEndian == 1 {
                    if t.count > 0 { UnsafeMutableRawPointer(t.pointer).copyMemory(from: src, byteCount: 4 * t.count) }
                } else {
                    for i in 0..<t.count {
                        t.pointer[i] = Float(bitPattern: UInt32(littleEndian: src.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                    }
                }
            }
            tensors.append((e.name, t))
        }
        return Checkpoint(kind: kind, metadata: metadata, tensors: tensors)
    }

    // MARK: helpers

    static func crc(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var c = crc32(0, nil, 0)
        bytes.withUnsafeBufferPointer { buf in
            var p = buf.baseAddress
            var left = buf.count
            while left > 0, let base = p {
                let n = min(left, 1 << 30)
                c = crc32(c, base, uInt(n))
                p = base + n
                left -= n
            }
        }
        return UInt32(truncatingIfNeeded: c)
    }

    static func hex(_ v: UInt32) -> String {
        let s = String(v, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - s.count) + s
    }

    static func appendLE<T: FixedWidthInteger>(_ out: inout [UInt8], _ v: T) {
        withUnsafeBytes(of: v.littleEndian) { out += $0 }
    }

    /// A bounds-checked cursor: running out of bytes is a "truncated" error naming the field.
    struct Reader {
        let bytes: [UInt8]
        var position: Int
        var remaining: Int { bytes.count - position }

        mutating func need(_ n: Int, _ what: String) throws {
            guard n <= remaining else {
                throw CheckpointError("truncated or corrupted checkpoint: \(what) needs \(n) bytes at byte \(position), only \(remaining) remain")
            }
        }

        mutating func integer<T: FixedWidthInteger>(_ type: T.Type, _ what: String) throws -> T {
            try need(MemoryLayout<T>.size, what)
            var v: T = 0
            for i in 0..<MemoryLayout<T>.size { v |= T(bytes[position + i]) << (8 * i) }
            position += MemoryLayout<T>.size
            return v
        }

        mutating func u32(_ what: String) throws -> UInt32 { try integer(UInt32.self, what) }
        mutating func u64(_ what: String) throws -> UInt64 { try integer(UInt64.self, what) }

        func length(_ v: UInt64, _ what: String) throws -> Int {
            guard v <= UInt64(remaining) else {
                throw CheckpointError("truncated or corrupted checkpoint: \(what) needs \(v) bytes at byte \(position), only \(remaining) remain")
            }
            return Int(v)
        }

        mutating func skip(_ n: Int, _ what: String) throws {
            try need(n, what)
            position += n
        }

        mutating func string(length n: Int, _ what: String) throws -> String {
            try need(n, what)
            let slice = bytes[position..<(position + n)]
            guard let s = String(validating: slice, as: UTF8.self) else {
                throw CheckpointError("corrupted checkpoint: \(what) is not valid UTF-8")
            }
            position += n
            return s
        }
    }

    // MARK: files, POSIX

    static func readFile(_ path: String) throws -> [UInt8] {
        do {
            return try FileBytes.read(path)
        } catch let e as DataError {
            throw CheckpointError(e.message)
        }
    }

    /// Writes `bytes` atomically (temporary file, fsync, rename; see AtomicFile).
    static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        do {
            try AtomicFile.write(bytes, to: path)
        } catch let e as DataError {
            throw CheckpointError(e.message)
        }
    }
}
