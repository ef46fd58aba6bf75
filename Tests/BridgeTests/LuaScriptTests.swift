import Bridge
import CLua
import Foundation
import XCTest

/// Runs the Lua test files in Tests/lua, each in a fresh state. A file is a suite of named
/// cases (Tests/lua/testing.lua); every case runs, and each failed case is one XCTFail naming
/// the file, the case, the assertion's file:line and message, and the first traceback lines.
///
/// One case (or a name fragment, or a Lua pattern of names) is selected with an environment
/// variable; a "file." prefix skips the other files:
///
///     LWSCRIPT_TEST_CASE=weights.tpr_power_matches_reference \
///       swift test --disable-swift-testing --filter LuaScriptTests/testWeightFunctions
final class LuaScriptTests: XCTestCase {
    static let luaDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("lua").path

    static let caseFilter = ProcessInfo.processInfo.environment["LWSCRIPT_TEST_CASE"] ?? ""

    /// What `testing.run_file` reports for one file.
    struct SuiteResult {
        var selected = true
        var loadError: String?
        var cases = 0
        var ran = 0
        var failures: [(name: String, message: String, traceback: String)] = []
    }

    /// Runs the test file `name` from `directory` through testing.run_file in a fresh state.
    func runSuite(_ name: String, in directory: String = luaDirectory, filter: String = caseFilter) throws -> SuiteResult {
        let lua = LuaState()
        try lua.addModuleDirectory(Self.luaDirectory)
        try lua.load("return require('testing').run_file(...)", chunkname: "=LuaScriptTests")
        lua.pushArgument(directory + "/" + name)
        lua.pushArgument(filter)
        try lua.protectedCall(nargs: 2, nresults: 1)
        let L = lua.L
        defer { lws_pop(L, 1) }
        // The result is the runner's own table of strings, integers and booleans: raw access.
        func field(_ key: String, _ read: () -> Void) {
            lws_rawgetfield(L, -1, key)
            read()
            lws_pop(L, 1)
        }
        func text(_ key: String) -> String? {
            var s: String?
            field(key) { s = lua_type(L, -1) == LUA_TSTRING ? stringAt(L, -1) : nil }
            return s
        }
        func int(_ key: String) -> Int {
            var n = 0
            field(key) { n = Int(lua_tointegerx(L, -1, nil)) }
            return n
        }
        var r = SuiteResult()
        field("selected") { r.selected = lua_toboolean(L, -1) != 0 }
        r.loadError = text("load_error")
        r.cases = int("cases")
        r.ran = int("ran")
        field("failures") {
            for i in 0..<Int(lua_rawlen(L, -1)) {
                lua_rawgeti(L, -1, lua_Integer(i + 1))
                r.failures.append((text("name") ?? "?", text("message") ?? "?", text("traceback") ?? ""))
                lws_pop(L, 1)
            }
        }
        return r
    }

    /// Runs one test file and reports each failed case as one XCTFail.
    func runScript(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let r: SuiteResult
        do {
            r = try runSuite(name)
        } catch {
            XCTFail("\(name): the test runner failed: \(error)", file: file, line: line)
            return
        }
        if !r.selected {
            throw XCTSkip("LWSCRIPT_TEST_CASE=\(Self.caseFilter) selects another file", file: file, line: line)
        }
        if let e = r.loadError {
            XCTFail("\(name) did not load: \(e)", file: file, line: line)
            return
        }
        for f in r.failures {
            let trace = f.traceback.isEmpty ? "" : "\n" + f.traceback
            XCTFail("\(name): case \(f.name) failed: \(f.message)\(trace)", file: file, line: line)
        }
        print("\(name): \(r.ran) of \(r.cases) cases run, \(r.failures.count) failed")
        if r.ran == 0 {
            let why = Self.caseFilter.isEmpty ? "defines no cases" : "has no case that matches LWSCRIPT_TEST_CASE=\(Self.caseFilter)"
            XCTFail("\(name) \(why)", file: file, line: line)
        }
    }

    func testTensorBasics() throws { try runScript("tensor_basics.lua") }
    func testTensorMath() throws { try runScript("tensor_math.lua") }
    func testTensorErrors() throws { try runScript("tensor_errors.lua") }
    func testAutograd() throws { try runScript("autograd.lua") }
    func testLayersMatchPyTorch() throws { try runScript("nn_reference.lua") }
    func testModelsLearn() throws { try runScript("learning.lua") }
    func testNNAPI() throws { try runScript("nn_api.lua") }
    func testFusedLayersEqualUnfused() throws { try runScript("nn_fusion.lua") }
    func testModelCheckpoints() throws { try runScript("nn_checkpoint.lua") }
    func testLayerGradients() throws { try runScript("nn_gradcheck.lua") }
    func testOptim() throws { try runScript("optim.lua") }
    func testDataFormats() throws { try runScript("data_formats.lua") }
    func testDataOperations() throws { try runScript("data_ops.lua") }
    func testDataSamplers() throws { try runScript("data_sample.lua") }
    func testDataAugmentation() throws { try runScript("data_augment.lua") }
    func testDataErrors() throws { try runScript("data_errors.lua") }
    func testDataLimits() throws { try runScript("data_limits.lua") }
    func testLossesMatchReferences() throws { try runScript("losses.lua") }
    func testWeightFunctions() throws { try runScript("weights.lua") }
    func testExperimentWorkflow() throws { try runScript("experiment.lua") }
    func testMetricsMatchScikitLearn() throws { try runScript("metrics.lua") }
    func testCSV() throws { try runScript("csv.lua") }
    func testPlots() throws { try runScript("plot.lua") }
    func testStatsMatchSciPy() throws { try runScript("stats.lua") }
    func testLibraryErrorsNameTheirFunction() throws { try runScript("library_errors.lua") }
    func testStudySummaryStatistics() throws { try runScript("study_summary.lua") }
    func testStudyMethods() throws { try runScript("study_methods.lua") }
    func testSysProcesses() throws { try runScript("sys_processes.lua") }
    func testHelpCoversEveryFunction() throws { try runScript("help.lua") }

