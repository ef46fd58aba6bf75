import Foundation
import XCTest
@testable import Numerics

final class AtomicFileTests: XCTestCase {
    /// A process started and waited for: its PID names no process any more.
    private func deadPID() throws -> pid_t {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/true")
        try p.run()
        p.waitUntilExit()
        let pid = p.processIdentifier
        guard kill(pid, 0) != 0 && errno == ESRCH else { throw XCTSkip("PID \(pid) was reused at once") }
        return pid
    }

    /// Regression: temporary files left by a killed writer (`.NAME.tmp-PID-RAND`) stayed
    /// forever. The next write of the same file removes those of processes that no longer
    /// exist, and leaves those of live processes, still-locked ones and other files' alone.
    func testStaleTemporariesOfDeadWritersAreRemovedAtTheNextWrite() throws {
        let dir = NSTemporaryDirectory() + "lws-atomic-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let sleeper = Process()
        sleeper.executableURL = URL(fileURLWithPath: "/bin/sleep")
        sleeper.arguments = ["60"]
        try sleeper.run()
        defer { sleeper.terminate(); sleeper.waitUntilExit() }
        let dead = try deadPID(), live = sleeper.processIdentifier

        func plant(_ name: String) { XCTAssertTrue(FileManager.default.createFile(atPath: dir + "/" + name, contents: Data("partial".utf8))) }
        let stale = ".r.csv.tmp-\(dead)-123"
        let keep = [".r.csv.tmp-\(live)-456",            // a live writer
                    ".r.csv.tmp-\(getpid())-789",        // this process (another thread may write)
                    ".r.csv.tmp-\(dead)-42",             // locked: a writer on another machine
                    ".other.csv.tmp-\(dead)-1",          // another file's
                    ".r.csv.tmp-x-1", "r.csv.tmp-\(dead)-7"]
        plant(stale)
        keep.forEach(plant)
        let lockedFD = open(dir + "/.r.csv.tmp-\(dead)-42", O_RDONLY)
        XCTAssertEqual(flock(lockedFD, LOCK_EX), 0)
        defer { close(lockedFD) }

        try AtomicFile.write(Array("a,b\n".utf8), to: dir + "/r.csv")
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: dir))
        XCTAssertEqual(left, Set(keep + ["r.csv"]))
        XCTAssertEqual(try String(contentsOfFile: dir + "/r.csv", encoding: .utf8), "a,b\n")
    }
}
