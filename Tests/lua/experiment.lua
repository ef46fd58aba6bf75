-- The experiment module on small synthetic data: the training loop (history, determinism,
-- checkpoint and resume, online re-weighting, soft stop), evaluate against hand-computed
-- metrics, Algorithm 1 with two seeds, JSON, and the cooperative Ctrl-C flag of sys.
local T = require("testing")
local test = T.suite("experiment")

local function exists(p) local f = io.open(p, "rb"); if f then f:close() return true end return false end

-- three Gaussian blobs in 2-D, class c around centres[c]
local function blobs(n, seed, spread)
  tensor.seed(seed)
  local x, y = tensor.randn(n, 2) * (spread or 0.8), tensor.zeros(n)
  local centres = {{-2, 0}, {2, 0}, {0, 1.2}}
  for i = 1, n do
    local c = (i - 1) % 3 + 1
    x[i] = x[i] + tensor.new(centres[c])
    y[i] = c
  end
  return data.tensors(x, y, {classes = {"left", "right", "top"}})
end
local train, val = blobs(240, 1), blobs(90, 2)

local function new_model(seed)
  tensor.seed(seed)
  return nn.mlp{inputs = 2, hidden = {16}, classes = 3, dropout = 0.1}
end
local function sgd(params) return optim.SGD(params, {lr = 0.1, momentum = 0.9}) end

local function params_equal(a, b)
  local pa, pb = a:parameters(), b:parameters()
  if #pa ~= #pb then return false end
  for i = 1, #pa do if not tensor.equal(pa[i], pb[i]) then return false end end
  return true
end

-- A 2-epoch training run of a fresh model with the data seed `seed`; `extra` adds options.
local function run(seed, extra)
  local m = new_model(1)
  local opts = {epochs = 2, batch = 32, val = val, seed = seed, optimizer = sgd, quiet = true}
  for k, v in pairs(extra or {}) do opts[k] = v end
  return experiment.train(m, train, opts), m
end

