-- Weighted samplers against PyTorch's WeightedRandomSampler semantics, and per-class
-- probabilities from class statistics.
local T = require("testing")
local F = require("datafiles")
local test = T.suite("data_sample")

-- sample.probabilities: p_c proportional to stat_c^power (default -1), summing to 1
function test.probabilities_from_class_statistics()
  F.same(sample.probabilities({10, 20, 40}), {4 / 7, 2 / 7, 1 / 7}, "inverse class sizes", 1e-12)
  F.same(sample.probabilities(tensor.new({0.9, 0.6}), {power = 1}), {0.6, 0.4}, "a Tensor of TPRs", 1e-6)
  F.same(sample.probabilities({0.5, 0.5}, {power = 2}), {0.5, 0.5})
end

-- Six samples, one per class, weights w = {1, 2, 3, 4, 0, 10} (PyTorch: one weight per sample).
local ds = data.tensors(tensor.arange(1, 7):reshape(6, 1), tensor.arange(1, 7))
local w = {1, 2, 3, 4, 0, 10}

-- With replacement: frequencies tend to w / sum(w) (PyTorch's measured 0.0497, 0.1001, ...).
function test.with_replacement_frequencies_follow_the_weights()
  local s = sample.WeightedRandom(ds, w, {num_samples = 200000, seed = 1})
  T.eq(s:size(), 200000)
  F.same(s:class_probabilities(), {0.05, 0.1, 0.15, 0.2, 0, 0.5}, "exact class probabilities", 1e-12)
  local freq = {0, 0, 0, 0, 0, 0}
  for _, i in ipairs(s:draw()) do freq[i] = freq[i] + 1 end
  for c = 1, 6 do T.near(freq[c] / 200000, w[c] / 20, 0.006, "frequency of sample " .. c) end
  T.eq(freq[5], 0, "a zero weight is never drawn")
end

-- Without replacement, 3 of 6: inclusion probabilities of successive sampling, computed
-- exactly by enumeration (PyTorch's torch.multinomial measured 0.2448, 0.4560, 0.6270,
-- 0.7345, 0, 0.9378 over 100,000 trials).
function test.without_replacement_inclusion_probabilities()
  local exact = {0.245784, 0.457629, 0.624967, 0.731748, 0, 0.939872}
  local s3 = sample.WeightedRandom(ds, w, {num_samples = 3, replacement = false, seed = 2})
  local incl = {0, 0, 0, 0, 0, 0}
  local trials = 20000
  for _ = 1, trials do
    local picks, seen = s3:draw(), {}
    T.eq(#picks, 3)
    for _, i in ipairs(picks) do
      T.eq(seen[i], nil, "drawn twice without replacement")
      seen[i] = true
      incl[i] = incl[i] + 1
    end
  end
  for c = 1, 6 do T.near(incl[c] / trials, exact[c], 0.015, "inclusion probability of sample " .. c) end
end

function test.without_replacement_needs_enough_positive_weights()
  T.raises("cannot draw 6 samples without replacement from 5 with positive weight",
    sample.WeightedRandom, ds, w, {num_samples = 6, replacement = false})
end

-- Per-class weights on an imbalanced set: per = "sample" weighs each sample (PyTorch's idiom:
-- 1 / n_c balances); per = "class" draws whole classes with the given probabilities.
local y = tensor.new({1, 1, 1, 1, 1, 1, 1, 1, 2, 2})
local imb = data.tensors(tensor.arange(1, 11):reshape(10, 1), y)

function test.per_sample_and_per_class_weights()
  local bal = sample.balanced(imb, {seed = 3})
  F.same(bal:class_probabilities(), {0.5, 0.5}, "balanced", 1e-12)
  F.same(sample.WeightedRandom(imb, {1, 1}):class_probabilities(), {0.8, 0.2}, "per sample", 1e-12)
  F.same(sample.WeightedRandom(imb, {1, 3}, {per = "class"}):class_probabilities(), {0.25, 0.75}, "per class", 1e-12)
  local p = sample.probabilities(imb:counts())
  F.same(sample.WeightedRandom(imb, p, {per = "class"}):class_probabilities(), {0.2, 0.8}, "inverse sizes per class", 1e-12)
end

-- In batches: the sampler sets the epoch; the same seed gives the same batches.
local function classes_drawn(sampler)
  local c = {0, 0}
  for _, by in imb:batches(100, {sampler = sampler}) do
    for i = 1, by:size(1) do c[by[i]] = c[by[i]] + 1 end
  end
  return c
end

function test.sampler_draws_balanced_seeded_batches()
  local c1 = classes_drawn(sample.balanced(imb, {num_samples = 4000, seed = 9}))
  T.near(c1[1] / 4000, 0.5, 0.05, "balanced batches")
  F.same(classes_drawn(sample.balanced(imb, {num_samples = 4000, seed = 9})), c1, "seeded sampler")
end

function test.rejects_bad_weights_and_options()
  local bal = sample.balanced(imb, {seed = 3})
  T.raises("options 'sampler' and 'shuffle' exclude each other", imb.batches, imb, 2, {sampler = bal, shuffle = true})
  T.raises("the sampler was made for a dataset of 10 samples, this one has 6", ds.batches, ds, 2, {sampler = bal})
  T.raises("expected 2 per-class weights (or 10 per-sample weights), got 3", sample.WeightedRandom, imb, {1, 2, 3})
  T.raises("weight of class 2 must be finite and non-negative, got -1", sample.WeightedRandom, imb, {1, -1})
  T.raises("statistic 0 cannot be raised to a negative power", sample.probabilities, {0, 1})
  T.raises("every weight is zero", sample.WeightedRandom, imb, {0, 0})
  T.raises("unknown option 'replace'", sample.WeightedRandom, imb, {1, 1}, {replace = false})
end

function test.tostring()
  T.eq(tostring(sample.balanced(imb, {seed = 3})), "Sampler(10 draws from 10 samples, with replacement)")
end

-- Regression: sample.balanced always means equal classes; it used to accept per = "class",
-- which divided its 1/n_c weights by n_c a second time.
function test.balanced_has_no_per_option()
  T.raises("unknown option 'per'", sample.balanced, imb, {per = "class"})
end

return test
