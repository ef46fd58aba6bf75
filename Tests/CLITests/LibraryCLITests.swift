import Foundation
import XCTest

/// The Lua library from the command line: `lwscript lib`, replacing a built-in file next to a
/// script or through LWSCRIPT_LUA_DIR, and the build-time generator that embeds the files.
final class LibraryCLITests: XCTestCase {
    static let root = CLITests.root

    func tempDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lws-libcli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    func testListNamesEveryModuleAndWhereItLoadsFrom() throws {
        let r = try run(["lib"], directory: try tempDirectory())
        XCTAssertEqual(r.status, 0, r.stderr)
        for line in ["lwscript.experiment.train", "built in: lwscript/experiment/train.lua",
                     "lwscript.notebook.display", "built in: lwscript/notebook/display.lua", "lwscript.util"] {
            XCTAssertTrue(r.stdout.contains(line), "missing \(line) in:\n\(r.stdout)")
        }
    }

    func testShowPrintsTheFileAsBuiltIn() throws {
        let source = try String(contentsOf: Self.root.appendingPathComponent("Sources/Bridge/lua/lwscript/experiment/train.lua"),
                                encoding: .utf8)
        for name in ["experiment.train", "lwscript.experiment.train", "experiment/train.lua", "lwscript/experiment/train.lua"] {
            let r = try run(["lib", "show", name])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(r.stdout, source, name)
        }
        let missing = try run(["lib", "show", "experiment.trian"])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("no module 'experiment.trian' in the library"), missing.stderr)
        XCTAssertEqual(try run(["lib", "frobnicate"]).status, 2)
    }

    /// The documented workflow: copy the training loop next to a script, change it, run.
    func testACopyNextToTheScriptReplacesTheBuiltinFile() throws {
        let dir = try tempDirectory()
        let copy = try run(["lib", "copy", "experiment.progress", dir.path])
        XCTAssertEqual(copy.status, 0, copy.stderr)
        let file = dir.appendingPathComponent("lwscript/experiment/progress.lua")
        XCTAssertEqual(copy.stdout, file.path + "\n")
        XCTAssertEqual(try run(["lib", "copy", "experiment.progress", dir.path]).status, 2, "a second copy must not overwrite")
        let text = try String(contentsOf: file, encoding: .utf8)
        try text.replacingOccurrences(of: "fmt(\"loss %.4f\", history.loss[i])", with: "fmt(\"LOSS %.4f\", history.loss[i])")
            .write(to: file, atomically: true, encoding: .utf8)
        let script = dir.appendingPathComponent("train.lua")
        try """
            local x = tensor.new({{1, 0}, {0, 1}, {1, 0.1}, {0.1, 1}})
            local set = data.tensors(x, tensor.new({1, 2, 1, 2}), {classes = {"a", "b"}})
            experiment.train(nn.mlp{inputs = 2, classes = 2}, set, {epochs = 1})
            """.write(to: script, atomically: true, encoding: .utf8)
        // run from elsewhere: the script's folder is what counts
        let r = try run([script.path], directory: FileManager.default.temporaryDirectory)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("epoch 1/1  LOSS "), r.stdout)
        let path = try run(["lib", "path", "experiment.progress"], directory: dir)
        XCTAssertEqual(path.stdout, "./lwscript/experiment/progress.lua\n")
        XCTAssertEqual(try run(["lib", "path", "experiment.train"], directory: dir).stdout, "built in: lwscript/experiment/train.lua\n")
    }

    func testExtractedTreeLoadsThroughTheEnvironmentVariable() throws {
        let dir = try tempDirectory()
        let r = try run(["lib", "extract", dir.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let shown = dir.appendingPathComponent("lwscript/show.lua")
        let text = try String(contentsOf: shown, encoding: .utf8)
        try text.replacingOccurrences(of: "return table.concat(out, \"\\t\")", with: "return \"edited: \" .. table.concat(out, \"\\t\")")
            .write(to: shown, atomically: true, encoding: .utf8)
        let env = ["LWSCRIPT_LUA_DIR": dir.path]
        let repl = try run(["-i"], stdin: "1 + 1\n", env: env)
        XCTAssertEqual(repl.status, 0, repl.stderr)
        XCTAssertTrue(repl.stdout.contains("edited: 2"), repl.stdout)
        XCTAssertEqual(try run(["lib", "path", "show"], env: env).stdout, shown.path + "\n")
        // a typo in the variable is said, not silently ignored
        let typo = try run(["-e", "print(1)"], env: ["LWSCRIPT_LUA_DIR": dir.path + "-missing"])
        XCTAssertEqual(typo.status, 0, typo.stderr)
        XCTAssertTrue(typo.stderr.contains("LWSCRIPT_LUA_DIR names \(dir.path)-missing, which is not a directory"), typo.stderr)
    }

    /// The library is inside the binary: a copy elsewhere, with no build folder beside it,
    /// has it all.
    func testACopiedBinaryCarriesTheLibrary() throws {
        let dir = try tempDirectory()
        let copy = dir.appendingPathComponent("lwscript")
        try FileManager.default.copyItem(at: CLITests.binary, to: copy)
        let p = Process()
        p.executableURL = copy
        p.arguments = ["-e", "print(debug.getinfo(experiment.learnability, 'S').source, #nn.mlp{inputs = 2, classes = 2}.modules)"]
        p.currentDirectoryURL = dir
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        XCTAssertEqual(text, "@lwscript/experiment/study.lua\t1\n")
    }

    /// A script called lwscript.lua (or a stray lwscript/init.lua) is not the library.
    func testAScriptNamedLwscriptIsNotTheLibrary() throws {
        let dir = try tempDirectory()
        let script = dir.appendingPathComponent("lwscript.lua")
        try "print('ran', nn.mlp ~= nil, experiment.train ~= nil)".write(to: script, atomically: true, encoding: .utf8)
        let r = try run([script.path], directory: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "ran\ttrue\ttrue\n")
    }

    func testABrokenReplacementStopsTheStartWithItsFileAndLine() throws {
        let dir = try tempDirectory()
        let file = dir.appendingPathComponent("lwscript/weights.lua")
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try "local weights = require('weights')\nfunction weights.x( end\n".write(to: file, atomically: true, encoding: .utf8)
        let script = dir.appendingPathComponent("s.lua")
        try "print('never')".write(to: script, atomically: true, encoding: .utf8)
        let r = try run([script.path])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stdout, "")
        XCTAssertTrue(r.stderr.contains("cannot load lwscript's Lua library"), r.stderr)
        XCTAssertTrue(r.stderr.contains("lwscript/weights.lua:2:"), r.stderr)
    }

    /// `lwscript lib` answers about a broken replacement instead of failing to load it (it
    /// once built a full Lua state, library and all, just to read package.path).
    func testLibPointsAtABrokenReplacementWithoutLoadingIt() throws {
        let dir = try tempDirectory()
        let file = dir.appendingPathComponent("lwscript/weights.lua")
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try "local weights = require('weights')\nfunction weights.x( end\n".write(to: file, atomically: true, encoding: .utf8)
        let r = try run(["lib", "path", "weights"], directory: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "./lwscript/weights.lua\n")
        XCTAssertEqual(r.stderr, "")
    }

    /// The generator behind the EmbedLua plugin stops the build at a Lua syntax error, with
    /// the file and line.
    func testGeneratorRejectsASyntaxErrorWithFileAndLine() throws {
        let tool = CLITests.binary.deletingLastPathComponent().appendingPathComponent("LuaEmbed-tool")
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: tool.path), "no \(tool.path)")
        let dir = try tempDirectory()
        let root = dir.appendingPathComponent("lua")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("lwscript/x"), withIntermediateDirectories: true)
        let good = root.appendingPathComponent("lwscript/x/init.lua"), bad = root.appendingPathComponent("lwscript/bad.lua")
        try "return {quote = \"\\\"\", tab = '\t'}\n".write(to: good, atomically: true, encoding: .utf8)
        try "local ok = 1\nlocal x = = 2\n".write(to: bad, atomically: true, encoding: .utf8)
        let output = dir.appendingPathComponent("Embedded.swift")

        func generate(_ files: [URL]) throws -> CLIResult {
            let p = Process()
            p.executableURL = tool
            p.arguments = [output.path, "Bridge", root.path] + files.map(\.path)
            let err = Pipe()
            p.standardError = err
            try p.run()
            let e = err.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return CLIResult(status: p.terminationStatus, stdout: "", stderr: String(decoding: e, as: UTF8.self))
        }
        let failed = try generate([good, bad])
        XCTAssertEqual(failed.status, 1)
        XCTAssertEqual(failed.stderr, "\(bad.path):2: error: Lua syntax: unexpected symbol near '='\n")

        let ok = try generate([good])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        let swift = try String(contentsOf: output, encoding: .utf8)
        XCTAssertTrue(swift.contains("import Bridge"), swift)
        XCTAssertTrue(swift.contains("LuaLibraryFile(module: \"lwscript.x\", path: \"lwscript/x/init.lua\""), swift)
        XCTAssertTrue(swift.contains(#"source: "return {quote = \"\\\"\", tab = '\t'}\n")"#), swift)
    }
}
