import Foundation
import XCTest

/// The REPL on a real terminal (a pseudo-terminal from util-linux's `script`), where
/// libedit reads the keys and the terminal turns Ctrl-C into SIGINT.
final class ReplTerminalTests: XCTestCase {
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
        p.arguments = ["-qfec", CLITests.binary.path, "/dev/null"]
        var env = ProcessInfo.processInfo.environment
        env["LWSCRIPT_HISTORY"] = FileManager.default.temporaryDirectory
            .appendingPathComponent("lws-history-\(UUID().uuidString)").path
        p.environment = env
        let input = Pipe(), output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        p.standardError = output
        try p.run()
        func type(_ s: String, wait: Double = 0.4) {
            try? input.fileHandleForWriting.write(contentsOf: Data(s.utf8))
            Thread.sleep(forTimeInterval: wait)
        }
        Thread.sleep(forTimeInterval: 1.0)   // the banner and the first prompt
        type("x = 7\r")
        type("abc")
        type("\u{03}")                      // Ctrl-C while a line is being typed
        type("print(x * 6)\r")
        type("\u{04}")                      // Ctrl-D ends the session
        try? input.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(10)
        while p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        if p.isRunning { p.terminate() }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(p.terminationStatus, 0, text)
        XCTAssertTrue(text.contains("^C"), text)
        XCTAssertTrue(text.contains("42"), "the session (and x) survived Ctrl-C: \(text)")
    }
}
