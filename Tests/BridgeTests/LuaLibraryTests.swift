import Bridge
import Foundation
import XCTest

/// The Lua library as files (Sources/Bridge/lua): embedded whole, loaded by require under
/// chunk names that are their paths, replaceable from package.path and LWSCRIPT_LUA_DIR, and
/// errors from user callbacks that keep their frames.
final class LuaLibraryTests: XCTestCase {
    static let sourceRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/Bridge/lua")

    func tempDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lws-lib-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    func write(_ text: String, to path: String, under dir: URL) throws {
        let url = dir.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    /// The error a chunk named `name` raises.
    func failure(_ lua: LuaState, _ code: String, chunk name: String = "@cb.lua") -> String {
        do {
            try lua.execute(code, chunkname: name)
            XCTFail("expected an error from:\n\(code)")
            return ""
        } catch {
            return "\(error)"
        }
    }

    // MARK: the files

    func testEveryFileInTheTreeIsEmbeddedVerbatim() throws {
        let root = Self.sourceRoot.path + "/"
        let onDisk = FileManager.default.enumerator(atPath: root)!.compactMap { $0 as? String }
            .filter { $0.hasSuffix(".lua") }.sorted()
        let embedded = LuaLibrary.builtin.files.map(\.path).sorted()
        XCTAssertEqual(embedded, onDisk)
        XCTAssertGreaterThan(onDisk.count, 25)
        for file in LuaLibrary.builtin.files {
            XCTAssertEqual(file.source, try String(contentsOfFile: root + file.path, encoding: .utf8), file.path)
        }
    }

    func testEveryModuleLoadsUnderItsPathAsChunkName() throws {
        let lua = LuaState()
        let loaded = lua.value(of: try lua.module("package"), depth: 2)["loaded"]
        for file in LuaLibrary.builtin.files {
            XCTAssertFalse(loaded[file.module].isNil, "\(file.module) was not loaded by the state")
        }
        try lua.execute("""
            local chunks = debug.getregistry()["lwscript.library"]
            assert(chunks["@lwscript/experiment/train.lua"] == "lwscript/experiment/train.lua")
            assert(chunks["@lwscript/util.lua"] == "lwscript/util.lua")
            assert(debug.getinfo(experiment.train, "S").source == "@lwscript/experiment/train.lua")
            assert(debug.getinfo(nn.mlp, "S").source == "@lwscript/nn/presets.lua")
            """, chunkname: "=(test)")
    }

    func testErrorsAtLibraryLinesNameTheFile() {
        let lua = LuaState()
        let message = failure(lua, "local m = nn.Sequential(nn.Linear(3, 2))\nm(tensor.ones(2, 4))")
        XCTAssertTrue(message.hasPrefix("In module 1 (Linear(3 -> 2)) of nn.Sequential: Linear(3 -> 2) expected input"), message)
        XCTAssertTrue(message.contains("lwscript/nn/sequential.lua:"), message)
        XCTAssertTrue(message.contains("cb.lua:2: in main chunk"), message)
    }

    func testLibraryArgumentErrorsPointAtTheUsersLine() {
        let lua = LuaState()
        // called from a user's function, the position is that function's line
        let message = failure(lua, """
            local function W(s)
              local w = weights.tpr_power(s, "two")
              return w
            end
            W({0.5, 0.9})
            """)
        XCTAssertTrue(message.hasPrefix("cb.lua:2: bad argument #2 to 'weights.tpr_power' (expected gamma, a finite number, got string)"),
                      message)
    }

    // MARK: replacing modules

    func testAModuleOnPackagePathReplacesTheBuiltinOne() throws {
        let dir = try tempDirectory()
        let original = try XCTUnwrap(LuaLibrary.builtin.find("lwscript.weights"))
        let changed = String(decoding: original.source, as: UTF8.self)
            .replacingOccurrences(of: "function weights.variance(s)", with: "function weights.variance(s) do return 42 end")
        try write(changed, to: "lwscript/weights.lua", under: dir)

        let replaced = LuaState(modulePaths: [dir.path])
        try replaced.execute("assert(weights.variance({0.5, 0.9}) == 42)", chunkname: "=(test)")
        try replaced.execute("""
            local src = debug.getinfo(weights.variance, "S").source
            assert(src:find("lwscript/weights.lua", 1, true) and src ~= "@lwscript/weights.lua", src)
            """, chunkname: "=(test)")
        // the rest of the library is the built-in one, and other states are untouched
        try replaced.execute("assert(debug.getinfo(weights.tpr_power, 'S').source:sub(1, 1) == '@')", chunkname: "=(test)")
        try LuaState().execute("assert(math.abs(weights.variance({0.5, 0.9}) - 0.04) < 1e-12)", chunkname: "=(test)")
    }

    func testLibraryDirectoriesReplaceEmbeddedFilesAndTracebacksNameThem() throws {
        let dir = try tempDirectory()
        try write("""
            local util = require("lwscript.util")
            local weights = require("weights")
            function weights.variance() util.fail("weights.variance: from the directory") end
            """, to: "lwscript/weights.lua", under: dir)
        var library = LuaLibrary.builtin
        library.directories = [dir.path, dir.path + "/missing"]
        XCTAssertEqual(library.missingDirectories, [dir.path + "/missing"])
        XCTAssertEqual(library.find("lwscript.weights")?.origin, dir.path + "/lwscript/weights.lua")
        XCTAssertEqual(library.find("lwscript.loss")?.origin, "built in")

        let lua = LuaState(library: library)
        let message = failure(lua, "\nweights.variance({1})")
        // the library's own frames are skipped: the position is the user's line
        XCTAssertTrue(message.hasPrefix("cb.lua:2: weights.variance: from the directory"), message)
        // (Lua shortens long chunk names from the left)
        XCTAssertTrue(message.contains("/lwscript/weights.lua:3: in function 'weights.variance'"), message)
    }

    func testASyntaxErrorInALibraryFileOnDiskSaysWhichFile() throws {
        let dir = try tempDirectory()
        // (a broken replacement of a module the state loads at start would end the process,
        // so a new module of the tree is required here)
        try write("local x = = 1\n", to: "lwscript/extra.lua", under: dir)
        var library = LuaLibrary.builtin
        library.directories = [dir.path]
        let message = failure(LuaState(library: library), "require('lwscript.extra')")
        XCTAssertTrue(message.contains("error loading module 'lwscript.extra' from \(dir.path)/lwscript/extra.lua"), message)
        XCTAssertTrue(message.contains("extra.lua:1: unexpected symbol near '='"), message)
    }

    // MARK: errors from user callbacks keep their frames

    /// Two-class data small enough to train in milliseconds.
    let tiny = """
        local x = tensor.new({{1, 0}, {0, 1}, {1, 0.1}, {0.1, 1}, {0.9, 0}, {0, 0.9}})
        local y = tensor.new({1, 2, 1, 2, 1, 2})
        local set = data.tensors(x, y, {classes = {"a", "b"}})
        local function model() return nn.mlp{inputs = 2, hidden = {3}, classes = 2} end

        """

    func assertCallbackError(_ message: String, line: Int, through library: String,
                             file: StaticString = #filePath, testLine: UInt = #line) {
        XCTAssertTrue(message.hasPrefix("cb.lua:\(line): callback failed"), message, file: file, line: testLine)
        XCTAssertTrue(message.contains("cb.lua:\(line): in "), "the callback's frame is gone:\n\(message)",
                      file: file, line: testLine)
        XCTAssertTrue(message.contains(library), "no frame of \(library):\n\(message)", file: file, line: testLine)
        XCTAssertFalse(message.contains("rethrow"), message, file: file, line: testLine)
    }

    func testOnEpochErrorKeepsItsFrame() {
        let lua = LuaState()
        let message = failure(lua, tiny + """
            experiment.train(model(), set, {epochs = 2, quiet = true, on_epoch = function(e)
              error("callback failed in epoch " .. e)
            end})
            """)
        assertCallbackError(message, line: 6, through: "lwscript/experiment/train.lua:")
        // the interrupt mode came back although training ended in an error
        XCTAssertNoThrow(try lua.execute("assert(sys.on_interrupt('raise') == 'raise')", chunkname: "=(test)"))
    }

    func testWeightFunctionErrorInAStudyKeepsItsFrame() {
        let lua = LuaState()
        let message = failure(lua, tiny + """
            experiment.learnability{data = {train = set, test = set}, s_from_test = true, model = model, seeds = {1}, epochs = 1,
              quiet = true, methods = {"tpr_weighted_ce"}, W = function(s)
                error("callback failed: W")
              end}
            """)
        assertCallbackError(message, line: 7, through: "lwscript/experiment/study.lua:")
    }

    func testLuaLossErrorKeepsItsFrame() {
        let lua = LuaState()
        let message = failure(lua, tiny + """
            local crit = loss.custom(function(logits, targets)
              error("callback failed: loss")
            end)
            experiment.train(model(), set, {epochs = 1, quiet = true, loss = crit})
            """)
        assertCallbackError(message, line: 6, through: "lwscript/experiment/train.lua:")
        XCTAssertTrue(message.contains("lwscript/loss.lua:"), message)
    }

    func testLuaModuleErrorInsideASequentialKeepsItsFrame() {
        let lua = LuaState()
        let message = failure(lua, tiny + """
            local Broken = nn.Module("Broken")
            function Broken:forward(x)
              error("callback failed: module")
            end
            experiment.train(nn.Sequential(nn.Linear(2, 2), Broken()), set, {epochs = 1, quiet = true})
            """)
        assertCallbackError(message, line: 7, through: "lwscript/nn/sequential.lua:")
        XCTAssertTrue(message.contains("lwscript/experiment/train.lua:"), message)
    }

    func testNoGradRestoresTheModeAndKeepsTheFunctionsFrame() {
        let lua = LuaState()
        let message = failure(lua, """
            tensor.no_grad(function()
              error("callback failed: no_grad")
            end)
            """)
        assertCallbackError(message, line: 2, through: "lwscript/tensor.lua:")
        XCTAssertNoThrow(try lua.execute("assert(tensor.set_grad_enabled(true) == true)", chunkname: "=(test)"))
    }
}

extension LuaLibraryTests {
    // MARK: what the library restores and how its errors read (found in review)

