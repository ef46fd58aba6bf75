-- The section of docs/findings.md that answers the forum question behind the study: why did
-- TPR-derived loss weights "make almost no difference" on a balanced image dataset? The
-- evidence is computed from the image studies (Fashion-MNIST): the effect and how it varies
-- over seeds, the size of the weights, the gamma sweep's trade-off, the hardest class's TPR
-- over epochs on training and validation data, and how much of Var(s) is test-set noise.
-- The sentences are chosen by the numbers, so that a rerun that says otherwise reads otherwise.
local md = require("findings.markdown")
local load = require("findings.load")

local M = {}
local fmt = string.format
local defined = md.defined

-- the per-epoch TPR of the hardest class, train and validation, baseline and tpr_weighted_ce:
-- a table, a figure (saved with plot.lines) and the last epoch's numbers
local function over_epochs(st, class, figure)
  local series, last = {}, {}
  local rows = {}
  for _, m in ipairs({"baseline", "tpr_weighted_ce"}) do
    for _, split in ipairs({"train", "val"}) do
      local v, lo, hi = load.epochs_of(st.epoch_rows, m, split, class)
      if #v > 0 then
        local name = fmt("%s, %s", m, split == "val" and "validation" or "training")
        series[#series + 1] = {name = name, values = v, lo = lo, hi = hi}
        last[m .. "/" .. split] = v[#v]
      end
    end
  end
  if #series == 0 then return nil end
  local n = #series[1].values
  local header = {"epoch"}
  for _, s in ipairs(series) do header[#header + 1] = s.name end
  for e = 1, n do
    local row = {tostring(e)}
    for _, s in ipairs(series) do row[#row + 1] = md.num(s.values[e], "%.3f") end
    rows[#rows + 1] = row
  end
  local x = {}
  for e = 1, n do x[e] = e end
  local seeds = st.row.baseline and st.row.baseline.seeds or 0
  local p = plot.lines{x = x, series = series, ylim = {0, 1}, xlabel = "epoch", ylabel = "TPR of " .. class,
    title = fmt("%s: TPR of %s over epochs", st.title, class),
    subtitle = fmt("mean over %d seeds; bands: 95%% t interval of the mean", seeds)}
  p:save(figure)
  return md.table(header, rows), last
end

local function sentence_effect(st, r)
  local var = st.row.baseline.var_before
  local seeds = st.per_seed[r.method]
  local out = {}
  if md.direction(r) == "lower" then
    out[#out + 1] = fmt("TPR-weighted cross-entropy does lower Var(s) on %s: by %s %s over %d seeds, %s of the "
                        .. "baseline's Var(s) (%.5f)", st.title, md.D(r.D), md.ci(r.D_lo, r.D_hi), r.seeds, md.pct(r.D / var), var)
  elseif md.direction(r) == "higher" then
    out[#out + 1] = fmt("TPR-weighted cross-entropy raises Var(s) on %s: D %s %s over %d seeds", st.title, md.D(r.D),
                        md.ci(r.D_lo, r.D_hi), r.seeds)
  elseif defined(r.p_value) and r.p_value < md.ALPHA then
    out[#out + 1] = fmt("On %s, TPR-weighted cross-entropy lowers Var(s) by %s %s over %d seeds (p %.3g, %s of the "
                        .. "baseline's Var(s)), but not after Holm's correction over the study's methods (p_holm %.3g)",
                        st.title, md.D(r.D), md.ci(r.D_lo, r.D_hi), r.seeds, r.p_value, md.pct(r.D / var), r.p_holm)
  else
    out[#out + 1] = fmt("On %s, TPR-weighted cross-entropy cannot be told apart from no change: D %s %s over %d seeds "
                        .. "(%s of the baseline's Var(s))", st.title, md.D(r.D), md.ci(r.D_lo, r.D_hi), r.seeds or 0,
                        defined(r.D) and md.pct(r.D / var) or "-")
  end
  if r.control then
    local c = st.row[r.control]
    out[#out + 1] = fmt("against its control (the same weights given to other classes) the difference is %s %s (%s)%s",
                        md.D(r.control_D), md.ci(r.control_D_lo, r.control_D_hi), md.against_control(r),
                        c and fmt(", and the control alone has D %s %s (%s)", md.D(c.D), md.ci(c.D_lo, c.D_hi),
                                  md.direction(c) == "not distinguishable" and "not distinguishable from the baseline"
                                  or ("Var(s) " .. md.direction(c) .. " than the baseline's")) or "")
  end
  if seeds then
    out[#out + 1] = fmt("a single seed's D ranged from %+.5f to %+.5f, and %d of %d seeds moved the wrong way or not at all, "
                        .. "so a comparison of one run per setting often shows nothing", seeds.lo, seeds.hi, seeds.wrong, seeds.n)
  end
  return table.concat(out, "; ") .. "."
end

local function sentence_weights(st)
  local w = st.weights
  if not w then return nil end
  local size = w.max < 1.5 and "mild" or (w.max < 4 and "moderate" or "strong")
  return fmt("The weights are " .. size .. ". W(s) = %s gives the most-weighted class %.2f times the mean weight and the "
             .. "least-weighted %.2f times (a ratio of %.1f; mean over %d seeds). The largest weight went to %s in %d of "
             .. "%d seeds: each of its training errors counts %.1f times as much as an average class's.",
             st.config.W, w.max, w.min, w.ratio, w.seeds, w.class, w.class_seeds, w.seeds, w.max)
end

local function sweep_table(st)
  local rows = {}
  local gammas = st.config.gammas or {}
  for _, g in ipairs(gammas) do
    local name = (g == st.config.gamma) and "tpr_weighted_ce" or fmt("gamma=%g", g)
    local r = st.row[name]
    if r then
      rows[#rows + 1] = {fmt("%g", g), md.D(r.D) .. " " .. md.ci(r.D_lo, r.D_hi),
                         md.pct(r.D / st.row.baseline.var_before),
                         md.points(r.accuracy_change) .. " " .. md.points_ci(r.accuracy_change_lo, r.accuracy_change_hi),
                         md.num(r.min_tpr, "%.3f")}
    end
  end
  if #rows == 0 then return nil end
  return md.table({"gamma", "D [95% CI]", "D / Var(s)", "accuracy, points [95% CI]", "min TPR"}, rows)
end

local function sentence_epochs(class, last)
  local bt, bv = last["baseline/train"], last["baseline/val"]
  local wt, wv = last["tpr_weighted_ce/train"], last["tpr_weighted_ce/val"]
  if not (bt and bv and wt and wv) then return nil end
  local gap_b, gap_w = bt - bv, wt - wv
  local s = fmt("On the last epoch the baseline's TPR of %s is %.3f on its training images and %.3f on validation "
                .. "images; with the weights %.3f and %.3f (%+.3f and %+.3f). ", class, bt, bv, wt, wv, wt - bt, wv - bv)
  if math.abs(gap_w - gap_b) < 0.05 then
    s = s .. fmt("The weights raise training and validation TPR alike and leave the gap between them as it was "
                 .. "(%.2f, then %.2f): they move the decision boundary towards the class rather than make the class "
                 .. "better learned.", gap_b, gap_w)
  elseif gap_w < gap_b then
    s = s .. fmt("The weights narrow the gap between training and validation TPR (%.2f, then %.2f).", gap_b, gap_w)
  else
    s = s .. fmt("The weights widen the gap between training and validation TPR (%.2f, then %.2f): more of the "
                 .. "class's training images are fitted than new ones are recognised.", gap_b, gap_w)
  end
  return s
end

-- where the hardest class's gain under a method comes from: the classes that lose most
local function transfer(st, method)
  local h = st.order[1]
  local change = st.change[method]
  if not (h and change and change[h]) then return nil end
  local losers, others = {}, 0
  for _, c in ipairs(st.classes) do
    if c ~= h and change[c] then
      others = others + change[c]
      if change[c] < 0 then losers[#losers + 1] = c end
    end
  end
  table.sort(losers, function(a, b) return change[a] < change[b] end)
  return {class = h, gain = change[h], others = others, losers = losers, change = change}
end

local function sentence_transfer(st, r)
  local t = transfer(st, r.method)
  if not t then return nil end
  local named = {}
  for i = 1, math.min(3, #t.losers) do
    named[#named + 1] = fmt("%s %s", t.losers[i], md.points(t.change[t.losers[i]]))
  end
  local s = fmt("The weights move %s, the hardest class, by %s points of TPR; the other classes change by %s points "
                .. "in all", t.class, md.points(t.gain), md.points(t.others))
  if #named > 0 then s = s .. fmt(", most of it in %s", table.concat(named, ", ")) end
  s = s .. fmt("; accuracy changes by %s points.", md.points(r.accuracy_change))
  if t.gain > 0 and t.others < 0 and -t.others > 0.5 * t.gain then
    local share = -t.others / t.gain
    s = s .. (share > 1 and fmt(" So the other classes lose %.1f times what %s gains.", share, t.class)
              or fmt(" So %d%% of what %s gains, other classes lose.", math.floor(100 * share + 0.5), t.class))
    -- are the losers the classes the hardest one is confused with (the baseline's confusion)?
    local row = st.confusion[t.class]
    if row then
      local partners = {}
      for c, v in pairs(row) do if c ~= t.class and v > 0 then partners[#partners + 1] = c end end
      table.sort(partners, function(a, b) return row[a] > row[b] end)
      local top, named_p = {}, {}
      for i = 1, math.min(3, #partners) do
        top[partners[i]] = true
        named_p[#named_p + 1] = fmt("%s %.0f%%", partners[i], 100 * row[partners[i]])
      end
      local hits = 0
      for i = 1, math.min(3, #t.losers) do if top[t.losers[i]] then hits = hits + 1 end end
      s = s .. fmt(" The baseline takes %s most often for %s (rates over all seeds); %d of these three are among the "
                   .. "three classes that lose most.", t.class, table.concat(named_p, ", "), hits)
      if hits >= 2 then
        s = s .. " Re-weighting moves recognition between confused classes more than it adds any, which is why Var(s) "
                 .. "changes by much less than the hardest class rises."
      end
    end
  end
  return s
end

local function sentence_noise(st, r)
  local parts = {}
  if st.binomial_share then
    parts[#parts + 1] = fmt("About %s of the baseline's measured Var(s) is the test set's binomial noise (each class's "
                            .. "TPR is measured on %d test images), which no re-weighting can remove",
                            md.pct(st.binomial_share), st.support[st.order[1]] or 0)
  end
  if r and defined(r.D_test_se) and defined(r.D) and r.D ~= 0 then
    parts[#parts + 1] = fmt("the test set adds a standard error of %.5f to the mean D (%s of |D|), which more seeds "
                            .. "do not shrink", r.D_test_se, md.pct(r.D_test_se / math.abs(r.D)))
  end
  if r and defined(r.D_sd) then
    parts[#parts + 1] = fmt("from seed to seed D varies with a standard deviation of %.5f, %.1f times |D|", r.D_sd,
                            r.D ~= 0 and r.D_sd / math.abs(r.D) or 0 / 0)
  end
  if #parts == 0 then return nil end
  return table.concat(parts, "; ") .. "."
end

-- "In short": the answer in four sentences from one study's numbers
local function in_short(st, others)
  local r = st.row.tpr_weighted_ce
  local var = st.row.baseline.var_before
  local out = {}
  local dir = md.direction(r)
  if dir == "lower" then
    out[#out + 1] = fmt("- The weights do make the TPRs more even%s: Var(s) falls by %s (D %s %s).",
                        r.D / var < 1 / 3 and ", but modestly" or "", md.pct(r.D / var), md.D(r.D), md.ci(r.D_lo, r.D_hi))
  else
    out[#out + 1] = fmt("- With %d seeds the weights' effect on Var(s) cannot be told apart from none (D %s %s).", r.seeds or 0,
                        md.D(r.D), md.ci(r.D_lo, r.D_hi))
  end
  local t = transfer(st, "tpr_weighted_ce")
  if t and t.gain > 0 then
    out[#out + 1] = fmt("- They do move the hardest class: %s rises by %s points of TPR, while the other classes change by %s "
                        .. "points in all, so the spread of the TPRs changes much less than its lowest value.",
                        t.class, md.points(t.gain), md.points(t.others))
  end
  local seeds = st.per_seed.tpr_weighted_ce
  if seeds then
    out[#out + 1] = fmt("- %s: D varies from seed to seed with a standard deviation of %s of |D|, and %d of %d seeds "
                        .. "moved the wrong way or not at all.",
                        seeds.wrong / seeds.n >= 0.1 and "One run per setting is not enough to see it"
                          or "D is consistent from seed to seed",
                        md.pct(r.D_sd / math.abs(r.D)), seeds.wrong, seeds.n)
  end
  local gammas, best, strongest = st.config.gammas or {}, nil, nil
  for _, g in ipairs(gammas) do
    local row = st.row[(g == st.config.gamma) and "tpr_weighted_ce" or fmt("gamma=%g", g)]
    if row then
      if md.direction(row) == "lower" and (not best or row.D > best.row.D) then best = {g = g, row = row} end
      if not strongest or g > strongest.g then strongest = {g = g, row = row} end
    end
  end
  if best and strongest and strongest.g > best.g then
    out[#out + 1] = fmt("- Stronger weights do not help: gamma %g lowers Var(s) most (%s, accuracy %s points), gamma %g "
                        .. "gives D %s at %s points of accuracy.", best.g, md.D(best.row.D), md.points(best.row.accuracy_change),
                        strongest.g, md.D(strongest.row.D), md.points(strongest.row.accuracy_change))
  end
  local elsewhere, all_larger = {}, true
  for _, o in ipairs(others or {}) do
    local ro = o.row.tpr_weighted_ce
    if ro and o.row.baseline and o.row.baseline.var_before > 0 then
      local share = ro.D / o.row.baseline.var_before
      if share <= r.D / var or share ~= share then all_larger = false end
      elsewhere[#elsewhere + 1] = fmt("%s %s (%s)", o.title, md.pct(share), md.direction(ro))
    end
  end
  if #elsewhere > 0 then
    out[#out + 1] = fmt("- On the other kinds of data the same weights change Var(s) by%s: %s (D as a share of the "
                        .. "baseline's Var(s), and what the seeds say).", all_larger and " a larger share" or "",
                        table.concat(elsewhere, "; "))
  end
  if st.binomial_share then
    out[#out + 1] = st.binomial_share < 0.1
      and fmt("- The unevenness is real, not test noise: binomial test noise is %s of the baseline's Var(s).",
              md.pct(st.binomial_share))
      or fmt("- Test noise is a large part of the unevenness measured here: binomial test noise is %s of the baseline's "
             .. "Var(s).", md.pct(st.binomial_share))
  end
  return table.concat(out, "\n")
end

-- M.section(image_studies, images_dir, link_prefix, other_studies): the markdown of the section
function M.section(studies, images_dir, link, others)
  local out = {"## Why TPR-derived weights \"made almost no difference\" on a balanced image dataset", "",
    "The question from the forum thread that started this work: on Fashion-MNIST, re-weighting the loss by "
    .. "the per-class TPRs barely changed anything. The evidence below comes from the image studies above; "
    .. "each sentence is chosen by the numbers."}
  -- the summary comes from the first image study with an interval (3 seeds or more)
  local first
  for _, st in ipairs(studies) do
    local r = st.row.tpr_weighted_ce
    if not first and r and st.row.baseline and (r.seeds or 0) >= 3 then first = st end
  end
  if first then
    out[#out + 1] = ""
    out[#out + 1] = fmt("**In short** (%s, %d seeds):", first.title, first.row.tpr_weighted_ce.seeds or 0)
    out[#out + 1] = ""
    out[#out + 1] = in_short(first, others)
  end
  for _, st in ipairs(studies) do
    local r = st.row.tpr_weighted_ce
    if r and st.row.baseline and (r.seeds or 0) < 3 then
      out[#out + 1] = ""
      out[#out + 1] = "### " .. st.title
      out[#out + 1] = ""
      out[#out + 1] = fmt("Only %d seed%s so far: no interval or test before 3 (the study is still running; its numbers "
                          .. "are in its section above).", r.seeds or 0, r.seeds == 1 and "" or "s")
    elseif r and st.row.baseline then
      out[#out + 1] = ""
      out[#out + 1] = "### " .. st.title
      out[#out + 1] = ""
      out[#out + 1] = "**The effect.** " .. sentence_effect(st, r)
      local moved = sentence_transfer(st, r)
      if moved then out[#out + 1] = ""; out[#out + 1] = "**Where it comes from.** " .. moved end
      local w = sentence_weights(st)
      if w then out[#out + 1] = ""; out[#out + 1] = "**The size of the weights.** " .. w end
      local sweep = sweep_table(st)
      if sweep then
        out[#out + 1] = ""
        out[#out + 1] = "**Stronger weights: the gamma sweep** (w = tpr_power(s, gamma); gamma 0 is the baseline)."
        out[#out + 1] = ""
        out[#out + 1] = sweep
      end
      local class = st.order[1]
      local name = st.key .. "-tpr_hardest_epochs.svg"
      local tbl, last = over_epochs(st, class, images_dir .. "/" .. name)
      if tbl then
        out[#out + 1] = ""
        out[#out + 1] = fmt("**The hardest class over epochs** (%s, mean over seeds).", class)
        local s = sentence_epochs(class, last)
        if s then out[#out + 1] = ""; out[#out + 1] = s end
        out[#out + 1] = ""
        out[#out + 1] = tbl
        out[#out + 1] = ""
        out[#out + 1] = fmt("![TPR of %s over epochs, %s](%s/%s)", class, st.title, link, name)
      end
      local noise = sentence_noise(st, r)
      if noise then out[#out + 1] = ""; out[#out + 1] = "**Noise.** " .. noise end
    end
  end
  return table.concat(out, "\n")
end

return M