---------------------------------------------------------------------------------------
-- history shape
---------------------------------------------------------------------------------------
function test.history_has_every_field_per_epoch()
  local model = new_model(1)
  local h = experiment.train(model, train, {epochs = 3, batch = 32, val = val, seed = 7, optimizer = sgd, quiet = true})
  T.eq(#h.epoch, 3, "epochs in the history")
  T.eq(h.epochs_done, 3, "epochs_done")
  for _, field in ipairs({"loss", "accuracy", "balanced_accuracy", "tpr", "lr", "time", "val_loss", "val_accuracy",
                          "val_balanced_accuracy", "val_tpr", "val_var_tpr", "val_min_tpr", "val_min_class"}) do
    T.eq(#h[field], 3, "history." .. field .. " per epoch")
  end
  T.eq(#h.val_tpr[2], 3, "per-class validation TPR")
  T.eq(#h.tpr[3], 3, "per-class training TPR")
  T.eq(h.interrupted, nil, "not interrupted")
  T.eq(h.val_accuracy[3] > 0.8, true, "the blobs are learned: " .. h.val_accuracy[3])
  T.near(h.val_var_tpr[3], metrics.variance(h.val_tpr[3]), 1e-12, "val_var_tpr is Var of val_tpr")
  T.eq(h.lr[1], 0.1, "lr per epoch")
end

---------------------------------------------------------------------------------------
-- determinism: the same seed gives the same history; another seed another one
---------------------------------------------------------------------------------------
function test.same_seed_same_history_another_seed_another()
  local a, ma = run(5)
  local b, mb = run(5)
  local c = run(6)
  T.same_table(a.loss, b.loss, "same seed, same losses")
  T.same_table(a.val_tpr, b.val_tpr, "same seed, same per-class TPRs")
  T.eq(params_equal(ma, mb), true, "same seed, same parameters")
  T.eq(a.loss[1] ~= c.loss[1], true, "another seed, another loss")
end

---------------------------------------------------------------------------------------
-- checkpoint and resume: 2 + 2 epochs equal 4 epochs, and so does a run stopped mid-epoch
---------------------------------------------------------------------------------------
local sched = function(opt) return optim.StepLR(opt, {step_size = 1, gamma = 0.5}) end
local function full_run() return run(3, {epochs = 4, lr_schedule = sched}) end

function test.two_plus_two_epochs_equal_four()
  local full, mfull = full_run()
  T.eq(full.lr[4], 0.1 * 0.5 ^ 3, "the schedule steps once per epoch")
  local ck = T.tmpdir() .. "/ck"
  local part = run(3, {epochs = 2, lr_schedule = sched, checkpoint = ck})
  T.eq(exists(ck .. "/state.lua"), true, "checkpoint state written")
  T.eq(#part.epoch, 2, "first part")
  local m2 = new_model(99)   -- different initial weights: the checkpoint must replace them
  local resumed = experiment.train(m2, train, {epochs = 4, batch = 32, val = val, seed = 3, optimizer = sgd, quiet = true,
                                              lr_schedule = sched, checkpoint = ck, resume = ck})
  T.same_table(resumed.loss, full.loss, "resumed losses")
  T.same_table(resumed.val_tpr, full.val_tpr, "resumed per-class TPRs")
  T.same_table(resumed.lr, full.lr, "resumed learning rates")
  T.eq(params_equal(m2, mfull), true, "resumed parameters equal the uninterrupted run's")
end

-- Runs fn() while sys.interrupted() turns true at its n-th poll (as Ctrl-C would), and puts
-- the real sys.interrupted back even when fn fails.
local function interrupted_at_poll(n, fn)
  local real_interrupted = sys.interrupted
  local polls = 0
  -- sys is a read-only global (.luacheckrc); simulating Ctrl-C means replacing this one field
  sys.interrupted = function() polls = polls + 1; return polls == n end -- luacheck: ignore 122 (simulated Ctrl-C)
  local ok, result = pcall(fn)
  sys.interrupted = real_interrupted -- luacheck: ignore 122 (the real one back)
  if not ok then error(result, 0) end
  return result
end

-- a soft stop in the middle of epoch 2 (as Ctrl-C would: sys.interrupted() turns true)
function test.soft_stop_mid_epoch_then_resume_equals_the_full_run()
  local full, mfull = full_run()
  local ck2 = T.tmpdir() .. "/ck2"
  -- 8 batches + 1 poll after epoch 1: epoch 2, batch 3
  local stopped = interrupted_at_poll(12, function() return run(3, {epochs = 4, lr_schedule = sched, checkpoint = ck2}) end)
  T.eq(stopped.interrupted ~= nil, true, "history.interrupted is set")
  T.eq(stopped.interrupted.epoch, 2, "stopped in epoch 2")
  T.eq(stopped.interrupted.batch, 3, "stopped after batch 3")
  T.eq(#stopped.epoch, 1, "the finished epoch is kept")
  T.same_table(stopped.loss, {full.loss[1]}, "the kept epoch is the full run's")
  local m3 = new_model(42)
  local rest = experiment.train(m3, train, {epochs = 4, batch = 32, val = val, seed = 3, optimizer = sgd, quiet = true,
                                           lr_schedule = sched, checkpoint = ck2, resume = true})
  T.same_table(rest.loss, full.loss, "losses after a mid-epoch resume", 1e-12)
  T.eq(params_equal(m3, mfull), true, "parameters after a mid-epoch resume equal the uninterrupted run's")
  T.eq(rest.interrupted, nil, "the resumed run finished")
end

-- resume = true without a checkpoint starts afresh
function test.resume_true_without_a_checkpoint_starts_afresh()
  local fresh = run(3, {epochs = 1, checkpoint = T.tmpdir() .. "/none", resume = true})
  T.eq(#fresh.epoch, 1, "resume = true without a checkpoint trains from the start")
end

function test.resume_from_a_missing_checkpoint_fails()
  T.raises("no checkpoint in", function() run(3, {resume = T.tmpdir() .. "/missing"}) end)
end

-- state.lua is data: read without running code, every field checked
local function with_time_limit(f, ...)
  local co = coroutine.create(f)
  debug.sethook(co, function() error("did not finish: the file ran code", 0) end, "", 20000000)
  return coroutine.resume(co, ...)
end

local function read_file(p) local f = assert(io.open(p, "rb")); local s = f:read("a"); f:close(); return s end
local function write_file(p, s) local f = assert(io.open(p, "wb")); f:write(s); f:close() end

function test.checkpoint_state_is_data()
  local ck = T.tmpdir() .. "/ck"
  run(3, {epochs = 1, checkpoint = ck})
  local good = read_file(ck .. "/state.lua")
  local function refused(text, fragment)
    write_file(ck .. "/state.lua", text)
    local ok, err = with_time_limit(run, 3, {epochs = 2, checkpoint = ck, resume = ck})
    T.eq(ok, false, "resume refused: " .. fragment)
    T.eq(tostring(err):find(fragment, 1, true) ~= nil, true, tostring(err))
  end
  refused("return (function() while true do end end)()",
          "state.lua is not a valid experiment checkpoint (line 1: expected a value near '(function()")
  refused(good:gsub('%["epoch"%]=1', '["epoch"]=os.exit()', 1), "unknown call os.exit (only T(values) is a tensor)")
  refused(good:gsub('%["epoch"%]=1', '["epoch"]=-1', 1), "(field 'epoch' must be an integer >= 0, got -1)")
  refused(good:gsub('%["model_file"%]="model%-e1%-b0%.ckpt"', '["model_file"]="../victim.ckpt"', 1),
          [[(field 'model_file' must be "model-e1-b0.ckpt", got "../victim.ckpt")]])
  refused(good:gsub('%["seed"%]=3', '["seed"]=3,\n["extra"]=1', 1), [[(unexpected field "extra")]])
  refused(good:gsub('%["epochs_done"%]=1', '["epochs_done"]="x"', 1), [[(field 'history.epochs_done' must be an integer >= 0, got "x")]])
  -- the state as written resumes
  write_file(ck .. "/state.lua", good)
  T.eq(#run(3, {epochs = 2, checkpoint = ck, resume = ck}).epoch, 2, "the state as written resumes")
end

-- a damaged state.lua never makes a new checkpoint remove files outside its directory
function test.damaged_checkpoint_state_removes_no_other_file()
  local dir = T.tmpdir()
  local ck = dir .. "/ck"
  run(3, {epochs = 1, checkpoint = ck})
  write_file(dir .. "/victim.ckpt", "precious")
  local state = read_file(ck .. "/state.lua"):gsub('%["model_file"%]="model%-e1%-b0%.ckpt"', '["model_file"]="../victim.ckpt"', 1)
  write_file(ck .. "/state.lua", state)
  run(3, {epochs = 1, checkpoint = ck})
  T.eq(exists(dir .. "/victim.ckpt"), true, "the file named by the damaged state is still there")
end

---------------------------------------------------------------------------------------
-- online re-weighting: a function of the latest validation report, called every epoch
---------------------------------------------------------------------------------------
function test.weight_and_sampling_functions_run_every_epoch()
  local calls, sampler_calls = {}, 0
  local online = run(4, {epochs = 3, weights = function(report, epoch)
    calls[#calls + 1] = {epoch = epoch, report = report}
    if report == nil then return nil end
    return weights.tpr_power(report.tpr, 2, {floor = 0.05})
  end, sampler = function()
    sampler_calls = sampler_calls + 1
    return {1 / 3, 1 / 3, 1 / 3}
  end})
  T.eq(#calls, 3, "the weight function is called every epoch")
  T.eq(calls[1].epoch, 1, "epoch argument")
  T.eq(calls[1].report, nil, "no report before the first epoch")
  T.eq(calls[3].epoch, 3, "epoch argument at epoch 3")
  T.same_table(calls[2].report.tpr, online.val_tpr[1], "epoch 2 sees epoch 1's validation TPRs")
  T.same_table(online.weights[3], weights.tpr_power(online.val_tpr[2], 2, {floor = 0.05}), "the weights used are recorded", 1e-12)
  T.eq(#online.weights[1], 0, "epoch 1 unweighted")
  T.eq(sampler_calls, 3, "the sampling function is called every epoch")
  T.same_table(online.sampling[2], {1 / 3, 1 / 3, 1 / 3}, "sampling probabilities recorded", 1e-12)
end

-- fixed weights (two-stage) and a custom weighted loss
function test.fixed_weights_with_a_custom_weighted_loss()
  local fixed = run(4, {epochs = 1, weights = {1, 2, 3}, loss = loss.focal{gamma = 2},
                        loss_for = function(w) return loss.focal{gamma = 2, alpha = w} end})
  T.same_table(fixed.weights[1], {1, 2, 3}, "fixed weights recorded")
end

function test.train_rejects_bad_weights_and_options()
  T.raises("have 2 entries, the dataset has 3 classes", function() run(4, {epochs = 1, weights = {1, 2}}) end)
  T.raises("need 'loss_for'", function() run(4, {epochs = 1, weights = {1, 2, 3}, loss = loss.focal{}}) end)
  T.raises("unknown option 'epoch'", function() experiment.train(new_model(1), train, {epoch = 2}) end)
  T.raises("expected a dataset", function() experiment.train(new_model(1), {}, {}) end)
end

-- Issue 12: options are checked before training, each message naming the option, what it
-- must be and what came
function test.train_checks_the_type_and_range_of_each_option()
  local function train_with(opts) return function() run(4, opts) end end
  T.raises("bad argument #3 to 'experiment.train' (option 'loss' must be a loss (loss.cross_entropy(), ...) or a "
           .. "function(logits, y) returning the loss, got \"ce\")", train_with({loss = "ce"}))
  T.raises("bad argument #3 to 'experiment.train' (option 'seed' must be an integer >= 0, got 9.2233720368548e+18)",
           train_with({seed = 2 ^ 63}))
  T.raises("bad argument #3 to 'experiment.train' (option 'epochs' must be an integer >= 1, got \"x\")",
           train_with({epochs = "x"}))
  T.raises("bad argument #3 to 'experiment.train' (option 'batch' must be an integer >= 1, got 0.5)", train_with({batch = 0.5}))
  T.raises("bad argument #3 to 'experiment.train' (option 'optimizer' must be an optimizer (optim.SGD, optim.Adam, ...) "
           .. "or a function(params) returning one, got 5)", train_with({optimizer = 5}))
  T.raises("bad argument #3 to 'experiment.train' (option 'lr_step' must be \"epoch\" or \"batch\", got \"step\")",
           train_with({lr_step = "step"}))
  T.raises("bad argument #3 to 'experiment.train' (option 'clip' must be a finite number > 0, got NaN)", train_with({clip = 0 / 0}))
  T.raises("bad argument #3 to 'experiment.train' (option 'val' must be a dataset, got table)", train_with({val = {}}))
  T.raises("bad argument #3 to 'experiment.train' (option 'quiet' must be true or false, got 1)", train_with({quiet = 1}))
end

-- Issue 12: what the user's functions return is checked where they are called
function test.train_checks_what_its_callbacks_return()
  T.raises("experiment.train: option 'loss' returned 2.5, expected a one-element Tensor (the loss)",
           function() run(4, {epochs = 1, loss = function() return 2.5 end}) end)
  T.raises("experiment.train: option 'optimizer' returned a table, expected an optimizer (optim.SGD, optim.Adam, ...)",
           function() run(4, {epochs = 1, optimizer = function() return {} end}) end)
  T.raises("experiment.train: option 'sampler' (epoch 1) returned \"x\", expected a sampler (sample.WeightedRandom, ...) "
           .. "or an array of per-class sampling probabilities", function() run(4, {epochs = 1, sampler = function() return "x" end}) end)
  T.raises("experiment.train: option 'lr_schedule' returned nil, expected a learning-rate schedule (optim.StepLR, ...) or "
           .. "a table with a step method", function() run(4, {epochs = 1, lr_schedule = function() end}) end)
  T.raises("experiment.train: option 'transform' returned nil, expected a Tensor",
           function() run(4, {epochs = 1, transform = function() end}) end)
  T.raises("option 'transform' returned a tensor of size 7 for a batch of",
           function() run(4, {epochs = 1, transform = function() return tensor.zeros(7) end}) end)
  T.raises("experiment.train: option 'loss_for' (epoch 1) returned \"ce\", expected a loss (loss.cross_entropy(), ...) or "
           .. "a function(logits, y) returning the loss",
           function() run(4, {epochs = 1, weights = {1, 1, 1}, loss_for = function() return "ce" end}) end)
  T.raises("experiment.train: option 'augment' (epoch 1) returned 3, expected an augmentation or a list of augmentations",
           function() run(4, {epochs = 1, augment = function() return 3 end}) end)
  local Constant = nn.Module("Constant")      -- a model with a parameter that returns a number
  function Constant:init() self.w = tensor.ones(1):requires_grad() end
  function Constant.forward() return 1 end
  T.raises("experiment.train: the model returned 1, expected a Tensor",
           function() experiment.train(Constant(), train, {epochs = 1, quiet = true, optimizer = sgd}) end)
  T.raises("experiment.evaluate: the model returned 1, expected a Tensor of scores", function() experiment.evaluate(Constant(), val) end)
  local Empty = nn.Module("Empty")
  function Empty.forward(_, x) return x end
  T.raises("experiment.train: the model has no parameters (model:parameters() is empty): nothing to train",
           function() experiment.train(Empty(), train, {epochs = 1, quiet = true}) end)
end

-- Issue 12: an optimizer over tensors that are not the model's parameters trained nothing,
-- silently; a schedule of another optimizer changed nothing
function test.train_refuses_an_optimizer_that_does_not_update_the_model()
  local other = new_model(2)
  T.raises("experiment.train: option 'optimizer' holds 4 tensors, none of them a parameter of the model, so training "
           .. "would never change the model; build it over model:parameters(), or pass a function(params) returning it",
           function() run(4, {epochs = 1, optimizer = optim.SGD(other:parameters(), {lr = 0.1})}) end)
  T.raises("experiment.train: option 'optimizer' holds 4 tensors, none of them a parameter of the model",
           function() run(4, {epochs = 1, optimizer = function() return sgd(other:parameters()) end}) end)
  T.raises("experiment.train: option 'lr_schedule' is a schedule of another optimizer than the one that trains, so its "
           .. "rates would never be used; pass a function(opt) returning optim.StepLR(opt, ...) and so on", function()
    local m = new_model(1)
    run(4, {epochs = 1, lr_schedule = function() return optim.StepLR(sgd(m:parameters()), {step_size = 1}) end})
  end)
  -- an optimizer over some of the model's parameters (the others frozen) and a tensor of the
  -- user's own is fine: only the last layer changes
  local m = new_model(1)
  local before = m:parameters()[1]:clone()
  local last = m.modules[#m.modules]
  local temperature = tensor.ones(1):requires_grad()
  local params = last:parameters()
  params[#params + 1] = temperature
  experiment.train(m, train, {epochs = 1, quiet = true, optimizer = optim.SGD(params, {lr = 0.1})})
  T.eq(tensor.equal(m:parameters()[1], before), true, "the first layer is frozen")
end

-- on_epoch sees the history and may stop early
function test.on_epoch_sees_the_history_and_may_stop()
  local seen_epochs = {}
  local early = run(4, {epochs = 5, on_epoch = function(epoch, hist) seen_epochs[#seen_epochs + 1] = #hist.epoch; return epoch < 2 end})
  T.same_table(seen_epochs, {1, 2}, "on_epoch after each epoch")
  T.eq(early.stopped_early, 2, "on_epoch returning false stops")
end

---------------------------------------------------------------------------------------
-- evaluate: a fixed "model" (identity over score rows) against hand-computed metrics
---------------------------------------------------------------------------------------
local Identity = nn.Module("Identity")
function Identity.forward(_, x) return x end

-- 8 samples; predicted class = argmax of the row
local function evaluated()
  local scores = tensor.new({{5, 0, 0}, {5, 0, 0}, {0, 5, 0}, {0, 5, 0}, {0, 0, 5}, {5, 0, 0}, {0, 0, 5}, {0, 0, 5}})
  local truth = tensor.new({1, 1, 2, 3, 3, 3, 1, 3})
  local set = data.tensors(scores, truth, {classes = {"shirt", "t-shirt", "coat"}})
  return experiment.evaluate(Identity(), set, {batch = 3}), set
end

-- predictions 1 1 2 2 3 1 3 3; confusion rows = truth: class 1: {2, 0, 1}; class 2: {0, 1, 0}; class 3: {1, 1, 2}
function test.evaluate_matches_hand_computed_metrics()
  local r, set = evaluated()
  T.same_table(r.confusion:totable(), {{2, 0, 1}, {0, 1, 0}, {1, 1, 2}}, "confusion matrix")
  T.near(r.accuracy, 5 / 8, 1e-12, "accuracy")
  T.same_table(r.tpr, {2 / 3, 1, 2 / 4}, "TPR", 1e-12)
  T.same_table(r.precision, {2 / 3, 1 / 2, 2 / 3}, "precision", 1e-12)
  T.near(r.balanced_accuracy, (2 / 3 + 1 + 0.5) / 3, 1e-12, "balanced accuracy")
  local mean = (2 / 3 + 1 + 0.5) / 3
  T.near(r.var_tpr, ((2 / 3 - mean) ^ 2 + (1 - mean) ^ 2 + (0.5 - mean) ^ 2) / 3, 1e-12, "Var(TPR)")
  T.near(r.min_tpr, 0.5, 1e-12, "lowest TPR")
  T.eq(r.min_class_name, "coat", "class with the lowest TPR")
  T.eq(r.confused[1].text, "shirt -> coat 33%", "most confused pair")
  T.eq(r.n, 8, "samples evaluated")
  -- mean cross-entropy of logits (5, 0, 0): -log softmax = log(1 + 2 e^-5) when right, 5 + log(1 + 2e^-5) when wrong
  local right = math.log(1 + 2 * math.exp(-5))
  T.near(r.loss, (5 * right + 3 * (5 + right)) / 8, 1e-5, "mean cross-entropy")
  T.raises("expected a model", function() experiment.evaluate(42, set) end)
end

---------------------------------------------------------------------------------------
-- Algorithm 1: a tiny 3-class task, two seeds, paired
---------------------------------------------------------------------------------------
local hard_train, hard_test = blobs(150, 11, 1.1), blobs(90, 12, 1.1)
local study_dir = T.tmpdir()   -- the file's: the study below is run once and shared

-- The study (18 training runs) runs once, for the first case that asks; the others reuse it.
local study_run
local function study()
  if study_run then return study_run end
  local s = {model_seeds = {}, method_seeds = {}, ctx_sizes = {}, W_calls = 0, out = study_dir .. "/study"}
  s.study = experiment.learnability{
    data = {train = hard_train, test = hard_test, val = val},
    model = function(seed) s.model_seeds[#s.model_seeds + 1] = seed; return new_model(seed) end,
    seeds = {1, 2},
    W = function(sc) s.W_calls = s.W_calls + 1; return weights.tpr_power(sc, 1, {floor = 0.05}) end,
    methods = {"tpr_weighted_ce", "focal", "tpr_oversampling", "tpr_augmentation", "class_balanced_tpr",
               {name = "mine", options = function(ctx)
                 s.method_seeds[#s.method_seeds + 1] = ctx.seed
                 s.ctx_sizes[#s.ctx_sizes + 1] = {#ctx.s, #ctx.w}
                 return {weights = weights.inverse(ctx.s, {floor = 0.05})}
               end}},
    gammas = {0.5, 2},
    epochs = 2, batch = 32, optimizer = sgd, out = s.out, quiet = true,
  }
  study_run = s
  return s
end

function test.learnability_runs_every_method_with_paired_seeds()
  local s = study()
  local st = s.study
  for _, sizes in ipairs(s.ctx_sizes) do T.eq(sizes[1], 3, "ctx.s"); T.eq(sizes[2], 3, "ctx.w") end
  T.eq(s.W_calls, 2, "W(s) once per seed")
  T.same_table(s.model_seeds, {1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2}, "each run builds its model with its seed")
  T.same_table(s.method_seeds, {1, 2}, "methods see the seed")
  T.eq(#st.summary, 9, "baseline + 6 methods + 2 gammas")
  T.eq(st.summary[1].method, "baseline", "baseline first")
  for _, row in ipairs(st.summary) do
    T.eq(row.seeds, 2, row.method .. ": two paired seeds")
    T.eq(type(row.accuracy), "number", row.method .. ": accuracy")
    T.eq(type(row.var_before), "number", row.method .. ": Var(s)")
    T.eq(type(row.var_after), "number", row.method .. ": Var(s')")
  end
end

function test.learnability_D_is_the_paired_variance_reduction()
  local st = study().study
  local mine = st.by_method.mine
  local D1 = st.runs.baseline[1].var_tpr - st.runs.mine[1].var_tpr
  local D2 = st.runs.baseline[2].var_tpr - st.runs.mine[2].var_tpr
  T.near(st.runs.mine[1].D, D1, 1e-12, "D per seed")
  T.near(mine.D, (D1 + D2) / 2, 1e-12, "mean D")
  T.near(mine.var_before - mine.var_after, mine.D, 1e-12, "D = Var(s) - Var(s')")
  T.near(mine.accuracy, (st.runs.mine[1].accuracy + st.runs.mine[2].accuracy) / 2, 1e-12, "mean accuracy")
end

-- seeds are paired: the baseline and a method that changes nothing give D = 0 exactly
function test.identical_retraining_gives_D_zero()
  local same = experiment.learnability{data = {train = hard_train, test = hard_test}, s_from_test = true, model = new_model, seeds = {3, 4},
    methods = {{name = "plain", options = function() return {} end}}, epochs = 1, batch = 32, optimizer = sgd, quiet = true}
  T.eq(same.by_method.plain.D, 0, "an identical retraining gives D = 0 (seeds paired)")
  T.eq(same.out, nil, "no output directory unless asked")
end

function test.learnability_writes_its_output_directory()
  local s = study()
  for _, f in ipairs({"config.json", "summary.json", "summary.csv", "summary.txt", "results.json", "runs.csv", "tpr.csv",
                      "history.csv", "tpr_epochs.csv", "weights.csv", "runs/seed1-baseline/history.csv",
                      "runs/seed2-mine/metrics.json", "runs/seed2-gamma=2/confusion.csv", "tpr_before_after.svg",
                      "tpr_before_after.csv", "confusion_baseline.svg", "curves_loss.svg", "tradeoff_gamma.svg",
                      "accuracy_vs_var.svg", "runs/seed1-baseline/tpr.svg"}) do
    T.eq(exists(s.out .. "/" .. f), true, f .. " written")
  end
  local rows = csv.read(s.out .. "/summary.csv")
  T.eq(#rows, 9, "summary.csv rows")
  T.eq(rows[1].method, "baseline", "summary.csv method column")
  local run_rows = csv.read(s.out .. "/runs.csv")
  T.eq(#run_rows, 18, "runs.csv: 9 runs x 2 seeds")
  T.eq(s.study.text:find("tpr_weighted_ce", 1, true) ~= nil, true, "summary text names the methods")
end

-- Issue 18: the study's plots show the spread over seeds (kept in their CSV), say what they
-- show, and keep different loss functions off one axis
function test.learnability_plots_show_seed_spread_and_say_what_they_show()
  local s = study()
  local function file(name) local f = assert(io.open(s.out .. "/" .. name, "rb")); local t = f:read("a"); f:close(); return t end
  -- before/after bars: mean over the 2 seeds, error bars their lowest and highest TPR
  local per_seed = {}
  for _, r in ipairs(csv.read(s.out .. "/tpr.csv")) do
    if r.method == "baseline" then per_seed[r.class] = per_seed[r.class] or {}; table.insert(per_seed[r.class], r.tpr) end
  end
  local bars, header = csv.read(s.out .. "/tpr_before_after.csv")
  T.eq(table.concat(header, ","), "label,series,value,lo,hi", "interval columns")
  local checked = 0
  for _, r in ipairs(bars) do
    if r.series == "baseline" then
      local v = per_seed[r.label]
      T.near(r.value, (v[1] + v[2]) / 2, 1e-12, r.label .. ": mean")
      T.eq(r.lo, math.min(v[1], v[2]), r.label .. ": lo"); T.eq(r.hi, math.max(v[1], v[2]), r.label .. ": hi")
      checked = checked + 1
    end
  end
  T.eq(checked, 3, "the baseline's bars")
  T.eq(file("tpr_before_after.svg"):find(">mean over 2 seeds; error bars: min to max over seeds (test)</text>", 1, true) ~= nil, true,
       "the subtitle says what the bars are")
  -- training losses relative to epoch 1 (each method's own loss), validation cross-entropy apart
  for _, r in ipairs(csv.read(s.out .. "/curves_loss.csv")) do
    if r.x == 1 then T.near(r.y, 1, 1e-12, r.series .. ": epoch 1 is 1"); T.near(r.lo, 1, 1e-12, "band at epoch 1") end
  end
  T.eq(file("curves_loss.svg"):find("each method&#39;s own loss function, divided by its epoch-1 value", 1, true) ~= nil, true,
       "the loss plot says it is relative")
  T.eq(exists(s.out .. "/curves_val_loss.svg"), true, "validation cross-entropy, the same for every method")
  local _, front = csv.read(s.out .. "/tradeoff_gamma.csv")
  T.eq(table.concat(front, ","), "label,x,y,xlo,xhi,ylo,yhi", "the front's intervals")
  T.eq(file("tpr_epochs_baseline.svg"):find("mean over 2 seeds; bold: ", 1, true) ~= nil, true, "aggregation and the bold class")
  -- a run's TPR bars carry its Wilson intervals; a weighted run's losses are two plots
  local metrics = csv.read(s.out .. "/runs/seed1-baseline/metrics.csv")
  local run_bars = csv.read(s.out .. "/runs/seed1-baseline/tpr.csv")
  for c, r in ipairs(metrics) do
    T.eq(run_bars[c].lo, r.tpr_lo, r.class .. ": Wilson lo"); T.eq(run_bars[c].hi, r.tpr_hi, r.class .. ": Wilson hi")
  end
  T.eq(exists(s.out .. "/runs/seed1-baseline/val_loss.svg"), false, "plain cross-entropy: one loss plot")
  T.eq(exists(s.out .. "/runs/seed1-mine/val_loss.svg"), true, "weighted cross-entropy: validation loss apart")
end

function test.learnability_measures_s_on_a_validation_set_unless_told()
  T.raises("experiment.learnability: option 'data' has no val set, so W(s) would be measured on the test set the study "
           .. "reports on; give data.val (e.g. train:split(0.9)), or s_from_test = true to use the test set anyway",
           function() experiment.learnability{data = {train = hard_train, test = hard_test}, model = new_model, quiet = true} end)
end

function test.learnability_rejects_bad_options()
  T.raises("unknown method 'nope'", function()
    experiment.learnability{data = {train = hard_train, test = hard_test}, s_from_test = true, model = new_model, methods = {"nope"}, quiet = true}
  end)
  T.raises("option 'model' must be a function", function()
    experiment.learnability{data = {train = hard_train, test = hard_test}, s_from_test = true, model = new_model(1), quiet = true}
  end)
end

-- Issue 12: the study's options and what its functions return
function test.learnability_checks_its_options_and_callbacks()
  local function study_with(extra)
    local cfg = {data = {train = hard_train, test = hard_test}, s_from_test = true, model = new_model, seeds = {1}, epochs = 1, quiet = true,
                 methods = {"focal"}, plots = false}
    for k, v in pairs(extra) do cfg[k] = v end
    return function() return experiment.learnability(cfg) end
  end
  T.raises("bad argument #1 to 'experiment.learnability' (option 'epochs' must be an integer >= 1, got \"x\")",
           study_with({epochs = "x"}))
  T.raises("bad argument #1 to 'experiment.learnability' (option 'gammas' must be an array of numbers >= 0 (gammas of "
           .. "tpr_power), got NaN)", study_with({gammas = 0 / 0}))
  T.raises("bad argument #1 to 'experiment.learnability' (option 'gammas' must be an array of numbers >= 0 (gammas of "
           .. "tpr_power), got a table whose element 2 is -1)", study_with({gammas = {1, -1}}))
  T.raises("bad argument #1 to 'experiment.learnability' (option 'seeds' must be a non-empty array of integers >= 0, got "
           .. "a table of 0 values)", study_with({seeds = {}}))
  T.raises("bad argument #1 to 'experiment.learnability' (option 'train.clip' must be a finite number > 0, got \"x\")",
           study_with({train = {clip = "x"}}))
  T.raises("bad argument #1 to 'experiment.learnability' (unknown option 'train.epoch' (known: ",
           study_with({train = {epoch = 2}}))
  T.raises("bad argument #1 to 'experiment.learnability' (option 'data' is required: {train = dataset, test = dataset[, "
           .. "val = dataset]})", function() experiment.learnability{model = new_model} end)
  T.raises("experiment.learnability: option 'model' (seed 1) returned nil, expected a module",
           study_with({model = function() end}))
  T.raises("experiment.learnability: method 'method1' returned 5, expected a table of train options",
           study_with({methods = {function() return 5 end}}))
  T.raises("experiment.learnability: method 'method1' returned options that experiment.train refuses: option 'loss' must "
           .. "be a loss (loss.cross_entropy(), ...) or a function(logits, y) returning the loss, got \"ce\"",
           study_with({methods = {function() return {loss = "ce"} end}}))
  T.raises("bad argument #1 to 'experiment.methods.focal' (option 'gamma' must be a finite number >= 0, got \"x\")",
           function() experiment.methods.focal{gamma = "x"} end)
end

-- Issue 12: most_confused, summary_table and save_run name what is wrong with their arguments
function test.study_helpers_check_their_arguments()
  T.raises("bad argument #1 to 'experiment.most_confused' (expected a study (what experiment.learnability returns), got nil)",
           function() experiment.most_confused(nil) end)
  T.raises("bad argument #2 to 'experiment.most_confused' (expected an integer >= 0, got \"x\")",
           function() experiment.most_confused({runs = {}}, "x") end)
  T.raises("bad argument #1 to 'experiment.summary_table' (expected an array of summary rows ({method = name, seeds = n, "
           .. "accuracy = ...}) or a study, got a table whose element 1 is 1)", function() experiment.summary_table({1}) end)
  T.raises("bad argument #1 to 'experiment.summary_table' (expected an array of summary rows ({method = name, seeds = n, "
           .. "accuracy = ...}) or a study, got a table whose element 1 is a row whose seeds is 1.5)",
           function() experiment.summary_table({{method = "baseline", seeds = 1.5}}) end)
  T.raises("bad argument #2 to 'experiment.save_run' (option 'report' must be a metrics report (what experiment.evaluate "
           .. "returns), got \"mean\")", function() experiment.save_run(T.tmpdir() .. "/run", {report = "mean"}) end)
  T.raises("bad argument #2 to 'experiment.save_run' (option 'history' must be a training history (what experiment.train "
           .. "returns), got a table whose field 'epoch' is nil)", function() experiment.save_run(T.tmpdir() .. "/run", {history = {}}) end)
  T.raises("bad argument #1 to 'experiment.save_run' (expected a path (a non-empty string), got 5)",
           function() experiment.save_run(5, {}) end)
  T.raises("bad argument #2 to 'experiment.json' (option 'indent' must be a string or true, got 2)",
           function() experiment.json({}, {indent = 2}) end)
  local cycle = {}; cycle.self = cycle
  T.raises("experiment.json: a table contains itself", experiment.json, cycle)
  local deep = {}
  for _ = 1, 300 do deep = {deep} end
  T.raises("experiment.json: tables are nested more than 200 deep", experiment.json, deep)
end

-- the "most confused" line the study scripts print, from the first seed's baseline
function test.most_confused_line()
  local line = experiment.most_confused(study().study)
  T.eq(type(line), "string", "most_confused gives a line")
  T.eq(line:find("^most confused %(baseline, seed %d+%): ") ~= nil, true, "most_confused: " .. line)
  T.eq(experiment.most_confused({runs = {}}), nil, "most_confused without runs")
end

---------------------------------------------------------------------------------------
-- JSON and the run directory
---------------------------------------------------------------------------------------
function test.json_encoding()
  T.eq(experiment.json({b = {1, 2.5, 0 / 0}, a = "x\"y\n", c = {}, d = true}), '{"a":"x\\"y\\n","b":[1,2.5,null],"c":[],"d":true}', "JSON")
  T.eq(experiment.json(tensor.new({{1, 2}, {3, 4}})), "[[1,2],[3,4]]", "JSON of a tensor")
  T.eq(experiment.json(0.1), "0.1", "shortest round-trip number")
  T.eq(experiment.json({f = print}), '{"f":"<function>"}', "functions")
  local loop = {}; loop.self = loop
  T.raises("contains itself", function() experiment.json(loop) end)
end

-- JSON read back: what experiment.json writes, experiment.parse_json reads the same
function test.json_reads_back_what_it_writes()
  local t = {name = "a\"b\n", n = 3, x = 0.1, big = 1e300, arr = {1, 2.5, {k = true}}, empty = {}, u = "é→😀"}
  local back = experiment.parse_json(experiment.json(t, {indent = true}))
  T.eq(back.name, t.name, "escapes"); T.eq(math.type(back.n), "integer", "integers stay integers")
  T.eq(back.x, 0.1, "shortest float text"); T.eq(back.big, 1e300); T.eq(back.arr[3].k, true, "nested")
  T.eq(next(back.empty), nil, "empty"); T.eq(back.u, t.u, "UTF-8")
  T.eq(experiment.parse_json([["\u00e9\ud83d\ude00"]]), "é😀", "\\u escapes and surrogate pairs")
  T.eq(experiment.parse_json("[1, null, 3]")[3], 3, "null is a hole")
  T.raises("experiment.parse_json: unexpected '}' at line 2 (character 8)", experiment.parse_json, '{\n"a": }')
  T.raises("unexpected text after the value", experiment.parse_json, "[1] x")
  T.raises("experiment.read_json: cannot open /nonexistent/x.json", experiment.read_json, "/nonexistent/x.json")
  -- a study's config.json names the machine and the command
  local cfg = experiment.read_json(study().out .. "/config.json")
  T.eq(type(cfg.machine.cpu), "string", "machine")
  T.eq(type(cfg.command) == "string" or cfg.command == nil, true, "command (nil outside a script)")
  T.eq(cfg.seeds[2], 2, "seeds")
end

function test.save_run_writes_history_metrics_and_config()
  local dir = T.tmpdir()
  local h = run(7, {epochs = 1})
  local r = evaluated()
  experiment.save_run(dir .. "/run", {config = {epochs = 3}, history = h, report = r})
  T.eq(exists(dir .. "/run/history.csv") and exists(dir .. "/run/metrics.csv") and exists(dir .. "/run/config.json"), true,
       "save_run files")
end

function test.train_writes_its_run_directory_with_out()
  local dir = T.tmpdir()
  local m4 = new_model(1)
  experiment.train(m4, train, {epochs = 1, seed = 1, quiet = true, out = dir .. "/run2", val = val})
  T.eq(exists(dir .. "/run2/history.json"), true, "train writes its run directory with out =")
end

---------------------------------------------------------------------------------------
-- sys: the cooperative interrupt flag
---------------------------------------------------------------------------------------
function test.interrupt_mode_and_flag()
  T.eq(sys.on_interrupt(), "raise", "default mode")
  T.eq(sys.on_interrupt("flag"), "raise", "returns the previous mode")
  T.eq(sys.interrupted(), false, "no Ctrl-C yet")
  T.eq(sys.on_interrupt("raise"), "flag", "back to raise")
  T.raises("expected \"flag\" or \"raise\"", function() sys.on_interrupt("soft") end)
  T.eq(type(sys.isatty()), "boolean", "isatty")
end

return test