    /// A coroutine resumed with coroutine.resume that dies in an error does not close its
    /// to-be-closed variables; the library's cleanup must not depend on them.
    func testModesComeBackWhenACoroutineDiesInAnError() throws {
        let lua = LuaState()
        try lua.execute(tiny + """
            local function dies(f) local co = coroutine.create(f); assert(not coroutine.resume(co)) end
            dies(function() tensor.no_grad(function() error("x") end) end)
            assert(tensor.set_grad_enabled(true) == true, "grad mode left off by no_grad")
            local m = model()
            dies(function() experiment.evaluate(m, set, {classes = {"a", "b"}, batch = 2, wrong = 1}) end)
            local Broken = nn.Module("Broken")
            function Broken:forward() error("x") end
            local broken = nn.Sequential(nn.Linear(2, 2), Broken())
            dies(function() experiment.evaluate(broken, set) end)
            assert(broken.modules[1].training, "model left in eval mode")
            assert(tensor.set_grad_enabled(true) == true, "grad mode left off by evaluate")
            dies(function() experiment.train(model(), set, {epochs = 1, quiet = true, on_epoch = function() error("x") end}) end)
            assert(sys.on_interrupt("raise") == "raise", "Ctrl-C mode left at flag")
            dies(function() nn.Sequential(nn.Linear(4, 3))(tensor.ones(1, 2)) end)
            local ok, err = pcall(nn.Sequential(nn.Linear(2, 3)), tensor.ones(1, 5))
            assert(err:find("^In module 1 %(Linear%(2 %-> 3%)%) of nn.Sequential: Linear"), err)
            """, chunkname: "@co.lua")
    }

