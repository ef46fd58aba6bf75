-- Training checkpoints: a directory holding state.lua (history, epoch, batch, running sums;
-- written last, atomically) and the model and optimizer files it names (model-e3-b0.ckpt,
-- ...). Files of older checkpoints are removed once the new state is in place, so the state
-- always names complete files.
local util = require("lwscript.util")
local literal = require("lwscript.literal")
local nn = require("nn")
local sys = require("sys")
local tensor = require("tensor")

local M = {}

local fmt = string.format
local join = util.join

M.FORMAT = "lwscript experiment checkpoint"

---------------------------------------------------------------------------------------
-- What a state may hold. state.lua is read as data (literal.read: no code runs) and every
-- field is checked before training uses it, so a damaged or hand-made file is an error that
-- says which field, never a hang, a deleted file or a wrong resume.
---------------------------------------------------------------------------------------

local function is_integer(v, lo) return math.type(v) == "integer" and v >= (lo or 0) end
local function is_number(v) return type(v) == "number" and v == v and v > -math.huge and v < math.huge end

local function check(ok, field, expected, v)
  if not ok then
    error({state_error = fmt("field '%s' must be %s, got %s", field, expected,
                             type(v) == "string" and fmt("%q", v) or tostring(v))}, 0)
  end
end

-- an array (holes allowed, as a history with skipped epochs has) of values passing `each`
local function check_array(field, v, each, expected)
  check(type(v) == "table", field, "a table", v)
  for k, x in pairs(v) do
    check(is_integer(k, 1), field, "an array", k)
    check(each(x), field .. "[" .. k .. "]", expected, x)
  end
end

local function numbers(t)
  if type(t) ~= "table" then return false end
  for k, x in pairs(t) do
    if not is_integer(k, 1) or type(x) ~= "number" then return false end
  end
  return true
end

local NUMBER_SERIES = {"epoch", "loss", "accuracy", "balanced_accuracy", "lr", "time", "val_loss", "val_accuracy",
                       "val_balanced_accuracy", "val_var_tpr", "val_min_tpr"}
local VECTOR_SERIES = {"tpr", "weights", "sampling", "val_tpr"}

local function check_history(h)
  check(type(h) == "table", "history", "a table", h)
  for _, k in ipairs(NUMBER_SERIES) do
    check_array("history." .. k, h[k], function(x) return type(x) == "number" end, "a number")
  end
  for _, k in ipairs(VECTOR_SERIES) do check_array("history." .. k, h[k], numbers, "a table of numbers") end
  check_array("history.val_min_class", h.val_min_class, function(x) return type(x) == "string" end, "a string")
  check(is_integer(h.epochs_done), "history.epochs_done", "an integer >= 0", h.epochs_done)
  check(is_number(h.seconds) and h.seconds >= 0, "history.seconds", "a number >= 0", h.seconds)
  if h.interrupted ~= nil then
    check(type(h.interrupted) == "table" and is_integer(h.interrupted.epoch, 1) and is_integer(h.interrupted.batch),
          "history.interrupted", "{epoch = n, batch = k}", h.interrupted)
  end
end

local function check_running(r)
  if r == nil then return end
  check(type(r) == "table", "running", "a table", r)
  local cm = r.confusion
  check(tensor.is_tensor(cm) and cm:dim() == 2 and cm:size(1) == cm:size(2), "running.confusion", "a CxC tensor", cm)
  local counts_ok = true
  for _, x in ipairs(cm:reshape(cm:numel()):totable()) do
    if x < 0 or x ~= math.floor(x) or x == math.huge then counts_ok = false end
  end
  if not counts_ok then error({state_error = "field 'running.confusion' must hold counts (integers >= 0)"}, 0) end
  check(type(r.loss_sum) == "number", "running.loss_sum", "a number", r.loss_sum)
  check(is_integer(r.seen), "running.seen", "an integer >= 0", r.seen)
  check(is_integer(r.correct) and r.correct <= r.seen, "running.correct", "an integer in [0, running.seen]", r.correct)
  check(r.seconds == nil or (is_number(r.seconds) and r.seconds >= 0), "running.seconds", "a number >= 0", r.seconds)
