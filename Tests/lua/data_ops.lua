-- Dataset operations: stratified splits, per-class subsets, long-tailed variants, batches.
local T = require("testing")
local F = require("datafiles")
local test = T.suite("data_ops")

-- 3 classes of 40, 20 and 10 samples; feature 1 is the sample number, feature 2 the class.
local n = 70
local x, y = tensor.zeros(n, 2), tensor.zeros(n)
for i = 1, n do
  local c = i <= 40 and 1 or (i <= 60 and 2 or 3)
  x[i][1] = i; x[i][2] = c; y[i] = c
end
local ds = data.tensors(x, y, {classes = {"a", "b", "c"}})

function test.class_counts()
  F.same(ds:counts(), {40, 20, 10})
end

-- split: stratified, rounded per class, disjoint, seeded
function test.split_is_stratified_and_disjoint()
  local tr, te = ds:split(0.8, {seed = 7})
  F.same(tr:counts(), {32, 16, 8})
  F.same(te:counts(), {8, 4, 2})
  local seen = {}
  for _, part in ipairs({tr, te}) do
    local px = part:tensors()
    for i = 1, part:size() do
      local id = px[i][1]
      T.eq(seen[id], nil, "sample " .. id .. " in both parts")
      seen[id] = true
    end
  end
end

function test.split_is_seeded()
  local tr = ds:split(0.8, {seed = 7})
  local tr2 = ds:split(0.8, {seed = 7})
  F.same(tr2:tensors():totable(), tr:tensors():totable(), "same seed, same split")
  local tr3 = ds:split(0.8, {seed = 8})
  T.eq(tensor.equal(tr3:tensors(), tr:tensors()), false, "another seed, another split")
end

function test.split_of_one_keeps_everything()
  local all, none = ds:split(1)
  T.eq(all:size(), 70); T.eq(none:size(), 0)
end

-- subset: first n per class, or a seeded random choice
function test.subset_first_n_per_class_or_a_seeded_choice()
  local sub = ds:subset(5)
  F.same(sub:counts(), {5, 5, 5})
  F.same(sub:tensors():select(2, 1):totable(), {1, 2, 3, 4, 5, 41, 42, 43, 44, 45, 61, 62, 63, 64, 65})
  F.same(ds:subset({2, 0, 1}):counts(), {2, 0, 1})
  local rs = ds:subset(3, {seed = 1})
  F.same(rs:counts(), {3, 3, 3})
  F.same(ds:subset(3, {seed = 1}):tensors():totable(), rs:tensors():totable())
end

-- imbalance: per-class ratios, or an exponential profile with factor rho
function test.imbalance_by_ratios_or_an_exponential_profile()
  F.same(ds:imbalance({1, 0.5, 0.1}):counts(), {40, 10, 1})
  local lt = ds:subset(10):imbalance(10)        -- 10 * 10^(-(c-1)/2): 10, 3.16, 1
  F.same(lt:counts(), {10, 3, 1})
  F.same(ds:imbalance({1, 0.5, 0.1}, {seed = 3}):counts(), {40, 10, 1})
end