    /// A coroutine that yields inside tensor.no_grad, experiment.evaluate, experiment.train
    /// or a study and is never resumed leaves the modes of the code around it as they were:
    /// modes belong to the coroutine (thread) that sets them.
    func testModesOfAnAbandonedCoroutineStayInIt() throws {
        let lua = LuaState()
        try lua.execute(tiny + """
            local function abandon(f) local co = coroutine.wrap(f); co(); return co end
            abandon(function() tensor.no_grad(function() coroutine.yield() end) end)
            assert(tensor.is_grad_enabled() == true, "grad mode left off by an abandoned no_grad")
            local Yielding = nn.Module("Yielding")
            function Yielding:forward(v) coroutine.yield(); return v end
            abandon(function() experiment.evaluate(nn.Sequential(nn.Linear(2, 2), Yielding()), set) end)
            assert(tensor.is_grad_enabled() == true, "grad mode left off by an abandoned evaluate")
            abandon(function()
              experiment.train(model(), set, {epochs = 1, quiet = true, on_epoch = function() coroutine.yield() end})
            end)
            assert(sys.on_interrupt() == "raise", "Ctrl-C mode left at flag by an abandoned train")
            abandon(function()
              experiment.learnability{data = {train = set, test = set}, s_from_test = true, seeds = {1}, epochs = 1, quiet = true,
                                      model = function() coroutine.yield(); return model() end}
            end)
            assert(sys.on_interrupt() == "raise", "Ctrl-C mode left at flag by an abandoned study")
            -- the coroutine keeps its own modes: resumed, it is still inside no_grad
            local co = coroutine.create(function()
              tensor.no_grad(function() coroutine.yield(tensor.is_grad_enabled()); coroutine.yield(tensor.is_grad_enabled()) end)
              return tensor.is_grad_enabled()
            end)
            assert(select(2, coroutine.resume(co)) == false, "inside no_grad in the coroutine")
            assert(tensor.is_grad_enabled() == true, "outside it, gradients on")
            local p = tensor.ones(2):requires_grad()
            assert((p * 2).needs_grad, "the resumer records")
            assert(select(2, coroutine.resume(co)) == false, "still inside no_grad when resumed")
            assert(select(2, coroutine.resume(co)) == true, "after no_grad in the coroutine")
            -- a coroutine that sets no mode follows the code that resumes it
            local follows = coroutine.wrap(function() while true do coroutine.yield(tensor.is_grad_enabled()) end end)
            assert(follows() == true)
            assert(tensor.no_grad(follows) == false, "resumed inside no_grad")
            assert(follows() == true)
            local step = coroutine.wrap(function() while true do coroutine.yield((p * 2).needs_grad) end end)
            assert(tensor.no_grad(step) == false, "records nothing when resumed inside no_grad")
            """, chunkname: "@co.lua")
    }

