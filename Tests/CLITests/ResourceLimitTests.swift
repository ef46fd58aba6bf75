import Foundation
import XCTest

/// Inputs that crashed or aborted the process (issue 12): impossible allocations, tensors with
/// thousands of dimensions, long autograd graphs freed without a backward pass, Lua running out
/// of memory. Each runs in a child process (the built binary), so a regression shows up here as
/// a signal instead of killing the test run.
final class ResourceLimitTests: XCTestCase {
    /// Runs `code` under pcall in `lwscript -e` and returns what the error message was.
    func errorOf(_ code: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let r = try run(["-e", "local ok, e = pcall(function() \(code) end) print(ok, e)"])
        XCTAssertEqual(r.status, 0, "\(code): \(r.stderr.prefix(500))", file: file, line: line)
        return r.stdout
    }

    func assertError(_ code: String, _ message: String, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(try errorOf(code, file: file, line: line), "false\t(command line):1: \(message)\n", code,
                       file: file, line: line)
    }

    func testImpossibleResultsAreErrorsNotAborts() throws {
        let limit = "(a tensor holds at most 2147483647 elements)"
        try assertError("tensor.ones(1e5, 1):matmul(tensor.ones(1, 1e5))",
                        "Tensor:matmul: cannot allocate 40.0 GB for a 100000x100000 tensor \(limit)")
        try assertError("local x = tensor.ones(1e5, 1) + tensor.ones(1, 1e5)",
                        "Tensor +: cannot allocate 40.0 GB for a 100000x100000 tensor \(limit)")
        try assertError("nn.Linear(3, 1e6)(tensor.randn(1e4, 3))",
                        "Linear(3 -> 1000000): cannot allocate 40.0 GB for a 10000x1000000 tensor \(limit)")
        try assertError("nn.Embedding(10, 1e6)(tensor.ones(1e4))",
                        "Embedding(10, 1000000): cannot allocate 40.0 GB for a 10000x1000000 tensor \(limit)")
        try assertError("nn.Conv2d(1, 1, 3, {padding = 1e6})(tensor.ones(1, 1, 3, 3))",
                        "Conv2d(1 -> 1, 3x3, padding 1000000): cannot allocate 16.0 TB for a 1x1x2000001x2000001 tensor \(limit)")
        try assertError("nn.Conv1d(1, 1, 3, {padding = 2^30})(tensor.ones(1, 1, 3))",
                        "Conv1d(1 -> 1, 3, padding 1073741824): cannot allocate 8.6 GB for a 1x1x1x2147483649 tensor \(limit)")
        // views of 1.6e9 elements each are fine; their concatenation is past the limit
        try assertError("local e = tensor.ones(1, 1):expand(40000, 40000) tensor.cat({e, e}, 1)",
                        "tensor.cat: cannot allocate 12.8 GB for a 80000x40000 tensor \(limit)")
        try assertError("loss.one_hot(tensor.ones(1e5), 1e5)",
                        "loss.one_hot: cannot allocate 40.0 GB for a 100000x100000 tensor \(limit)")
        // sizes whose product does not fit in 64 bits
        try assertError("nn.Conv2d(1, 1, 1, {padding = 2^52})(tensor.ones(1, 1, 1, 1))",
                        "Conv2d(1 -> 1, 1x1, padding 4503599627370496): cannot allocate a "
                        + "1x1x9007199254740993x9007199254740993 tensor \(limit)")
    }

    func testLayersWhoseParametersCannotFitAreErrors() throws {
        // 1e9 layers of 48 parameters: not one tensor too large, but all of them
        let message = try errorOf("nn.LSTM(2, 2, {layers = 1e9})")
        let prefix = "false\t(command line):1: nn.LSTM: cannot allocate 192.0 GB for the parameters of LSTM(2 -> 2, 1000000000 layers) "
            + "(more than the machine's "
        XCTAssertTrue(message.hasPrefix(prefix) && message.hasSuffix(" GB of memory)\n"), message)
    }

