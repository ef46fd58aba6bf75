/// The second part of the Lua `experiment` module: the training loop (`experiment.train`),
/// checkpoints and resume, the progress display, and `experiment.evaluate`.
enum ExperimentTrainLua {
    static let source = #"""

---------------------------------------------------------------------------------------
-- experiment.evaluate(model, set[, {batch = 256, classes = names}]) -> metrics report
-- The model runs in evaluation mode without gradients; the report is metrics.report's
-- (accuracy, balanced accuracy, tpr, precision, f1, support, var_tpr, min_tpr, confused
-- pairs) plus `confusion` (the [C, C] tensor, rows = true class), `loss` (mean
-- cross-entropy) and `n`.
---------------------------------------------------------------------------------------
local EVALUATE_OPTIONS = set_of({"batch", "classes"})

local function training_mode(model)
  local ok, v = pcall(function() return model.training end)
  if ok and v == false then return false end
  return true
end

local function evaluate(model, set, opts, level)
  local batch = option_integer("evaluate", opts, "batch", 256, 1, level)
  local classes = opts.classes or set.classes
  local C = #set.classes
  local cm = tensor.zeros(C, C)
  local sum_ce = loss.cross_entropy{reduction = "sum"}
  local total, n = 0, 0
  local was_training = training_mode(model)
  model:eval()
  local ok, err = pcall(tensor.no_grad, function()
    for x, y in set:batches(batch) do
      local z = model(x)
      metrics.confusion_add(cm, z, y)
      total = total + sum_ce(z, y):item()
      n = n + y:size(1)
    end
  end)
  if was_training then model:train() end
  if not ok then error("experiment.evaluate: " .. strip_position(err), level) end
  local report = metrics.report(cm, {classes = classes})
  report.confusion = cm
  report.loss = total / n
  report.n = n
  return report
end

function experiment.evaluate(model, set, opts)
  if not is_module(model) then
    error("bad argument #1 to 'experiment.evaluate' (expected a model, got " .. type(model) .. ")", 2)
  end
  if not data.is_dataset(set) then
    error("bad argument #2 to 'experiment.evaluate' (expected a dataset, got " .. type(set) .. ")", 2)
  end
  opts = check_options("evaluate", opts, 3, EVALUATE_OPTIONS, 3)
  return evaluate(model, set, opts, 3)
end

---------------------------------------------------------------------------------------
-- Progress: a bar redrawn in place on a terminal, one line per epoch otherwise.
---------------------------------------------------------------------------------------
local function is_terminal()
  if rawget(_G, "notebook") then return false end
  local term = os.getenv("TERM")
  if term == "dumb" then return false end
  return sys.isatty(1)
end

local function pct(v) return v and fmt("%.1f%%", 100 * v) or "-" end

local function epoch_line(history, e, epochs, name)
  local i = #history.epoch
  local width = #tostring(epochs)
  local parts = {fmt("%sepoch %" .. width .. "d/%d", name and (name .. "  ") or "", e, epochs),
                 fmt("loss %.4f", history.loss[i]), "acc " .. pct(history.accuracy[i])}
  if history.val_accuracy[i] then
    parts[#parts + 1] = "val_acc " .. pct(history.val_accuracy[i])
    parts[#parts + 1] = fmt("Var(s) %.5f", history.val_var_tpr[i])
    parts[#parts + 1] = fmt("min %.3f (%s)", history.val_min_tpr[i], history.val_min_class[i])
  end
  parts[#parts + 1] = fmt("%.1fs", history.time[i])
  return table.concat(parts, "  ")
end

local function new_progress(quiet, name)
  local p = {tty = not quiet and is_terminal(), quiet = quiet, last = -1, name = name}
  function p.batch(e, epochs, k, total, loss_mean, acc, seconds)
    if not p.tty then return end
    local now = sys.clock()
    if now - p.last < 0.1 and k < total then return end
    p.last = now
    local width = 24
    local filled = total > 0 and math.floor(width * k / total) or width
    local bar = string.rep("=", filled) .. (filled < width and ">" or "") .. string.rep(" ", math.max(0, width - filled - 1))
    io.stdout:write(fmt("\r%sepoch %d/%d [%s] %d/%d  loss %.4f  acc %s  %.0fs\27[K",
      p.name and (p.name .. "  ") or "", e, epochs, bar, k, total, loss_mean, pct(acc), seconds))
    io.stdout:flush()
  end
  function p.line(text)
    if p.quiet then return end
    if p.tty then io.stdout:write("\r\27[K") end
    print(text)
    io.stdout:flush()
  end
  return p
end

---------------------------------------------------------------------------------------
-- Checkpoints: a directory holding state.lua (history, epoch, batch, running sums; written
-- last, atomically) and the model and optimizer files it names (model-e3-b0.ckpt, ...).
-- Files of older checkpoints are removed once the new state is in place, so the state
-- always names complete files.
---------------------------------------------------------------------------------------
local CHECKPOINT_FORMAT = "lwscript experiment checkpoint"

local function save_checkpoint(dir, model, opt, state)
  sys.mkdir(dir)
  local statefile = join(dir, "state.lua")
  local old = file_exists(statefile) and read_literal(statefile) or nil
  local tag = fmt("e%d-b%d", state.epoch, state.batch)
  state.format, state.version = CHECKPOINT_FORMAT, 1
  state.model_file, state.optim_file = "model-" .. tag .. ".ckpt", "optim-" .. tag .. ".ckpt"
  nn.save(model, join(dir, state.model_file))
  opt:save(join(dir, state.optim_file))
  write_file(statefile, "return " .. to_literal(state) .. "\n")
  if type(old) == "table" then
    for _, f in ipairs({old.model_file, old.optim_file}) do
      if type(f) == "string" and f ~= state.model_file and f ~= state.optim_file then os.remove(join(dir, f)) end
    end
  end
end

local function read_checkpoint(dir, level)
  local statefile = join(dir, "state.lua")
  if not file_exists(statefile) then
    error("experiment.train: no checkpoint in " .. dir .. " (" .. statefile .. " does not exist)", level)
  end
  local state, err = read_literal(statefile)
  if type(state) ~= "table" or state.format ~= CHECKPOINT_FORMAT then
    error("experiment.train: " .. statefile .. " is not an experiment checkpoint" .. (err and (" (" .. err .. ")") or ""), level)
  end
  return state
end

---------------------------------------------------------------------------------------
-- experiment.train(model, train_set, options) -> history   (docs/experiment.md)
---------------------------------------------------------------------------------------
local TRAIN_OPTIONS = set_of({"epochs", "batch", "optimizer", "loss", "loss_for", "weights", "sampler", "augment",
  "transform", "val", "seed", "checkpoint", "resume", "on_epoch", "lr_schedule", "lr_step", "clip", "quiet",
  "eval_batch", "name", "out"})

-- A per-epoch setting: a value, or a function(report, epoch) -> value.
local function per_epoch(value, report, epoch)
  if type(value) == "function" then return value(report, epoch) end
  return value
end

local function check_class_values(what, w, C, epoch)
  if tensor.is_tensor(w) then w = w:totable() end
  if type(w) ~= "table" then
    error(fmt("experiment.train: %s for epoch %d must be an array of %d numbers, got %s", what, epoch, C, type(w)), 0)
  end
  if #w ~= C then
    error(fmt("experiment.train: %s for epoch %d have %d entries, the dataset has %d classes", what, epoch, #w, C), 0)
  end
  local out = {}
  for c = 1, C do
    local v = w[c]
    if type(v) ~= "number" or v ~= v or v < 0 or v == math.huge then
      error(fmt("experiment.train: %s[%d] for epoch %d is %s, expected a finite number >= 0", what, c, epoch, tostring(v)), 0)
    end
    out[c] = v
  end
  return out
end

local function new_history()
  return {epoch = {}, loss = {}, accuracy = {}, balanced_accuracy = {}, tpr = {}, lr = {}, time = {},
          weights = {}, sampling = {}, val_loss = {}, val_accuracy = {}, val_balanced_accuracy = {}, val_tpr = {},
          val_var_tpr = {}, val_min_tpr = {}, val_min_class = {}, epochs_done = 0, seconds = 0}
end

local function describe_optimizer(opt)
  local ok, kind, lr = pcall(function() return opt.type, opt.lr end)
  if ok and kind and lr then return fmt("%s lr %g", kind, lr) end
  return "optimizer"
end

local function run_training(model, train_set, opts, level)
  local epochs = option_integer("train", opts, "epochs", 5, 1, level)
  local batch = option_integer("train", opts, "batch", 64, 1, level)
  local eval_batch = option_integer("train", opts, "eval_batch", 256, 1, level)
  local seed = option_integer("train", opts, "seed", 1, 0, level)
  local C = #train_set.classes
  local val = opts.val
  if val ~= nil and not data.is_dataset(val) then
    error("experiment.train: option 'val' must be a dataset, got " .. type(val), level)
  end
  local lr_step = opts.lr_step or "epoch"
  if lr_step ~= "epoch" and lr_step ~= "batch" then
    error("experiment.train: option 'lr_step' must be \"epoch\" or \"batch\", got " .. tostring(lr_step), level)
  end
  for _, name in ipairs({"on_epoch", "transform", "loss_for"}) do
    if opts[name] ~= nil and type(opts[name]) ~= "function" then
      error(fmt("experiment.train: option '%s' must be a function, got %s", name, type(opts[name])), level)
    end
  end
  if opts.checkpoint ~= nil and type(opts.checkpoint) ~= "string" then
    error("experiment.train: option 'checkpoint' must be a directory path, got " .. type(opts.checkpoint), level)
  end

  -- the optimizer: an optimizer, or a function(params) -> optimizer; default Adam, lr 1e-3
  local params = model:parameters()
  local opt = opts.optimizer
  if opt == nil then
    opt = optim.Adam(params, {lr = 1e-3})
  elseif type(opt) == "function" then
    opt = opt(params)
  end
  if opt == nil or (type(opt) ~= "userdata" and type(opt) ~= "table") then
    error("experiment.train: option 'optimizer' must be an optimizer or a function(params) returning one", level)
  end
  local sched = opts.lr_schedule
  if type(sched) == "function" then sched = sched(opt) end

  -- the loss: a criterion (or function(logits, y)) when unweighted; loss_for(w, epoch) with weights
  local base_loss = opts.loss or loss.cross_entropy()
  local loss_for = opts.loss_for or function(w) return loss.cross_entropy{weights = w} end
  if opts.loss ~= nil and opts.weights ~= nil and opts.loss_for == nil then
    error("experiment.train: options 'loss' and 'weights' together need 'loss_for' (a function(w, epoch) returning the weighted criterion)", level)
  end

  -- resume
  local history, start_epoch, skip, running, last_report, sched_steps = new_history(), 1, 0, nil, nil, 0
  local resume = opts.resume
  if resume == true then
    resume = opts.checkpoint
    if resume and not file_exists(join(resume, "state.lua")) then resume = nil end
  end
  if resume ~= nil and resume ~= false then
    if type(resume) ~= "string" then
      error("experiment.train: option 'resume' must be a checkpoint directory or true, got " .. type(resume), level)
    end
    local state = read_checkpoint(resume, level)
    nn.load_into(model, join(resume, state.model_file))
    if sched then
      for _ = 1, state.sched_steps or 0 do sched:step() end
    end
    opt:load(join(resume, state.optim_file))
    history, start_epoch, skip = state.history, state.epoch + 1, state.batch
    running, last_report, sched_steps = state.running, state.last_report, state.sched_steps or 0
    history.interrupted = nil
  end

  local progress = new_progress(opts.quiet, opts.name)
  if start_epoch == 1 and skip == 0 then
    local n = 0
    for _, p in ipairs(params) do n = n + p:numel() end
    progress.line(fmt("training %s (%d parameters) on %d samples of %d classes: %d epochs, batches of %d, %s, seed %d",
      opts.name or "a model", n, train_set:size(), C, epochs, batch, describe_optimizer(opt), seed))
  elseif start_epoch <= epochs then
    progress.line(fmt("resuming at epoch %d%s from %s", start_epoch, skip > 0 and fmt(", batch %d", skip + 1) or "", resume))
  else
    progress.line(fmt("the checkpoint in %s is past epoch %d already (epochs = %d): nothing to train", resume, start_epoch - 1, epochs))
  end

  local started = sys.clock()
  local stopped = false
  for epoch = start_epoch, epochs do
    local t0 = sys.clock()
    model:train()
    -- what this epoch trains with (online: functions of the latest report)
    local w = opts.weights ~= nil and per_epoch(opts.weights, last_report, epoch) or nil
    if w ~= nil then w = check_class_values("weights", w, C, epoch) end
    local crit = w and loss_for(w, epoch) or base_loss
    local sampler = per_epoch(opts.sampler, last_report, epoch)
    local probabilities
    if type(sampler) == "table" or tensor.is_tensor(sampler) then
      probabilities = check_class_values("sampling probabilities", sampler, C, epoch)
      sampler = sample.WeightedRandom(train_set, probabilities, {per = "class", seed = derive(seed, 2, epoch)})
    end
    local aug = per_epoch(opts.augment, last_report, epoch)
    local bopts = {seed = derive(seed, 1, epoch), augment = aug}
    if sampler ~= nil then bopts.sampler = sampler else bopts.shuffle = true end
    local total_batches = math.ceil((sampler and sampler:size() or train_set:size()) / batch)
    local lr = opt.lr

    local cm = tensor.zeros(C, C)
    local loss_sum, seen, correct, partial_seconds = 0, 0, 0, 0
    if skip > 0 and running then
      cm = tensor.new(running.confusion)
      loss_sum, seen, correct, partial_seconds = running.loss_sum, running.seen, running.correct, running.seconds or 0
    end
    local done = skip
    for x, y, k in train_set:batches(batch, bopts) do
      if k > skip then
        tensor.seed(derive(seed, 3, epoch, k))
        if opts.transform then x = opts.transform(x, y, epoch) end
        local logits = model(x)
        local l = crit(logits, y)
        opt:zero_grad()
        l:backward()
        if opts.clip then optim.clip_grad_norm(params, opts.clip) end
        opt:step()
        if sched and lr_step == "batch" then sched:step(); sched_steps = sched_steps + 1 end
        local b = y:size(1)
        loss_sum, seen = loss_sum + l:item() * b, seen + b
        local _, right = metrics.confusion_add(cm, logits, y)
        correct = correct + right
        done = k
        progress.batch(epoch, epochs, k, total_batches, loss_sum / seen, correct / seen, partial_seconds + sys.clock() - t0)
        if sys.interrupted() then stopped = true; break end
      end
    end
    skip = 0

    if stopped then
      history.interrupted = {epoch = epoch, batch = done}
      history.seconds = history.seconds + sys.clock() - started
      if opts.checkpoint then
        save_checkpoint(opts.checkpoint, model, opt, {epoch = epoch - 1, batch = done, history = history,
          running = {confusion = cm, loss_sum = loss_sum, seen = seen, correct = correct, seconds = partial_seconds + sys.clock() - t0},
          last_report = last_report, sched_steps = sched_steps, seed = seed})
      end
      progress.line(fmt("interrupted at epoch %d, batch %d: stopping%s", epoch, done,
        opts.checkpoint and (" (checkpoint in " .. opts.checkpoint .. "; resume = \"" .. opts.checkpoint .. "\" continues)") or ""))
      break
    end

    local report = metrics.report(cm, {classes = train_set.classes})
    report.confusion, report.loss, report.n = cm, loss_sum / seen, seen
    history.epoch[#history.epoch + 1] = epoch
    history.loss[epoch] = loss_sum / seen
    history.lr[epoch] = lr
    history.accuracy[epoch] = report.accuracy
    history.balanced_accuracy[epoch] = report.balanced_accuracy
    history.tpr[epoch] = report.tpr
    history.weights[epoch] = w or {}
    history.sampling[epoch] = probabilities or (sampler and sampler:class_probabilities()) or {}
    last_report = report
    if val then
      local v = evaluate(model, val, {batch = eval_batch}, level)
      history.val_loss[epoch] = v.loss
      history.val_accuracy[epoch] = v.accuracy
      history.val_balanced_accuracy[epoch] = v.balanced_accuracy
      history.val_tpr[epoch] = v.tpr
      history.val_var_tpr[epoch] = v.var_tpr
      history.val_min_tpr[epoch] = v.min_tpr
      history.val_min_class[epoch] = v.min_class_name or tostring(v.min_class)
      last_report = v
    end
    if sched and lr_step == "epoch" then sched:step(); sched_steps = sched_steps + 1 end
    history.time[epoch] = partial_seconds + sys.clock() - t0
    history.epochs_done = epoch
    history.seconds = history.seconds + sys.clock() - t0
    if opts.checkpoint then
      save_checkpoint(opts.checkpoint, model, opt, {epoch = epoch, batch = 0, history = history,
        last_report = last_report, sched_steps = sched_steps, seed = seed})
    end
    progress.line(epoch_line(history, epoch, epochs, opts.name))
    if opts.on_epoch and opts.on_epoch(epoch, history, last_report) == false then
      history.stopped_early = epoch
      break
    end
    if sys.interrupted() then
      history.interrupted = {epoch = epoch + 1, batch = 0}
      progress.line("interrupted after epoch " .. epoch .. ": stopping")
      break
    end
  end
  history.last_report = last_report
  if opts.out then experiment.save_run(opts.out, {config = opts, history = history, report = last_report, name = opts.name}) end
  return history
end

function experiment.train(model, train_set, opts)
  if not is_module(model) then
    error("bad argument #1 to 'experiment.train' (expected a model, got " .. type(model) .. ")", 2)
  end
  if not data.is_dataset(train_set) then
    error("bad argument #2 to 'experiment.train' (expected a dataset, got " .. type(train_set) .. ")", 2)
  end
  opts = check_options("train", opts, 3, TRAIN_OPTIONS, 3)
  -- Ctrl-C only raises a flag while training: the loop stops at the next batch boundary and
  -- keeps the history and a checkpoint. A second Ctrl-C interrupts at once.
  local previous = sys.on_interrupt("flag")
  local ok, result = pcall(run_training, model, train_set, opts, 0)
  sys.on_interrupt(previous)
  if not ok then
    if rawget(_G, "notebook") == nil and is_terminal() and not opts.quiet then io.stdout:write("\n") end
    rethrow(result)
  end
  return result
end
"""#
}
