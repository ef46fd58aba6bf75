-- One study directory as scripts/findings.lua reads it (the files experiment.learnability
-- writes: config.json, summary.json, runs.csv, tpr.csv, weights.csv, tpr_epochs.csv, plan.lua,
-- cells/), and what the findings derive from it: the cells done, each method's per-class TPR
-- change, the binomial share of Var(s), the weights' sizes, the per-epoch TPRs of the hardest
-- class. Nothing here trains or resamples: every number comes from the directory.
local M = {}

local function exists(path)
  local f = io.open(path)
  if f then f:close() end
  return f ~= nil
end
M.exists = exists

local function read_csv(path)
  if not exists(path) then return {} end
  return (csv.read(path))
end

local function mean(xs)
  if #xs == 0 then return nil end
  local s = 0
  for _, x in ipairs(xs) do s = s + x end
  return s / #xs
end
M.mean = mean

-- plan.lua (a literal: read as data, in an empty environment) and the records in cells/
local function progress(dir)
  local chunk = loadfile(dir .. "/plan.lua", "t", {})
  local ok, plan = pcall(chunk or function() return nil end)
  if not ok or type(plan) ~= "table" or type(plan.cells) ~= "table" then return nil, nil end
  local done = 0
  for _, c in ipairs(plan.cells) do
    if exists(dir .. "/cells/" .. c.id .. ".lua") then done = done + 1 end
  end
  -- the threads per run, from the configuration key the cells were made under (config.json
  -- records them only since this script was written)
  local threads = type(plan.key) == "string" and tonumber(plan.key:match('%["threads"%]=(%d+)'))
  return done, #plan.cells, threads
end

