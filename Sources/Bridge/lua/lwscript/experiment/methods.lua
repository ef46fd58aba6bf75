-- The built-in re-weighting methods (experiment.methods). A method is {name =, description =,
-- options = function(ctx) -> train options, W = optional function(s) -> w, control =
-- optional function(ctx) -> train options}: given the context of a seed (ctx.s the
-- baseline's TPRs, ctx.w = W(s), ctx.train, ctx.val, ctx.test, ctx.classes, ctx.C, ctx.seed,
-- ctx.baseline its report, ctx.permute), `options` returns what experiment.train retrains
-- with (weights, loss, sampler, augment, transform, ...) and, as `train_set`, a training set
-- of its own (augmented copies, SMOTE samples). `requires` ("features", ...) names the kind
-- of data a method works on, so that a study refuses it before training anything.
--
-- A method's control perturbs training the same way without the TPR information: the same
-- weights given to other classes (ctx.permute, a permutation without fixed points, the same
-- for every method of a seed), a uniform sampler instead of a TPR-driven one, augmentation of
-- every class at the same mean rate. A study with {controls = true} runs it beside the method
-- and compares the two (docs/experiment.md).
local experiment = require("experiment")
local util = require("lwscript.util")
local tensor = require("tensor")
local loss = require("loss")
local weights = require("weights")
local augment = require("augment")

local M = {}

local fmt = string.format

experiment.methods = {}

function M.new(name, description, options, W, control, requires)
  return {name = name, description = description, options = options, W = W, control = control, requires = requires}
end

-- M.derangement(C, seed): a permutation of 1..C with no fixed point (the identity when C is
-- 1), drawn from a generator of its own so that no other random stream moves.
function M.derangement(C, seed)
  local g = (math.tointeger(seed) or 0) % 2147483647 + 1
  local function below(n)   -- 0..n-1, a Park-Miller step
    g = (g * 48271) % 2147483647
    return g % n
  end
  if C < 2 then return {1} end
  while true do
    local p = {}
    for c = 1, C do p[c] = c end
    for c = C, 2, -1 do
      local k = below(c) + 1
      p[c], p[k] = p[k], p[c]
    end
    local fixed = false
    for c = 1, C do if p[c] == c then fixed = true end end
    if not fixed then return p end
  end
end

-- M.permuter(perm): a function(values) -> values given to other classes (class c gets
-- values[perm[c]]).
function M.permuter(perm)
  return function(values)
    local out = {}
    for c = 1, #values do out[c] = values[perm[c]] end
    return out
  end
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
    function(ctx) return {weights = ctx.w} end, W,
    function(ctx) return {weights = ctx.permute(ctx.w)} end)
end

-- Focal loss (gamma = 2); alpha = true also weights the classes by w = W(s).
function experiment.methods.focal(o)
  o = method_options("focal", o, {gamma = nonnegative, alpha = is.boolean})
  local gamma = o.gamma or 2
  -- (without alpha it uses no TPR information: no control)
  return M.new(o.name or "focal", fmt("focal loss, gamma %g%s", gamma, o.alpha and ", alpha = W(s)" or ""),
    function(ctx) return {loss = loss.focal{gamma = gamma, alpha = o.alpha and ctx.w or nil}} end, nil,
    o.alpha and function(ctx) return {loss = loss.focal{gamma = gamma, alpha = ctx.permute(ctx.w)}} end or nil)
end

-- Class-balanced loss (Cui et al.) on TPR pseudo-counts n_c proportional to s_c^power.
function experiment.methods.class_balanced_tpr(o)
  o = method_options("class_balanced_tpr", o, {beta = is.number({min = 0, below = 1}), power = nonnegative})
  local beta, power = o.beta or 0.9999, o.power or 1
  local function options(s, ctx)
    local n = weights.pseudo_counts(s, {total = ctx.train:size(), power = power})
    return {loss = loss.class_balanced{beta = beta, counts = n}}
  end
  return M.new(o.name or "class_balanced_tpr", fmt("class-balanced CE, beta %g, TPR pseudo-counts (power %g)", beta, power),
    function(ctx) return options(ctx.s, ctx) end, nil,
    function(ctx) return options(ctx.permute(ctx.s), ctx) end)
