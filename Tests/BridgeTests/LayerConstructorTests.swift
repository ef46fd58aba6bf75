import Bridge
import CLua
import Foundation
import Numerics
import XCTest

/// The Lua constructor call of each Swift layer (`layer.constructor`): model checkpoints
/// store it and `nn.load` runs it to rebuild the model, so the text of every layer kind is
/// pinned here byte for byte. Checkpoints written by earlier versions must keep loading.
final class LayerConstructorTests: XCTestCase {
    /// (Lua expression that builds a layer, its constructor text), as written into
    /// checkpoints since the format's first version.
    static let cases: [(String, String)] = [
        ("nn.Linear(784, 256)", "nn.Linear(784, 256)"),
        ("nn.Linear(4, 3, {bias = true})", "nn.Linear(4, 3)"),
        ("nn.Linear(4, 3, {bias = false})", "nn.Linear(4, 3, {bias = false})"),
        ("nn.Conv1d(8, 16, 3)", "nn.Conv1d(8, 16, 3, {stride = 1, padding = 0, bias = true})"),
        ("nn.Conv1d(8, 16, 5, {stride = 2, padding = 2, bias = false})",
         "nn.Conv1d(8, 16, 5, {stride = 2, padding = 2, bias = false})"),
        ("nn.Conv2d(3, 16, 3)", "nn.Conv2d(3, 16, {3, 3}, {stride = {1, 1}, padding = {0, 0}, bias = true})"),
        ("nn.Conv2d(3, 8, 3, {stride = 2, padding = 1})",
         "nn.Conv2d(3, 8, {3, 3}, {stride = {2, 2}, padding = {1, 1}, bias = true})"),
        ("nn.Conv2d(1, 2, {3, 5}, {stride = {2, 1}, padding = {1, 2}, bias = false})",
         "nn.Conv2d(1, 2, {3, 5}, {stride = {2, 1}, padding = {1, 2}, bias = false})"),
        ("nn.BatchNorm1d(4)", "nn.BatchNorm1d(4, {eps = 1e-05, momentum = 0.1})"),
        ("nn.BatchNorm1d(3, {eps = 0.1, momentum = 0})", "nn.BatchNorm1d(3, {eps = 0.1, momentum = 0.0})"),
        ("nn.BatchNorm2d(16, {eps = 1e-3, momentum = 0.01})", "nn.BatchNorm2d(16, {eps = 0.001, momentum = 0.01})"),
        ("nn.BatchNorm2d(2, {momentum = 1})", "nn.BatchNorm2d(2, {eps = 1e-05, momentum = 1.0})"),
        ("nn.ReLU()", "nn.ReLU()"),
        ("nn.Tanh()", "nn.Tanh()"),
        ("nn.Sigmoid()", "nn.Sigmoid()"),
        ("nn.LeakyReLU()", "nn.LeakyReLU(0.01)"),
        ("nn.LeakyReLU(0.2)", "nn.LeakyReLU(0.2)"),
        ("nn.LeakyReLU(3)", "nn.LeakyReLU(3.0)"),
        ("nn.MaxPool2d(2)", "nn.MaxPool2d({2, 2}, {stride = {2, 2}, padding = {0, 0}})"),
        ("nn.MaxPool2d({3, 2}, {stride = {1, 2}, padding = {1, 0}})",
         "nn.MaxPool2d({3, 2}, {stride = {1, 2}, padding = {1, 0}})"),
        ("nn.AvgPool2d(2)", "nn.AvgPool2d({2, 2}, {stride = {2, 2}, padding = {0, 0}})"),
        ("nn.AvgPool2d(3, {stride = 1, padding = 1})", "nn.AvgPool2d({3, 3}, {stride = {1, 1}, padding = {1, 1}})"),
        ("nn.GlobalAvgPool()", "nn.GlobalAvgPool()"),
        ("nn.Dropout()", "nn.Dropout(0.5)"),
        ("nn.Dropout(0)", "nn.Dropout(0.0)"),
        ("nn.Dropout(0.3)", "nn.Dropout(0.3)"),
        ("nn.Flatten()", "nn.Flatten()"),
        ("nn.Transpose(2, 3)", "nn.Transpose(2, 3)"),
        ("nn.Transpose(4, 1)", "nn.Transpose(4, 1)"),
        ("nn.Embedding(30, 8)", "nn.Embedding(30, 8)"),
        ("nn.LSTM(8, 16)", "nn.LSTM(8, 16, {layers = 1})"),
        ("nn.LSTM(8, 16, {layers = 2})", "nn.LSTM(8, 16, {layers = 2})"),
        ("nn.LSTM(8, 16, {output = \"last\"})", "nn.LSTM(8, 16, {layers = 1, output = \"last\"})"),
        ("nn.LSTM(8, 16, {layers = 3, output = \"last\", batch_first = true})",
         "nn.LSTM(8, 16, {layers = 3, output = \"last\"})"),
        ("nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.Flatten(), nn.Linear(2, 3, {bias = false}))",
         "nn.Sequential(nn.Conv2d(1, 2, {3, 3}, {stride = {1, 1}, padding = {0, 0}, bias = true}), "
            + "nn.BatchNorm2d(2, {eps = 1e-05, momentum = 0.1}), nn.ReLU(), nn.Flatten(), nn.Linear(2, 3, {bias = false}))"),
    ]

