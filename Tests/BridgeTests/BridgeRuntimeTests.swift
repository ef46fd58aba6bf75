import Bridge
import CLua
import Numerics
import XCTest

/// The bridge's own guarantees: errors cross into Lua as Lua errors (never a crash), the
/// state survives them, objects are released, compile and run errors are told apart.
final class BridgeRuntimeTests: XCTestCase {
    func testCompileAndRunErrorsAreDistinct() {
        let lua = LuaState()
        XCTAssertThrowsError(try lua.execute("x = = 1", chunkname: "=bad")) { error in
            let e = error as! ScriptError
            XCTAssertEqual(e.phase, .compile)
            XCTAssertTrue(e.message.contains("bad:1:"), e.message)
        }
        XCTAssertThrowsError(try lua.execute("error('boom')", chunkname: "=good")) { error in
            let e = error as! ScriptError
            XCTAssertEqual(e.phase, .run)
            XCTAssertTrue(e.message.hasPrefix("good:1: boom"), e.message)
            XCTAssertTrue(e.message.contains("stack traceback:"), e.message)
        }
    }

    func testSwiftErrorsBecomeLuaErrorsCatchableByPcall() throws {
        let lua = LuaState()
        try lua.execute("""
            local ok, err = pcall(tensor.zeros, -1)
            assert(not ok)
            assert(err:find("tensor.zeros", 1, true), err)
            -- thousands of errors do not leak or corrupt the state
            for i = 1, 5000 do pcall(function() return tensor.ones(2) + "x" end) end
            assert((tensor.ones(2) + 1):sum():item() == 4)
            """)
    }

    func testErrorsInsideNestedCallsKeepTheirValue() throws {
        let lua = LuaState()
        try lua.execute("""
            local obj = {code = 7}
            local ok, err = pcall(function() error(obj) end)
            assert(err == obj)
            """)
    }

    func testTensorsAreCollected() throws {
        let lua = LuaState()
        weak var weakTensor: AnyObject?
        try lua.execute("big = tensor.zeros(1000, 1000)")
        lua_getglobal(lua.L, "big")
        weakTensor = toObject(lua.L, -1, as: Numerics.Tensor.self)
        lua_settop(lua.L, 0)
        XCTAssertNotNil(weakTensor)
        try lua.execute("big = nil; collectgarbage(); collectgarbage()")
        XCTAssertNil(weakTensor, "the tensor should be released by __gc")
    }

    /// The collector runs in generational mode: tensors that die young go at minor
    /// collections, and ones that die old (kept for a while, as a ring of recent batches or
    /// checkpoints of weights) at the full collections paced by tensor memory, without any
    /// collectgarbage() from the script. 800 MB pass through; about 40 MB are live at a time.
    func testTensorMemoryStaysBoundedWithoutExplicitCollection() throws {
        let lua = LuaState()
        try lua.execute("""
            keep = {}
            for i = 1, 200 do
              local young = tensor.zeros(1000, 1000)
              keep[i % 10] = tensor.zeros(1000, 1000)
            end
            """)
        let live = TensorStorage.liveBytes
        XCTAssertLessThan(live, 160 << 20, "live tensor bytes after the loop: \(live >> 20) MiB")
    }

    func testShowValuesFormatsTablesAndTensors() throws {
        let lua = LuaState()
        try lua.load("return {0.5, 2, name = 'x', nested = {1}}, tensor.ones(2)", chunkname: "=t")
        try lua.protectedCall(nargs: 0, nresults: LUA_MULTRET)
        let shown = try lua.showValues(count: 2)
        XCTAssertEqual(shown, "{0.5, 2, name = \"x\", nested = {1}}\t 1\n 1\n[FloatTensor of size 2]")
    }

    func testArgTableAndModulePath() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lws-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "return {answer = 42}".write(to: dir.appendingPathComponent("helper.lua"), atomically: true, encoding: .utf8)
        try """
            local h = require("helper")
            assert(h.answer == 42)
            assert(arg[0]:find("main.lua", 1, true) and arg[1] == "x" and select("#", ...) == 1)
            assert(require("tensor") == tensor)
            """.write(to: dir.appendingPathComponent("main.lua"), atomically: true, encoding: .utf8)
        let lua = LuaState()
        let script = dir.appendingPathComponent("main.lua").path
        lua.setArgTable(interpreter: ["lwscript"], script: script, scriptArgs: ["x"])
        try lua.addModuleDirectory(dir.path)
        try lua.runFile(script, args: ["x"])
    }
}

final class CompletionTests: XCTestCase {
    func testCompletesGlobalsFieldsAndMethods() throws {
        let lua = LuaState()
        try lua.execute("x = tensor.ones(2); layer = nn.Linear(2, 2); cfg = {alpha = 1, beta = {gamma = 2}}")
        XCTAssertEqual(lua.completions(for: "tensor.ze"), ["tensor.zeros"])
        XCTAssertTrue(lua.completions(for: "tens").contains("tensor"))
        XCTAssertEqual(lua.completions(for: "x:resh"), ["x:reshape"])
        XCTAssertEqual(lua.completions(for: "layer:par"), ["layer:parameters"])
        XCTAssertEqual(lua.completions(for: "cfg.beta.g"), ["cfg.beta.gamma"])
        XCTAssertEqual(lua.completions(for: "cfg.a"), ["cfg.alpha"])
        XCTAssertEqual(lua.completions(for: "nothing.here"), [])
        XCTAssertEqual(lua.completions(for: "x.y.z:"), [])
        XCTAssertEqual(lua_gettop(lua.L), 0, "the stack is left as it was")
    }
}
