-- experiment.train(model, train_set, options) -> history   (docs/experiment.md)
--
-- The training loop of the study: batches, the loss (weighted per epoch when asked), the
-- optimizer and schedule, per-class history, validation, checkpoints and exact resume,
-- progress, and Ctrl-C at a batch boundary. Copy this file to lwscript/experiment/train.lua
-- next to your script to change it (docs/experiment.md, "Changing the library").
local experiment = require("experiment")
local util = require("lwscript.util")
local evaluation = require("lwscript.experiment.evaluate")
local evaluate = evaluation.evaluate
local progress = require("lwscript.experiment.progress")
local checkpoint = require("lwscript.experiment.checkpoint")
local tensor = require("tensor")
local nn = require("nn")
local loss = require("loss")
local optim = require("optim")
local sample = require("sample")
local metrics = require("metrics")
local sys = require("sys")

local native = require("lwscript.native")

local M = {}

local fmt = string.format
local join = util.join

local is = util.is
local FNAME = "experiment.train"

local is_augmentation = util.checker("an augmentation", function(v) return util.type_name(v) == "Augmentation" end)
local function class_values(text)
  return util.checker(text, function(v) return type(v) == "table" or tensor.is_tensor(v) end)
end
local is_loss_value = util.checker("a one-element Tensor (the loss)", function(v)
  return tensor.is_tensor(v) and v:numel() == 1
end)
local is_schedule = is.any(is.schedule, util.checker("a table with a step method", function(v)
  return type(v) == "table" and type(v.step) == "function"
end))
local is_criterion = is.callable("a loss (loss.cross_entropy(), ...) or a function(logits, y) returning the loss")
local is_sampler_value = is.any(is.sampler, class_values("an array of per-class sampling probabilities"))
local is_augment_value = is.any(is_augmentation, is.array_of(is_augmentation, "a list of augmentations", 0))
local function or_function(c, text)
  return is.any(c, is.func(text or "a function(report, epoch) returning one"))
end

-- The options of experiment.train and what each must be (checked before training starts;
-- what the functions among them return is checked when they are called).
M.OPTIONS = {
  epochs = is.integer(1), batch = is.integer(1), eval_batch = is.integer(1), seed = is.integer(0),
  optimizer = or_function(is.optimizer, "a function(params) returning one"),
  loss = is_criterion,
  loss_for = is.func("a function(w, epoch) returning a loss"),
  weights = or_function(class_values("an array of per-class weights"), "a function(report, epoch) returning them or nil"),
  sampler = or_function(is_sampler_value, "a function(report, epoch) returning either or nil"),
  augment = or_function(is_augment_value, "a function(report, epoch) returning either or nil"),
  augment_copies = or_function(is_augment_value, "a function(report, epoch) returning either or nil"),
  transform = is.func("a function(x, y, epoch, copies) returning the batch input"),
  val = is.dataset,
  checkpoint = is.path,
  resume = is.any(is.path, is.boolean),
  on_epoch = is.func("a function(epoch, history, report)"),
  lr_schedule = or_function(is_schedule, "a function(optimizer) returning one"),
  lr_step = is.one_of({"epoch", "batch"}),
  clip = is.number({above = 0}),
  quiet = is.boolean,
  name = is.string,
  out = is.path,
}

-- Derived seeds: one stream per purpose (shuffle, sampler, per-batch randomness), so that a
-- run resumed at any batch draws exactly what the uninterrupted run drew.
local function derive(seed, ...)
  local h = math.tointeger(seed) or math.floor(seed)
  for _, v in ipairs({...}) do h = (h * 1000003 + v * 7919 + 12345) % 2147483629 end
  return math.tointeger(h)
end


-- A per-epoch setting: a value, or a function(report, epoch) -> value.
local function per_epoch(value, report, epoch)
  if type(value) == "function" then return value(report, epoch) end
  return value
end

-- Per-class weights or sampling probabilities for an epoch: C finite numbers >= 0.
local function check_class_values(what, w, C, epoch)
  local out, problem, a, b = util.class_values(w, C)
  if problem == "type" then
    util.fail(fmt("experiment.train: %s for epoch %d must be an array of %d numbers, got %s", what, epoch, C, a))
  elseif problem == "count" then
    util.fail(fmt("experiment.train: %s for epoch %d have %d entries, the dataset has %d classes", what, epoch, a, C))
  elseif problem == "value" then
    util.fail(fmt("experiment.train: %s[%d] for epoch %d is %s, expected a finite number >= 0", what, a, epoch, tostring(b)))
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