    /// Runs `code` (a chunk that returns one value) and gives that value as a string.
    func evaluate(_ lua: LuaState, _ code: String) throws -> String? {
        try lua.load(code, chunkname: "=test")
        try lua.protectedCall(nargs: 0, nresults: 1)
        defer { lua_settop(lua.L, 0) }
        return stringAt(lua.L, -1)
    }

    func testConstructorTextOfEveryLayerKind() throws {
        let lua = LuaState()
        for (build, expected) in Self.cases {
            let text = try evaluate(lua, """
                local m = \(build)
                return m.constructor or m:constructor_call()
                """)
            XCTAssertEqual(text, expected, build)
        }
    }

    /// Every capitalised constructor of `nn` that makes a Swift layer has a case above.
    func testEveryLayerConstructorIsPinned() throws {
        let lua = LuaState()
        let names = try evaluate(lua, """
            local names = {}
            for k, v in pairs(nn) do
              if type(v) == "function" and k:match("^%u") and k ~= "Module" and k ~= "Sequential" and k ~= "Residual" then
                names[#names + 1] = k
              end
            end
            table.sort(names)
            return table.concat(names, " ")
            """) ?? ""
        XCTAssertFalse(names.isEmpty)
        for name in names.split(separator: " ") {
            XCTAssertTrue(Self.cases.contains { $0.1.hasPrefix("nn.\(name)(") }, "nn.\(name) has no pinned constructor text")
        }
    }