end

local KNOWN = {format = true, version = true, model_file = true, optim_file = true, epoch = true, batch = true,
               history = true, running = true, last_report = true, sched_steps = true, seed = true}

-- The state in `text`'s place, checked: the state, or nil and what is wrong with it.
local function checked(state)
  local ok, err = pcall(function()
    check(type(state) == "table", "(the state)", "a table", state)
    check(state.format == M.FORMAT, "format", fmt("%q", M.FORMAT), state.format)
    check(state.version == 1, "version", "1 (this build reads version 1)", state.version)
    for k in pairs(state) do
      if not KNOWN[k] then error({state_error = "unexpected field " .. fmt("%q", tostring(k))}, 0) end
    end
    check(is_integer(state.epoch), "epoch", "an integer >= 0", state.epoch)
    check(is_integer(state.batch), "batch", "an integer >= 0", state.batch)
    -- the files the state names, inside the checkpoint directory (older ones get removed)
    local tag = fmt("e%s-b%s", tostring(state.epoch), tostring(state.batch))
    check(state.model_file == "model-" .. tag .. ".ckpt", "model_file", fmt("%q", "model-" .. tag .. ".ckpt"), state.model_file)
    check(state.optim_file == "optim-" .. tag .. ".ckpt", "optim_file", fmt("%q", "optim-" .. tag .. ".ckpt"), state.optim_file)
    check(state.sched_steps == nil or is_integer(state.sched_steps), "sched_steps", "an integer >= 0", state.sched_steps)
    check(state.seed == nil or math.type(state.seed) == "integer", "seed", "an integer", state.seed)
    check_history(state.history)
    check_running(state.running)
    check(state.last_report == nil or type(state.last_report) == "table", "last_report", "a table", state.last_report)
  end)
  if ok then return state end
  if type(err) == "table" and err.state_error then return nil, err.state_error end
  error(err, 0)
end

-- The checked state of state.lua in dir, or nil and what is wrong.
local function read_state(statefile)
  local state, err = literal.read(statefile)
  if state == nil then return nil, err end
  return checked(state)
end

-- A directory for the option `option` of experiment.train (a NUL byte would cut the name).
local function check_dir(dir, option)
  if dir:find("\0", 1, true) then
    util.fail(fmt("experiment.train: option '%s' expected a directory without NUL bytes, got %q", option, dir))
  end
end

function M.save(dir, model, opt, state)
  check_dir(dir, "checkpoint")
  sys.mkdir(dir)
  local statefile = join(dir, "state.lua")
  -- the files of the state being replaced go once the new one is in place (only files a
  -- valid state names: a damaged state.lua never makes us remove anything else)
  local old = util.file_exists(statefile) and read_state(statefile) or nil
  local tag = fmt("e%d-b%d", state.epoch, state.batch)
  state.format, state.version = M.FORMAT, 1
  state.model_file, state.optim_file = "model-" .. tag .. ".ckpt", "optim-" .. tag .. ".ckpt"
  nn.save(model, join(dir, state.model_file))
  opt:save(join(dir, state.optim_file))
  util.write_file(statefile, "return " .. literal.write(state) .. "\n")
  if type(old) == "table" then
    for _, f in ipairs({old.model_file, old.optim_file}) do
      if type(f) == "string" and f ~= state.model_file and f ~= state.optim_file then os.remove(join(dir, f)) end
    end
  end
end

-- The state of the checkpoint in dir; an error naming experiment.train when there is none.
function M.read(dir)
  check_dir(dir, "resume")
  local statefile = join(dir, "state.lua")
  if not util.file_exists(statefile) then
    util.fail("experiment.train: no checkpoint in " .. dir .. " (" .. statefile .. " does not exist)")
  end
  local state, err = read_state(statefile)
  if state == nil then
    util.fail("experiment.train: " .. statefile .. " is not a valid experiment checkpoint (" .. err .. ")")
  end
  return state
end

return M
