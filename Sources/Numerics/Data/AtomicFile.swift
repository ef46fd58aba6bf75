import Foundation

/// Writing result files so that an interrupted run never leaves half a file: the bytes go to
/// a new temporary file next to the target, are flushed to disk, and the temporary file is
/// renamed over the target (then the directory is flushed). On failure the target is
/// untouched and the temporary file removed. Temporary files that a killed process left
/// beside the target (`.NAME.tmp-PID-RAND`) are removed at the next write of the same file.
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
        removeStaleTemporaries(dir: dir, name: url.lastPathComponent)
        let tmp = dir + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure(String(cString: strerror(errno))) }
        // Locked until renamed (closed below), so that no cleaner takes it for a stale one.
        _ = flock(fd, LOCK_EX)
        var ok = false
        defer { if !ok { unlink(tmp) } }
        defer { close(fd) }
        do {
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

    /// Removes the temporary files of writes of `dir/name` by processes that no longer exist
    /// (killed between creating and renaming them). A file of a live process on this machine,
    /// or one still locked by its writer (another machine sharing the directory), stays.
    /// Best effort: nothing here makes the write fail.
    static func removeStaleTemporaries(dir: String, name: String) {
        let prefix = "." + name + ".tmp-"
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return }
        for entry in entries where entry.hasPrefix(prefix) {
            let parts = entry.dropFirst(prefix.count).split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 2, let pid = pid_t(parts[0]), pid > 0, pid != getpid(),
                  UInt32(parts[1]) != nil else { continue }
            // kill(pid, 0) fails with ESRCH only when no such process exists (EPERM: it exists).
            guard kill(pid, 0) != 0 && errno == ESRCH else { continue }
            let path = dir + "/" + entry
            let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
            guard fd >= 0 else { continue }
            if flock(fd, LOCK_EX | LOCK_NB) == 0 { unlink(path) }
            close(fd)
        }
    }
}
