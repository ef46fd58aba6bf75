-- optim: optimizers driven by autograd, schedules, clipping, checkpoints and bad input.
-- Reference numbers come from PyTorch 1.13 (Debian python3-torch), printed by
-- `/usr/bin/python3 scripts/reference/optim_reference.py`.
local T = require("testing")
local test = T.suite("optim")

local function close_table(actual, expected, tol, what)
  T.same_table(actual, expected, what, tol)
end

-- loss = sum(c * (w - t)^2), 5 steps from w = {1, -1, 0.5}
local target = tensor.new({0.2, 0.4, -0.6})
local c = tensor.new({1.0, 2.0, 0.5})
local function train(opt, w, steps)
  for _ = 1, steps do
    opt:zero_grad()
    local loss = ((w - target) ^ 2 * c):sum()
    loss:backward()
    opt:step()
  end
end
local function fresh() return tensor.new({1.0, -1.0, 0.5}):requires_grad() end

-- the optimizers after 5 steps (and their parameter)
local function trained_adam()
  local w = fresh()
  local adam = optim.Adam({w}, {lr = 0.1})
  train(adam, w, 5)
  return adam, w
end
local function trained_sgd()
  local w = fresh()
  local sgd = optim.SGD({w}, {lr = 0.1, momentum = 0.9, nesterov = true, weight_decay = 5e-4})
  train(sgd, w, 5)
  return sgd, w
end

function test.adam_matches_pytorch()
  local _, w = trained_adam()
  close_table(w:totable(), {0.5115042328834534, -0.5048043727874756, 0.006863728165626526}, 1e-6, "Adam vs PyTorch")
end

function test.sgd_nesterov_matches_pytorch()
  local _, w = trained_sgd()
  close_table(w:totable(), {-0.13267120718955994, 0.631003201007843, -0.7150521278381348}, 1e-6, "SGD Nesterov vs PyTorch")
end

-- fields, tostring, zero_grad, parameters, state
function test.fields_read_and_assign()
  local adam = trained_adam()
  local sgd = trained_sgd()
  T.eq(sgd.type, "SGD", "opt.type")
  T.near(sgd.lr, 0.1, 1e-12, "opt.lr")
  T.eq(sgd.nesterov, true, "opt.nesterov")
  sgd.lr = 0.01
  T.near(sgd.lr, 0.01, 1e-12, "opt.lr after assignment")
  sgd.momentum = 0.5
  T.near(sgd.momentum, 0.5, 1e-12, "opt.momentum after assignment")
  T.eq(adam.betas[2], 0.999, "opt.betas")
  T.eq(adam.nonexistent, nil, "unknown field")
end

function test.tostring_shows_the_hyperparameters()
  local adam = trained_adam()
  local sgd = trained_sgd()
  sgd.lr = 0.01; sgd.momentum = 0.5
  T.eq(tostring(sgd):find("optim.SGD(lr=0.01, momentum=0.5, dampening=0, nesterov=true, weight_decay=0.0005)", 1, true) ~= nil,
       true, tostring(sgd))
  T.eq(tostring(adam):find("optim.Adam(lr=0.1, beta1=0.9, beta2=0.999", 1, true) ~= nil, true, tostring(adam))
end

