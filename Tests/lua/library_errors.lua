-- Every public function of the Lua-written library (experiment, nn presets and containers,
-- nn.Module methods, loss.custom and one_hot, weights, plot, tensor.gradcheck and no_grad)
-- called with wrong values for each argument and each option, and with user functions that
-- return wrong values: every error names the function (or method), and none is a raw Lua
-- error from inside the library ("attempt to index ...", "bad argument #9 to 'fmt'", a
-- position in lwscript/..., "stack overflow"). The exact messages are asserted in the suites
-- of each module; this suite guards the whole surface.
local T = require("testing")
local test = T.suite("library_errors")

local RAW = {"attempt to ", "stack overflow", "lwscript/", "invalid ", "C stack", "number has no integer representation"}
-- "bad argument #n to 'f'" is fine when f is one of lwscript's functions, not Lua's own
local OURS = {"experiment", "nn", "tensor", "weights", "plot", "loss", "Plot", "Module", "Sequential", "Residual",
              "Loss", "model"}

local function raw_error(err)
  for _, p in ipairs(RAW) do
    if err:find(p, 1, true) then return p end
  end
  for name in err:gmatch("bad argument #%d+ to '([^'.:]+)") do
    local ours = false
    for _, n in ipairs(OURS) do if name == n then ours = true end end
    if not ours then return "bad argument to '" .. name .. "'" end
  end
  return nil
end

