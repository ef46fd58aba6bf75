-- Weight functions W(s) against Float64 references (scripts/reference/losses.py) and their
-- documented edge-case rules.
local T = require("testing")
local ref = require("losses_reference_data")
local test = T.suite("weights")

local function close(actual, expected, tol, what)
  T.eq(#actual, #expected, what .. " size")
  for i = 1, #expected do
    if math.abs(actual[i] - expected[i]) > tol * math.max(1, math.abs(expected[i])) then
      error(string.format("%s[%d]: %.15g, reference %.15g", what, i, actual[i], expected[i]), 2)
    end
  end
end

local s = {0.92, 0.81, 0.64, 0.88}

function test.tpr_power_matches_reference()
  close(weights.tpr_power(s, 2), ref.w_tpr_power_2.values, 1e-13, "tpr_power gamma 2")
  close(weights.tpr_power(s, -1), ref.w_tpr_power_m1.values, 1e-13, "tpr_power gamma -1")
  close(weights.tpr_power({0.9, 0, 0.6}, 0.5, {floor = 0.05}), ref.w_tpr_power_05_floor.values, 1e-13, "tpr_power floor")
  close(weights.tpr_power(tensor.new(s), 2), ref.w_tpr_power_2.values, 1e-6, "tpr_power of a Tensor")
end

function test.inverse_and_softmax_match_reference()
  close(weights.inverse(s), ref.w_inverse.values, 1e-13, "inverse")
  close(weights.softmax(s, 0.1), ref.w_softmax_01.values, 1e-13, "softmax")
end

function test.effective_number_matches_reference()
  close(weights.effective_number({500, 100, 20, 5}, 0.99), ref.w_effective_number.values, 1e-13, "effective_number")
end

function test.pseudo_counts_and_variance_match_reference()
  close(weights.pseudo_counts(s, {total = 10000, power = 2}), ref.w_pseudo_counts.values, 1e-13, "pseudo_counts")
  T.near(weights.variance(s), ref.w_variance.values[1], 1e-13, "variance")
end

function test.harder_class_weighs_more()
  local w = weights.tpr_power(s, 2)
  T.eq(w[3] > w[1] and w[3] > w[2] and w[3] > w[4], true, "tpr_power: class 3 (lowest TPR) weighs most")
  local sm = weights.softmax(s, 0.1)
  T.eq(sm[3] > sm[1], true, "softmax: harder class weighs more")
  local pc = weights.pseudo_counts(s)
  T.eq(pc[3] < pc[1], true, "pseudo_counts: harder class gets fewer pseudo-samples")
end

function test.pseudo_counts_default_total_is_1000_per_class()
  local pc = weights.pseudo_counts(s)
  T.near(pc[1] + pc[2] + pc[3] + pc[4], 4000, 1e-12, "pseudo_counts total 1000 C")
end

function test.normalize_modes()
  close(weights.normalize({1, 2, 3, 2}), {0.5, 1, 1.5, 1}, 1e-15, "sum_to_C")
  close(weights.normalize({1, 2, 3, 2}, "mean_one"), {0.5, 1, 1.5, 1}, 1e-15, "mean_one")
  close(weights.normalize({1, 2, 3, 2}, "max_one"), {1 / 3, 2 / 3, 1, 2 / 3}, 1e-15, "max_one")
  close(weights.normalize({1, 2, 3, 2}, "sum_one"), {0.125, 0.25, 0.375, 0.25}, 1e-15, "sum_one")
end

function test.clamp_with_both_or_one_bound()
  close(weights.clamp({0.1, 1, 5}, 0.5, 2), {0.5, 1, 2}, 0, "clamp")
  close(weights.clamp({0.1, 1, 5}, nil, 2), {0.1, 1, 2}, 0, "clamp hi only")
end

function test.map_can_express_tpr_power()
  close(weights.map(s, function(sc, _, st) return (st.mean / sc) ^ 2 end), ref.w_tpr_power_2.values, 1e-13, "map = tpr_power")
end

function test.map_passes_class_and_statistics()
  local seen = {}
  weights.map({0.2, 0.4}, function(_, c, st) seen[c] = st; return 1 end)
  T.near(seen[1].mean, 0.3, 1e-15, "stats.mean"); T.near(seen[2].var, 0.01, 1e-13, "stats.var")
  T.eq(seen[1].min, 0.2, "stats.min"); T.eq(seen[1].max, 0.4, "stats.max"); T.eq(seen[1].n, 2, "stats.n")
end

function test.equal_or_zero_tprs_give_ones()
  close(weights.tpr_power({0.7, 0.7, 0.7}, 3), {1, 1, 1}, 0, "all-equal TPRs give ones")
  close(weights.tpr_power({0, 0}, 2), {1, 1}, 0, "all-zero TPRs give ones")
end

function test.pseudo_counts_equal_tprs_and_floor()
  close(weights.pseudo_counts({0.5, 0.5}), {1000, 1000}, 0, "all-equal pseudo-counts")
  close(weights.pseudo_counts({0.5, 0}, {total = 51}), {50, 1}, 1e-12, "pseudo_counts floor 0.01")
end

function test.rejects_bad_scores()
  T.raises("weights.tpr_power: s[2] is 0 and the formula divides by s_c", function() weights.tpr_power({0.9, 0, 0.6}, 1) end)
  T.raises("weights.inverse: s[1] is 0", function() weights.inverse({0, 1}) end)
  T.raises("bad argument #1 to 'weights.tpr_power' (s[2] is NaN, expected a finite number)",
           function() weights.tpr_power({0.5, 0 / 0}, 1) end)
  T.raises("s[1] is inf", function() weights.softmax({math.huge}, 1) end)
  T.raises("s[1] is -0.1, expected a number >= 0", function() weights.inverse({-0.1}) end)
  T.raises("s must not be empty", function() weights.tpr_power({}, 1) end)
  T.raises("expected s (an array of numbers), got nil", function() weights.tpr_power(nil, 1) end)
  T.raises("bad argument #2 to 'weights.tpr_power' (expected gamma, a finite number, got nil)", function() weights.tpr_power(s) end)
  T.raises("weights.tpr_power: weight 2 is inf", function() weights.tpr_power({0.9, 1e-300}, 2) end)
end

function test.normalize_clamp_softmax_reject_bad_input()
  T.raises("w[2] is -1, expected a number >= 0", function() weights.normalize({1, -1}) end)
  T.raises("weights.normalize: all weights are 0", function() weights.normalize({0, 0}) end)
  T.raises("bad argument #2 to 'weights.normalize' (mode must be", function() weights.normalize({1}, "l2") end)
  T.raises("hi (1) is below lo (2)", function() weights.clamp({1}, 2, 1) end)
  T.raises("the temperature must be > 0", function() weights.softmax(s, 0) end)
end

function test.map_rejects_bad_weights()
  T.raises("weights.map: weight 1 is -1", function() weights.map(s, function() return -1 end) end)
  T.raises("weights.map: weight 1 is NaN", function() weights.map(s, function() return 0 / 0 end) end)
  T.raises('weights.map: the function returned "x" for class 1, expected a number', function() weights.map(s, function() return "x" end) end)
end

function test.effective_number_and_pseudo_counts_reject_bad_input()
  T.raises("bad argument #2 to 'weights.effective_number' (beta must be in [0, 1), got 1)",
           function() weights.effective_number({1, 2}, 1) end)
  T.raises("counts[2] is 0, expected a finite number > 0", function() weights.effective_number({1, 0}, 0.9) end)
  T.raises("unknown option 'totl'", function() weights.pseudo_counts(s, {totl = 5}) end)
end

-- count-free use: pseudo-counts from TPRs drive the count-based losses
local function batch()
  return tensor.randn(8, 4), tensor.new({1, 2, 3, 4, 1, 2, 3, 4})
end

function test.pseudo_counts_drive_count_based_losses()
  local logits, targets = batch()
  local n = weights.pseudo_counts(s, {total = 50000})
  for _, crit in ipairs({loss.class_balanced{beta = 0.9999, counts = n}, loss.ldam{counts = n},
                         loss.logit_adjusted{counts = n}, loss.balanced_softmax{counts = n}}) do
    T.eq(crit(logits, targets):item() > 0, true, tostring(crit))
  end
end

function test.equal_tprs_reduce_to_cross_entropy()
  local logits, targets = batch()
  local equal = weights.pseudo_counts({0.8, 0.8, 0.8, 0.8})
  local ce = loss.cross_entropy()(logits, targets):item()
  T.near(loss.logit_adjusted{counts = equal}(logits, targets), ce, 1e-6, "LA, equal TPRs")
  T.near(loss.class_balanced{counts = equal}(logits, targets), ce, 1e-6, "CB, equal TPRs")
end

-- a weight array of the wrong length is caught when the loss is called, naming the loss
function test.wrong_number_of_weights_is_caught_by_the_loss()
  local logits, targets = batch()
  T.raises("loss.cross_entropy: expected 4 class weights", function()
    loss.cross_entropy{weights = weights.tpr_power({0.9, 0.8, 0.7}, 1)}(logits, targets)
  end)
end

return test
