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
    public static func readMaybeGzip(_ path: String, hint: String? = nil) throws -> [UInt8] {
        let raw = try read(path, hint: hint)
        guard Gzip.isGzip(raw) else { return raw }
        do {
            return try Gzip.decompress(raw)
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

    public static func decompress(_ input: [UInt8]) throws -> [UInt8] {
        guard !input.isEmpty else { return [] }
        // ISIZE (the last 4 bytes) is the size of the last member mod 2^32: a capacity hint.
        var capacity = input.count * 4
        if input.count >= 18 {
            let n = input.count
            let isize = Int(input[n - 4]) | Int(input[n - 3]) << 8 | Int(input[n - 2]) << 16 | Int(input[n - 1]) << 24
            // deflate expands at most ~1032:1; a corrupt trailer must not ask for gigabytes
            if isize > 0 { capacity = max(min(isize, input.count * 1032) + 64, 1024) }
        }
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
                    if produced == output.count {
                        output.append(contentsOf: repeatElement(0, count: max(output.count, 1 << 16)))
                    }
                    let room = min(output.count - produced, Int(UInt32.max))
                    status = output.withUnsafeMutableBufferPointer { outBuf -> Int32 in
                        stream.next_out = outBuf.baseAddress! + produced
                        stream.avail_out = UInt32(room)
                        let s = inflate(&stream, Z_NO_FLUSH)
                        produced += room - Int(stream.avail_out)
                        return s
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
