-- Training checkpoints: a directory holding state.lua (history, epoch, batch, running sums;
-- written last, atomically) and the model and optimizer files it names (model-e3-b0.ckpt,
-- ...). Files of older checkpoints are removed once the new state is in place, so the state
-- always names complete files.
local util = require("lwscript.util")
local literal = require("lwscript.experiment.literal")
local nn = require("nn")
local sys = require("sys")

local M = {}

local fmt = string.format
local join = util.join

M.FORMAT = "lwscript experiment checkpoint"

function M.save(dir, model, opt, state)
  sys.mkdir(dir)
  local statefile = join(dir, "state.lua")
  local old = util.file_exists(statefile) and literal.read(statefile) or nil
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
  local statefile = join(dir, "state.lua")
  if not util.file_exists(statefile) then
    util.fail("experiment.train: no checkpoint in " .. dir .. " (" .. statefile .. " does not exist)")
  end
  local state, err = literal.read(statefile)
  if type(state) ~= "table" or state.format ~= M.FORMAT then
    util.fail("experiment.train: " .. statefile .. " is not an experiment checkpoint" .. (err and (" (" .. err .. ")") or ""))
  end
  return state
end

return M
