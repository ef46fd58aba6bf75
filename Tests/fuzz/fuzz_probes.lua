-- Adversarial probes for tensor_fuzz.lua: generated calls of the kinds that found issue 12's
-- bugs. Each probe is a small program with an expectation; what breaks the expectation is a
-- finding of one kind:
--   crash      the process died (a signal, "failed to allocate", a stack overflow) or hung
--   raw error  an error that does not say which function failed ("attempt to index a nil
--              value (local 'self')", "bad argument #9 to 'fmt'", "stack overflow")
--   accepted   a call that must fail returned normally (a NaN size, an optimizer over
--              tensors that are not the model's)
--   wrong      a wrong number (a copy from an overlapping view)
--   state      a global mode left changed (gradients off, Ctrl-C in "flag" mode)
-- The generators:
--   callback   callbacks returning wrong types (loss, loss_for, weights, sampler, optimizer
--              factories, schedules, transform, on_epoch, W functions, weights.map, loss.custom)
--   self       methods called with a dot (a missing or wrong `self`), Lua- and Swift-written
--   size       sizes that overflow (1e5, 2^31, 2^63, NaN, negative, fractional, infinite)
--   overlap    copies between overlapping views of one tensor (x:copy(x:t()))
--   coroutine  coroutines abandoned inside tensor.no_grad, training, evaluation, a study,
--              gradcheck; then the global modes are checked
--   nesting    tables and containers that contain themselves, deep nesting, many dimensions
-- Probes run in child processes (see tensor_fuzz.lua), so a crash is a finding too and the
-- next probes still run. Everything is drawn from math.random after math.randomseed(seed).
local M = {}

-- A directory for the files probes write (set by the runner; removed by it at the end).
M.scratch_dir = "."

local fmt = string.format

-- Messages of raw Lua errors: they name no lwscript function.
local RAW = {
  "attempt to ", "stack overflow", "bad argument #%d+ to '[%w_]+'", "invalid conversion specification",
  "table index is nil", "number has no integer representation", "string expected, got",
  "invalid value %(at index", "wrong number of arguments", "not enough memory", "invalid option",
  "bad argument #%d+ to '%?'",
}

-- The first line of a message, its middle cut when long (the cause is often at the end).
local function first_line(msg)
  msg = tostring(msg):gsub("\n.*", "")
  if #msg > 200 then msg = msg:sub(1, 100) .. " ... " .. msg:sub(-95) end
  return msg
end

-- An error is clear when it is not a raw Lua error and names one of `names` (plain text).
local function clear(err, names)
  local msg = tostring(err)
  for _, p in ipairs(RAW) do
    if msg:find(p) then return false end
  end
  for _, n in ipairs(names) do
    if msg:find(n, 1, true) then return true end
  end
  return false
end

local function names_of(names)
  return type(names) == "table" and names or {names}
end

-- fn(...) must raise a clear error naming one of `names`.
local function must_raise(names, fn, ...)
  local ok, err = pcall(fn, ...)
  if ok then return {"accepted", "no error"} end
  if not clear(err, names_of(names)) then return {"raw error", first_line(err)} end
end

-- fn(...) may return; if it raises, the error must be clear.
local function may_raise(names, fn, ...)
  local ok, err = pcall(fn, ...)
  if not ok and not clear(err, names_of(names)) then return {"raw error", first_line(err)} end
end

-- Values of every wrong type a callback can return (built fresh for each probe).
local BAD = {
  {"nil", function() return nil end},
  {"a number", function() return 5 end},
  {"NaN", function() return 0 / 0 end},
  {"a string", function() return "x" end},
  {"true", function() return true end},
  {"an empty table", function() return {} end},
  {"a table of strings", function() return {"a", "b", "c"} end},
  {"a function", function() return print end},
  {"a tensor of size 7", function() return tensor.ones(7) end},
  {"a dataset", function() return data.tensors(tensor.ones(2, 2), tensor.new({1, 2})) end},
}

-- A dataset of 12 samples, 2 features, 3 classes; a model for it.
local function small_set()
  local x = tensor.new({{0, 1}, {1, 0}, {2, 2}, {0, 2}, {1, 1}, {2, 0}, {0, 0}, {1, 2}, {2, 1}, {1, 3}, {3, 1}, {3, 3}})
  return data.tensors(x, tensor.new({1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3}), {classes = {"a", "b", "c"}})
end

local function small_model()
  tensor.seed(1)
  return nn.Sequential(nn.Linear(2, 3))
end

local function train_options(extra)
  local o = {epochs = 1, batch = 6, quiet = true, seed = 1}
  for k, v in pairs(extra or {}) do o[k] = v end
  return o
end

local function train(extra)
  return experiment.train(small_model(), small_set(), train_options(extra))
end

local function study(extra)
  local set = small_set()
  local o = {data = {train = set, test = set}, s_from_test = true, seeds = {1}, epochs = 1, batch = 6, quiet = true, plots = false,
             save_runs = false, methods = {"tpr_weighted_ce"},
             model = function(seed) tensor.seed(seed); return nn.mlp{inputs = 2, hidden = {3}, classes = 3} end}
  for k, v in pairs(extra or {}) do o[k] = v end
  return experiment.learnability(o)
end

-- `k` distinct entries of `list`, drawn in order of the list.
local function some(list, k)
  if k >= #list then return list end
  local picked, out = {}, {}
  while k > 0 do
    local i = math.random(#list)
    if not picked[i] then picked[i] = true; k = k - 1 end
  end
  for i, v in ipairs(list) do
    if picked[i] then out[#out + 1] = v end
  end
  return out
end

-- Generators: each adds probes {group =, name =, run = function() -> finding or nil}.
local generators = {}

function generators.callback(add)
  -- {what, valid returns (by name), call(bad)}: the call passes a callback returning bad();
  -- a valid return may be accepted, any other must raise a clear error
  local targets = {
    {"experiment.train loss", {}, function(bad) return train{loss = function() return bad() end} end},
    {"experiment.train loss_for", {}, function(bad)
      return train{weights = {1, 2, 1}, loss_for = function() return bad() end}
    end},
    {"experiment.train weights", {["nil"] = true}, function(bad) return train{weights = function() return bad() end} end},
    {"experiment.train sampler", {["nil"] = true}, function(bad) return train{sampler = function() return bad() end} end},
    {"experiment.train optimizer factory", {}, function(bad) return train{optimizer = function() return bad() end} end},
    {"experiment.train lr_schedule", {["nil"] = true}, function(bad) return train{lr_schedule = function() return bad() end} end},
    {"experiment.train transform", {}, function(bad) return train{transform = function() return bad() end} end},
    {"experiment.train augment", {["nil"] = true, ["an empty table"] = true}, function(bad)
      return train{augment = function() return bad() end}
    end},
  }
  local function expect(valid, b) return valid[b[1]] and may_raise or must_raise end
  for _, t in ipairs(targets) do
    for _, b in ipairs(some(BAD, 3)) do
      add(t[1] .. " returns " .. b[1], function() return expect(t[2], b)("experiment.train", t[3], b[2]) end)
    end
  end
  -- on_epoch may return anything (false stops training); it must not break the loop
  for _, b in ipairs(some(BAD, 2)) do
    add("experiment.train on_epoch returns " .. b[1], function()
      return may_raise("experiment.train", train, {on_epoch = function() return b[2]() end})
    end)
  end
  -- an optimizer over tensors that are not the model's: the model would never change
  add("experiment.train optimizer factory over foreign tensors", function()
    return must_raise("experiment.train", train, {optimizer = function() return optim.SGD({tensor.randn(3, 2)}, {lr = 0.1}) end})
  end)
  for _, b in ipairs(some(BAD, 4)) do
    add("weights.map function returns " .. b[1], function()
      return expect({["a number"] = true}, b)("weights.map", weights.map, {0.5, 0.9}, function() return b[2]() end)
    end)
    add("loss.custom function returns " .. b[1], function()
      local crit = loss.custom(function() return b[2]() end)
      return must_raise("loss.custom", crit, tensor.randn(2, 3), tensor.new({1, 2}))
    end)
  end
  -- W functions, the model factory and a method's options function of a study
  for _, b in ipairs(some(BAD, 2)) do
    add("experiment.learnability W returns " .. b[1], function()
      return must_raise("experiment.learnability", study, {W = function() return b[2]() end})
    end)
  end
  for _, b in ipairs(some(BAD, 1)) do
    add("experiment.learnability model returns " .. b[1], function()
      return must_raise("experiment.learnability", study, {model = function() return b[2]() end})
    end)
    add("experiment.learnability method options return " .. b[1], function()
      return expect({["nil"] = true, ["an empty table"] = true}, b)("experiment.learnability", study,
        {methods = {{name = "m", options = function() return b[2]() end}}})
    end)
  end
end

-- The methods of an object: of its metatable's __index chain (Lua-written classes) or of the
-- registry's method table (Swift types).
local function methods_of(obj, registry_key)
  local out, seen = {}, {}
  local function take(t)
    for k, v in pairs(t) do
      if type(k) == "string" and type(v) == "function" and not k:match("^__") and not seen[k] then
        seen[k] = true
        out[#out + 1] = k
      end
    end
  end
  if registry_key then
    take(debug.getregistry()[registry_key])
  else
    local mt, depth = getmetatable(obj), 0
    while type(mt) == "table" and type(mt.__index) == "table" and depth < 8 do
      take(mt.__index)
      mt, depth = getmetatable(mt.__index), depth + 1
    end
  end
  table.sort(out)
  return out
end

function generators.self(add)
  local function custom_module()
    local Scale = nn.Module("Scale")
    function Scale:init(k) self.k = k end
    function Scale:forward(x) return x * self.k end
    return Scale(2)
  end
  local objects = {
    {"Sequential", function() return nn.Sequential(nn.Linear(2, 2)) end},
    {"Residual", function() return nn.Residual(nn.Linear(2, 2)) end},
    {"nn.Module", custom_module},
    {"loss.custom", function() return loss.custom(function(l) return l:sum() end) end},
    {"Plot", function() return plot.bars{labels = {"a", "b"}, series = {{name = "s", values = {1, 2}}}} end},
    {"Module", function() return nn.Linear(2, 2) end, "lwscript.Module.methods"},
    {"Tensor", function() return tensor.ones(2, 2) end, "lwscript.Tensor.methods"},
    {"Dataset", small_set, "lwscript.Dataset.methods"},
    {"Optimizer", function() return optim.SGD({tensor.ones(2)}, {lr = 0.1}) end, "lwscript.Optimizer.methods"},
    {"LRScheduler", function() return optim.StepLR(optim.SGD({tensor.ones(2)}, {lr = 0.1}), {step_size = 1}) end,
     "lwscript.LRScheduler.methods"},
    {"Criterion", function() return loss.cross_entropy() end, "lwscript.Criterion.methods"},
  }
  -- what a dot call passes as self: nothing (m.eval()), the first argument (m.forward(x),
  -- opt.step(5), t.add("x"))
  local wrong = {
    {"no self", function() return end},
    {"a number", function() return 5 end},
    {"a tensor", function() return tensor.ones(2) end},
  }
  local wrong_for_tensor = {wrong[1], wrong[2], {"a string", function() return "x" end}}
  for _, o in ipairs(objects) do
    local ok, obj = pcall(o[2])
    if not ok then
      add(o[1] .. " (fixture)", function() return {"raw error", "cannot build the fixture: " .. first_line(obj)} end)
    else
      for _, name in ipairs(methods_of(obj, o[3])) do
        -- the fixture's own methods (init, forward of nn.Module) are user code
        if o[1] == "nn.Module" and (name == "init" or name == "forward") then goto next_method end
        for _, w in ipairs(some(o[1] == "Tensor" and wrong_for_tensor or wrong, 1)) do
          add(fmt("%s.%s(%s)", o[1], name, w[1]), function()
            local fresh = o[2]()
            local fn = fresh[name]
            -- a clear error names the method; a dot call that returns is accepted
            return must_raise({name}, function() return fn(w[2]()) end)
          end)
        end
        ::next_method::
      end
    end
  end
end

-- Sizes: invalid ones must raise; valid ones whose result has more than 2^31 - 1 elements must
-- raise (the documented limit); smaller results may be computed when cheap (at most 2^20
-- elements); the rest (real gigabytes) is not probed.
local SIZES = {
  {"1e5", 1e5}, {"1e6", 1e6}, {"46000", 46000}, {"2^30", 2 ^ 30}, {"2^31", 2 ^ 31}, {"2^63", 2 ^ 63},
  {"2^53+1", 2 ^ 53 + 1}, {"NaN", 0 / 0}, {"-1", -1}, {"-2^31", -2 ^ 31}, {"1.5", 1.5}, {"inf", math.huge},
  {"3", 3},
}
local LIMIT, CHEAP, SETUP = 2 ^ 31 - 1, 2 ^ 20, 2 ^ 21

local function invalid(n)
  return n ~= n or n < 0 or n ~= math.floor(n) or n == math.huge or n >= 2 ^ 63
end

function generators.size(add)
  -- {call text, names, f(n), elements(n) of the result, work(n) before it (in element fills;
  -- random initialisation counts 8 per element: a debug build draws about 1e6 per second)}
  local templates = {
    {"tensor.zeros(n)", "tensor.zeros", function(n) return tensor.zeros(n) end, function(n) return n end},
    {"tensor.ones(2, n)", "tensor.ones", function(n) return tensor.ones(2, n) end, function(n) return 2 * n end},
    {"tensor.randn(n, n)", "tensor.randn", function(n) return tensor.randn(n, n) end, function(n) return n * n end},
    {"tensor.full({n, 2}, 1)", "tensor.full", function(n) return tensor.full({n, 2}, 1) end, function(n) return 2 * n end},
    {"tensor.eye(n)", "tensor.eye", function(n) return tensor.eye(n) end, function(n) return n * n end},
    {"tensor.ones(n, 1):matmul(tensor.ones(1, n))", {"matmul", "tensor.ones"},
     function(n) return tensor.ones(n, 1):matmul(tensor.ones(1, n)) end, function(n) return n * n end, function(n) return 2 * n end},
    {"tensor.ones(n, 1) + tensor.ones(1, n)", {"Tensor +", "tensor.ones"},
     function(n) return tensor.ones(n, 1) + tensor.ones(1, n) end, function(n) return n * n end, function(n) return 2 * n end},
    {"tensor.ones(1):expand(n) cat", {"expand", "tensor.cat"},
     function(n) local v = tensor.ones(1):expand(n); return tensor.cat({v, v}) end, function(n) return 2 * n end},
    {"nn.Linear(1, n)(tensor.ones(1e5, 1))", {"nn.Linear", "Linear("},
     function(n) return nn.Linear(1, n)(tensor.ones(1e5, 1)) end, function(n) return 1e5 * n end, function(n) return 16 * n end},
    {"nn.Embedding(2, n)(tensor.ones(1e5))", {"nn.Embedding", "Embedding("},
     function(n) return nn.Embedding(2, n)(tensor.ones(1e5)) end, function(n) return 1e5 * n end, function(n) return 16 * n end},
    {"nn.Conv2d(1, 1, 3, {padding = n})", {"nn.Conv2d", "Conv2d("},
     function(n) return nn.Conv2d(1, 1, 3, {padding = n})(tensor.ones(1, 1, 4, 4)) end,
     function(n) return (n * 2 + 2) * (n * 2 + 2) * 9 end},
    {"nn.Conv1d(1, 1, 3, {padding = n})", {"nn.Conv1d", "Conv1d("},
     function(n) return nn.Conv1d(1, 1, 3, {padding = n})(tensor.ones(1, 1, 4)) end, function(n) return (n * 2 + 2) * 3 end},
    {"loss.one_hot(tensor.ones(1e5), n)", "loss.one_hot",
     function(n) return loss.one_hot(tensor.ones(1e5), n) end, function(n) return 1e5 * n end},
    {"nn.LSTM(2, 2, {layers = n})", {"nn.LSTM", "LSTM("},
     function(n) return nn.LSTM(2, 2, {layers = n}) end, function(n) return 48 * n end, function(n) return 8 * 48 * n end},
    {"tensor.ones(2, 2):narrow(1, 1, n)", "narrow", function(n) return tensor.ones(2, 2):narrow(1, 1, n) end, function() return 0 end},
    {"tensor.ones(3):index(1, {n})", "index", function(n) return tensor.ones(3):index(1, {n}) end, function() return 0 end},
    {"tensor.ones(6):view(n, -1)", "view", function(n) return tensor.ones(6):view(n, -1) end, function() return 0 end},
  }
  for _, t in ipairs(templates) do
    for _, s in ipairs(some(SIZES, 3)) do
      local n = s[2]
      local text = t[1]:gsub("%f[%w]n%f[^%w]", s[1])
      if invalid(n) then
        add(text, function() return must_raise(t[2], t[3], n) end)
      else
        -- not probed: seconds of work before the size matters (work between SETUP and LIMIT)
        local elements, work = t[4](n), t[5] and t[5](n) or 0
        local slow = work > SETUP and work <= LIMIT
        if not slow and elements > LIMIT then
          add(text, function() return must_raise(t[2], t[3], n) end)
        elseif not slow and elements <= CHEAP then
          add(text, function() return may_raise(t[2], t[3], n) end)
        end
      end
    end
  end
  -- sizes after the first non-number were ignored (tensor.zeros(2, nil, 3) gave size 2)
  for _, f in ipairs(some({"zeros", "ones", "randn", "rand"}, 2)) do
    for _, junk in ipairs(some({{"nil", nil}, {"\"x\"", "x"}, {"{3}", {3}}}, 1)) do
      add(fmt("tensor.%s(2, %s, 3)", f, junk[1]), function() return must_raise("tensor." .. f, tensor[f], 2, junk[2], 3) end)
    end
  end
end

-- Overlapping copies: the result must be that of copying from a separate copy of the source.
function generators.overlap(add)
  local cases = {
    {"a:copy(a:t())", function(a) return a, a:t() end},
    {"a:t():copy(a)", function(a) return a:t(), a end},
    {"rows shifted down", function(a, n) return a:narrow(1, 2, n - 1), a:narrow(1, 1, n - 1) end},
    {"rows shifted up", function(a, n) return a:narrow(1, 1, n - 1), a:narrow(1, 2, n - 1) end},
    {"columns shifted right", function(a, n) return a:narrow(2, 2, n - 1), a:narrow(2, 1, n - 1) end},
    {"a column into a row", function(a) return a:select(1, 1), a:select(2, 1) end},
    {"flat, shifted by one", function(a, n) local f = a:view(n * n); return f:narrow(1, 2, n * n - 1), f:narrow(1, 1, n * n - 1) end},
    {"a row expanded over a", function(a, n) return a, a:select(1, n):unsqueeze(1):expand(n, n) end},
  }
  for _, c in ipairs(cases) do
    local n = math.random(2, 5)
    add(fmt("%s (%dx%d)", c[1], n, n), function()
      tensor.seed(n)
      local a = tensor.randn(n, n)
      local b = a:clone()
      local dst, src = c[2](a, n)
      dst:copy(src)
      local rdst, rsrc = c[2](b, n)
      rdst:copy(rsrc:clone())
      if not tensor.equal(a, b) then
        return {"wrong", fmt("got %s, expected %s", table.concat(a:view(n * n):totable(), ","),
          table.concat(b:view(n * n):totable(), ","))}
      end
    end)
  end
  local n = math.random(2, 4)
  add(fmt("a[1] = a:select(2, 1) (%dx%d)", n, n), function()
    tensor.seed(n)
    local a = tensor.randn(n, n)
    local b = a:clone()
    a[1] = a:select(2, 1)
    b[1] = b:select(2, 1):clone()
    if not tensor.equal(a, b) then return {"wrong", "a row assigned from an overlapping column"} end
  end)
end

-- Abandoned coroutines: run `body` in a coroutine until it yields inside the library, drop the
-- coroutine, collect garbage, then check the global modes.
local function abandoned(body)
  local co = coroutine.create(body)
  coroutine.resume(co)   -- yields inside the library (or fails: the library may refuse to yield)
  co = nil -- luacheck: ignore 311
  collectgarbage()
  collectgarbage()
  local problems = {}
  if not tensor.is_grad_enabled() then problems[#problems + 1] = "gradients left off" end
  local mode = sys.on_interrupt()
  if mode ~= "raise" then problems[#problems + 1] = "sys.on_interrupt left at \"" .. tostring(mode) .. "\"" end
  if #problems > 0 then return {"state", table.concat(problems, "; ")} end
end

function generators.coroutine(add)
  local y = coroutine.yield
  local entries = {
    {"tensor.no_grad", function() tensor.no_grad(function() y() end) end},
    {"experiment.train on_epoch", function() train{on_epoch = function() y() end} end},
    {"experiment.train loss", function()
      local ce = loss.cross_entropy()
      train{loss = function(l, t) y(); return ce(l, t) end}
    end},
    {"experiment.train optimizer factory", function()
      train{optimizer = function(p) y(); return optim.SGD(p, {lr = 0.1}) end}
    end},
    {"experiment.train transform", function() train{transform = function(x) y(); return x end} end},
    {"experiment.evaluate (a model that yields)", function()
      local Yield = nn.Module("Yield")
      function Yield.forward(_, x) y(); return x end
      experiment.evaluate(nn.Sequential(nn.Linear(2, 3), Yield()), small_set())
    end},
    {"experiment.learnability W", function() study{W = function(s) y(); return s end} end},
    {"weights.map", function() weights.map({0.5, 0.9}, function(s) y(); return s end) end},
  }
  for _, e in ipairs(some(entries, 6)) do
    add("abandoned inside " .. e[1], function() return abandoned(e[2]) end)
  end
  -- tensor.gradcheck must not reset the global generator (the next randn repeated old draws)
  add("tensor.gradcheck keeps the global generator", function()
    tensor.seed(12345)
    local reset = tensor.randn(4):totable()
    tensor.seed(5)
    local before = tensor.randn(4):totable()
    pcall(tensor.gradcheck, function(x) return (x * x):sum() end, {tensor.randn(3)})
    local after = tensor.randn(4):totable()
    local function same(p, q) for i = 1, #p do if p[i] ~= q[i] then return false end end return true end
    if same(after, before) or same(after, reset) then return {"state", "the next tensor.randn repeats earlier draws"} end
  end)
end

local function deep_table(depth)
  local root = {}
  local t = root
  for _ = 1, depth do
    local inner = {}
    t[1] = inner
    t = inner
  end
  t[1] = 1
  return root
end

function generators.nesting(add)
  local show = debug.getregistry()["lwscript.show"]
  local function scratch() return M.scratch_dir .. "/out" end
  -- (add refuses a cycle; a script can still make one by assigning to .modules)
  local function self_sequential()
    local s = nn.Sequential(nn.Linear(2, 2))
    s.modules[#s.modules + 1] = s
    return s
  end
  local function mutual()
    local a = nn.Sequential(nn.Linear(2, 2))
    local b = nn.Sequential(a)
    a.modules[#a.modules + 1] = b
    return a
  end
  local names = {"Sequential", "itself", "cycle", "contains"}
  -- (a few per seed: each use recursed until Lua's stack overflowed before containers checked for cycles)
  for _, m in ipairs({{"a Sequential containing itself", self_sequential, 2}, {"two Sequentials containing each other", mutual, 1}}) do
    local uses = {
      {"tostring", function(s) return tostring(s) end},
      {":parameters()", function(s) return s:parameters() end},
      {":num_parameters()", function(s) return s:num_parameters() end},
      {":train(false)", function(s) return s:train(false) end},
      {"(x)", function(s) return s(tensor.ones(1, 2)) end},
      {"nn.save", function(s) return nn.save(s, scratch()) end},
      {"experiment.train", function(s) return experiment.train(s, small_set(), train_options()) end},
    }
    for _, u in ipairs(some(uses, m[3])) do
      add(fmt("%s of %s", u[1], m[1]), function() return must_raise(names, u[2], m[2]()) end)
    end
  end
  local cyclic = {}
  cyclic[1] = cyclic
  cyclic.x = cyclic
  local table_uses = {
    {"experiment.json", "experiment.json", function(v) return experiment.json(v) end},
    {"experiment.write_json", "experiment.write_json", function(v) return experiment.write_json(scratch(), v) end},
    {"experiment.save_run config", "experiment.save_run", function(v)
      return experiment.save_run(scratch() .. ".run", {config = v})
    end},
    {"tensor.new", "tensor.new", function(v) return tensor.new(v) end},
    {"weights.normalize", "weights.normalize", function(v) return weights.normalize(v) end},
    {"metrics.variance", "metrics.variance", function(v) return metrics.variance(v) end},
    {"csv.write row", "csv.write", function(v) return csv.write(scratch(), {v}) end},
    {"experiment.summary_table", "experiment.summary_table", function(v) return experiment.summary_table(v) end},
  }
  for _, u in ipairs(some(table_uses, 5)) do
    add(u[1] .. " of a table containing itself", function() return may_raise(u[2], u[3], cyclic) end)
  end
  add("show of a table containing itself", function() return may_raise("show", show, cyclic) end)
  -- deep nesting (experiment.write_json and save_run are left out: their time grows with the
  -- cube of the depth, 40 s at depth 2000 in a debug build)
  local deep_uses = {}
  for _, u in ipairs(table_uses) do
    if u[1] ~= "experiment.write_json" and u[1] ~= "experiment.save_run config" then deep_uses[#deep_uses + 1] = u end
  end
  for _, depth in ipairs({200, 200000}) do
    local deep = deep_table(depth)
    for _, u in ipairs(some(deep_uses, 3)) do
      add(fmt("%s of a table nested %d deep", u[1], depth), function() return may_raise(u[2], u[3], deep) end)
    end
    add(fmt("show of a table nested %d deep", depth), function() return may_raise("show", show, deep) end)
  end
  for _, depth in ipairs({50, 250}) do
    add(fmt("nn.Sequential nested %d deep", depth), function()
      local m = nn.Linear(2, 2)
      for _ = 1, depth do m = nn.Sequential(m) end
      return may_raise({"Sequential"}, function() return tostring(m), m(tensor.ones(1, 2)), m:parameters() end)
    end)
  end
  -- tensors of many dimensions: printing recursed once per dimension
  for _, dims in ipairs(some({64, 1000, 30000}, 2)) do
    add(fmt("a tensor of %d dimensions", dims), function()
      local ones = {}
      for i = 1, dims do ones[i] = 1 end
      return may_raise({"view", "dimensions"}, function()
        local x = tensor.ones(1):view(table.unpack(ones))
        return tostring(x), (x + 1):sum():item()
      end)
    end)
  end
  -- a long autograd graph dropped without backward: freeing it recursed once per node
  add("a 60000-node autograd graph dropped", function()
    local w = tensor.ones(1)
    w:requires_grad(true)
    local total = w * 1
    for _ = 1, 60000 do total = total + w end
    total = nil -- luacheck: ignore 311
    collectgarbage()
    collectgarbage()
  end)
end

-- The groups, in the order probes run and reports list them.
M.GROUPS = {"callback", "self", "size", "overlap", "coroutine", "nesting"}

-- Every probe for this seed, in a fixed order: {group =, name =, run =}.
function M.probes(seed)
  math.randomseed(seed)
  local list = {}
  for _, group in ipairs(M.GROUPS) do
    generators[group](function(name, run) list[#list + 1] = {group = group, name = name, run = run} end)
  end
  return list
end

-- Runs probe i: nil or a finding {kind, detail}. Global modes are put back afterwards.
function M.run(probe, seed)
  tensor.seed(seed)
  local ok, finding = pcall(probe.run)
  tensor.set_grad_enabled(true)
  sys.on_interrupt("raise")
  if not ok then
    -- the probe's own code failed: an error the library let through unexplained
    return {"raw error", "(in the probe) " .. first_line(finding)}
  end
  return finding
end

M.first_line = first_line
return M