-- batches: sizes, order, labels as 1-based floats, drop_last, seeded shuffles
function test.batches_sizes_order_and_labels()
  local sub = ds:subset(5)
  local sizes, order = {}, {}
  for bx, by, k in sub:batches(4) do
    sizes[k] = bx:size(1)
    for i = 1, bx:size(1) do
      order[#order + 1] = bx[i][1]
      T.eq(by[i], bx[i][2], "label matches the sample")
    end
  end
  F.same(sizes, {4, 4, 4, 3})
  F.same(order, {1, 2, 3, 4, 5, 41, 42, 43, 44, 45, 61, 62, 63, 64, 65})
end

function test.batches_drop_last()
  local count = 0
  for _ in ds:subset(5):batches(4, {drop_last = true}) do count = count + 1 end
  T.eq(count, 3, "drop_last")
end

-- A loop over batches left early (break, or an error in the loop) stops the thread that makes
-- the next batch at once (the for loop's closing value), not when the collector gets to it.
function test.a_loop_left_early_stops_its_batch_thread()
  local function threads()
    for line in io.lines("/proc/self/status") do
      local count = line:match("^Threads:%s*(%d+)")
      if count then return tonumber(count) end
    end
  end
  collectgarbage()
  local before = threads()
  for _ = 1, 20 do
    pcall(function() for _ in ds:batches(2) do error("a callback failed") end end)
    for _ in ds:batches(2) do break end -- luacheck: ignore 512 (left at the first batch on purpose)
  end
  -- the threads end on their own a moment after they are told to: wait for them (a bound,
  -- not a timing assertion; the collector is kept out of it)
  collectgarbage("stop")
  local waited = sys.clock()
  while threads() > before and sys.clock() - waited < 10 do os.execute("sleep 0.05") end
  collectgarbage("restart")
  T.eq(threads() <= before, true, string.format("threads: %d before, %d after 40 loops left early", before, threads()))
end

local function epoch(d, opts)
  local ids = {}
  for bx in d:batches(8, opts) do for i = 1, bx:size(1) do ids[#ids + 1] = bx[i][1] end end
  return ids
end

function test.seeded_shuffles_are_reproducible_permutations()
  local e1, e2 = epoch(ds, {shuffle = true, seed = 5}), epoch(ds, {shuffle = true, seed = 5})
  F.same(e1, e2, "same seed, same batches")
  T.eq(#e1, 70)
  local sorted = {table.unpack(e1)}
  table.sort(sorted)
  for i = 1, 70 do T.eq(sorted[i], i, "a shuffle is a permutation") end
  local differs = false
  for i, v in ipairs(epoch(ds, {shuffle = true, seed = 6})) do differs = differs or v ~= e1[i] end
  T.eq(differs, true, "another seed, another order")
end

-- without a seed, the shuffle follows tensor.seed
function test.unseeded_shuffles_follow_tensor_seed()
  tensor.seed(11); local s1 = epoch(ds, {shuffle = true})
  tensor.seed(11); local s2 = epoch(ds, {shuffle = true})
  F.same(s1, s2, "tensor.seed fixes unseeded shuffles")
end

-- standardised features are normalised per batch; tensors() returns everything
function test.standardised_features_in_batches_and_splits()
  local st = ds:standardize()
  local bx = st:batches(70)()
  T.near(bx:select(2, 1):mean(), 0, 1e-5)
  local sx, sy = st:tensors()
  T.eq(tensor.allclose(sx, bx), true)
  T.eq(sy:size(1), 70)
  T.eq(st:split(0.5, {seed = 1}).mean[1], st.mean[1], "splits keep the normalisation")
end

-- SMOTE: amounts per class; synthetic points lie between two members of their class
function test.smote_samples_lie_within_their_class()
  local sm = ds:smote({0, 5, 20}, {k = 3, seed = 1})
  F.same(sm:counts(), {40, 25, 30})
  local mx, my = sm:tensors()
  for i = 71, 95 do
    local c = my[i]
    T.eq(mx[i][2], c, "a synthetic sample keeps its class's feature")
    local lo, hi = (c == 2) and 41 or 61, (c == 2) and 60 or 70
    T.eq(mx[i][1] >= lo and mx[i][1] <= hi, true, "synthetic sample within its class's range")
  end
  F.same(ds:smote({0, 5, 20}, {k = 3, seed = 1}):tensors():totable(), mx:totable(), "seeded SMOTE")
end

-- k = 1 on a line: each new point lies between a sample and its nearest neighbour (one unit away)
function test.smote_with_k_1_interpolates_neighbours()
  local line = data.tensors(tensor.new({{0}, {1}, {2}, {10}}), tensor.new({1, 1, 1, 2}))
  local lx = line:smote({50, 0}, {k = 1, seed = 2}):tensors()
  for i = 5, 54 do T.eq(lx[i][1] >= 0 and lx[i][1] <= 2, true, "k = 1 interpolates neighbours") end
end

-- SMOTE's distribution against imbalanced-learn 0.10.1: SMOTE(k_neighbors=2) adding 20,000
-- samples to the class {0, 1, 3, 7} gave quantiles (10, 25, 50, 75, 90%) 0.309, 0.75, 1.725,
-- 2.83, 5.089 and mean 2.133.
function test.smote_distribution_matches_imbalanced_learn()
  local four = data.tensors(tensor.new({{0}, {1}, {3}, {7}}), tensor.ones(4))
  local v = four:smote({20000}, {k = 2, seed = 1}):tensors():narrow(1, 5, 20000):flatten():totable()
  table.sort(v)
  local ref = {[2000] = 0.309, [5000] = 0.75, [10000] = 1.725, [15000] = 2.83, [18000] = 5.089}
  for i, q in pairs(ref) do T.near(v[i], q, 0.1, "SMOTE quantile " .. i / 200 .. "%") end
  local mean = 0
  for _, a in ipairs(v) do mean = mean + a end
  T.near(mean / #v, 2.133, 0.05, "SMOTE mean")
end

return test