    func testModelErrorsInTrainingNameTheUsersLineAndEvaluate() {
        let lua = LuaState()
        let wide = tiny.replacingOccurrences(of: "inputs = 2", with: "inputs = 5")
        let training = failure(lua, wide + "\nexperiment.train(model(), set, {epochs = 1, quiet = true})")
        XCTAssertTrue(training.hasPrefix("cb.lua:6: In module 1 (Linear(5 -> 3)) of nn.Sequential: Linear(5 -> 3) expected input"),
                      training)
        let evaluation = failure(lua, wide + "\nexperiment.evaluate(model(), set)")
        XCTAssertTrue(evaluation.hasPrefix("cb.lua:6: experiment.evaluate: In module 1 (Linear(5 -> 3)) of nn.Sequential:"),
                      evaluation)
        // validation inside training: the caller's line once, the function that failed
        let validation = failure(lua, tiny + """
            local wide = data.tensors(tensor.ones(2, 5), tensor.new({1, 2}), {classes = {"a", "b"}})
            experiment.train(model(), set, {epochs = 1, quiet = true, val = wide})
            """)
        XCTAssertTrue(validation.hasPrefix("cb.lua:6: experiment.evaluate: In module 1 (Linear(2 -> 3))"), validation)
    }

    func testCaughtAndWrappedErrorsCarryOnePosition() {
        let lua = LuaState()
        let run = failure(lua, "\nexperiment.save_run('/proc/no-such-dir/run', {config = {a = 1}})")
        XCTAssertTrue(run.hasPrefix("cb.lua:2: experiment.save_run: sys.mkdir: cannot create /proc/no-such-dir/run"), run)
        let cycle = failure(lua, "local t = {}; t.t = t\nexperiment.write_json(os.tmpname(), t)")
        XCTAssertTrue(cycle.hasPrefix("cb.lua:2: experiment.write_json: experiment.json: a table contains itself"), cycle)
        // straight under pcall, a library function's error has no position, as a Swift one's
        XCTAssertNoThrow(try lua.execute("""
            local _, a = pcall(nn.Sequential, 3)
            local _, b = pcall(nn.Linear, -1, 2)
            assert(a:find("^nn.Sequential: element 1 is not a module"), a)
            assert(b:find("^bad argument #1 to 'nn.Linear'"), b)
            """, chunkname: "=(test)"))
    }

