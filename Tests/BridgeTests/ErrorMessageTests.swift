import Bridge
import CLua
import Foundation
import XCTest

/// Whole error messages as a Lua user sees them: each names the function called exactly
/// once (the Bridge adds the name; Numerics never spells a Lua name), says what was
/// expected and what came. The leading "chunkname:line: " is stripped before comparing.
final class ErrorMessageTests: XCTestCase {
    /// The message of the error `code` raises (run as a chunk of its own, so the caller's
    /// position is the chunk's line), without its position; nil when it raises none.
    func message(_ lua: LuaState, _ code: String) throws -> String? {
        try lua.load("""
            local f = assert(load(..., "=t"))
            local ok, err = pcall(f)
            if ok then return nil end
            return tostring(err)
            """, chunkname: "=runner")
        lua.pushArgument(code)
        try lua.protectedCall(nargs: 1, nresults: 1)
        defer { lua_settop(lua.L, 0) }
        guard let text = stringAt(lua.L, -1) else { return nil }
        guard let match = text.range(of: #"^[^\s:]+:\d+: "#, options: .regularExpression) else { return text }
        return String(text[match.upperBound...])
    }

    func check(_ cases: [(String, String)], file: StaticString = #filePath, line: UInt = #line) throws {
        let lua = LuaState()
        for (code, expected) in cases {
            let got = try message(lua, code)
            XCTAssertEqual(got, expected, code, file: file, line: line)
        }
    }

    // MARK: nn constructors

    func testLinear() throws {
        try check([
            ("nn.Linear(0, 3)", "bad argument #1 to 'nn.Linear' (input features must be positive, got 0)"),
            ("nn.Linear(4, 'x')", "bad argument #2 to 'nn.Linear' (expected output features, got string)"),
            ("nn.Linear(4, 3, {bias = 1})", "bad argument #3 to 'nn.Linear' (option 'bias' must be a boolean, got number)"),
            ("nn.Linear(4, 3, {bais = false})", "bad argument #3 to 'nn.Linear' (unknown option 'bais' (known: bias))"),
        ])
    }

    func testConv1d() throws {
        try check([
            ("nn.Conv1d(0, 2, 3)", "bad argument #1 to 'nn.Conv1d' (input channels must be positive, got 0)"),
            ("nn.Conv1d(1, 2, 0)", "bad argument #3 to 'nn.Conv1d' (kernel size must be positive, got 0)"),
            ("nn.Conv1d(1, 2, 3, {stride = 0})", "bad argument #4 to 'nn.Conv1d' (option 'stride' must be positive, got 0)"),
            ("nn.Conv1d(1, 2, 3, {padding = -1})", "bad argument #4 to 'nn.Conv1d' (option 'padding' must be non-negative, got -1)"),
            ("nn.Conv1d(1, 2, 3, {stride = 1.5})", "bad argument #4 to 'nn.Conv1d' (option 'stride' must be an integer, got 1.5)"),
        ])
    }

    func testConv2d() throws {
        try check([
            ("nn.Conv2d(1, 0, 3)", "bad argument #2 to 'nn.Conv2d' (output channels must be positive, got 0)"),
            ("nn.Conv2d(1, 2, 0)", "bad argument #3 to 'nn.Conv2d' (kernel size must be positive, got 0)"),
            ("nn.Conv2d(1, 2, {3, 0})", "bad argument #3 to 'nn.Conv2d' (kernel size must be positive, got {3, 0})"),
            ("nn.Conv2d(1, 2, {1, 2, 3})", "bad argument #3 to 'nn.Conv2d' (kernel size must be a number or {h, w})"),
            ("nn.Conv2d(1, 2, 3, {stride = 0})", "bad argument #4 to 'nn.Conv2d' (option 'stride' must be positive, got 0)"),
            ("nn.Conv2d(1, 2, 3, {padding = {1, -1}})",
             "bad argument #4 to 'nn.Conv2d' (option 'padding' must be non-negative, got {1, -1})"),
        ])
    }

    func testBatchNorm() throws {
        try check([
            ("nn.BatchNorm1d(0)", "bad argument #1 to 'nn.BatchNorm1d' (channels must be positive, got 0)"),
            ("nn.BatchNorm1d(3, {eps = 0})", "nn.BatchNorm1d: eps must be positive, got 0.0"),
            ("nn.BatchNorm2d(3, {momentum = 2})", "nn.BatchNorm2d: momentum must be in [0, 1], got 2.0"),
            ("nn.BatchNorm2d(3, {eps = 'x'})", "bad argument #2 to 'nn.BatchNorm2d' (option 'eps' must be a number, got string)"),
        ])
    }

    func testPooling() throws {
        try check([
            ("nn.MaxPool2d(0)", "bad argument #1 to 'nn.MaxPool2d' (kernel size must be positive, got 0)"),
            ("nn.MaxPool2d(2, {padding = 2})",
             "nn.MaxPool2d: padding must be at most half the kernel size, got padding 2x2 for a 2x2 kernel"),
            ("nn.AvgPool2d(3, {padding = {1, 2}})",
             "nn.AvgPool2d: padding must be at most half the kernel size, got padding 1x2 for a 3x3 kernel"),
            ("nn.AvgPool2d(2, {stride = 0})", "bad argument #2 to 'nn.AvgPool2d' (option 'stride' must be positive, got 0)"),
        ])
    }

    func testDropout() throws {
        try check([
            ("nn.Dropout(2)", "nn.Dropout: p must be in [0, 1), got 2.0"),
            ("nn.Dropout(-0.5)", "nn.Dropout: p must be in [0, 1), got -0.5"),
            ("nn.Dropout('x')", "bad argument #1 to 'nn.Dropout' (expected a number, got string)"),
        ])
    }

    func testEmbedding() throws {
        try check([
            ("nn.Embedding(0, 3)", "bad argument #1 to 'nn.Embedding' (vocabulary size must be positive, got 0)"),
            ("nn.Embedding(3, 0)", "bad argument #2 to 'nn.Embedding' (embedding size must be positive, got 0)"),
        ])
    }

    func testLSTM() throws {
        try check([
            ("nn.LSTM(0, 3)", "bad argument #1 to 'nn.LSTM' (input size must be positive, got 0)"),
            ("nn.LSTM(3, 0)", "bad argument #2 to 'nn.LSTM' (hidden size must be positive, got 0)"),
            ("nn.LSTM(3, 4, {layers = 0})", "bad argument #3 to 'nn.LSTM' (option 'layers' must be positive, got 0)"),
            ("nn.LSTM(3, 4, {output = 'x'})", #"bad argument #3 to 'nn.LSTM' (option 'output' must be "all" or "last", got "x")"#),
            ("nn.LSTM(3, 4, {batch_first = false})",
             "bad argument #3 to 'nn.LSTM' (only batch_first = true is supported (input BxTxI))"),
        ])
    }

    func testOtherLayers() throws {
        try check([
            ("nn.LeakyReLU('x')", "bad argument #1 to 'nn.LeakyReLU' (expected a number, got string)"),
            ("nn.Transpose(0, 1)", "bad argument #1 to 'nn.Transpose' (a dimension must be positive, got 0)"),
        ])
    }

    // MARK: calling layers and losses

    /// layer(x) and crit(x, y) number their arguments as written, like layer:forward(x).
    func testCallsNumberArgumentsAsWritten() throws {
        try check([
            ("nn.Linear(2, 3)(5)", "bad argument #1 to 'Module call' (expected a Tensor, got number)"),
            ("nn.Linear(2, 3):forward(5)", "bad argument #1 to 'Module:forward' (expected a Tensor, got number)"),
            ("nn.Linear(2, 3)(tensor.ones(2, 5))", "Linear(2 -> 3) expected input of size Nx2, got 2x5"),
            ("loss.nll()(5)", "bad argument #1 to 'loss.nll' (logits: expected a Tensor, got number)"),
            ("loss.nll()(tensor.ones(2, 3), 5)", "bad argument #2 to 'loss.nll' (targets: expected a Tensor, got number)"),
            ("loss.nll():forward(tensor.ones(2, 3), 5)", "bad argument #2 to 'loss.nll' (targets: expected a Tensor, got number)"),
        ])
    }

    // MARK: checkpoints (Lua wrappers over Swift helpers)

    func testModelCheckpointErrorsNameThePublicFunctionOnce() throws {
        try check([
            ("nn.load('/nonexistent/m.ckpt')", "nn.load: cannot open /nonexistent/m.ckpt (no such file)"),
            ("nn.Linear(2, 3):load('/nonexistent/m.ckpt')", "model:load: cannot open /nonexistent/m.ckpt (no such file)"),
            ("nn.Linear(2, 3):save('/nonexistent/dir/m.ckpt')",
             "nn.save: cannot write /nonexistent/dir/m.ckpt: No such file or directory"),
        ])
    }

    // MARK: tensors and autograd

    func testTensorFunctionsAreNamedOnce() throws {
        try check([
            ("tensor.ones(2, 0):softmax()", "Tensor:softmax: expected a tensor with a non-empty last dimension, got size 2x0"),
            ("tensor.ones(2, 0):log_softmax()", "Tensor:log_softmax: expected a tensor with a non-empty last dimension, got size 2x0"),
            ("tensor.ones(2, 3, 4, 5):matmul(tensor.ones(5, 4))",
             "Tensor:matmul: expected 1-D, 2-D or batched 3-D tensors, got sizes 2x3x4x5 and 5x4"),
            ("tensor.matmul(tensor.ones(5), tensor.ones(2, 3, 4, 5))",
             "tensor.matmul: expected 1-D, 2-D or batched 3-D tensors, got sizes 5 and 2x3x4x5"),
            ("tensor.ones(2, 3):permute(1, 1)", "Tensor:permute: expected each of the 2 dimensions once, got 1, 1"),
            ("tensor.arange(0, 1e18, 1)", "tensor.arange: from 0 to 1e+18 by 1 would give too many elements"),
        ])
    }

    func testAutogradMessagesHoldNoLuaSyntaxFromNumerics() throws {
        try check([
            ("tensor.ones(2):sum():backward()",
             "Tensor:backward: this tensor does not require grad: nothing it was computed from requires grad"),
            ("(tensor.ones(2):requires_grad() * 2):backward()",
             "Tensor:backward: a backward pass without a gradient needs a one-element tensor (e.g. a loss), got size 2"),
            ("local y = (tensor.ones(2):requires_grad() * 2):sum(); y:backward(); y:backward()",
             "Tensor:backward: the graph through sum was already used by a backward pass; set retain_graph in the first one to use it twice"),
        ])
    }

    // MARK: the other modules: each message names its function once

    func testOptim() throws {
        try check([
            ("optim.SGD({tensor.ones(2):requires_grad()}, {lr = -1})", "optim.SGD: learning rate must be a non-negative number, got -1"),
            ("optim.SGD({tensor.ones(2):requires_grad() * 2}, {lr = 1})",
             "optim.SGD: parameter 1 is not a leaf tensor (it was computed by mul); optimize the tensors you created, such as a model's parameters"),
            ("optim.SGD({tensor.ones(3, 2):t():requires_grad()}, {lr = 1})",
             "optim.SGD: parameter 1 (size 2x3) is a non-contiguous view; optimize a contiguous tensor (a clone of the view)"),
            ("optim.Adam({tensor.ones(2):requires_grad()}, {betas = {0.9, 1}})", "optim.Adam: beta2 must be in [0, 1), got 1"),
            ("optim.clip_grad_norm({tensor.ones(2)}, 1, -2)", "optim.clip_grad_norm: norm_type must be a positive number or math.huge, got -2"),
            ("optim.clip_grad_norm({tensor.ones(2)}, -1)", "optim.clip_grad_norm: max_norm must be a non-negative number, got -1"),
            ("optim.StepLR(optim.SGD({tensor.ones(2):requires_grad()}, {lr = 1}), {step_size = 0})",
             "bad argument #2 to 'optim.StepLR' (option 'step_size' must be a positive integer, got 0)"),
            ("optim.MultiStepLR(optim.SGD({tensor.ones(2):requires_grad()}, {lr = 1}), {milestones = {3, 2}})",
             "optim.MultiStepLR: milestones must be increasing, got 3 then 2"),
        ])
    }

    func testLoss() throws {
        try check([
            ("loss.cross_entropy{weights = {1, -1}}",
             "bad argument #1 to 'loss.cross_entropy' (option 'weights': element [2] is -1, expected a finite number >= 0)"),
            ("loss.cross_entropy()(tensor.ones(2, 3), tensor.new({1, 5}))",
             "loss.cross_entropy: target 2 is 5, expected a class index in 1..3"),
            ("loss.focal{gamma = -1}", "bad argument #1 to 'loss.focal' (option 'gamma' must be a finite number >= 0, got -1)"),
            ("loss.class_balanced{counts = {1, 0}}",
             "bad argument #1 to 'loss.class_balanced' (option counts[2] is 0, expected a finite number > 0)"),
            ("loss.group_dro{classes = 2}(tensor.ones(2, 3), tensor.new({1, 2}))",
             "loss.group_dro: expected logits with 2 classes (the groups of this loss), got 3"),
        ])
    }

    func testDataSampleAugment() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lwscript-msg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let names = dir.appendingPathComponent("names.csv").path
        try "name,label\nAnn,GB\n".write(toFile: names, atomically: true, encoding: .utf8)
        let ds = "data.tensors(tensor.ones(4, 2), tensor.new({1, 2, 1, 2}))"
        try check([
            ("data.csv('/nonexistent/x.csv')", "data.csv: cannot open /nonexistent/x.csv (no such file)"),
            ("data.names('\(names)', {vocab = {'a', 'b'}})",
             #"data.names: a vocabulary starts with "<pad>" and "<unk>" (use the vocabulary of a names dataset)"#),
            ("data.tensors(tensor.ones(3), tensor.ones(3))",
             "bad argument #1 to 'data.tensors' (expected inputs [N, ...] with at least 2 dimensions, got size 3)"),
            ("\(ds):subset({5, 5})", "Dataset:subset: class 1 ('1') has 2 samples, cannot take 5"),
            ("sample.probabilities({})", "sample.probabilities: expected one value per class, got none"),
            ("sample.WeightedRandom(\(ds), {0, 0})", "sample.WeightedRandom: every weight is zero; nothing can be drawn"),
            ("augment.flip(2)", "bad argument #1 to 'augment.flip' (probabilities must be between 0 and 1, got 2)"),
            ("augment.apply(tensor.ones(2, 1, 3, 3), tensor.new({1, 2}), augment.flip({0.5, 0.5, 0.5}), {classes = 2})",
             "bad argument #3 to 'augment.apply' (flip: expected one probability or one per class (2), got 3)"),
        ])
    }

    func testMetricsStats() throws {
        try check([
            ("metrics.confusion({1, 2}, {1}, 2)", "metrics.confusion: predictions and targets differ in length (2 and 1)"),
            ("metrics.report(tensor.zeros(2, 2))", "metrics.report: the confusion matrix is empty (all counts are 0)"),
            ("metrics.variance({})", "bad argument #1 to 'metrics.variance' (s must not be empty)"),
            ("stats.welch_t({1}, {1, 2})", "stats.welch_t: a needs at least 2 values, got 1"),
            ("stats.levene({1, 2})", "stats.levene: needs at least 2 groups, got 1"),
            ("stats.holm({2})", "bad argument #1 to 'stats.holm' (p-value [1] is 2, expected a number in [0, 1])"),
        ])
    }

    /// Every function of the numeric modules and every method of their objects, called with
    /// assorted bad arguments: no message names two functions ("nn.load: nn.read_state: ...")
    /// or names its function again as the subject ("Tensor:matmul: matmul supports ...").
    func testNoMessageNamesItsFunctionTwice() throws {
        let lua = LuaState()
        try lua.load(#"""
            local argsets = {
              {}, {5}, {-1}, {0}, {2.5}, {"x"}, {{}}, {{1, 2}}, {{-1, 2}}, {{0, 0}}, {tensor.ones(2, 3)}, {tensor.ones(3)},
              {tensor.ones(2, 0)}, {tensor.ones(0)}, {5, 5}, {1, 1}, {3, 1}, {0, 1e18, 1}, {{1, 2}, {1}}, {{1, 2}, {1, 2}, {x = 1}},
              {tensor.ones(2, 3), 5}, {tensor.ones(2, 3, 4, 5)}, {tensor.ones(2, 3), tensor.new({1, 7})}, {0, 0}, {1, 0},
              {3, 4, {layers = 0}}, {1, 1, 1, {stride = 0}}, {2, {padding = 5}}, {1, {eps = -1}}, {{1, 0/0}, {1, 2}},
              {{{1, 2}, {3, 4}}}, {nil, 5}, {"/nonexistent/x"}, {"/nonexistent/x", "/nonexistent/y"}, {2, {bad = 1}},
            }
            -- not called: functions that write files, and loaders that read a whole real
            -- dataset when called without arguments
            local skip = {save = true, write_state = true, save_npy = true, fashion_mnist = true, cifar10 = true, cifar100 = true}
            -- "Tensor:matmul: matmul supports ..." names the function twice; "Dataset:imbalance:
            -- imbalance factor must ..." does not
            local subject_verbs = {expected = true, expects = true, needs = true, supports = true, requires = true,
                                   must = true, cannot = true, got = true}
            local found, seen = {}, {}
            local function check(full, bare, err)
              local msg = tostring(err):gsub("^[^%s:]+:%d+: ", "")
              local rest = msg:sub(1, #full + 2) == full .. ": " and msg:sub(#full + 3) or nil
              local again = rest and rest:sub(1, #bare) == bare and rest:sub(#bare + 1)
              local twice = msg:match("^[%a_][%w_]*[%.:][%a_][%w_]*: [%a_][%w_]*[%.:][%a_][%w_]*: ")
                or (again and (again:sub(1, 1) == "(" or subject_verbs[again:match("^ (%a+)") or ""]))
              if twice and not seen[msg] then seen[msg] = true; found[#found + 1] = full .. " -> " .. msg end
            end
            local function sweep(full, bare, f, self)
              for _, args in ipairs(argsets) do
                local ok, err
                if self ~= nil then ok, err = pcall(f, self, table.unpack(args, 1, 4))
                else ok, err = pcall(f, table.unpack(args, 1, 4)) end
                if not ok then check(full, bare, err) end
              end
            end
            for _, m in ipairs{"nn", "loss", "optim", "data", "sample", "augment", "metrics", "stats", "weights", "tensor"} do
              local names = {}
              for k, v in pairs(_G[m]) do if type(v) == "function" and not skip[k] then names[#names + 1] = k end end
              table.sort(names)
              for _, k in ipairs(names) do sweep(m .. "." .. k, k, _G[m][k]) end
            end
            local w = tensor.ones(3):requires_grad()
            local ds = data.tensors(tensor.ones(4, 2), tensor.new({1, 2, 1, 2}))
            local opt = optim.SGD({w}, {lr = 0.1})
            local objects = {
              {"Module", nn.Linear(2, 3)}, {"Module", nn.LSTM(2, 3)}, {"Dataset", ds}, {"Optimizer", opt},
              {"LRScheduler", optim.StepLR(opt, {step_size = 2})}, {"Sampler", sample.balanced(ds)},
              {"Criterion", loss.cross_entropy()}, {"Tensor", tensor.ones(2, 3)}, {"Tensor", tensor.ones(2, 0)},
              {"Tensor", tensor.ones(2, 3, 4, 5)},
            }
            local registry = debug.getregistry()
            for _, pair in ipairs(objects) do
              local kind, object = pair[1], pair[2]
              local shown = getmetatable(object).__name
              local names = {}
              for k, v in pairs(registry["lwscript." .. kind .. ".methods"]) do
                if type(v) == "function" and not skip[k] then names[#names + 1] = k end
              end
              table.sort(names)
              for _, k in ipairs(names) do sweep(shown .. ":" .. k, k, registry["lwscript." .. kind .. ".methods"][k], object) end
            end
            return table.concat(found, "\n")
            """#, chunkname: "=sweep")
        try lua.protectedCall(nargs: 0, nresults: 1)
        let found = stringAt(lua.L, -1) ?? "(no result)"
        lua_settop(lua.L, 0)
        XCTAssertEqual(found, "", "messages naming their function twice:\n\(found)")
    }
}