    /// The helper that writes data files for the data tests ("datafiles.lua", required by
    /// them) loads alone as a module.
    func testDataFilesHelper() throws {
        let lua = LuaState()
        try lua.addModuleDirectory(Self.luaDirectory)
        try lua.execute("""
            local F = require("datafiles")
            for _, f in ipairs({"tmpdir", "write", "unhex", "idx", "cifar_records", "same"}) do
              assert(type(F[f]) == "function", "datafiles." .. f .. " is missing")
            end
            """)
    }

    /// Every .lua file in Tests/lua but the runner (testing.lua, run.lua) and the generated
    /// reference data has a test method above.
    func testEveryScriptIsRun() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.luaDirectory)
            .filter { $0.hasSuffix(".lua") && $0 != "testing.lua" && $0 != "run.lua" && !$0.hasSuffix("_data.lua") }
        let source = try String(contentsOfFile: #filePath, encoding: .utf8)
        for f in files {
            XCTAssertTrue(source.contains("\"\(f)\""), "\(f) is not run by LuaScriptTests")
        }
    }

    /// The runner itself: every failed case is reported with its assertion's line, the others
    /// still run, a file that does not load says so, and filters select cases and files.
    func testRunnerReportsEveryFailure() throws {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("lwscript-runner-\(ProcessInfo.processInfo.processIdentifier)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try """
            local T = require("testing")
            local test = T.suite("cases")
            function test.first_passes() T.eq(1, 1, "one") end
            function test.second_fails()
              T.eq(1, 2, "one is two")
            end
            function test.third_fails() error("boom") end
            function test.fourth_passes() T.same_table({1, {2}}, {1, {2}}, "nested") end
            return test
            """.write(toFile: dir + "/cases.lua", atomically: true, encoding: .utf8)
        try "local x = = 1\n".write(toFile: dir + "/syntax.lua", atomically: true, encoding: .utf8)
        try "local T = require('testing')\nlocal test = T.suite('setup')\nerror('no data')\nreturn test\n"
            .write(toFile: dir + "/setup.lua", atomically: true, encoding: .utf8)
        try "return {}\n".write(toFile: dir + "/plain.lua", atomically: true, encoding: .utf8)

        let all = try runSuite("cases.lua", in: dir, filter: "")
        XCTAssertEqual(all.cases, 4)
        XCTAssertEqual(all.ran, 4)
        XCTAssertEqual(all.failures.map(\.name), ["second_fails", "third_fails"])
        XCTAssertTrue(all.failures[0].message.hasSuffix("cases.lua:5: one is two: expected 2, got 1"), all.failures[0].message)
        XCTAssertTrue(all.failures[0].traceback.contains("cases.lua:5:"), all.failures[0].traceback)
        XCTAssertFalse(all.failures[0].traceback.contains("testing.lua"), all.failures[0].traceback)
        XCTAssertTrue(all.failures[1].message.hasSuffix("cases.lua:7: boom"), all.failures[1].message)

        let one = try runSuite("cases.lua", in: dir, filter: "cases.third_fails")
        XCTAssertEqual(one.ran, 1)
        XCTAssertEqual(one.failures.map(\.name), ["third_fails"])
        XCTAssertEqual(try runSuite("cases.lua", in: dir, filter: "_passes$").ran, 2)
        XCTAssertEqual(try runSuite("cases.lua", in: dir, filter: "cases.fail").ran, 2)
        XCTAssertFalse(try runSuite("cases.lua", in: dir, filter: "setup.x").selected)
        XCTAssertEqual(try runSuite("cases.lua", in: dir, filter: "nothing.like.this").ran, 0)

        let syntax = try runSuite("syntax.lua", in: dir, filter: "")
        XCTAssertTrue(syntax.loadError?.contains("syntax.lua:1:") == true, syntax.loadError ?? "loaded")
        let setup = try runSuite("setup.lua", in: dir, filter: "")
        XCTAssertTrue(setup.loadError?.contains("setup.lua:3: no data") == true, setup.loadError ?? "loaded")
        let plain = try runSuite("plain.lua", in: dir, filter: "")
        XCTAssertTrue(plain.loadError?.contains("not a suite") == true, plain.loadError ?? "loaded")
    }
}