    /// Each layer saved and loaded back: the same constructor text, summary, parameters,
    /// buffers and (in evaluation mode) outputs.
    func testEveryLayerRoundTripsThroughACheckpoint() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lwscript-ctor-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let lua = LuaState()
        try lua.execute("""
            function same_state(a, b)
              local sa, sb = a:named_parameters(), b:named_parameters()
              if a.named_buffers then
                for _, p in ipairs(a:named_buffers()) do sa[#sa + 1] = p end
                for _, p in ipairs(b:named_buffers()) do sb[#sb + 1] = p end
              end
              assert(#sa == #sb, "different numbers of tensors")
              for i = 1, #sa do
                assert(sa[i][1] == sb[i][1], "tensor " .. i .. ": " .. sa[i][1] .. " vs " .. sb[i][1])
                assert(tensor.equal(sa[i][2], sb[i][2]), "tensor " .. sa[i][1] .. " differs")
              end
            end
            """, chunkname: "=helpers")
        // inputs per layer kind, for comparing outputs
        let inputs: [String: String] = [
            "nn.Linear(784": "tensor.randn(2, 784)", "nn.Linear(4": "tensor.randn(2, 4)",
            "nn.Conv1d": "tensor.randn(2, 8, 12)", "nn.Conv2d(3": "tensor.randn(2, 3, 9, 9)",
            "nn.Conv2d(1": "tensor.randn(2, 1, 9, 9)", "nn.BatchNorm1d(4": "tensor.randn(3, 4)",
            "nn.BatchNorm1d(3": "tensor.randn(3, 3, 5)", "nn.BatchNorm2d(16": "tensor.randn(2, 16, 3, 3)",
            "nn.BatchNorm2d(2": "tensor.randn(2, 2, 3, 3)", "nn.Embedding": "tensor.new({{1, 30}, {7, 2}})",
            "nn.LSTM": "tensor.randn(2, 5, 8)", "nn.Transpose(4": "tensor.randn(2, 3, 4, 5)",
            "nn.Sequential": "tensor.randn(2, 1, 3, 3)",
        ]
        for (k, (build, expected)) in Self.cases.enumerated() {
            let path = dir.appendingPathComponent("layer\(k).ckpt").path
            let input = inputs.first { build.hasPrefix($0.key) }?.value ?? "tensor.randn(2, 3, 6, 6)"
            do {
                let text = try evaluate(lua, """
                    tensor.seed(\(k + 1))
                    local m = \(build)
                    m:eval()
                    if m.named_buffers then
                      -- training-like running statistics, so that loading them is visible
                      for _, p in ipairs(m:named_buffers()) do p[2]:copy(tensor.rand(p[2]:shape()) + 0.5) end
                    end
                    m:save("\(path)")
                    local loaded = nn.load("\(path)")
                    loaded:eval()
                    assert(tostring(loaded) == tostring(m), tostring(loaded) .. " vs " .. tostring(m))
                    same_state(m, loaded)
                    local x = \(input)
                    local y1, y2 = m(x), loaded(x)
                    assert(tensor.equal(y1, y2), "outputs differ")
                    return loaded.constructor or loaded:constructor_call()
                    """)
                XCTAssertEqual(text, expected, build)
            } catch {
                XCTFail("\(build): \(error)")
            }
        }
    }

    /// A checkpoint as earlier versions wrote it (the metadata text spelled out here, not
    /// produced by the code under test) loads into the model it describes.
    func testCheckpointWrittenByEarlierVersionsLoads() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lwscript-old-\(UUID().uuidString).ckpt").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let lua = LuaState()
        let metadata = #"{format = "lwscript model", version = 1, constructor = "nn.Sequential(nn.Embedding(10, 4), "#
            + #"nn.Transpose(2, 3), nn.Conv1d(4, 6, 3, {stride = 1, padding = 1, bias = true}), nn.BatchNorm1d(6, {eps = 1e-05, momentum = 0.1}), "#
            + #"nn.LeakyReLU(0.2), nn.Transpose(2, 3), nn.LSTM(6, 5, {layers = 2, output = \"last\"}), nn.Dropout(0.25), "#
            + #"nn.Linear(5, 3, {bias = false}))"}"#
        try lua.execute("""
            tensor.seed(7)
            local m = nn.Sequential(nn.Embedding(10, 4), nn.Transpose(2, 3), nn.Conv1d(4, 6, 3, {padding = 1}),
              nn.BatchNorm1d(6), nn.LeakyReLU(0.2), nn.Transpose(2, 3), nn.LSTM(6, 5, {layers = 2, output = "last"}),
              nn.Dropout(0.25), nn.Linear(5, 3, {bias = false}))
            m(tensor.new({{1, 2, 3, 4}, {5, 6, 7, 8}, {9, 10, 1, 2}}))   -- running statistics move
            m:eval()
            local state = m:named_parameters()
            for _, p in ipairs(m:named_buffers()) do state[#state + 1] = p end
            nn.write_state("\(path)", state, [==[\(metadata)]==])
            local loaded = nn.load("\(path)")
            loaded:eval()
            local x = tensor.new({{3, 1, 4, 1}, {5, 9, 2, 6}})
            assert(tensor.equal(m(x), loaded(x)), "outputs differ")
            assert(tostring(loaded) == tostring(m))
            """, chunkname: "=old checkpoint")
    }

    /// A Swift layer type nn has no constructor for gets none (nil), rather than a guessed
    /// call that might rebuild the wrong layer: its model is saved without one.
    func testLayerWithoutAConstructorIsSavedWithoutOne() throws {
        final class Doubler: Module {
            override var kind: String { "Doubler" }
            override func forward(_ x: Numerics.Tensor) throws -> Numerics.Tensor { try Ops.binary(.mul, x, scalar: 2) }
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lwscript-doubler-\(UUID().uuidString).ckpt").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let lua = LuaState()
        pushObject(lua.L, Doubler() as Module)
        lua_setglobal(lua.L, "doubler")
        try lua.execute("""
            assert(doubler.constructor == nil)
            doubler:save("\(path)")
            local ok, err = pcall(nn.load, "\(path)")
            assert(not ok and err:find("holds a model written in Lua", 1, true), tostring(err))
            """, chunkname: "=doubler")
    }
}
