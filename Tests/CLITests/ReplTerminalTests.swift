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

    /// An lwscript REPL on a pseudo-terminal: `type` sends keys, `transcript` collects what it
    /// prints, `end` sends Ctrl-D and returns the exit status.
    struct Session {
        let process: Process
        let input: Pipe
        let output: Pipe
        let transcript = Transcript()

        func type(_ s: String) { try? input.fileHandleForWriting.write(contentsOf: Data(s.utf8)) }

        /// Ctrl-D ends the session; waits for it (killing it after 30 s) and returns its status.
        func end() -> Int32 {
            type("\u{04}")
            try? input.fileHandleForWriting.close()
            let deadline = Date().addingTimeInterval(30)
            while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
            output.fileHandleForReading.readabilityHandler = nil
            return process.terminationStatus
        }
    }

    func startSession() throws -> Session {
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
        let session = Session(process: p, input: Pipe(), output: Pipe())
        p.standardInput = session.input
        p.standardOutput = session.output
        p.standardError = session.output
        let transcript = session.transcript
        session.output.fileHandleForReading.readabilityHandler = { h in
            let d = h.availableData
            if !d.isEmpty { transcript.append(d) }
        }
        try p.run()
        return session
    }

    /// How many prompts ("> " and ">> ") the text shows.
    func prompts(_ t: String) -> Int { t.components(separatedBy: "> ").count - 1 }

    /// Regression: Ctrl-C at the prompt used to end the session (and lose its state); it must
    /// discard the line being typed and ask again.
    func testCtrlCAtThePromptKeepsTheSession() throws {
        let session = try startSession()
        let transcript = session.transcript
        XCTAssertTrue(transcript.wait { self.prompts($0) >= 1 }, "no first prompt: \(transcript.text)")
        session.type("x = 7\r")
        XCTAssertTrue(transcript.wait { self.prompts($0) >= 2 }, "no prompt after x = 7: \(transcript.text)")
        session.type("abc")
        XCTAssertTrue(transcript.wait { $0.hasSuffix("abc") }, "the typed line is not echoed: \(transcript.text)")
        session.type("\u{03}")              // Ctrl-C while a line is being typed
        XCTAssertTrue(transcript.wait { $0.contains("^C") && self.prompts($0) >= 3 }, "no new prompt after Ctrl-C: \(transcript.text)")
        session.type("print(x * 6)\r")
        XCTAssertTrue(transcript.wait { $0.contains("42") }, "the session (and x) survived Ctrl-C: \(transcript.text)")
        XCTAssertEqual(session.end(), 0, transcript.text)
    }

    /// Regression: Ctrl-C at a `>>` continuation prompt kept the unfinished chunk (the next
    /// line was added to it, still unfinished); it must discard the whole chunk and return to `>`.
    func testCtrlCAtAContinuationPromptDiscardsTheChunk() throws {
        let session = try startSession()
        let transcript = session.transcript
        XCTAssertTrue(transcript.wait { self.prompts($0) >= 1 }, "no first prompt: \(transcript.text)")
        session.type("x = 7\r")
        XCTAssertTrue(transcript.wait { self.prompts($0) >= 2 }, "no prompt after x = 7: \(transcript.text)")
        session.type("function f()\r")
        XCTAssertTrue(transcript.wait { $0.hasSuffix(">> ") }, "no continuation prompt: \(transcript.text)")
        session.type("return 1\r")
        XCTAssertTrue(transcript.wait { $0.components(separatedBy: ">> ").count == 3 }, "no second continuation prompt: \(transcript.text)")
        session.type("\u{03}")              // Ctrl-C at the continuation prompt
        XCTAssertTrue(transcript.wait { t in
            guard let c = t.range(of: "^C", options: .backwards) else { return false }
            return t[c.upperBound...].contains("> ")
        }, "no prompt after Ctrl-C: \(transcript.text)")
        let afterInterrupt = transcript.text.components(separatedBy: "^C").last ?? ""
        XCTAssertFalse(afterInterrupt.contains(">> "), "Ctrl-C kept the unfinished chunk: \(transcript.text)")
        session.type("print(x * 6, f)\r")
        XCTAssertTrue(transcript.wait { $0.contains("42\tnil") }, "the chunk was not discarded (or ran): \(transcript.text)")
        XCTAssertEqual(session.end(), 0, transcript.text)
    }

    /// Top-level locals stay for the next lines (they used to end with their line: `local m`
    /// then `m` printed nil), and a line that is a complete expression prints at once.
    func testTopLevelLocalsStayAndExpressionsPrintAtOnce() throws {
        let session = try startSession()
        let transcript = session.transcript
        XCTAssertTrue(transcript.wait { self.prompts($0) >= 1 }, "no first prompt: \(transcript.text)")
        session.type("local m = nn.mlp{inputs = 4, hidden = {8}, classes = 2}\r")
        XCTAssertTrue(transcript.wait { self.prompts($0) >= 2 }, "no prompt after local m: \(transcript.text)")
        session.type("m\r")
        XCTAssertTrue(transcript.wait { $0.contains("Total: 58 parameters") && self.prompts($0) >= 3 },
                      "m was not printed at once: \(transcript.text)")
        XCTAssertFalse(transcript.text.contains(">> "), transcript.text)
        session.type("local data = 7\r")
        session.type("print(data * 6, type(_G.data))\r")
        XCTAssertTrue(transcript.wait { $0.contains("42\ttable") }, "the local was lost or replaced the data module: \(transcript.text)")
        XCTAssertEqual(session.end(), 0, transcript.text)
    }
}