    /// The documented "copy it next to your script": the copy is still library code, so its
    /// errors point at the user's line, not into the copy.
    func testACopiedFileIsStillTheLibrarysCode() throws {
        let dir = try tempDirectory()
        let original = try XCTUnwrap(LuaLibrary.builtin.find("lwscript.experiment.train"))
        try write(String(decoding: original.source, as: UTF8.self), to: "lwscript/experiment/train.lua", under: dir)
        let lua = LuaState(modulePaths: [dir.path])
        let message = failure(lua, tiny + "experiment.train(model(), set, {epochs = 0})")
        XCTAssertTrue(message.hasPrefix("cb.lua:5: bad argument #3 to 'experiment.train' (option 'epochs' must be an integer >= 1, got 0)"),
                      message)
        XCTAssertTrue(message.contains(dir.path.suffix(20) + "/lwscript/experiment/train.lua:"), message)
    }

    /// The library uses its modules through require: a script's global of the same name does
    /// not break it.
    func testScriptGlobalsNamedLikeModulesDoNotBreakTheLibrary() throws {
        let lua = LuaState()
        try lua.execute(tiny + """
            local keep = {csv = csv, data = data, tensor = tensor, plot = plot}
            local path = os.tmpname()
            local p = plot.bars{labels = {"a"}, series = {{values = {1}}}}
            csv, data, tensor = "results.csv", nil, nil
            p:save(path .. ".svg")
            experiment.train(model(), set, {epochs = 1, quiet = true})
            csv, data, tensor = keep.csv, keep.data, keep.tensor
            os.remove(path); os.remove(path .. ".svg"); os.remove(path .. ".csv")
            """, chunkname: "=(test)")
    }

    func testRequireOfAnotherModuleSaysNothingOfTheLibrary() {
        let message = failure(LuaState(), "require('no_such_module_here')")
        XCTAssertTrue(message.contains("module 'no_such_module_here' not found"), message)
        XCTAssertFalse(message.contains("lwscript"), message)
    }
}

private extension LuaValue {
    var isNil: Bool { if case .nil = self { return true } else { return false } }
}
