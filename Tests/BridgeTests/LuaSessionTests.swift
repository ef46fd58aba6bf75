import Bridge
import XCTest

/// Interactive sessions (the REPL, the Jupyter kernel): top-level locals outlive their chunk
/// without replacing globals; complete, unfinished and invalid chunks are told apart.
final class LuaSessionTests: XCTestCase {
    func testRewriteTurnsTopLevelLocalsIntoAssignmentsOnly() {
        let r = TopLevelLocals.rewrite("""
            local a, b <const> = 1, 2
            local c
            local function f(x) local y = x; return y end
            do local d = 4 end
            if a then local e = 5 end
            local s = "local t = 1" -- local u = 2
            local g <close> = nil
            local h = function() local i = 1 end
            """)
        XCTAssertEqual(r.code, """
            a, b = 1, 2
            c = nil
            function f(x) local y = x; return y end
            do local d = 4 end
            if a then local e = 5 end
            s = "local t = 1" -- local u = 2
            local g <close> = nil
            h = function() local i = 1 end
            """)
        XCTAssertEqual(r.names, ["a", "b", "c", "f", "s", "h"])
        // long strings, long comments and repeat-until blocks are skipped too
        let long = TopLevelLocals.rewrite("x = [==[\nlocal no = 1]==] --[[ local no2 ]] repeat local k = 1 until k\nlocal yes = 2")
        XCTAssertEqual(long.code, "x = [==[\nlocal no = 1]==] --[[ local no2 ]] repeat local k = 1 until k\nyes = 2")
        XCTAssertEqual(long.names, ["yes"])
    }

    func testLocalsOutliveTheirChunkAndShadowGlobalsWithoutReplacingThem() throws {
        let lua = LuaState()
        let session = try LuaSession(lua: lua)
        _ = try session.run("local data = 7\nlocal function twice(x) return 2 * x end\nlocal z", chunkname: "=cell1")
        let r = try session.run("return data, twice(data), type(_G.data), z, rawget(_G, 'twice')", chunkname: "=cell2")
        XCTAssertEqual(lua.value(of: r)["n"].integer, 5)
        let values = lua.value(of: r).table!.array
        XCTAssertEqual(values.count, 3)   // the trailing nils are not in the sequence
        XCTAssertEqual(values[0].integer, 7)
        XCTAssertEqual(values[1].integer, 14)
        XCTAssertEqual(values[2].string, "table")
        // assigning a declared name changes the session's local; other names are globals
        _ = try session.run("data = 8; fresh = 1", chunkname: "=cell3")
        let r2 = try session.run("return data, type(_G.data), _G.fresh", chunkname: "=cell4")
        XCTAssertEqual(lua.value(of: r2).table!.array.map { "\($0)" }, ["integer(8)", "string(\"table\")", "integer(1)"])
        // an error keeps the line of the cell
        XCTAssertThrowsError(try session.run("\n\nlocal q = nil + 1", chunkname: "=cell5")) { error in
            XCTAssertTrue("\(error)".hasPrefix("cell5:3: attempt to perform arithmetic on a nil value"), "\(error)")
        }
    }

    func testChunkStatusAsTheReplDecides() throws {
        let session = try LuaSession(lua: LuaState())
        XCTAssertEqual(session.status(of: "x = 1"), .complete)
        XCTAssertEqual(session.status(of: "1 + 1"), .complete)
        XCTAssertEqual(session.status(of: "for i = 1, 3 do"), .incomplete)
        XCTAssertEqual(session.status(of: "1 +"), .incomplete)
        XCTAssertEqual(session.status(of: "print(\"a"), .incomplete)
        XCTAssertEqual(session.status(of: "x = = 1"), .invalid("stdin:1: unexpected symbol near '='"))
    }

    func testCompletionsIncludeTheSessionsLocals() throws {
        let lua = LuaState()
        let session = try LuaSession(lua: lua)
        _ = try session.run("local my_tensor = tensor.zeros(2)\nlocal my_table = {alpha = 1}", chunkname: "=c")
        XCTAssertEqual(session.completions(for: "my_t"), ["my_table", "my_tensor"])
        XCTAssertEqual(session.completions(for: "my_table.al"), ["my_table.alpha"])
        XCTAssertTrue(session.completions(for: "my_tensor:resh").contains("my_tensor:reshape"))
        XCTAssertEqual(session.completions(for: "tensor.ran"), ["tensor.rand", "tensor.randn"])
    }
}