end

-- Oversampling: class c is drawn with probability w_c / sum(w).
function experiment.methods.tpr_oversampling(o)
  o = method_options("tpr_oversampling", o, {})
  return M.new(o.name or "tpr_oversampling", "class c drawn with probability w_c / sum w",
    function(ctx) return {sampler = weights.normalize(ctx.w, "sum_one")} end, nil,
    -- the same sampler (with replacement, redrawn each epoch), every class alike
    function(ctx)
      local p = {}
      for c = 1, ctx.C do p[c] = 1 / ctx.C end
      return {sampler = p}
    end)
end

-- Per-class rates r_c = min(1, strength w_c / max w): the hardest class (largest weight)
-- gets rate min(1, strength), the others in proportion to their weights.
local function rates(w, strength)
  local top = math.max(table.unpack(w))
  local r = {}
  for c, v in ipairs(w) do r[c] = top > 0 and math.min(1, strength * v / top) or 0 end
  return r
end

-- round(r_c n_c) samples to add to each class of the training set.
local function amounts(r, set)
  local counts, out = set:counts(), {}
  for c = 1, #r do out[c] = math.floor(r[c] * counts[c] + 0.5) end
  return out
end

-- The same number of samples in all added to every class at the mean rate (a control).
local function even(r)
  local out, mean = {}, util.mean(r)
  for c = 1, #r do out[c] = mean end
  return out
end

-- Augmented copies: class c gains round(r_c n_c) copies of its samples (ds:with_copies), and
-- only the copies are augmented, each epoch anew: images flip (p 0.5) and shift (crop with
-- padding), features get Gaussian noise (std), sequences have tokens replaced by <unk>
-- (index 2) at rate `rate`. The originals are seen as they are, so an augmentation is never
-- a cue for the class (transforming the hard class's own samples taught the model that an
-- untransformed image is not of that class: D = -0.034 on Fashion-MNIST).
function experiment.methods.tpr_augmentation(o)
  o = method_options("tpr_augmentation", o, {strength = nonnegative, padding = is.integer(0, 1024), std = nonnegative,
                                             rate = is.number({min = 0, max = 1})})
  local strength, padding, std, rate = o.strength or 1, o.padding or 2, o.std or 0.1, o.rate or 0.1
  local function options(r, ctx)
    local train = ctx.train:with_copies(amounts(r, ctx.train), {seed = ctx.seed})
    local kind = train.kind
    if kind == "image" then
      return {train_set = train, augment_copies = {augment.flip(0.5), augment.crop(padding)}}
    elseif kind == "features" then
      return {train_set = train, transform = function(x, _, _, copies)
        if not copies then return x end
        return x + tensor.randn(table.unpack(x:shape())) * std * copies:unsqueeze(2)
      end}
    end
    return {train_set = train, transform = function(x, _, _, copies)
      if not copies then return x end
      local hit = tensor.rand(table.unpack(x:shape())):lt(rate) * x:gt(1) * copies:unsqueeze(2)
      return x * (1 - hit) + hit * 2
    end}
  end
  return M.new(o.name or "tpr_augmentation", fmt("round(r_c n_c) augmented copies of class c, r_c = min(1, %g w_c / max w)", strength),
    function(ctx) return options(rates(ctx.w, strength), ctx) end, nil,
    -- as many copies, spread over every class at the mean rate
    function(ctx) return options(even(rates(ctx.w, strength)), ctx) end)
end