-- per method and class: the mean over seeds of (TPR of the method - TPR of the baseline),
-- paired by seed; and each class's mean baseline TPR and test support
local function class_changes(tpr_rows, classes)
  local by = {}   -- by[method][seed][class] = tpr
  local support = {}
  for _, r in ipairs(tpr_rows) do
    by[r.method] = by[r.method] or {}
    by[r.method][r.seed] = by[r.method][r.seed] or {}
    by[r.method][r.seed][r.class] = r.tpr
    if r.method == "baseline" then support[r.class] = r.support end
  end
  local base = by.baseline or {}
  local baseline_tpr = {}
  for _, c in ipairs(classes) do
    local xs = {}
    for _, per in pairs(base) do xs[#xs + 1] = per[c] end
    baseline_tpr[c] = mean(xs)
  end
  local change = {}
  for method, seeds in pairs(by) do
    if method ~= "baseline" then
      change[method] = {}
      for _, c in ipairs(classes) do
        local d = {}
        for seed, per in pairs(seeds) do
          if base[seed] and base[seed][c] and per[c] then d[#d + 1] = per[c] - base[seed][c] end
        end
        change[method][c] = mean(d)
      end
    end
  end
  return change, baseline_tpr, support, by
end

-- The binomial (test-sampling) part of the baseline's Var(s): with n_c test samples of class
-- c, the measured TPR has variance s_c (1 - s_c) / n_c, which adds (1/C)(1 - 1/C) sum_c of
-- it to the expected population variance of the measured TPRs. Estimated per seed with the
-- measured TPRs, then averaged.
local function binomial_share(by, classes, support)
  local shares, noises = {}, {}
  local C = #classes
  for _, per in pairs(by.baseline or {}) do
    local sum, xs = 0, {}
    for _, c in ipairs(classes) do
      local s, n = per[c], support[c]
      if s and n and n > 0 then sum = sum + s * (1 - s) / n; xs[#xs + 1] = s end
    end
    if #xs == C then
      local v = metrics.variance(xs)   -- the study's Var(s): the population variance
      local noise = sum / C * (1 - 1 / C)
      noises[#noises + 1] = noise
      if v > 0 then shares[#shares + 1] = noise / v end
    end
  end
  return mean(shares), mean(noises)
end

-- the weights w = W(s) of the study, per seed: the largest and smallest, their ratio, the
-- class with the largest
local function weight_sizes(rows)
  local per = {}
  for _, r in ipairs(rows) do
    local p = per[r.seed] or {max = -math.huge, min = math.huge, sum = 0, n = 0}
    per[r.seed] = p
    if r.w > p.max then p.max, p.class = r.w, r.class end
    p.min = math.min(p.min, r.w)
    p.sum, p.n = p.sum + r.w, p.n + 1
  end
  local maxes, mins, ratios, classes = {}, {}, {}, {}
  for _, p in pairs(per) do
    maxes[#maxes + 1], mins[#mins + 1] = p.max / (p.sum / p.n), p.min / (p.sum / p.n)
    ratios[#ratios + 1] = p.max / p.min
    classes[p.class] = (classes[p.class] or 0) + 1
  end
  if #maxes == 0 then return nil end
  local top, count = nil, 0
  for c, k in pairs(classes) do if k > count or (k == count and c < top) then top, count = c, k end end
  return {max = mean(maxes), min = mean(mins), ratio = mean(ratios), class = top, class_seeds = count, seeds = #maxes}
end

-- per epoch, the mean over seeds of one class's TPR on a split, for a method, and the 95% t
-- interval of that mean (NaN with fewer than 3 seeds)
local function epochs_of(rows, method, split, class)
  local values, last = {}, 0
  for _, r in ipairs(rows) do
    if r.method == method and r.split == split and r.class == class then
      values[r.epoch] = values[r.epoch] or {}
      table.insert(values[r.epoch], r.tpr)
      last = math.max(last, r.epoch)
    end
  end
  local out, los, his = {}, {}, {}
  for e = 1, last do
    local v = values[e] or {}
    out[e], los[e], his[e] = mean(v) or (0 / 0), 0 / 0, 0 / 0
    if #v >= 3 then
      local ci = stats.t_interval(v)
      los[e], his[e] = ci.lo, ci.hi
    end
  end
  return out, los, his
end
M.epochs_of = epochs_of

-- M.study(dir): the study in dir, or nil and why
function M.study(dir)
  if not exists(dir .. "/config.json") then
    local done, planned = progress(dir)
    if planned then return nil, string.format("not collected yet: %d of %d cells done in %s", done, planned, dir) end
    return nil, "not run yet: " .. dir .. " holds no study"
  end
  local st = {dir = dir, config = experiment.read_json(dir .. "/config.json")}
  local threads
  st.done, st.planned, threads = progress(dir)
  st.config.threads = st.config.threads or threads
  if not exists(dir .. "/summary.json") then return nil, "not run yet: " .. dir .. " has no summary (no cell finished)" end
  st.rows = experiment.read_json(dir .. "/summary.json")
  st.row = {}
  for _, r in ipairs(st.rows) do st.row[r.method] = r end
  st.runs = read_csv(dir .. "/runs.csv")
  st.classes = st.config.classes
  st.change, st.baseline_tpr, st.support, st.tpr_by = class_changes(read_csv(dir .. "/tpr.csv"), st.classes)
  st.binomial_share, st.binomial_var = binomial_share(st.tpr_by, st.classes, st.support)
  st.weights = weight_sizes(read_csv(dir .. "/weights.csv"))
  st.epoch_rows = read_csv(dir .. "/tpr_epochs.csv")
  -- the baseline's confusion rates (confusion_baseline.csv: row the true class, column the
  -- predicted one, value the rate of the row), as confusion[true][predicted]
  st.confusion = {}
  for _, r in ipairs(read_csv(dir .. "/confusion_baseline.csv")) do
    st.confusion[r.row] = st.confusion[r.row] or {}
    st.confusion[r.row][r.column] = r.value
  end
  -- the classes from hardest to easiest (mean baseline TPR over seeds)
  st.order = {}
  for _, c in ipairs(st.classes) do if st.baseline_tpr[c] then st.order[#st.order + 1] = c end end
  table.sort(st.order, function(a, b) return st.baseline_tpr[a] < st.baseline_tpr[b] end)
  -- each method's per-seed D (runs.csv): its range and how many seeds went the wrong way
  -- (D <= 0), for the sentences about single runs
  st.per_seed = {}
  for _, r in ipairs(st.runs) do
    if r.D then
      local p = st.per_seed[r.method] or {n = 0, wrong = 0, lo = math.huge, hi = -math.huge}
      st.per_seed[r.method] = p
      p.n = p.n + 1
      if r.D <= 0 then p.wrong = p.wrong + 1 end
      p.lo, p.hi = math.min(p.lo, r.D), math.max(p.hi, r.D)
    end
  end
  return st
end

return M