function test.zero_grad_parameters_and_state()
  local adam = trained_adam()
  local sgd, w = trained_sgd()
  T.eq(w.grad ~= nil, true, "a gradient before zero_grad")
  sgd:zero_grad()
  T.eq(w.grad, nil, "grad after zero_grad")
  T.eq(#sgd:parameters(), 1, "#opt:parameters()")
  T.eq(adam:state(1).step, 5, "Adam step count")
  T.eq(adam:state(1).exp_avg:numel(), 3, "exp_avg size")
  T.eq(optim.AdamW({tensor.zeros(2)}).weight_decay, 0.01, "AdamW default weight decay")
end

-- a parameter without a gradient is skipped
function test.parameter_without_gradient_is_skipped()
  local a, b = tensor.ones(2):requires_grad(), tensor.ones(2):requires_grad()
  local opt = optim.SGD({a, b}, {lr = 1})
  a.grad = tensor.new({0.5, 0.25})
  opt:step()
  T.same_table(a:totable(), {0.5, 0.75}, "updated")
  T.same_table(b:totable(), {1, 1}, "skipped")
  T.eq(opt:state(2), nil, "no state without a gradient")
end

-- schedules (PyTorch StepLR, OneCycleLR with momentum, CosineAnnealingLR, LinearLR)
local function lrs(sched, n)
  local out = {sched:lr()}
  for _ = 1, n do out[#out + 1] = sched:step() end
  return out
end

-- a gradient that is a view of the parameter's own storage is read before the update
function test.gradient_sharing_the_parameter_storage()
  local big = tensor.arange(4)                   -- 0, 1, 2, 3
  local p = big:narrow(1, 2, 3)                  -- 1, 2, 3
  p.grad = big:narrow(1, 1, 3)                   -- 0, 1, 2
  optim.SGD({p}, {lr = 1}):step()
  T.same_table(p:totable(), {1, 1, 1}, "p - grad, with grad read before p changes")
end

function test.step_lr_matches_pytorch()
  local s = optim.SGD({tensor.zeros(1)}, {lr = 0.1, momentum = 0.9})
  close_table(lrs(optim.StepLR(s, {step_size = 3, gamma = 0.5}), 7),
    {0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025}, 1e-12, "StepLR")
end

function test.cosine_lr_matches_pytorch()
  local s = optim.SGD({tensor.zeros(1)}, {lr = 0.1})
  close_table(lrs(optim.CosineLR(s, {t_max = 10, eta_min = 0.001}), 4),
    {0.1, 0.09757729755661011, 0.0905463412215599, 0.07959536998847742, 0.0657963412215599}, 1e-12, "CosineLR")
end

function test.warmup_lr_matches_pytorch()
  local s = optim.SGD({tensor.zeros(1)}, {lr = 0.1})
  close_table(lrs(optim.WarmupLR(s, {warmup = 4, start_factor = 0.25}), 5),
    {0.025, 0.043750000000000004, 0.06250000000000001, 0.08125000000000002, 0.1, 0.1}, 1e-12, "WarmupLR")
end

function test.multistep_lr_matches_pytorch()
  local s = optim.SGD({tensor.zeros(1)}, {lr = 0.1, momentum = 0.9})
  close_table(lrs(optim.MultiStepLR(s, {milestones = {2, 5}, gamma = 0.1}), 5),
    {0.1, 0.1, 0.01, 0.01, 0.01, 0.001}, 1e-12, "MultiStepLR")
end

function test.one_cycle_lr_and_momentum_match_pytorch()
  local s = optim.SGD({tensor.zeros(1)}, {lr = 0.1, momentum = 0.9})
  local cycle = optim.OneCycleLR(s, {max_lr = 0.5, total_steps = 20})
  T.near(s.momentum, 0.95, 1e-12, "one-cycle momentum at step 0")
  close_table(lrs(cycle, 3), {0.020000000000000018, 0.06583592135001265, 0.18583592135001265, 0.3341640786499874}, 1e-12, "OneCycleLR")
  T.near(s.momentum, 0.8845491502812526, 1e-12, "one-cycle momentum at step 3")
  T.near(s.lr, 0.3341640786499874, 1e-12, "the schedule writes opt.lr")
  T.eq(cycle.epoch, 3, "sched.epoch")
  T.eq(tostring(cycle):find("optim.OneCycleLR(max_lr=0.5, total_steps=20", 1, true) ~= nil, true, tostring(cycle))
  for _ = 4, 20 do cycle:step() end
  T.raises("stepped 21 times, but total_steps is 20", function() cycle:step() end)
end

function test.one_cycle_lr_cycles_adams_beta1()
  local s = optim.Adam({tensor.zeros(1)}, {lr = 0.1})
  optim.OneCycleLR(s, {max_lr = 0.01, epochs = 3, steps_per_epoch = 5, anneal = "linear", pct_start = 0.4,
                       div_factor = 10, final_div_factor = 100})
  T.near(s.lr, 0.001, 1e-12, "one-cycle start for Adam")
  T.near(s.betas[1], 0.95, 1e-12, "one-cycle cycles Adam's beta1")
end

-- clipping (PyTorch clip_grad_norm_ with max_norm 1, and clip_grad_value_)
local function grads()
  local ps = {}
  for i, g in ipairs({{0.3, -1.2, 2.5, 0.0}, {1.7, -0.4}, {-2.2, 3.1, 0.9}}) do
    ps[i] = tensor.zeros(#g):requires_grad()
    ps[i].grad = tensor.new(g)
  end
  return ps
end

function test.clip_grad_norm_matches_pytorch()
  local ps = grads()
  T.near(optim.clip_grad_norm(ps, 1.0), 5.107837200164795, 1e-6, "total norm")
  close_table(ps[3].grad:totable(), {-0.4307105839252472, 0.6069103479385376, 0.1761997789144516}, 1e-6, "clipped grads")
  ps = grads()
  T.near(optim.clip_grad_norm(ps, 1.5, math.huge), 3.0999999046325684, 1e-6, "inf norm")
end

function test.clip_grad_value_matches_pytorch()
  local ps = grads()
  optim.clip_grad_value(ps, 1.0)
  close_table(ps[1].grad:totable(), {0.30000001192092896, -1, 1, 0}, 1e-7, "clip_grad_value")
end

function test.clip_grad_norm_without_gradients_is_zero()
  T.eq(optim.clip_grad_norm({tensor.zeros(2)}, 1), 0, "no gradients: total norm 0")
end

-- tensor.save / tensor.load
local m = tensor.new({{1, 2, 3}, {4, 5, 6}})

function test.tensor_save_load_round_trip()
  local path = T.tmpdir() .. "/tensors.ckpt"
  tensor.save(path, {weight = m, bias = tensor.new({-1.5, 2.5}), step = tensor.new(7)}, {meta = "epoch=3"})
  local loaded, meta, kind = tensor.load(path)
  T.eq(meta, "epoch=3", "meta")
  T.eq(kind, "tensors", "kind")
  T.eq(tensor.equal(loaded.weight, m), true, "weight round trip")
  T.same_table(loaded.bias:totable(), {-1.5, 2.5}, "bias round trip")
  T.eq(loaded.step:item(), 7, "0-d round trip")
  local _, empty_meta = tensor.load((function() tensor.save(path, {}); return path end)())
  T.eq(empty_meta, "", "default meta")
end

-- names and paths with NUL bytes: refused (Lua strings may hold them, file names and the
-- checkpoint's names may not)
function test.tensor_save_refuses_names_and_paths_with_nul_bytes()
  local dir = T.tmpdir()
  T.raises([[bad argument #2 to 'tensor.save' (tensor names must not contain NUL bytes, got "a\0x")]],
           tensor.save, dir .. "/t.ckpt", {["a\0x"] = tensor.ones(1), a = tensor.zeros(1)})
  T.raises([[bad argument #1 to 'tensor.save' (expected a file path without NUL bytes, got "]] .. dir .. [[/t\0.ckpt")]],
           tensor.save, dir .. "/t\0.ckpt", {w = tensor.ones(1)})
  T.eq(io.open(dir .. "/t", "rb"), nil, "nothing written under the name cut at the NUL")
end

-- every function that takes a file or directory path refuses one with a NUL byte
function test.every_path_argument_refuses_nul_bytes()
  local dir = T.tmpdir()
  local bad = dir .. "/x\0y"
  local p = tensor.ones(2):requires_grad()
  local opt = optim.SGD({p}, {lr = 0.1})
  local model = nn.Linear(2, 2)
  local calls = {
    ["tensor.save"] = function() tensor.save(bad, {}) end,
    ["tensor.load"] = function() tensor.load(bad) end,
    ["nn.write_state"] = function() nn.write_state(bad, {}, "") end,
    ["nn.read_state"] = function() nn.read_state(bad) end,
    ["nn.save"] = function() model:save(bad) end,
    ["nn.load"] = function() nn.load(bad) end,
    ["model:load"] = function() model:load(bad) end,
    ["Optimizer:save"] = function() opt:save(bad) end,
    ["Optimizer:load"] = function() opt:load(bad) end,
    ["data.npy"] = function() data.npy(bad) end,
    ["data.save_npy"] = function() data.save_npy(bad, tensor.ones(2)) end,
    ["data.idx"] = function() data.idx(bad, bad) end,
    ["data.csv"] = function() data.csv(bad) end,
    ["data.names"] = function() data.names(bad) end,
    ["data.fashion_mnist"] = function() data.fashion_mnist{dir = bad} end,
    ["data.cifar10"] = function() data.cifar10{dir = bad} end,
    ["data.cifar100"] = function() data.cifar100{dir = bad} end,
    ["csv.read"] = function() csv.read(bad) end,
    ["csv.write"] = function() csv.write(bad, {{a = 1}}) end,
    ["sys.mkdir"] = function() sys.mkdir(bad) end,
    ["plot:save"] = function() plot.bars{labels = {"a"}, series = {{name = "s", values = {1}}}}:save(bad) end,
    ["experiment.write_json"] = function() experiment.write_json(bad, {1}) end,
    ["experiment.train checkpoint"] = function()
      experiment.train(nn.Linear(2, 2), data.tensors(tensor.randn(4, 2), tensor.new({1, 2, 1, 2})),
                       {epochs = 1, quiet = true, checkpoint = bad})
    end,
    ["experiment.train resume"] = function()
      experiment.train(nn.Linear(2, 2), data.tensors(tensor.randn(4, 2), tensor.new({1, 2, 1, 2})),
                       {epochs = 1, quiet = true, resume = bad})
    end,
  }
  local names = {}
  for name in pairs(calls) do names[#names + 1] = name end
  table.sort(names)
  for _, name in ipairs(names) do
    local ok, err = pcall(calls[name])
    T.eq(ok, false, name .. " refuses the path")
    T.eq(tostring(err):find("without NUL bytes", 1, true) ~= nil, true, name .. ": " .. tostring(err))
  end
  T.eq(io.open(dir .. "/x", "rb"), nil, "no file written under the name cut at the NUL")
end

-- damaged files: truncated, foreign, flipped byte
function test.tensor_load_detects_damaged_files()
  local path = T.tmpdir() .. "/tensors.ckpt"
  tensor.save(path, {weight = m})
  local f = assert(io.open(path, "rb")); local bytes = f:read("a"); f:close()
  local function write(data) local g = assert(io.open(path, "wb")); g:write(data); g:close() end
  write(bytes:sub(1, #bytes - 10))
  T.raises("truncated", tensor.load, path)
  write("just some text, not a checkpoint")
  T.raises("not an lwscript checkpoint", tensor.load, path)
  local k = #bytes - 8   -- a data byte of the last tensor
  write(bytes:sub(1, k - 1) .. string.char((bytes:byte(k) + 1) % 256) .. bytes:sub(k + 1))
  T.raises("checksum mismatch", tensor.load, path)
  T.raises("tensor.load: cannot open", tensor.load, "/nonexistent/dir/x.ckpt")
end

-- opt:save / opt:load resumes the same trajectory
local function saved_amsgrad_run(path)
  local w1 = fresh()
  local o1 = optim.AdamW({w1}, {lr = 0.05, amsgrad = true})
  train(o1, w1, 3)
  o1:save(path)
  local w_mid = w1:detach():clone()
  train(o1, w1, 3)
  return w1, w_mid
end

function test.optimizer_save_load_resumes_the_trajectory()
  local path = T.tmpdir() .. "/optim.ckpt"
  local w1, w_mid = saved_amsgrad_run(path)
  local w2 = w_mid:requires_grad()
  local o2 = optim.AdamW({w2}, {lr = 9, amsgrad = true})
  T.eq(o2:load(path), o2, "load returns the optimizer")
  T.near(o2.lr, 0.05, 1e-12, "lr restored")
  train(o2, w2, 3)
  T.eq(tensor.equal(w1, w2), true, "resumed trajectory differs")
end

function test.optimizer_load_refuses_state_that_does_not_fit()
  local path = T.tmpdir() .. "/optim.ckpt"
  saved_amsgrad_run(path)
  T.raises("holds AdamW state, this optimizer is SGD", function() optim.SGD({fresh()}, {lr = 1}):load(path) end)
  T.raises("for 1 parameter tensors, this optimizer has 2", function()
    optim.AdamW({fresh(), fresh()}, {amsgrad = true}):load(path)
  end)
  T.raises("parameter 1 has size 2, the checkpoint's has size 3", function()
    optim.AdamW({tensor.zeros(2):requires_grad()}, {amsgrad = true}):load(path)
  end)
  tensor.save(path, {x = m})
  local o2 = optim.AdamW({fresh()}, {lr = 9, amsgrad = true})
  T.raises("expected an optimizer checkpoint, got one of kind 'tensors'", function() o2:load(path) end)
end

-- bad input: clear errors naming the function
local p = tensor.zeros(2):requires_grad()

function test.constructors_reject_bad_parameter_lists()
  T.raises("bad argument #1 to 'optim.SGD' (expected a table of Tensors", optim.SGD, 5, {lr = 1})
  T.raises("element 2 must be a Tensor, got number", optim.SGD, {p, 3}, {lr = 1})
  T.raises("optim.SGD: parameter 1 is not a leaf tensor", optim.SGD, {p * 2}, {lr = 1})
  T.raises("optim.SGD: got an empty parameter list", optim.SGD, {}, {lr = 1})
  T.raises("appears more than once", optim.Adam, {p, p})
end

function test.constructors_reject_bad_options()
  T.raises("option 'lr' is required", optim.SGD, {p}, {momentum = 0.9})
  T.raises("unknown option 'moment'", optim.SGD, {p}, {lr = 1, moment = 0.9})
  T.raises("optim.SGD: learning rate must be a non-negative number, got -1", optim.SGD, {p}, {lr = -1})
  T.raises("option 'lr' must be a number, got string", optim.SGD, {p}, {lr = "fast"})
  T.raises("Nesterov momentum needs a positive momentum", optim.SGD, {p}, {lr = 1, nesterov = true})
  T.raises("optim.Adam: beta2 must be in [0, 1), got 1", optim.Adam, {p}, {betas = {0.9, 1}})
  T.raises("option 'betas' must hold 2 numbers", optim.Adam, {p}, {betas = {0.9}})
  T.raises("optim.AdamW: eps must be a non-negative number", optim.AdamW, {p}, {eps = -1})
  T.raises("weight_decay must be a non-negative number", optim.AdamW, {p}, {weight_decay = -0.1})
end

function test.field_assignments_are_checked()
  local adam = trained_adam()
  T.raises("has no field 'learning_rate'", function() adam.learning_rate = 0.1 end)
  T.raises("learning rate must be a non-negative number", function() adam.lr = -0.1 end)
  T.raises("lr must be a number, got string", function() adam.lr = "x" end)
  T.near(adam.lr, 0.1, 1e-12, "lr unchanged after a refused assignment")
end

function test.schedules_reject_bad_options()
  local adam = trained_adam()
  T.raises("bad argument #1 to 'optim.StepLR' (expected an optimizer", optim.StepLR, {}, {step_size = 1})
  T.raises("option 'step_size' is required", optim.StepLR, adam, {gamma = 0.5})
  T.raises("option 'step_size' must be a positive integer, got 0", optim.StepLR, adam, {step_size = 0})
  T.raises("option 't_max' is required", optim.CosineLR, adam, {})
  T.raises("milestones must be increasing", optim.MultiStepLR, adam, {milestones = {5, 2}})
  T.raises("start_factor must be in (0, 1]", optim.WarmupLR, adam, {start_factor = 0})
  T.raises("option 'anneal' must be \"cos\" or \"linear\"", optim.OneCycleLR, adam, {max_lr = 1, total_steps = 5, anneal = "exp"})
  T.raises("option 'total_steps' (or 'epochs' and 'steps_per_epoch') is required", optim.OneCycleLR, adam, {max_lr = 1})
  T.raises("pct_start must be in [0, 1]", optim.OneCycleLR, adam, {max_lr = 1, total_steps = 5, pct_start = 2})
end

function test.clipping_rejects_bad_arguments()
  T.raises("bad argument #2 to 'optim.clip_grad_norm' (expected a max_norm (number), got no value)", optim.clip_grad_norm, {p})
  T.raises("norm_type must be a positive number or math.huge", optim.clip_grad_norm, {p}, 1, -2)
  T.raises("clip value must be a non-negative number", optim.clip_grad_value, {p}, -1)
end

function test.tensor_save_rejects_bad_arguments()
  local path = T.tmpdir() .. "/tensors.ckpt"
  T.raises("keys must be names (strings)", tensor.save, path, {tensor.zeros(1)})
  T.raises("value 'w' must be a Tensor, got number", tensor.save, path, {w = 1})
  T.raises("unknown option 'metadata'", tensor.save, path, {}, {metadata = "x"})
  T.raises("tensor.save: cannot write /nonexistent/dir/x.ckpt", tensor.save, "/nonexistent/dir/x.ckpt", {})
end

-- hostile arguments to every optim function and optimizer/schedule method: errors are fine,
-- a crash is not (this runs in the test process). Saving is redirected to a scratch file.
local function victim()
  local w = tensor.new({{1, 2}, {3, 4}}):requires_grad()
  w.grad = tensor.new({{0 / 0, 1e30}, {-1, 0}})
  return w
end
local function values()
  local w = victim()
  local sgd_opt = optim.SGD({w}, {lr = 0.1, momentum = 0.9})
  local adam_opt = optim.Adam({victim(), tensor.zeros(0):requires_grad()})
  return {
    nil, 0, 1, -1, 0.5, 2.5, 1e300, -1e300, 0 / 0, math.huge, -math.huge, math.maxinteger,
    "x", "", true, {}, {1, 2}, {w}, {w, w}, {tensor.zeros(2)}, {lr = 1}, {lr = -1},
    {lr = 0 / 0}, {betas = {0.9, 0 / 0}}, {step_size = 1e300}, {t_max = 1}, {max_lr = 1, total_steps = 1},
    {max_lr = 1, total_steps = 2, pct_start = 0.5}, {milestones = {1e300}}, {warmup = -1},
    {max_lr = 1, epochs = math.maxinteger, steps_per_epoch = math.maxinteger},
    w, tensor.new(1), sgd_opt, adam_opt, optim.StepLR(sgd_opt, {step_size = 1}), print,
  }, 37
end

function test.hostile_arguments_raise_errors_not_crashes()
  local scratch = T.tmpdir() .. "/scratch"
  local pool, n = values()
  local targets = {}
  for name, fn in pairs(optim) do targets[#targets + 1] = {"optim." .. name, fn} end
  local registry = debug.getregistry()
  for _, kind in ipairs({"lwscript.Optimizer", "lwscript.LRScheduler"}) do
    for name, fn in pairs(registry[kind .. ".methods"]) do
      if name == "save" then
        local real = fn
        fn = function(o, file) return real(o, type(file) == "string" and scratch or file) end
      end
      targets[#targets + 1] = {kind .. ":" .. name, fn}
    end
    for _, mm in ipairs({"__index", "__newindex", "__tostring"}) do
      if registry[kind][mm] then targets[#targets + 1] = {kind .. " " .. mm, registry[kind][mm]} end
    end
  end
  table.sort(targets, function(x, y) return x[1] < y[1] end)
  math.randomseed(7)
  for _, entry in ipairs(targets) do
    for i = 1, n do
      for j = 1, n do pcall(entry[2], pool[i], pool[j]) end
    end
    for _ = 1, 300 do
      pcall(entry[2], pool[math.random(n)], pool[math.random(n)], pool[math.random(n)])
    end
  end
  -- still alive, and optimizers still work
  local alive = tensor.ones(2):requires_grad()
  alive.grad = tensor.ones(2)
  optim.SGD({alive}, {lr = 0.5}):step()
  T.same_table(alive:totable(), {0.5, 0.5}, "after the fuzz")
end

-- Regression: one-cycle momentum used to bypass the optimizer's checks, so a Nesterov SGD
-- could be cycled down to momentum 0, which its constructor refuses.
function test.one_cycle_cannot_cycle_nesterov_momentum_to_zero()
  local q = tensor.ones(2):requires_grad()
  local nesterov = optim.SGD({q}, {lr = 0.1, momentum = 0.9, nesterov = true})
  T.raises("Nesterov momentum needs a positive momentum", optim.OneCycleLR, nesterov,
           {max_lr = 1, total_steps = 10, base_momentum = 0})
  T.eq(nesterov.momentum, 0.9, "a refused schedule leaves the momentum as it was")
end

return test
