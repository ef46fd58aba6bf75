import Bridge
import XCTest

/// Runs the Lua test scripts in Tests/lua, each in a fresh state. A script passes when it
/// runs to the end; its assertions raise Lua errors with the failing line.
final class LuaScriptTests: XCTestCase {
    static let luaDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("lua").path

    func runScript(_ name: String, file: StaticString = #filePath, line: UInt = #line) {
        let lua = LuaState()
        do {
            try lua.addModuleDirectory(Self.luaDirectory)
            try lua.runFile(Self.luaDirectory + "/" + name)
        } catch {
            XCTFail("\(name): \(error)", file: file, line: line)
        }
    }

    func testTensorBasics() { runScript("tensor_basics.lua") }
    func testTensorMath() { runScript("tensor_math.lua") }
    func testTensorErrors() { runScript("tensor_errors.lua") }
    func testAutograd() { runScript("autograd.lua") }
    func testLayersMatchPyTorch() { runScript("nn_reference.lua") }
    func testModelsLearn() { runScript("learning.lua") }
    func testNNAPI() { runScript("nn_api.lua") }
    func testFusedLayersEqualUnfused() { runScript("nn_fusion.lua") }
    func testModelCheckpoints() { runScript("nn_checkpoint.lua") }
    func testLayerGradients() { runScript("nn_gradcheck.lua") }
    func testOptim() { runScript("optim.lua") }
    func testDataFormats() { runScript("data_formats.lua") }
    func testDataOperations() { runScript("data_ops.lua") }
    func testDataSamplers() { runScript("data_sample.lua") }
    func testDataAugmentation() { runScript("data_augment.lua") }
    func testDataErrors() { runScript("data_errors.lua") }
    /// The helper that writes data files for the data tests (required by them) loads alone.
    func testDataFilesHelper() { runScript("datafiles.lua") }
    func testLossesMatchReferences() { runScript("losses.lua") }
    func testWeightFunctions() { runScript("weights.lua") }
    func testExperimentWorkflow() { runScript("experiment.lua") }
    func testMetricsMatchScikitLearn() { runScript("metrics.lua") }
    func testCSV() { runScript("csv.lua") }
    func testPlots() { runScript("plot.lua") }
    func testStatsMatchSciPy() { runScript("stats.lua") }

    /// Every .lua file in Tests/lua (but the helper) has a test method above.
    func testEveryScriptIsRun() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.luaDirectory)
            .filter { $0.hasSuffix(".lua") && $0 != "testing.lua" && !$0.hasSuffix("_data.lua") }
        let source = try String(contentsOfFile: #filePath, encoding: .utf8)
        for f in files {
            XCTAssertTrue(source.contains("\"\(f)\""), "\(f) is not run by LuaScriptTests")
        }
    }
}
