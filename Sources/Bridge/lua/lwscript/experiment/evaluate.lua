-- experiment.evaluate(model, set[, {batch = 256, classes = names}]) -> metrics report
-- The model runs in evaluation mode without gradients; the report is metrics.report's
-- (accuracy, balanced accuracy, tpr, precision, f1, support, var_tpr, min_tpr, confused
-- pairs) plus `confusion` (the [C, C] tensor, rows = true class), `loss` (mean
-- cross-entropy) and `n`. The model's mode and the gradient mode come back afterwards, also
-- when the model raises an error.
local experiment = require("experiment")
local util = require("lwscript.util")
local tensor = require("tensor")
local loss = require("loss")
local data = require("data")
local metrics = require("metrics")

local M = {}

local EVALUATE_OPTIONS = {"batch", "classes"}

local function training_mode(model)
  local ok, v = pcall(function() return model.training end)
  if ok and v == false then return false end
  return true
end

-- M.evaluate(model, set, opts): the report, with options already checked by the caller.
function M.evaluate(model, set, opts)
  local batch = util.option_integer("experiment.evaluate", opts, "batch", 256, 1)
  local classes = opts.classes or set.classes
  local C = #set.classes
  local cm = tensor.zeros(C, C)
  local sum_ce = loss.cross_entropy{reduction = "sum"}
  local total, n = 0, 0
  local was_training = training_mode(model)
  model:eval()
  local grad_was = tensor.set_grad_enabled(false)
  local ok, err = util.try(function()
    for x, y in set:batches(batch) do
      local z = model(x)
      metrics.confusion_add(cm, z, y)
      total = total + sum_ce(z, y):item()
      n = n + y:size(1)
    end
  end)
  tensor.set_grad_enabled(grad_was)
  if was_training then model:train() end
  if not ok then util.raise_again(err, "experiment.evaluate: ", true) end
  local report = metrics.report(cm, {classes = classes})
  report.confusion = cm
  report.loss = total / n
  report.n = n
  return report
end

-- M.check_arguments(fname, model, set, opts, known): the (model, dataset, options) arguments
-- of experiment.evaluate and experiment.train; returns the options.
function M.check_arguments(fname, model, set, opts, known)
  if not util.is_module(model) then util.arg_error(fname, 1, "expected a model, got " .. type(model)) end
  if not data.is_dataset(set) then util.arg_error(fname, 2, "expected a dataset, got " .. type(set)) end
  return util.check_options(fname, opts, 3, known)
end

function experiment.evaluate(model, set, opts)
  opts = M.check_arguments("experiment.evaluate", model, set, opts, EVALUATE_OPTIONS)
  return M.evaluate(model, set, opts)
end

return M