-- SMOTE by TPR (features): class c gains round(r_c n_c) synthetic samples (ds:smote), r_c as
-- for tpr_augmentation.
function experiment.methods.smote_tpr(o)
  o = method_options("smote_tpr", o, {strength = nonnegative, k = is.integer(1)})
  local strength, k = o.strength or 1, o.k or 5
  local function options(r, ctx)
    return {train_set = ctx.train:smote(amounts(r, ctx.train), {k = k, seed = ctx.seed})}
  end
  return M.new(o.name or "smote_tpr", fmt("round(r_c n_c) SMOTE samples for class c, r_c = min(1, %g w_c / max w), k %d", strength, k),
    function(ctx) return options(rates(ctx.w, strength), ctx) end, nil,
    function(ctx) return options(even(rates(ctx.w, strength)), ctx) end, "features")
end

-- Threshold cross-entropy (loss.threshold_ce): no TPR information, so no control (a
-- comparison for the TPR-driven methods, as focal loss without alpha).
function experiment.methods.threshold_ce(o)
  o = method_options("threshold_ce", o, {m = is.number({above = 0.5, below = 1}), keep = is.string})
  local m, keep = o.m or 0.7, o.keep
  return M.new(o.name or "threshold_ce", fmt("threshold cross-entropy, m %g%s", m, keep and (", keep " .. keep) or ""),
    function() return {loss = loss.threshold_ce{m = m, keep = keep}} end)
end

-- Online re-weighting: every epoch, w = W(s) from the TPRs of the latest validation report
-- (the training predictions' without a validation set), scaled to mean 1 and clamped to
-- [lo, hi] so that one bad epoch cannot make a class's weight explode; epoch 1 is unweighted.
function experiment.methods.online_weighted_ce(o)
  o = method_options("online_weighted_ce", o, {clamp = is.array_of(is.number({above = 0}), "{lo, hi}, numbers > 0")})
  local clamp = o.clamp or {0.2, 5}
  if #clamp ~= 2 or clamp[1] > clamp[2] then
    util.fail(fmt("experiment.methods.online_weighted_ce: option 'clamp' must be {lo, hi} with lo <= hi, got %d numbers", #clamp))
  end
  local function per_epoch(ctx, shuffle)
    return {weights = function(report)
      if not report then return nil end
      local w = weights.clamp(weights.normalize(ctx.W(report.tpr), "mean_one"), clamp[1], clamp[2])
      return shuffle and ctx.permute(w) or w
    end}
  end
  return M.new(o.name or "online_weighted_ce", fmt("cross-entropy re-weighted every epoch by W(s) of the latest TPRs, "
                                                   .. "mean 1, clamped to [%g, %g]", clamp[1], clamp[2]),
    function(ctx) return per_epoch(ctx, false) end, nil,
    -- each epoch's weights given to other classes
    function(ctx) return per_epoch(ctx, true) end)
end

M.DEFAULT = {"tpr_weighted_ce", "focal", "class_balanced_tpr", "tpr_oversampling", "tpr_augmentation"}
M.ALL = {"tpr_weighted_ce", "focal", "class_balanced_tpr", "tpr_oversampling", "tpr_augmentation", "smote_tpr",
         "threshold_ce", "online_weighted_ce"}

-- M.listed(methods, kind): the study option `methods` as a list: the default five when nil,
-- every built-in method that works on data of this kind when "all" (smote_tpr only on
-- features), else the list itself.
function M.listed(methods, kind)
  if methods == nil then return M.DEFAULT end
  if methods ~= "all" then return methods end
  local out = {}
  for _, name in ipairs(M.ALL) do
    local requires = experiment.methods[name]().requires
    if requires == nil or requires == kind then out[#out + 1] = name end
  end
  return out
end

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
    return M.new(m.name or ("method" .. i), m.description or "", m.options, m.W, m.control, m.requires)
  end
  util.fail(fmt("experiment.learnability: method %d must be a name, a function(ctx) -> train options, "
                .. "or a table {name =, options = function(ctx)}, got %s", i, type(m)))
end

return M