-- Whether an optimizer updates the model: at least one of its tensors must be one of the
-- model's parameters (an optimizer may also hold tensors of the user's own, and may leave
-- some parameters frozen). Lua's == cannot tell (each push of a tensor is a new userdata):
-- native.object_id names the Swift tensor behind it.
local function check_optimizer_params(opt, params)
  if #params == 0 or util.type_name(opt) ~= "Optimizer" then return end
  local mine = {}
  for _, p in ipairs(params) do mine[native.object_id(p)] = true end
  local theirs = opt:parameters()
  for _, p in ipairs(theirs) do
    if mine[native.object_id(p)] then return end
  end
  util.fail(fmt("%s: option 'optimizer' holds %d tensors, none of them a parameter of the model, so training "
                .. "would never change the model; build it over model:parameters(), or pass a function(params) "
                .. "returning it", FNAME, #theirs))
end

-- A schedule must set the rate of the optimizer that trains.
local function check_schedule(sched, opt)
  if util.type_name(sched) ~= "LRScheduler" or util.type_name(opt) ~= "Optimizer" then return end
  if native.object_id(native.schedule_optimizer(sched)) ~= native.object_id(opt) then
    util.fail(FNAME .. ": option 'lr_schedule' is a schedule of another optimizer than the one that trains, so "
              .. "its rates would never be used; pass a function(opt) returning optim.StepLR(opt, ...) and so on")
  end
end

-- writing(what, f, ...): f(...), which writes files; its error (a directory that cannot be
-- made, a full disk) says what was being written.
local function writing(what, f, ...)
  local ok, err = util.try(f, ...)
  if not ok then util.raise_again(err, FNAME .. ": cannot write " .. what .. ": ") end
end

local function run_training(model, train_set, opts)
  -- (checked: integers, maybe written as floats such as 5.0)
  local epochs, batch = math.tointeger(opts.epochs or 5), math.tointeger(opts.batch or 64)
  local eval_batch, seed = math.tointeger(opts.eval_batch or 256), math.tointeger(opts.seed or 1)
  local C = #train_set.classes
  local val = opts.val
  local lr_step = opts.lr_step or "epoch"

  -- the optimizer: an optimizer, or a function(params) -> optimizer; default Adam, lr 1e-3
  local params = model:parameters()
  local opt = opts.optimizer
  if opt == nil then
    if #params == 0 then util.fail(FNAME .. ": the model has no parameters (model:parameters() is empty): nothing to train") end
    opt = optim.Adam(params, {lr = 1e-3})
  elseif type(opt) == "function" then
    opt = util.check_result(FNAME, "option 'optimizer'", opt(params), is.optimizer)
  end
  check_optimizer_params(opt, params)
  local sched = opts.lr_schedule
  if type(sched) == "function" then sched = util.check_result(FNAME, "option 'lr_schedule'", sched(opt), is_schedule) end
  if sched ~= nil then check_schedule(sched, opt) end

  -- the loss: a criterion (or function(logits, y)) when unweighted; loss_for(w, epoch) with weights
  local base_loss = opts.loss or loss.cross_entropy()
  local loss_for = opts.loss_for or function(w) return loss.cross_entropy{weights = w} end
  if opts.loss ~= nil and opts.weights ~= nil and opts.loss_for == nil then
    util.fail("experiment.train: options 'loss' and 'weights' together need 'loss_for' "
              .. "(a function(w, epoch) returning the weighted criterion)")
  end

  -- resume
  local history, start_epoch, skip, running, last_report, sched_steps = new_history(), 1, 0, nil, nil, 0
  local resume = opts.resume
  if resume == true then
    resume = opts.checkpoint
    if resume and not util.file_exists(join(resume, "state.lua")) then resume = nil end
  end
  if resume ~= nil and resume ~= false then
    local state = checkpoint.read(resume)
    nn.load_into(model, join(resume, state.model_file))
    if sched then
      for _ = 1, state.sched_steps or 0 do sched:step() end
    end
    opt:load(join(resume, state.optim_file))
    history, start_epoch, skip = state.history, state.epoch + 1, state.batch
    running, last_report, sched_steps = state.running, state.last_report, state.sched_steps or 0
    history.interrupted = nil
  end

  local bar = progress.new(opts.quiet, opts.name)
  if start_epoch == 1 and skip == 0 then
    local n = 0
    for _, p in ipairs(params) do n = n + p:numel() end
    bar.line(fmt("training %s (%d parameters) on %d samples of %d classes: %d epochs, batches of %d, %s, seed %d",
      opts.name or "a model", n, train_set:size(), C, epochs, batch, describe_optimizer(opt), seed))
  elseif start_epoch <= epochs then
    bar.line(fmt("resuming at epoch %d%s from %s", start_epoch, skip > 0 and fmt(", batch %d", skip + 1) or "", resume))
  else
    bar.line(fmt("the checkpoint in %s is past epoch %d already (epochs = %d): nothing to train", resume, start_epoch - 1, epochs))
  end

  local started = sys.clock()
  local stopped = false
  for epoch = start_epoch, epochs do
    local t0 = sys.clock()
    model:train()
    -- what this epoch trains with (online: functions of the latest report)
    local w = opts.weights ~= nil and per_epoch(opts.weights, last_report, epoch) or nil
    if w ~= nil then w = check_class_values("weights", w, C, epoch) end
    local crit, crit_what = base_loss, "option 'loss'"
    if w then
      crit, crit_what = loss_for(w, epoch), "the loss from option 'loss_for'"
      util.check_result(FNAME, fmt("option 'loss_for' (epoch %d)", epoch), crit, is_criterion)
    end
    local sampler = per_epoch(opts.sampler, last_report, epoch)
    if sampler ~= nil and type(opts.sampler) == "function" then
      util.check_result(FNAME, fmt("option 'sampler' (epoch %d)", epoch), sampler, is_sampler_value)
    end
    local probabilities
    if type(sampler) == "table" or tensor.is_tensor(sampler) then
      probabilities = check_class_values("sampling probabilities", sampler, C, epoch)
      sampler = sample.WeightedRandom(train_set, probabilities, {per = "class", seed = derive(seed, 2, epoch)})
    end
    local aug = per_epoch(opts.augment, last_report, epoch)
    if aug ~= nil and type(opts.augment) == "function" then
      util.check_result(FNAME, fmt("option 'augment' (epoch %d)", epoch), aug, is_augment_value)
    end
    -- augmentation of the copies alone (a training set from ds:with_copies)
    local aug_copies = per_epoch(opts.augment_copies, last_report, epoch)
    if aug_copies ~= nil and type(opts.augment_copies) == "function" then
      util.check_result(FNAME, fmt("option 'augment_copies' (epoch %d)", epoch), aug_copies, is_augment_value)
    end
    local bopts = {seed = derive(seed, 1, epoch), augment = aug, augment_copies = aug_copies}
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
    for x, y, k, copies in train_set:batches(batch, bopts) do
      if k > skip then
        tensor.seed(derive(seed, 3, epoch, k))
        if opts.transform then
          local tx = util.check_result(FNAME, "option 'transform'", opts.transform(x, y, epoch, copies), is.tensor)
          -- the batch it was given, changed: as many samples (a model might take any shape)
          if tx:dim() == 0 or tx:size(1) ~= y:size(1) then
            util.fail(string.format("%s: option 'transform' returned a tensor of size %s for a batch of %d samples; "
                                    .. "it must keep one row per sample", FNAME, util.size_text(tx), y:size(1)))
          end
          x = tx
        end
        local logits = util.check_result(FNAME, "the model", model(x), is.tensor)
        local l = util.check_result(FNAME, crit_what, crit(logits, y), is_loss_value)
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
        bar.batch(epoch, epochs, k, total_batches, loss_sum / seen, correct / seen, partial_seconds + sys.clock() - t0)
        if sys.interrupted() then stopped = true; break end
      end
    end
    skip = 0

    if stopped then
      history.interrupted = {epoch = epoch, batch = done}
      history.seconds = history.seconds + sys.clock() - started
      if opts.checkpoint then
        writing("the checkpoint in " .. opts.checkpoint, checkpoint.save, opts.checkpoint, model, opt,
          {epoch = epoch - 1, batch = done, history = history,
          running = {confusion = cm, loss_sum = loss_sum, seen = seen, correct = correct, seconds = partial_seconds + sys.clock() - t0},
          last_report = last_report, sched_steps = sched_steps, seed = seed})
      end
      bar.line(fmt("interrupted at epoch %d, batch %d: stopping%s", epoch, done,
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
      local v = evaluate(model, val, {batch = eval_batch})
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
      writing("the checkpoint in " .. opts.checkpoint, checkpoint.save, opts.checkpoint, model, opt, {epoch = epoch, batch = 0, history = history,
        last_report = last_report, sched_steps = sched_steps, seed = seed})
    end
    bar.line(progress.epoch_line(history, epoch, epochs, opts.name))
    if opts.on_epoch and opts.on_epoch(epoch, history, last_report) == false then
      history.stopped_early = epoch
      break
    end
    if sys.interrupted() then
      history.interrupted = {epoch = epoch + 1, batch = 0}
      bar.line("interrupted after epoch " .. epoch .. ": stopping")
      break
    end
  end
  history.last_report = last_report
  if opts.out then
    writing("the run's files in " .. opts.out, experiment.save_run, opts.out,
            {config = opts, history = history, report = last_report, name = opts.name})
  end
  return history
end

function experiment.train(model, train_set, opts)
  opts = evaluation.check_arguments(FNAME, model, train_set, opts, M.OPTIONS)
  -- Ctrl-C only raises a flag while training: the loop stops at the next batch boundary and
  -- keeps the history and a checkpoint. A second Ctrl-C interrupts at once. The previous
  -- mode comes back however training ends; an error from a callback of the user's goes on
  -- with its own position and traceback.
  local previous = sys.on_interrupt("flag")
  local ok, result = util.try(run_training, model, train_set, opts)
  sys.on_interrupt(previous)
  if not ok then
    -- end the progress bar's line before the error is printed
    if progress.is_terminal() and not opts.quiet then io.stdout:write("\n") end
    util.raise_again(result, nil, true)
  end
  return result
end

return M