    func testTensorsHaveAtMost64Dimensions() throws {
        let ones = "local s = {} for i = 1, 22000 do s[i] = 1 end "
        try assertError(ones + "print(tensor.ones(1):reshape(s))",
                        "Tensor:reshape: a tensor has at most 64 dimensions, got 22000")
        try assertError("local t = tensor.ones(1) for i = 1, 22000 do t = t:unsqueeze(1) end print(t)",
                        "Tensor:unsqueeze: a tensor has at most 64 dimensions, got 65")
        // a small .npy file that declares 22000 dimensions
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lws-dims-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("deep.npy").path
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + String(repeating: "1,", count: 22000) + "), }"
        header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
        var bytes: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
        bytes += Array(header.utf8) + [0, 0, 0x80, 0x3F]
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        try assertError("print(data.npy('\(path)'))",
                        "data.npy: \(path): a tensor has at most 64 dimensions, got 22000")
        // 64 dimensions print
        let r = try run(["-e", "local s = {} for i = 1, 64 do s[i] = 1 end print(tensor.ones(s))"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasSuffix(",.,.) = \n 1\n[FloatTensor of size " + Array(repeating: "1", count: 64).joined(separator: "x") + "]\n"),
                      String(r.stdout.suffix(300)))
    }

    /// 50,000 additions recorded for autograd and dropped without a backward pass: the graph is
    /// freed node by node, not by a recursion 50,000 deep.
    func testALongGraphIsFreedWithoutBackward() throws {
        let script = """
            local w = tensor.ones(1):requires_grad()
            local total = tensor.zeros(1)
            for _ = 1, 50000 do total = total + w * 2 end
            print(total:item())
            total = nil
            collectgarbage()
            print("freed")
            """
        let r = try run(["-e", script])
        XCTAssertEqual(r.status, 0, String(r.stderr.prefix(500)))
        XCTAssertEqual(r.stdout, "100000.0\nfreed\n")
    }

    /// Runs a script under `ulimit -v` (1 GB of address space; lwscript starts with about 250 MB).
    func runUnderMemoryLimit(_ code: String) throws -> CLIResult {
        let script = try tempScript(code)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "ulimit -v 1000000; exec \"$0\" \"$1\"", CLITests.binary.path, script.path]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return CLIResult(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                         stderr: String(decoding: e, as: UTF8.self))
    }

    /// Lua code that runs out of memory gets Lua's "not enough memory" error, as with stock lua.
    func testLuaOutOfMemoryIsACatchableError() throws {
        let r = try runUnderMemoryLimit("print(pcall(string.rep, 'x', 2^31 - 1)) print(#string.rep('x', 10))")
        XCTAssertEqual(r.status, 0, String(r.stderr.prefix(500)))
        XCTAssertEqual(r.stdout, "false\tnot enough memory\n10\n")
    }

    /// A table grows until the allocator fails: pcall returns the error, the garbage goes, and
    /// the script (Lua and Swift functions alike) goes on.
    func testLuaOutOfMemoryInALoopIsACatchableError() throws {
        let r = try runUnderMemoryLimit("""
            local ok, err = pcall(function()
              local t = {}
              for i = 1, math.huge do t[i] = i end
            end)
            print(ok, err)
            collectgarbage()
            local t = {}
            for i = 1, 1000 do t[i] = tensor.ones(10):sum():item() end
            print("continued", #t, t[1000])
            """)
        XCTAssertEqual(r.status, 0, String(r.stderr.prefix(500)))
        XCTAssertEqual(r.stdout, "false\tnot enough memory\ncontinued\t1000\t10.0\n")
    }

    /// Under the same limit: a tensor too large for the memory left is an error, and so is a
    /// Lua table a Swift function makes for the user (made under a protected call).
    func testSwiftAllocationsUnderAMemoryLimitAreErrors() throws {
        let r = try runUnderMemoryLimit("""
            print(pcall(tensor.zeros, 4e8))
            local t = tensor.zeros(5e7)
            print(pcall(t.totable, t))
            t = nil
            collectgarbage()
            print(#tensor.ones(10):totable())
            """)
        XCTAssertEqual(r.status, 0, String(r.stderr.prefix(500)))
        XCTAssertEqual(r.stdout, "false\ttensor.zeros: cannot allocate 1.6 GB for a 400000000 tensor (out of memory)\n"
                       + "false\tTensor:totable: not enough memory for a table of 50000000 numbers\n10\n")
    }
}