-- Collects the calls whose error is raw or does not name one of `names`.
local function new_judge()
  local problems, calls = {}, 0
  local judge = {}
  function judge.call(names, label, f, ...)
    calls = calls + 1
    local ok, err = pcall(f, ...)
    if ok then return end
    err = tostring(err)
    local raw = raw_error(err)
    local named = false
    for _, n in ipairs(names) do if err:find(n, 1, true) then named = true end end
    if raw or not named then
      problems[#problems + 1] = string.format("%s: %s%s", label, err, raw and (" [raw: " .. raw .. "]") or " [names no function]")
    end
  end
  function judge.check(what)
    if #problems > 0 then
      error(string.format("%d of %d calls of %s gave errors that do not say where they come from, e.g.\n  %s", #problems,
                          calls, what, table.concat(problems, "\n  ", 1, math.min(#problems, 8))), 2)
    end
    return calls
  end
  return judge
end

-- Runs f with print silenced (calls whose options were replaced train with progress lines),
-- and puts print back even when f fails.
local function quietly(f)
  local real_print = print
  _G.print = function() end -- luacheck: ignore 122 (silenced while the sweep trains)
  local ok, err = pcall(f)
  _G.print = real_print -- luacheck: ignore 122 (the real one back)
  if not ok then error(err, 0) end
end

local function blobs()
  tensor.seed(1)
  local x, y = tensor.randn(30, 2), tensor.zeros(30)
  for i = 1, 30 do y[i] = (i - 1) % 3 + 1 end
  return data.tensors(x, y, {classes = {"a", "b", "c"}})
end
local function model() return nn.mlp{inputs = 2, hidden = {4}, classes = 3} end

-- Wrong values of every kind; the string is a path that cannot be written (under a file).
local function bad_values(dir)
  local file = dir .. "/a-file"
  local f = assert(io.open(file, "wb")); f:close()
  return {
    {"nil", nil}, {"NaN", 0 / 0}, {"-1", -1}, {"1.5", 1.5}, {"2^63", 2 ^ 63}, {"a string", file .. "/x"}, {"{}", {}},
    {"{1}", {1}}, {"true", true}, {"a function", function() return 5 end}, {"a Tensor", tensor.ones(2)},
    {"a layer", nn.ReLU()},
  }
end

-- Calls f(args...) with each argument replaced by each wrong value, then with each option (in
-- the table at args[opt_pos]) set to each wrong value.
local function sweep(judge, bad, names, label, f, args, opt_pos, options)
  local n = #args
  for i = 1, n do
    for _, b in ipairs(bad) do
      local a = {table.unpack(args, 1, n)}
      a[i] = b[2]
      judge.call(names, string.format("%s, argument %d = %s", label, i, b[1]), f, table.unpack(a, 1, n))
    end
  end
  for _, k in ipairs(options or {}) do
    for _, b in ipairs(bad) do
      if b[2] ~= nil then
        local a = {table.unpack(args, 1, n)}
        local o = {}
        for kk, vv in pairs(a[opt_pos] or {}) do o[kk] = vv end
        o[k] = b[2]
        a[opt_pos] = o
        judge.call(names, string.format("%s, option %s = %s", label, k, b[1]), f, table.unpack(a, 1, n))
      end
    end
  end
end

local function sweep_library()
  local judge, dir = new_judge(), T.tmpdir()
  local bad = bad_values(dir)
  local ds = blobs()
  local function run(name, f, args, opt_pos, options, names)
    sweep(judge, bad, names or {name}, name, f, args, opt_pos, options)
  end
  run("experiment.train", experiment.train, {model(), ds, {epochs = 1, quiet = true}}, 3,
    {"epochs", "batch", "optimizer", "loss", "loss_for", "weights", "sampler", "augment", "transform", "val", "seed",
     "checkpoint", "resume", "on_epoch", "lr_schedule", "lr_step", "clip", "quiet", "eval_batch", "name", "out"})
  run("experiment.evaluate", experiment.evaluate, {model(), ds, {}}, 3, {"batch", "classes"})
  run("experiment.json", experiment.json, {{1}, {}}, 2, {"indent"})
  run("experiment.write_json", experiment.write_json, {dir .. "/x.json", {1}})
  run("experiment.save_run", experiment.save_run, {dir .. "/run", {name = "x", plots = false}}, 2,
    {"config", "history", "report", "name", "plots"})
  run("experiment.summary_table", experiment.summary_table, {{{method = "a", seeds = 1, accuracy = 0.5}}})
  local stub = {config = {seeds = {1}}, runs = {baseline = {[1] = {report = {confused = {{text = "a -> b 50%"}}}}}}}
  run("experiment.most_confused", experiment.most_confused, {stub, 2})
  for _, name in ipairs({"tpr_weighted_ce", "focal", "class_balanced_tpr", "tpr_oversampling", "tpr_augmentation"}) do
    run("experiment.methods." .. name, experiment.methods[name], {{}}, 1,
        {"name", "gamma", "alpha", "beta", "power", "strength", "padding", "std", "rate"})
  end
  run("experiment.learnability", experiment.learnability,
    {{data = {train = ds, test = ds}, s_from_test = true, model = model, seeds = {1}, epochs = 1, quiet = true,
      methods = {"focal"}, plots = false}}, 1,
    {"data", "model", "methods", "seeds", "W", "gammas", "epochs", "batch", "optimizer", "lr_schedule", "train", "out",
     "name", "quiet", "verbose", "eval_batch", "plots", "save_runs", "controls", "W_cap", "s_from_test"},
    -- what the study passes on to experiment.train, and the weights of W = a number
    {"experiment.learnability", "experiment.train", "weights.tpr_power"})
  run("nn.mlp", nn.mlp, {{inputs = 2, classes = 3}}, 1, {"inputs", "hidden", "classes", "dropout"})
  run("nn.resnet_cnn", nn.resnet_cnn, {{size = 8, widths = {2, 2, 2}, dense = 4}}, 1,
    {"channels", "classes", "size", "widths", "dense", "dropout"})
  run("nn.conv_lstm", nn.conv_lstm, {{vocab = 5, classes = 2, embed = 2, channels = 2, hidden = 2}}, 1,
    {"vocab", "classes", "embed", "channels", "hidden", "kernel", "dropout", "layers"})
  run("nn.Sequential", nn.Sequential, {nn.ReLU(), nn.ReLU()})
  run("nn.Residual", nn.Residual, {nn.ReLU()})
  run("nn.Module", nn.Module, {"Kind"})
  local file = dir .. "/m.ckpt"
  run("nn.save", nn.save, {model(), file})
  nn.save(model(), file)
  run("nn.load", nn.load, {file})
  run("nn.load_into", nn.load_into, {model(), file}, nil, nil, {"nn.load_into", "model:load"})
  local methods = {"Module:", "Sequential:", "Residual:", "nn.save", "nn.load_into", "model:load", "nn.Sequential", "nn.Residual"}
  local seq, res = model(), nn.Residual(nn.Linear(2, 2))
  local Scale = nn.Module("Scale")
  function Scale:init() self.w = tensor.ones(2):requires_grad() end
  function Scale:forward(x) return x * self.w end
  for _, m in ipairs({seq, res, Scale()}) do
    for _, name in ipairs({"parameters", "named_parameters", "named_buffers", "children", "train", "eval", "zero_grad",
                           "num_parameters", "describe", "save", "load", "add", "forward", "constructor_call"}) do
      -- the library's methods (Scale's own forward is the user's to check)
      if m[name] and not (m.kind == "Scale" and name == "forward") then
        local arg = ({add = nn.ReLU(), forward = tensor.ones(1, 2), save = dir .. "/s.ckpt", load = file})[name]
        run(m.kind .. ":" .. name, function(...) return m[name](...) end, {m, arg}, nil, nil, methods)
      end
    end
  end
  run("loss.one_hot", loss.one_hot, {tensor.new({1, 2}), 3})
  run("loss.custom", loss.custom, {function(z) return z:sum() end, {}}, 2, {"name", "per_sample", "reduction"})
  local crit = loss.custom(function(z) return z:sum() end)
  run("loss.custom", function(...) return crit(...) end, {tensor.ones(2, 3), tensor.new({1, 2})})
  run("Loss:forward", function(...) return crit.forward(...) end, {crit, tensor.ones(2, 3), tensor.new({1, 2})}, nil, nil,
      {"Loss:forward", "loss.custom"})
  local s = {0.9, 0.5, 0.7}
  run("weights.stats", weights.stats, {s})
  run("weights.tpr_power", weights.tpr_power, {s, 2, {}}, 3, {"floor"})
  run("weights.inverse", weights.inverse, {s, {}}, 2, {"floor"})
  run("weights.softmax", weights.softmax, {s, 1})
  run("weights.normalize", weights.normalize, {s, "sum_one"})
  run("weights.clamp", weights.clamp, {s, 0.1, 2})
  run("weights.map", weights.map, {s, function(v) return v end})
  run("weights.pseudo_counts", weights.pseudo_counts, {s, {}}, 2, {"total", "power", "floor"})
  run("weights.variance", weights.variance, {s})
  run("plot.bars", plot.bars, {{labels = {"a"}, series = {{values = {1}}}}}, 1,
    {"labels", "series", "title", "xlabel", "ylabel", "ylim", "value_labels", "width", "height"})
  run("plot.lines", plot.lines, {{x = {1, 2}, series = {{values = {1, 2}}}}}, 1,
    {"x", "series", "title", "xlabel", "ylabel", "ylim", "markers", "width", "height"})
  run("plot.scatter", plot.scatter, {{points = {{x = 1, y = 2}}}}, 1, {"points", "connect", "title", "xlabel", "ylabel", "width", "height"})
  run("plot.heatmap", plot.heatmap, {{matrix = {{1, 2}, {3, 4}}}}, 1,
    {"matrix", "labels", "row_labels", "col_labels", "normalize", "title", "xlabel", "ylabel", "width", "height"})
  local p = plot.bars{labels = {"a"}, series = {{values = {1}}}}
  run("Plot:save", function(...) return p.save(...) end, {p, dir .. "/p.svg"})
  run("Plot:svg", function(...) return p.svg(...) end, {p})
  run("tensor.gradcheck", tensor.gradcheck, {function(a) return a * 2 end, {tensor.ones(2)}, {}}, 3, {"eps", "atol", "rtol", "seed"})
  run("tensor.no_grad", tensor.no_grad, {function() end})
  T.eq(judge.check("the library") > 2000, true, "calls made")
end

function test.every_public_function_names_itself_on_wrong_arguments()
  quietly(sweep_library)
end

local function sweep_callbacks()
  local judge = new_judge()
  local ds = blobs()
  local returns = {{"nil", nil}, {"NaN", 0 / 0}, {"a string", "x"}, {"{}", {}}, {"{1}", {1}}, {"true", true},
                   {"a function", function() return 5 end}, {"a Tensor", tensor.ones(2)}, {"a layer", nn.ReLU()}}
  for _, k in ipairs({"optimizer", "lr_schedule", "loss", "loss_for", "weights", "sampler", "augment", "transform", "on_epoch"}) do
    for _, r in ipairs(returns) do
      local opts = {epochs = 1, quiet = true}
      opts[k] = function() return r[2] end
      if k == "loss_for" then opts.weights = {1, 1, 1} end
      -- (a Tensor of the wrong size reaches the loss, which says what it expected)
      judge.call({"experiment.train", "loss.cross_entropy"}, "train, " .. k .. " returning " .. r[1], experiment.train, model(),
                 ds, opts)
    end
  end
  for _, r in ipairs(returns) do
    local Bad = nn.Module("Bad")
    function Bad:init() self.w = tensor.ones(1):requires_grad() end
    function Bad.forward() return r[2] end
    local label = "a model returning " .. r[1]
    judge.call({"experiment.train", "loss.cross_entropy"}, label, experiment.train, Bad(), ds, {epochs = 1, quiet = true})
    judge.call({"experiment.evaluate"}, label, experiment.evaluate, Bad(), ds)
    judge.call({"nn.Sequential"}, label, function() return nn.Sequential(Bad(), nn.Linear(2, 2))(tensor.ones(1, 2)) end)
    judge.call({"nn.Residual"}, label, function() return nn.Residual(Bad())(tensor.ones(1, 2)) end)
    judge.call({"tensor.gradcheck"}, "gradcheck, " .. label, tensor.gradcheck, function() return r[2] end, {tensor.ones(2)})
    judge.call({"weights.map"}, "weights.map, " .. label, weights.map, {0.5, 0.6}, function() return r[2] end)
    judge.call({"loss.custom"}, "loss.custom, " .. label,
               function() return loss.custom(function() return r[2] end)(tensor.ones(2, 3), tensor.new({1, 2})) end)
    local cfg = {data = {train = ds, test = ds}, s_from_test = true, seeds = {1}, epochs = 1, quiet = true, methods = {"focal"}, plots = false}
    local study = {
      model = function() return r[2] end,
      W = function() return r[2] end,
      methods = {function() return r[2] end},
    }
    for k, v in pairs(study) do
      local c = {model = model}
      for kk, vv in pairs(cfg) do c[kk] = vv end
      c[k] = v
      judge.call({"experiment.learnability", "experiment.train"}, "study, " .. k .. " returning " .. r[1], experiment.learnability, c)
    end
  end
  T.eq(judge.check("callbacks") > 150, true, "calls made")
end

function test.callbacks_returning_wrong_values_are_named()
  quietly(sweep_callbacks)
end

return test
