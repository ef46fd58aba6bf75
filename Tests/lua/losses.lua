-- Losses against Float64 references (scripts/reference/losses.py: PyTorch, torchvision's
-- sigmoid focal formula, the papers' formulas), finite-difference gradients, extreme
-- logits, per-sample weights and error messages.
local T = require("testing")
local ref = require("losses_reference_data")
local test = T.suite("losses")

local function formula_logits(n, c)
  local v = {}
  for i = 0, n * c - 1 do v[#v + 1] = 3 * math.cos(0.91 * i) end
  return tensor.new(v):reshape(n, c)
end
local NORMAL = formula_logits(6, 4)
local TARGETS = tensor.new({1, 3, 2, 4, 4, 1})
local SAMPLE_W = tensor.new({0.5, 1, 2, 0, 1.5, 1})
local EXTREME = tensor.new({{100, -100, 0, 50}, {-100, 100, 50, -100}, {100, 100, -100, 0}, {-100, -100, -100, 100}})
local EXTREME_T = tensor.new({2, 1, 3, 4})
local CLASS_W = {0.2, 1.0, 2.5, 0.7}
local COUNTS = {500, 100, 20, 5}

-- The first value of t that is NaN or infinite, as a message; nil when all are finite.
local function not_finite(t, what)
  for _, v in ipairs(t:flatten():totable()) do
    if v ~= v or v == math.huge or v == -math.huge then return what .. ": not finite: " .. tostring(v) end
  end
  return nil
end

-- A checker against the reference cases: check(name, crit, x, targets[, sw[, tol]]) compares
-- crit(x, targets[, sw]) and its gradient with the reference case `name`; report() prints the
-- largest difference per reference case (llm.c style).
local function reference_checker()
  local worst = {}
  local function check(name, crit, x, targets, sw, tol)
    tol = tol or 2e-5
    local r = ref[name]
    assert(r, "no reference case " .. name)
    local leaf = x:clone():requires_grad()
    local l = crit(leaf, targets, sw)
    l:backward()
    local bad = not_finite(l, name .. " loss") or not_finite(leaf.grad, name .. " gradient")
    if bad then error(bad, 2) end
    local diff = math.abs(l:item() - r.loss)
    if diff > tol * math.max(1, math.abs(r.loss)) then
      error(string.format("%s: loss %.9g, reference %.9g", name, l:item(), r.loss), 2)
    end
    local g = leaf.grad:flatten():totable()
    T.eq(#g, #r.grad, name .. " gradient size")
    for i = 1, #g do
      local d = math.abs(g[i] - r.grad[i])
      diff = math.max(diff, d)
      if d > tol * math.max(1, math.abs(r.grad[i])) then
        error(string.format("%s: gradient[%d] %.9g, reference %.9g", name, i, g[i], r.grad[i]), 2)
      end
    end
    worst[#worst + 1] = string.format("%s %.1e", name, diff)
  end
  local function report()
    print("  max |difference| per reference case: " .. table.concat(worst, ", "))
  end
  return check, report
end

local function close_values(actual, expected, tol, what)
  T.eq(#actual, #expected, what .. " size")
  for i = 1, #expected do
    if math.abs(actual[i] - expected[i]) > tol * math.max(1, math.abs(expected[i])) then
      error(string.format("%s[%d]: %.12g, reference %.12g", what, i, actual[i], expected[i]), 2)
    end
  end
end

local function gradcheck(name, crit, x, targets, sw)
  local ok, _, details = tensor.gradcheck(function(z) return crit(z, targets, sw) end, {x}, {eps = 1e-2, atol = 2e-2})
  if not ok then error(name .. " gradcheck: " .. details, 2) end
end

local function cross_entropy() return loss.cross_entropy()(NORMAL, TARGETS):item() end

-- cross-entropy with sample weights; NLL -----------------------------------------------------
function test.cross_entropy_and_nll_match_reference()
  local check, report = reference_checker()
  local LOGP = NORMAL:log_softmax()
  check("ce_sample_weights", loss.cross_entropy{weights = CLASS_W}, NORMAL, TARGETS, SAMPLE_W)
  check("nll_weighted", loss.nll{weights = CLASS_W}, LOGP, TARGETS)
  check("nll_sum", loss.nll{reduction = "sum"}, LOGP, TARGETS)
  check("nll_sample_weights", loss.nll{weights = CLASS_W}, LOGP, TARGETS, SAMPLE_W)
  report()
end

function test.nll_of_log_softmax_is_cross_entropy()
  T.near(loss.nll()(NORMAL:log_softmax(), TARGETS), cross_entropy(), 1e-6, "nll(log_softmax) = cross_entropy")
end

-- focal ----------------------------------------------------------------------------------------
function test.focal_matches_reference()
  local check, report = reference_checker()
  check("focal_g2", loss.focal{gamma = 2}, NORMAL, TARGETS)
  check("focal_g05_alpha", loss.focal{gamma = 0.5, alpha = {0.25, 0.5, 0.75, 1}}, NORMAL, TARGETS)
  check("focal_g2_sample_weights", loss.focal{gamma = 2, alpha = {0.25, 0.5, 0.75, 1}}, NORMAL, TARGETS, SAMPLE_W)
  check("focal_g0_is_ce", loss.focal{gamma = 0}, NORMAL, TARGETS)
  check("focal_extreme_g2", loss.focal{gamma = 2}, EXTREME, EXTREME_T)
  check("focal_extreme_g05", loss.focal{gamma = 0.5}, EXTREME, EXTREME_T)
  report()
end

function test.focal_gamma_0_is_cross_entropy()
  T.near(loss.focal{gamma = 0}(NORMAL, TARGETS), cross_entropy(), 1e-6, "focal gamma 0 = CE")
end

function test.focal_per_sample_values_and_scalar_alpha()
  close_values(loss.focal{gamma = 2, alpha = {0.25, 0.5, 0.75, 1}, reduction = "none"}(NORMAL, TARGETS):totable(),
               ref.focal_none.values, 1e-5, "focal none")
  T.near(loss.focal{gamma = 2, alpha = 0.5}(NORMAL, TARGETS), 0.5 * loss.focal{gamma = 2}(NORMAL, TARGETS):item(), 1e-6, "scalar alpha")
end

function test.focal_gradients_match_finite_differences()
  gradcheck("focal", loss.focal{gamma = 2, alpha = {0.25, 0.5, 0.75, 1}}, NORMAL, TARGETS, SAMPLE_W)
  gradcheck("focal gamma 0.5", loss.focal{gamma = 0.5}, NORMAL, TARGETS)
end

-- sigmoid focal (torchvision) ----------------------------------------------------------------
local ONEHOT = loss.one_hot(TARGETS, 4)

function test.sigmoid_focal_matches_torchvision()
  local check, report = reference_checker()
  check("sigmoid_focal", loss.sigmoid_focal(), NORMAL, ONEHOT)
  check("sigmoid_focal", loss.sigmoid_focal{gamma = 2, alpha = 0.25}, NORMAL, TARGETS)   -- class indices -> one-hot
  check("sigmoid_focal_sum_noalpha_g1", loss.sigmoid_focal{gamma = 1, alpha = -1, reduction = "sum"}, NORMAL, ONEHOT)
  check("sigmoid_focal_extreme", loss.sigmoid_focal(), EXTREME, EXTREME_T)
  check("sigmoid_focal_sample_weights", loss.sigmoid_focal(), NORMAL, ONEHOT, SAMPLE_W)
  report()
end

function test.sigmoid_focal_none_keeps_the_shape()
  T.eq(loss.sigmoid_focal{reduction = "none"}(NORMAL, ONEHOT):dim(), 2, "sigmoid focal none keeps the shape")
end

function test.sigmoid_focal_gradients_match_finite_differences()
  gradcheck("sigmoid_focal", loss.sigmoid_focal{gamma = 1.5}, NORMAL, ONEHOT, SAMPLE_W)
end

-- class-balanced ------------------------------------------------------------------------------
function test.effective_number_weights_match_reference()
  close_values(weights.effective_number(COUNTS, 0.999), ref.cb_weights_0999.values, 1e-12, "effective_number 0.999")
  close_values(weights.effective_number(COUNTS, 0.9), ref.cb_weights_09.values, 1e-12, "effective_number 0.9")
  close_values(weights.effective_number(COUNTS, 0), ref.cb_weights_0.values, 1e-12, "effective_number 0")
end

function test.class_balanced_matches_reference()
  local check, report = reference_checker()
  check("cb_ce", loss.class_balanced{beta = 0.999, counts = COUNTS}, NORMAL, TARGETS)
  check("cb_ce_sample_weights", loss.class_balanced{beta = 0.999, counts = COUNTS}, NORMAL, TARGETS, SAMPLE_W)
  check("cb_focal", loss.class_balanced{beta = 0.999, counts = COUNTS, base = "focal", gamma = 1}, NORMAL, TARGETS)
  report()
end

function test.class_balanced_gradients_match_finite_differences()
  gradcheck("class_balanced", loss.class_balanced{beta = 0.99, counts = COUNTS}, NORMAL, TARGETS, SAMPLE_W)
end

-- on a balanced dataset the class-balanced loss is cross-entropy
function test.class_balanced_with_balanced_counts_is_cross_entropy()
  T.near(loss.class_balanced{beta = 0.999, counts = {50, 50, 50, 50}}(NORMAL, TARGETS),
         cross_entropy(), 1e-6, "balanced counts: CB = CE")
end

-- threshold cross-entropy ------------------------------------------------------------------------
function test.threshold_ce_matches_reference()
  local check, report = reference_checker()
  for _, keep in ipairs({"wrong_or_unsure", "wrong", "unsure"}) do
    check("threshold_" .. keep, loss.threshold_ce{m = 0.7, keep = keep}, NORMAL, TARGETS)
    check("threshold_binary_" .. keep, loss.threshold_ce{m = 0.7, keep = keep},
          tensor.new({2, -0.3, 0.1, -3, 100, -100, 0.5, -1}), tensor.new({1, 1, 0, 0, 0, 1, 1, 0}))
  end
  check("threshold_target_only", loss.threshold_ce{m = 0.7, terms = "target"}, NORMAL, TARGETS)
  check("threshold_m06_sample_weights", loss.threshold_ce{m = 0.6}, NORMAL, TARGETS, SAMPLE_W)
  check("threshold_extreme", loss.threshold_ce{m = 0.7}, EXTREME, EXTREME_T)
  check("threshold_extreme_wrong", loss.threshold_ce{m = 0.7, keep = "wrong"}, EXTREME, EXTREME_T)
  report()
end

function test.threshold_ce_per_sample_values()
  close_values(loss.threshold_ce{m = 0.7, reduction = "none"}(NORMAL, TARGETS):totable(), ref.threshold_none.values, 1e-5,
               "threshold none")
end

function test.threshold_ce_gradients_match_finite_differences()
  gradcheck("threshold_ce", loss.threshold_ce{m = 0.7}, NORMAL * 0.3, TARGETS)
end

-- binary: a [N, 1] column is the same as [N]
function test.threshold_ce_binary_column_equals_vector()
  T.near(loss.threshold_ce{m = 0.7}(tensor.new({{2}, {-0.3}}), tensor.new({1, 1})),
         loss.threshold_ce{m = 0.7}(tensor.new({2, -0.3}), tensor.new({1, 1})):item(), 1e-7, "binary column")
end

-- LDAM, logit adjustment, balanced softmax -------------------------------------------------------
function test.ldam_matches_reference()
  local check, report = reference_checker()
  check("ldam", loss.ldam{counts = COUNTS}, NORMAL, TARGETS, nil, 5e-5)
  check("ldam_m03_s10_weights", loss.ldam{counts = COUNTS, max_m = 0.3, s = 10, weights = CLASS_W}, NORMAL, TARGETS)
  check("ldam_extreme", loss.ldam{counts = COUNTS}, EXTREME, EXTREME_T, nil, 1e-4)  -- logits x30 = 3000 in Float32
  report()
end

-- the per-class values a loss was built with are readable (for checking and plotting): LDAM's
-- margins m_c = max_m (n_min / n_c)^(1/4), the weights, the offsets; nil when there are none
function test.per_class_values_are_readable()
  local l = loss.ldam{counts = {5000, 500, 50}, max_m = 0.4, weights = {1, 2, 3}}
  local m = l.margins
  T.eq(#m, 3, "one margin per class")
  T.near(m[1], 0.4 * (50 / 5000) ^ 0.25, 1e-12, "margin of the largest class")
  T.near(m[2], 0.4 * (50 / 500) ^ 0.25, 1e-12, "margin of the middle class")
  T.near(m[3], 0.4, 1e-12, "the smallest class has max_m")
  T.same_table(l.weights, {1, 2, 3}, "ldam weights")
  m[1] = 99
  T.near(l.margins[1], 0.4 * (50 / 5000) ^ 0.25, 1e-12, "each read is a new array")
  T.same_table(loss.cross_entropy{weights = {0.5, 2}}.weights, {0.5, 2}, "cross_entropy weights")
  T.eq(loss.cross_entropy().weights, nil, "no weights: nil")
  T.same_table(loss.focal{alpha = {0.25, 0.75}}.alpha, {0.25, 0.75}, "focal alpha per class")
  T.eq(loss.focal{alpha = 0.25}.alpha, nil, "a single alpha is not per class")
  local o = loss.balanced_softmax{counts = {1, 3}}.offsets
  T.near(o[1], math.log(0.25), 1e-12, "balanced_softmax offset 1")
  T.near(o[2], math.log(0.75), 1e-12, "balanced_softmax offset 2")
  T.eq(loss.ldam{counts = {2, 1}}.nothing, nil, "an unknown field is nil")
end

function test.logit_adjusted_and_balanced_softmax_match_reference()
  local check, report = reference_checker()
  check("logit_adjusted", loss.logit_adjusted{priors = COUNTS}, NORMAL, TARGETS)
  check("logit_adjusted", loss.logit_adjusted{counts = COUNTS}, NORMAL, TARGETS)
  check("logit_adjusted_tau15", loss.logit_adjusted{priors = {500 / 625, 100 / 625, 20 / 625, 5 / 625}, tau = 1.5}, NORMAL, TARGETS)
  check("logit_adjusted_extreme", loss.logit_adjusted{counts = COUNTS}, EXTREME, EXTREME_T)
  check("balanced_softmax", loss.balanced_softmax{counts = COUNTS}, NORMAL, TARGETS)
  report()
end

function test.adjust_logits_matches_reference()
  close_values(loss.adjust_logits(NORMAL, COUNTS, 1.5):flatten():totable(), ref.adjust_logits_tau15.values, 1e-6, "adjust_logits")
end

function test.ldam_and_logit_adjusted_gradients_match_finite_differences()
  gradcheck("ldam", loss.ldam{counts = COUNTS, s = 2}, NORMAL, TARGETS, SAMPLE_W)
  gradcheck("logit_adjusted", loss.logit_adjusted{counts = COUNTS}, NORMAL, TARGETS, SAMPLE_W)
end

-- equal counts: logit adjustment and balanced softmax are cross-entropy
function test.balanced_softmax_with_equal_counts_is_cross_entropy()
  T.near(loss.balanced_softmax{counts = {7, 7, 7, 7}}(NORMAL, TARGETS), cross_entropy(), 1e-6, "balanced softmax, equal counts")
end

-- group DRO: three steps of Sagawa et al.'s online algorithm ---------------------------------------
function test.group_dro_follows_the_online_algorithm()
  local dro = loss.group_dro{eta = 0.5}
  T.eq(dro.q, nil, "q before the first call")
  for step = 1, 3 do
    local x = (NORMAL * (1 + 0.5 * (step - 1))):requires_grad()
    local l = dro(x, TARGETS, step == 3 and SAMPLE_W or nil)
    l:backward()
    T.near(l, ref.group_dro.loss[step], 1e-5, "group_dro loss step " .. step)
    close_values(dro.q, ref.group_dro.q[step], 1e-6, "group_dro q step " .. step)
    if step == 1 then close_values(x.grad:flatten():totable(), ref.group_dro.grad, 1e-5, "group_dro gradient") end
  end
end

function test.group_dro_keeps_q_under_no_grad_and_resets()
  local dro = loss.group_dro{eta = 0.5}
  dro(NORMAL, TARGETS)
  local q_before = dro.q
  tensor.no_grad(function() dro(NORMAL, TARGETS) end)
  close_values(dro.q, q_before, 0, "no update under no_grad")
  dro:reset()
  close_values(dro.q, {0.25, 0.25, 0.25, 0.25}, 0, "reset")
end

function test.group_dro_checks_the_number_of_classes()
  local dro = loss.group_dro{eta = 0.5}
  dro(NORMAL, TARGETS)
  T.raises("loss.group_dro: expected logits with 4 classes", function() dro(tensor.zeros(2, 3), tensor.new({1, 2})) end)
end

-- per-sample weights: every loss accepts them; zero weight removes a sample -------------------------
local makers = {
  function() return loss.cross_entropy() end, function() return loss.nll() end,
  function() return loss.focal() end, function() return loss.sigmoid_focal() end,
  function() return loss.class_balanced{counts = COUNTS} end, function() return loss.threshold_ce{m = 0.7} end,
  function() return loss.ldam{counts = COUNTS} end, function() return loss.logit_adjusted{counts = COUNTS} end,
  function() return loss.balanced_softmax{counts = COUNTS} end, function() return loss.group_dro() end,
  function() return loss.custom(function(z, y) return loss.cross_entropy{reduction = "none"}(z, y) end, {per_sample = true}) end,
}

function test.zero_sample_weight_removes_a_sample_in_every_loss()
  local keep_first = tensor.new({1, 1, 1, 1, 1, 0})
  for _, make in ipairs(makers) do
    local full = make()(NORMAL, TARGETS, keep_first):item()
    local cut = make()(NORMAL:narrow(1, 1, 5), TARGETS:narrow(1, 1, 5)):item()
    T.near(full, cut, 1e-5, tostring(make()) .. " with a zero sample weight")
  end
end

-- extreme logits: nothing is NaN or Inf ------------------------------------------------------------
function test.every_loss_is_finite_at_extreme_logits()
  for _, make in ipairs(makers) do
    local crit = make()
    local x = EXTREME:clone():requires_grad()
    local l = crit(x, EXTREME_T)
    l:backward()
    local bad = not_finite(l, tostring(crit) .. " at +-100") or not_finite(x.grad, tostring(crit) .. " gradient at +-100")
    if bad then error(bad) end
  end
end

-- loss.custom ----------------------------------------------------------------------------------
function test.custom_loss_equals_cross_entropy()
  local my_ce = loss.custom(function(z, y)
    local onehot = loss.one_hot(y, z:shape()[2])
    return -(z:log_softmax() * onehot):sum() / z:shape()[1]
  end)
  local x = NORMAL:clone():requires_grad()
  local l = my_ce(x, TARGETS)
  l:backward()
  T.near(l, loss.cross_entropy()(NORMAL, TARGETS):item(), 1e-6, "custom CE")
  local y = NORMAL:clone():requires_grad()
  loss.cross_entropy()(y, TARGETS):backward()
  close_values(x.grad:flatten():totable(), y.grad:flatten():totable(), 1e-6, "custom CE gradient")
end

function test.custom_loss_checks_what_its_function_returns()
  T.raises("loss.custom: the loss function must return a one-element Tensor (the loss), got size 6x4",
           function() loss.custom(function(z) return z end)(NORMAL, TARGETS) end)
  T.raises("loss.custom: the loss function must return a one-element Tensor, got 1",
           function() loss.custom(function() return 1 end)(NORMAL, TARGETS) end)
  T.raises("my_loss: the loss function must return per-sample losses, a Tensor of size 6, got size ()",
           function() loss.custom(function(z) return z:sum() end, {per_sample = true, name = "my_loss"})(NORMAL, TARGETS) end)
  T.raises("bad argument #1 to 'loss.custom' (expected a function", function() loss.custom(3) end)
  T.raises("boom", function() loss.custom(function() error("boom") end)(NORMAL, TARGETS) end)
  -- Issue 12: crit.forward(logits, y) with a dot said "attempt to index ... (local 'self')"
  local crit = loss.custom(function(z) return z:sum() end)
  T.raises("calling 'Loss:forward' on bad self (expected a loss from loss.custom, got Tensor; call it with a colon: "
           .. "crit:forward(...), or as crit(...))", crit.forward, NORMAL, TARGETS)
end

-- errors name the function --------------------------------------------------------------------------
function test.class_weights_alpha_and_targets_are_checked()
  T.raises("loss.cross_entropy: expected 4 class weights", function() loss.cross_entropy{weights = {1, 2}}(NORMAL, TARGETS) end)
  T.raises("loss.focal: expected 4 alpha values", function() loss.focal{alpha = {1, 2}}(NORMAL, TARGETS) end)
  T.raises("loss.nll: target 1 is 5, expected a class index in 1..4", function() loss.nll()(NORMAL, tensor.new({5, 1, 1, 1, 1, 1})) end)
  T.raises("loss.focal: target 2 is 0", function() loss.focal()(NORMAL, tensor.new({1, 0, 1, 1, 1, 1})) end)
  T.raises("loss.sigmoid_focal: target element 3 is 2", function() loss.sigmoid_focal()(tensor.zeros(2, 2), tensor.new({{0, 1}, {2, 0}})) end)
end

function test.options_are_checked()
  T.raises("option 'm' must be in (0.5, 1), got 1", function() loss.threshold_ce{m = 1} end)
  T.raises("option 'm' is required", function() loss.threshold_ce() end)
  T.raises("'loss.threshold_ce' (option 'keep' must be", function() loss.threshold_ce{m = 0.7, keep = "easy"} end)
  T.raises("bad argument #1 to 'loss.class_balanced' (beta must be in [0, 1), got 1)", function() loss.class_balanced{beta = 1, counts = COUNTS} end)
  T.raises("counts[2] is -3, expected a finite number > 0", function() loss.class_balanced{counts = {1, -3}} end)
  T.raises("option 'counts' is required", function() loss.ldam() end)
  T.raises("counts[1] is 0", function() loss.ldam{counts = {0, 1}} end)
  T.raises("give exactly one of the options 'priors' and 'counts'", function() loss.logit_adjusted{priors = {1}, counts = {1}} end)
  T.raises("unknown option 'gama'", function() loss.focal{gama = 2} end)
  T.raises("option 'gamma' must be a finite number >= 0", function() loss.focal{gamma = -1} end)
  T.raises("option 'alpha' must be in [0, 1]", function() loss.sigmoid_focal{alpha = 2} end)
end

function test.sample_weights_are_checked()
  T.raises("loss.ldam: expected 6 sample weights", function() loss.ldam{counts = COUNTS}(NORMAL, TARGETS, tensor.ones(4)) end)
  local two, two_targets = NORMAL:narrow(1, 1, 2), tensor.new({1, 2})
  T.raises("loss.focal: sample weight 2 is -1", function() loss.focal()(two, two_targets, tensor.new({1, -1})) end)
  T.raises("loss.focal: the mean is undefined: the sample weights sum to 0", function() loss.focal()(two, two_targets, tensor.zeros(2)) end)
  T.raises("loss.ldam: sample weight 1 is -1", function() loss.ldam{counts = COUNTS}(two, two_targets, tensor.new({-1, 1})) end)
  T.raises("loss.cross_entropy: sample weight 2 is NaN", function() loss.cross_entropy()(two, two_targets, tensor.new({1, 0 / 0})) end)
end

function test.bad_logits_and_methods_are_refused()
  T.raises("bad argument #1 to 'loss.focal' (logits: expected a Tensor, got string)", function() loss.focal()("x", TARGETS) end)
  T.raises("loss.threshold_ce: expected logits of size N (binary) or NxC", function() loss.threshold_ce{m = 0.7}(tensor.zeros(2, 2, 2), TARGETS) end)
  T.raises("bad argument #2 to 'loss.adjust_logits'", function() loss.adjust_logits(NORMAL, {1, 2}) end)
  T.raises("loss.one_hot: target 1 is 5", function() loss.one_hot(tensor.new({5}), 4) end)
  T.raises("loss.one_hot: cannot allocate 40.0 GB for a 100000x100000 tensor", loss.one_hot, tensor.ones(1e5), 1e5)
  T.raises("only loss.group_dro has reset()", function() loss.focal():reset() end)
end

function test.tostring_and_name()
  T.eq(tostring(loss.focal{gamma = 1, alpha = {1, 2}}), "loss.focal{gamma = 1, alpha = {1, 2}}", "tostring")
  T.eq(loss.focal().name, "loss.focal", "crit.name")
end

return test
