import CZlib
import Foundation

/// Reading whole files, transparently gunzipped. Errors name the path; `hint` (how to get the
/// data) is appended to "no such file" messages.
public enum FileBytes {
    /// The bytes of the file at `path`.
    public static func read(_ path: String, hint: String? = nil) throws -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DataError("cannot open \(path) (no such file)" + (hint.map { "; \($0)" } ?? ""))
        }
        guard !isDirectory.boolValue else { throw DataError("cannot read \(path): it is a directory") }
        guard let f = fopen(path, "rb") else {
            throw DataError("cannot open \(path) (\(String(cString: strerror(errno))))")
        }
        defer { fclose(f) }
        var st = stat()
        guard fstat(fileno(f), &st) == 0 else { throw DataError("cannot read \(path)") }
        let size = Int(st.st_size)
        var out = [UInt8](repeating: 0, count: size)
        let got = out.withUnsafeMutableBytes { fread($0.baseAddress, 1, size, f) }
        guard got == size else { throw DataError("cannot read \(path): read \(got) of \(size) bytes") }
        return out
    }

    /// The bytes of the file, gunzipped when they start with the gzip magic number.
    /// `declaredSize` reads, from the first bytes of the content, how many bytes the format
    /// says it holds (see `Gzip.decompress`): a file that expands beyond that is refused as
    /// soon as it does, instead of being expanded whole (a "gzip bomb").
    public static func readMaybeGzip(_ path: String, hint: String? = nil, limit: Gzip.Limit = Gzip.defaultLimit,
                                     declaredSize: Gzip.DeclaredSize? = nil) throws -> [UInt8] {
        let raw = try read(path, hint: hint)
        guard Gzip.isGzip(raw) else { return raw }
        do {
            return try Gzip.decompress(raw, limit: limit, declaredSize: declaredSize)
        } catch let e as Gzip.FormatError {
            throw e.underlying   // the format's own message, which names the file
        } catch let e as DataError {
            throw DataError("\(path): \(e.message)")
        }
    }
}

/// gzip (RFC 1952) through zlib, including files of several concatenated members.
public enum Gzip {
    public static func isGzip(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
    }

    /// The most bytes a compressed file may expand to when its format declares no size:
    /// 2^31 - 1 (2.1 GB), as many bytes as a tensor may hold elements.
    public static let defaultLimit = Limit(bytes: Int(Int32.max), reason: "the most lwscript expands from one compressed file")

    /// A bound on the expanded size, and what set it ("its IDX header declares").
    public struct Limit: Sendable {
        public let bytes: Int
        public let reason: String
        public init(bytes: Int, reason: String) { self.bytes = bytes; self.reason = reason }
    }

    /// From the first bytes expanded so far: the size the format declares, or nil when more
    /// bytes are needed to tell. Throws for a malformed header.
    public typealias DeclaredSize = (_ prefix: UnsafeBufferPointer<UInt8>) throws -> Limit?

    /// An error of a `DeclaredSize` (a malformed header), passed on as it came.
    public struct FormatError: Error {
        public let underlying: Error
    }

    /// Bytes expanded while the declared size is still unknown: headers are short, so a
    /// file cannot expand far before its limit is known.
    static let headerChunk = 1 << 16

    /// Expands `input`, refusing to go past `limit` or past what `declaredSize` reads from
    /// the expanded bytes (checked as they come, so a small file that expands to gigabytes
    /// stops at the limit).
    public static func decompress(_ input: [UInt8], limit: Limit = defaultLimit,
                                  declaredSize: DeclaredSize? = nil) throws -> [UInt8] {
        guard !input.isEmpty else { return [] }
        var limit = limit
        var sizeKnown = declaredSize == nil
        // ISIZE (the last 4 bytes) is the size of the last member mod 2^32: a capacity hint.
        var capacity = input.count * 4
        if input.count >= 18 {
            let n = input.count
            let isize = Int(input[n - 4]) | Int(input[n - 3]) << 8 | Int(input[n - 2]) << 16 | Int(input[n - 1]) << 24
            // deflate expands at most ~1032:1; a corrupt trailer must not ask for gigabytes
            if isize > 0 { capacity = max(min(isize, input.count * 1032) + 64, 1024) }
        }
        capacity = min(capacity, limit.bytes + 1)
        var output = [UInt8](repeating: 0, count: capacity)
        var produced = 0
        var stream = z_stream()
        let windowBits: Int32 = 15 + 16   // gzip wrapper only
        guard inflateInit2_(&stream, windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DataError("gzip: cannot initialise zlib")
        }
        defer { inflateEnd(&stream) }
        try input.withUnsafeBufferPointer { inBuf in
            var consumed = 0
            while true {
                stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress! + consumed)
                stream.avail_in = UInt32(min(inBuf.count - consumed, Int(UInt32.max)))
                var status: Int32 = Z_OK
                repeat {
                    // one byte past the limit tells that the data goes beyond it
                    let bound = min(limit.bytes + 1, sizeKnown ? Int.max : produced + headerChunk)
                    if produced == output.count {
                        output.append(contentsOf: repeatElement(0, count: min(max(output.count, 1 << 16), bound - produced)))
                    }
                    let room = min(output.count - produced, bound - produced, Int(UInt32.max))
                    status = output.withUnsafeMutableBufferPointer { outBuf -> Int32 in
                        stream.next_out = outBuf.baseAddress! + produced
                        stream.avail_out = UInt32(room)
                        let s = inflate(&stream, Z_NO_FLUSH)
                        produced += room - Int(stream.avail_out)
                        return s
                    }
                    if !sizeKnown, let declaredSize {
                        let declared: Limit?
                        do {
                            declared = try output.withUnsafeBufferPointer { try declaredSize(UnsafeBufferPointer(rebasing: $0[0..<produced])) }
                        } catch {
                            throw FormatError(underlying: error)
                        }
                        if let declared {
                            if declared.bytes < limit.bytes { limit = declared }
                            sizeKnown = true
                        }
                    }
                    if produced > limit.bytes {
                        throw DataError("the gzip data expands beyond the \(limit.bytes) bytes \(limit.reason)")
                    }
                    if status == Z_BUF_ERROR && stream.avail_in == 0 {
                        throw DataError("truncated gzip data (the file ends inside a compressed stream)")
                    }
                    guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                        let why = stream.msg.map { String(cString: $0) } ?? "error \(status)"
                        throw DataError("corrupt gzip data (\(why))")
                    }
                } while status != Z_STREAM_END
                consumed = inBuf.count - Int(stream.avail_in)
                // Another member may follow (as `cat a.gz b.gz` produces); trailing zeros are padding.
                if consumed >= inBuf.count || inBuf[consumed...].allSatisfy({ $0 == 0 }) { break }
                guard inflateReset(&stream) == Z_OK else { throw DataError("corrupt gzip data") }
            }
        }
        output.removeSubrange(produced...)
        return output
    }

    /// gzip-compresses `input` (used to write test files and exports).
    public static func compress(_ input: [UInt8], level: Int32 = 6) throws -> [UInt8] {
        var stream = z_stream()
        guard deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                            zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DataError("gzip: cannot initialise zlib")
        }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(input.count))) + 32)
        var input = input
        if input.isEmpty { input = [] }
        let status = input.withUnsafeMutableBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf -> Int32 in
                stream.next_in = inBuf.baseAddress
                stream.avail_in = UInt32(inBuf.count)
                stream.next_out = outBuf.baseAddress
                stream.avail_out = UInt32(outBuf.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { throw DataError("gzip: compression failed (\(status))") }
        output.removeSubrange(Int(stream.total_out)...)
        return output
    }
}
