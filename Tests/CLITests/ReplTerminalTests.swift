import Foundation
import XCTest

/// The REPL on a real terminal (a pseudo-terminal from util-linux's `script`), where
/// libedit reads the keys and the terminal turns Ctrl-C into SIGINT.
final class ReplTerminalTests: XCTestCase {
    /// What the session has printed so far; filled from the reader thread.
    final class Transcript: @unchecked Sendable {
        private let lock = NSLock()
        private var data = Data()
        func append(_ d: Data) { lock.lock(); data.append(d); lock.unlock() }
        var text: String { lock.lock(); defer { lock.unlock() }; return String(decoding: data, as: UTF8.self) }
        /// Waits (up to `timeout` seconds: CI machines can be slow) until `done` holds for the text.
        func wait(_ timeout: TimeInterval = 30, until done: (String) -> Bool) -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                if done(text) { return true }
                Thread.sleep(forTimeInterval: 0.05)
            }
            return done(text)
        }
    }

    /// Regression: Ctrl-C at the prompt used to end the session (and lose its state); it must
    /// discard the line being typed and ask again.
    func testCtrlCAtThePromptKeepsTheSession() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else {
            throw XCTSkip("/usr/bin/script (util-linux) is not installed")
        }
        // If the session dies, writing the next keys must fail the test, not kill the runner.
        signal(SIGPIPE, SIG_IGN)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        // `script` runs the command through $SHELL -c. The shell must exec lwscript rather than
        // wait for it: Ctrl-C goes to the whole foreground group, and dash (Debian's /bin/sh,
        // the shell when SHELL is unset, as on CI) dies of it, ending the session with 130.
        let quoted = "'" + CLITests.binary.path.replacingOccurrences(of: "'", with: "'\\''") + "'"
        p.arguments = ["-qfec", "exec " + quoted, "/dev/null"]
        var env = ProcessInfo.processInfo.environment
        env["SHELL"] = "/bin/sh"
        env["TERM"] = env["TERM"] ?? "xterm"
        env["LWSCRIPT_HISTORY"] = FileManager.default.temporaryDirectory
            .appendingPathComponent("lws-history-\(UUID().uuidString)").path
        p.environment = env
        let input = Pipe(), output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        p.standardError = output
        let transcript = Transcript()
        output.fileHandleForReading.readabilityHandler = { h in
            let d = h.availableData
            if !d.isEmpty { transcript.append(d) }
        }
        try p.run()
        func type(_ s: String) { try? input.fileHandleForWriting.write(contentsOf: Data(s.utf8)) }
        func prompts(_ t: String) -> Int { t.components(separatedBy: "> ").count - 1 }

        XCTAssertTrue(transcript.wait { prompts($0) >= 1 }, "no first prompt: \(transcript.text)")
        type("x = 7\r")
        XCTAssertTrue(transcript.wait { prompts($0) >= 2 }, "no prompt after x = 7: \(transcript.text)")
        type("abc")
        XCTAssertTrue(transcript.wait { $0.hasSuffix("abc") }, "the typed line is not echoed: \(transcript.text)")
        type("\u{03}")                      // Ctrl-C while a line is being typed
        XCTAssertTrue(transcript.wait { $0.contains("^C") && prompts($0) >= 3 }, "no new prompt after Ctrl-C: \(transcript.text)")
        type("print(x * 6)\r")
        XCTAssertTrue(transcript.wait { $0.contains("42") }, "the session (and x) survived Ctrl-C: \(transcript.text)")
        type("\u{04}")                      // Ctrl-D ends the session
        try? input.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(30)
        while p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if p.isRunning { p.terminate() }
        p.waitUntilExit()
        output.fileHandleForReading.readabilityHandler = nil
        XCTAssertEqual(p.terminationStatus, 0, transcript.text)
    }
}
