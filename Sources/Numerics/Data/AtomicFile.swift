import Foundation

/// Writing result files so that an interrupted run never leaves half a file: the bytes go to
/// a new temporary file next to the target, are flushed to disk, and the temporary file is
/// renamed over the target (then the directory is flushed). On failure the target is
/// untouched and the temporary file removed.
public enum AtomicFile {
    public static func write(_ bytes: [UInt8], to path: String) throws {
        func failure(_ why: String) -> DataError { DataError("cannot write \(path): \(why)") }
        guard !path.isEmpty else { throw DataError("cannot write to an empty path") }
        guard !path.hasSuffix("/") else { throw failure("it is a directory") }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw failure("it is a directory")
        }
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        let tmp = dir + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure(String(cString: strerror(errno))) }
        var ok = false
        defer { if !ok { unlink(tmp) } }
        do {
            defer { close(fd) }
            var done = 0
            try bytes.withUnsafeBytes { raw in
                while done < raw.count {
                    let n = Foundation.write(fd, raw.baseAddress! + done, raw.count - done)
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else { throw failure(String(cString: strerror(errno))) }
                    done += n
                }
            }
            guard fsync(fd) == 0 else { throw failure("fsync failed: \(String(cString: strerror(errno)))") }
        }
        guard rename(tmp, path) == 0 else { throw failure(String(cString: strerror(errno))) }
        ok = true
        let dfd = open(dir, O_RDONLY | O_CLOEXEC)
        if dfd >= 0 { _ = fsync(dfd); close(dfd) }
    }
}
