-- experiment.evaluate(model, set[, {batch = 256, classes = names}]) -> metrics report
-- The model runs in evaluation mode without gradients; the report is metrics.report's
-- (accuracy, balanced accuracy, tpr, precision, f1, support, var_tpr, min_tpr, confused
-- pairs) plus `confusion` (the [C, C] tensor, rows = true class), `loss` (mean
-- cross-entropy), `n`, and `labels` and `predictions` (tensors [n] of 1-based classes, in the
-- set's order: what the test-set bootstrap of a study resamples). The model's mode and the gradient mode come back afterwards, also
-- when the model raises an error.
local experiment = require("experiment")
local util = require("lwscript.util")
local tensor = require("tensor")
local loss = require("loss")
local metrics = require("metrics")

local M = {}

local is = util.is
local is_model = util.checker("a model (a module)", util.is_module)
local EVALUATE_OPTIONS = {
  batch = is.integer(1),
  classes = is.array_of(is.any(is.string, is.number()), "an array of class names"),
}

local function training_mode(model)
  local ok, v = pcall(function() return model.training end)
  if ok and v == false then return false end
  return true
end

-- M.evaluate(model, set, opts): the report, with options already checked by the caller.
function M.evaluate(model, set, opts)
  local batch = math.tointeger(opts.batch or 256)
  local classes = opts.classes or set.classes
  local C = #set.classes
  if #classes ~= C then
    util.fail(string.format("experiment.evaluate: option 'classes' has %d names, the dataset has %d classes", #classes, C))
  end
  local cm = tensor.zeros(C, C)
  local sum_ce = loss.cross_entropy{reduction = "sum"}
  local total, n = 0, 0
  local predicted, labels = {}, {}
  local was_training = training_mode(model)
  model:eval()
  local grad_was = tensor.set_grad_enabled(false)
  local ok, err = util.try(function()
    for x, y in set:batches(batch) do
      local z = model(x)
      -- raised again below with "experiment.evaluate: " in front
      if not tensor.is_tensor(z) then util.fail("the model returned " .. util.returned(z) .. ", expected a Tensor of scores") end
      metrics.confusion_add(cm, z, y)
      predicted[#predicted + 1], labels[#labels + 1] = z:argmax(2), y
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
  report.predictions, report.labels = tensor.cat(predicted), tensor.cat(labels)
  return report
end

-- M.check_arguments(fname, model, set, opts, known): the (model, dataset, options) arguments
-- of experiment.evaluate and experiment.train; returns the options.
function M.check_arguments(fname, model, set, opts, known)
  util.check_arg(fname, 1, model, is_model)
  util.check_arg(fname, 2, set, is.dataset)
  return util.check_options(fname, opts, 3, known)
end

function experiment.evaluate(model, set, opts)
  opts = M.check_arguments("experiment.evaluate", model, set, opts, EVALUATE_OPTIONS)
  return M.evaluate(model, set, opts)
end

return M
