-- The built-in re-weighting methods (experiment.methods). A method is {name =, description =, options = function(ctx) -> train options,
-- W = optional function(s) -> w}: given the context of a seed (ctx.s the baseline's TPRs,
-- ctx.w = W(s), ctx.train, ctx.val, ctx.test, ctx.classes, ctx.C, ctx.seed, ctx.baseline
-- its report), it returns the options that experiment.train retrains with (weights, loss,
-- sampler, augment, transform, ...).
local experiment = require("experiment")
local util = require("lwscript.util")
local tensor = require("tensor")
local loss = require("loss")
local weights = require("weights")
local augment = require("augment")

local M = {}

local fmt = string.format

experiment.methods = {}

function M.new(name, description, options, W)
  return {name = name, description = description, options = options, W = W}
end

local is = util.is
local nonnegative = is.number({min = 0})

local function method_options(fname, o, spec)
  spec.name = is.string
  return util.check_options("experiment.methods." .. fname, o, 1, spec)
end

-- Cross-entropy weighted by w = W(s) (the study's W, or tpr_power with its own gamma).
function experiment.methods.tpr_weighted_ce(o)
  o = method_options("tpr_weighted_ce", o, {gamma = nonnegative})
  local W
  if o.gamma then W = function(s) return weights.tpr_power(s, o.gamma, {floor = 0.01}) end end
  return M.new(o.name or "tpr_weighted_ce",
    o.gamma and fmt("cross-entropy with weights tpr_power(s, %g)", o.gamma) or "cross-entropy with weights w = W(s)",
    function(ctx) return {weights = ctx.w} end, W)
end

-- Focal loss (gamma = 2); alpha = true also weights the classes by w = W(s).
function experiment.methods.focal(o)
  o = method_options("focal", o, {gamma = nonnegative, alpha = is.boolean})
  local gamma = o.gamma or 2
  return M.new(o.name or "focal", fmt("focal loss, gamma %g%s", gamma, o.alpha and ", alpha = W(s)" or ""),
    function(ctx) return {loss = loss.focal{gamma = gamma, alpha = o.alpha and ctx.w or nil}} end)
end

-- Class-balanced loss (Cui et al.) on TPR pseudo-counts n_c proportional to s_c^power.
function experiment.methods.class_balanced_tpr(o)
  o = method_options("class_balanced_tpr", o, {beta = is.number({min = 0, below = 1}), power = nonnegative})
  local beta, power = o.beta or 0.9999, o.power or 1
  return M.new(o.name or "class_balanced_tpr", fmt("class-balanced CE, beta %g, TPR pseudo-counts (power %g)", beta, power),
    function(ctx)
      local n = weights.pseudo_counts(ctx.s, {total = ctx.train:size(), power = power})
      return {loss = loss.class_balanced{beta = beta, counts = n}}
    end)
end

-- Oversampling: class c is drawn with probability w_c / sum(w).
function experiment.methods.tpr_oversampling(o)
  o = method_options("tpr_oversampling", o, {})
  return M.new(o.name or "tpr_oversampling", "class c drawn with probability w_c / sum w",
    function(ctx) return {sampler = weights.normalize(ctx.w, "sum_one")} end)
end

-- Augmentation of a sample of class c with probability p_c = min(1, strength w_c / max w):
-- images flip and shift (crop with padding), features get Gaussian noise (std), sequences
-- have tokens replaced by <unk> (index 2) at rate `rate`.
function experiment.methods.tpr_augmentation(o)
  o = method_options("tpr_augmentation", o, {strength = nonnegative, padding = is.integer(0, 1024), std = nonnegative,
                                             rate = is.number({min = 0, max = 1})})
  local strength, padding, std, rate = o.strength or 1, o.padding or 2, o.std or 0.1, o.rate or 0.1
  return M.new(o.name or "tpr_augmentation", fmt("augmentation with per-class probability min(1, %g w_c / max w)", strength),
    function(ctx)
      local top = math.max(table.unpack(ctx.w))
      local p = {}
      for c, v in ipairs(ctx.w) do p[c] = top > 0 and math.min(1, strength * v / top) or 0 end
      local kind = ctx.train.kind
      if kind == "image" then
        return {augment = {augment.flip(p), augment.crop(padding, p)}}
      end
      local pt = tensor.new(p)
      if kind == "features" then
        return {transform = function(x, y)
          local chosen = tensor.rand(y:size(1)):lt(pt:index(1, y:totable())):unsqueeze(2)
          return x + tensor.randn(table.unpack(x:shape())) * std * chosen
        end}
      end
      return {transform = function(x, y)
        local chosen = tensor.rand(y:size(1)):lt(pt:index(1, y:totable())):unsqueeze(2)
        local hit = tensor.rand(table.unpack(x:shape())):lt(rate) * x:gt(1) * chosen
        return x * (1 - hit) + hit * 2
      end}
    end)
end

M.DEFAULT = {"tpr_weighted_ce", "focal", "class_balanced_tpr", "tpr_oversampling", "tpr_augmentation"}

-- M.resolve(m, i): the method given as study option methods[i] (a name, a function(ctx) ->
-- train options, or a table {name =, options =, W =}).
function M.resolve(m, i)
  if type(m) == "string" then
    local make = experiment.methods[m]
    if type(make) ~= "function" then
      local known = {}
      for k in pairs(experiment.methods) do known[#known + 1] = k end
      table.sort(known)
      util.fail(fmt("experiment.learnability: unknown method '%s' (built-in: %s)", m, table.concat(known, ", ")))
    end
    return make()
  elseif type(m) == "function" then
    return M.new("method" .. i, "a Lua function", m)
  elseif type(m) == "table" and type(m.options) == "function" then
    return M.new(m.name or ("method" .. i), m.description or "", m.options, m.W)
  end
  util.fail(fmt("experiment.learnability: method %d must be a name, a function(ctx) -> train options, "
                .. "or a table {name =, options = function(ctx)}, got %s", i, type(m)))
end

return M
