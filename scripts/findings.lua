-- Writes docs/findings.md, the research answer, from the study directories that
-- scripts/findings-run leaves (so that it is regenerated, never hand-typed): for each dataset,
-- which methods lower Var(s) beyond their controls, by how much, at what accuracy cost, which
-- classes move, with figures and the provenance of every number; then the answer to the forum
-- question (why TPR weights "made almost no difference" on a balanced image dataset); and the
-- headline table, also put into README.md between its findings markers.
--
--   .build/release/lwscript scripts/findings.lua [options]
--
-- options:
--   --runs DIR       the studies (default runs/findings: fashion-mlp/mlp, fashion-cnn/cnn,
--                    names, letter; a study not there yet is listed as not run)
--   --out FILE       the document (default docs/findings.md)
--   --images DIR     its figures (default docs/images/findings; linked relative to FILE)
--   --readme FILE    the file whose findings table is replaced (default README.md; "-": none)

local script_options = require("script_options")
local load = require("findings.load")
local md = require("findings.markdown")
local forum = require("findings.forum")

local options = script_options.parse(arg, {
  script = "findings.lua", usage = "[--runs DIR] [--out FILE] [--images DIR] [--readme FILE]",
  strings = {"--runs", "--out", "--images", "--readme"},
}, {runs = "runs/findings", out = "docs/findings.md", images = "docs/images/findings", readme = "README.md"})
local fmt = string.format

-- the studies of scripts/findings-run, in the order the document shows them
local STUDIES = {
  {key = "fashion-mlp", path = "fashion-mlp/mlp", title = "Fashion-MNIST, MLP", data = "Fashion-MNIST", kind = "images",
   about = "70,000 grey 28x28 images of 10 kinds of clothing (Debian's dataset-fashion-mnist), an MLP 784-256-128-10"},
  {key = "fashion-cnn", path = "fashion-cnn/cnn", title = "Fashion-MNIST, residual CNN", data = "Fashion-MNIST", kind = "images",
   about = "the whole training set, the residual CNN of the research (widths 16-32-64)"},
  {key = "names", path = "names", title = "Names -> country, ConvLSTM", data = "names -> country", kind = "sequences",
   about = "full names of 10 countries (PyPI names-dataset, scripts/get-data), the ConvLSTM of the research"},
  {key = "letter", path = "letter", title = "Letter Recognition, MLP", data = "UCI Letter Recognition", kind = "tabular",
   about = "20,000 samples of 16 features, 26 letters (Debian's r-cran-mlbench), an MLP 16-64-32-26"},
}

-- the figure links, relative to the document when the figures are below its directory
local out_dir = options.out:match("^(.*)/[^/]*$") or "."
local link = options.images
if options.images:sub(1, #out_dir + 1) == out_dir .. "/" then link = options.images:sub(#out_dir + 2) end
sys.mkdir(options.images)

local function copy(from, to)
  local f = io.open(from, "rb")
  if not f then return false end
  local bytes = f:read("a")
  f:close()
  local g = assert(io.open(to, "wb"))
  g:write(bytes)
  g:close()
  return true
end

local loaded, missing = {}, {}
for _, s in ipairs(STUDIES) do
  local st, why = load.study(options.runs .. "/" .. s.path)
  if st then
    for k, v in pairs(s) do st[k] = v end
    loaded[#loaded + 1] = st
  else
    missing[#missing + 1] = fmt("- %s: %s.", s.title, why)
  end
end

local doc = {}
local function add(...) for _, line in ipairs({...}) do doc[#doc + 1] = line end end

-- the headline: one row per study
local function headline()
  local rows = {}
  for _, st in ipairs(loaded) do
    local b = st.row.baseline or {}
    local lower, beyond, compared = 0, 0, 0
    for _, r in ipairs(md.methods(st)) do
      if md.direction(r) == "lower" then lower = lower + 1 end
      -- lower than the baseline and beyond the control: a control that itself makes the TPRs
      -- less even (the weights given to other classes do) is easy to beat alone
      if r.control then
        compared = compared + 1
        if md.direction(r) == "lower" and md.against_control(r) == "beyond its control" then beyond = beyond + 1 end
      end
    end
    local best = md.best(st)
    rows[#rows + 1] = {
      st.title .. ((st.done and st.done < st.planned) and " (partial)" or ""),
      tostring(b.seeds or "-"), md.num(b.accuracy, "%.3f"), md.num(b.var_before, "%.5f"),
      fmt("%d of %d", lower, #md.methods(st)), fmt("%d of %d", beyond, compared),
      best and ("`" .. best.method .. "` " .. md.D(best.D) .. " " .. md.ci(best.D_lo, best.D_hi)) or "none",
      best and md.pct(best.D / b.var_before) or "-",
      best and (md.points(best.accuracy_change) .. " " .. md.points_ci(best.accuracy_change_lo, best.accuracy_change_hi)) or "-",
    }
  end
  return md.table({"data, model", "seeds", "baseline accuracy", "baseline Var(s)", "methods that lower Var(s)",
                   "of those with a control, lower and beyond it", "largest D beyond its control [95% CI]", "D / Var(s)",
                   "its accuracy change, points"}, rows)
end

-- One figure for all studies: each built-in method's D as a share of its baseline's Var(s),
-- with the 95% t interval, per study (the gamma sweep and the controls left out).
local function overview(path)
  local labels, seen = {}, {}
  for _, st in ipairs(loaded) do
    for _, r in ipairs(md.methods(st)) do
      if not r.method:find("^gamma=") and not seen[r.method] then seen[r.method] = true; labels[#labels + 1] = r.method end
    end
  end
  local series, lo_all, hi_all = {}, 0, 0
  for _, st in ipairs(loaded) do
    local var = st.row.baseline and st.row.baseline.var_before
    if var and var > 0 then
      local values, lo, hi = {}, {}, {}
      for i, m in ipairs(labels) do
        local r = st.row[m]
        values[i] = r and r.D and 100 * r.D / var or 0 / 0
        lo[i] = r and r.D_lo and 100 * r.D_lo / var or 0 / 0
        hi[i] = r and r.D_hi and 100 * r.D_hi / var or 0 / 0
        if lo[i] == lo[i] then lo_all = math.min(lo_all, lo[i]) end
        if hi[i] == hi[i] then hi_all = math.max(hi_all, hi[i]) end
      end
      series[#series + 1] = {name = st.title, values = values, lo = lo, hi = hi}
    end
  end
  if #series == 0 then return false end
  -- the axis: the intervals, cut at -100% (a method can make Var(s) many times larger)
  local ylo = math.max(-100, 10 * math.floor(lo_all / 10))
  plot.bars{labels = labels, series = series, ylim = {ylo, 10 * math.ceil(hi_all / 10)}, ylabel = "D / Var(s), %",
    title = "How much each method evens out the per-class TPRs",
    subtitle = "D as a share of the baseline's Var(s); error bars: 95% t interval over seeds; below -100% cut"}:save(path)
  return true
end

local table_text = headline()
add("# Findings: does re-weighting by per-class TPR even out what a model learns?", "",
  "<!-- Generated by `lwscript scripts/findings.lua` from the studies of `scripts/findings-run`; do not edit by hand. -->", "",
  "Algorithm 1 of the study, on three kinds of data: train with cross-entropy, measure the per-class TPRs "
  .. "`s` on a validation split, retrain from the same seed with each method (weights `w = W(s)`, focal loss, "
  .. "class-balanced weights, TPR-driven oversampling, augmentation, SMOTE, threshold loss, weights updated every "
  .. "epoch) and with each method's *control* (the same change of training without the TPR information), and "
  .. "compare `Var(s)` of the test TPRs, paired by seed. `D = Var(s) - Var(s')` is positive when a method makes "
  .. "the TPRs more even. Intervals are paired t intervals over seeds; p values are Holm-adjusted across the "
  .. "methods of a study (and, separately, across the method-vs-control comparisons); `test se` is the part of the "
  .. "uncertainty that the test set's own sampling adds, which more seeds do not shrink; the power column is the "
  .. "smallest |D| these seeds detect 4 times in 5, so a method \"not distinguishable\" with a D below it may "
  .. "still have an effect that more seeds would show "
  .. "([docs/experiment.md](experiment.md), [docs/stats.md](stats.md)).", "",
  "## The answer in one table", "", table_text, "")
if overview(options.images .. "/overview-D_share.svg") then
  add(fmt("![D as a share of Var(s), every method and study](%s/overview-D_share.svg)", link), "")
end
if #missing > 0 then add(table.concat(missing, "\n"), "") end

for _, st in ipairs(loaded) do
  local b = st.row.baseline
  add("## " .. st.title, "", fmt("Data: %s; %d training, %d validation and %d test samples, %d classes, %d epochs per run.",
    st.about, st.config.train_size or 0, st.config.val_size or 0, st.config.test_size or 0, #st.classes, st.config.epochs or 0), "",
    md.provenance(st), "")
  if b then
    add(fmt("Baseline: accuracy %.3f, Var(s) %.5f, hardest classes %s.", b.accuracy, b.var_before,
      table.concat({table.unpack(st.order, 1, math.min(3, #st.order))}, ", ")), "")
  end
  add(md.method_table(st), "")
  add("**Which classes move** (mean change of the test TPR over seeds, in points; the hardest classes of the baseline first, "
      .. "then the easiest):", "", md.class_table(st, 4, 2), "")
  local lines = {}
  for _, r in ipairs(md.methods(st)) do
    if md.direction(r) == "lower" and not r.method:find("^gamma=") then
      local up, down = md.moves(st, r.method)
      if up then
        lines[#lines + 1] = fmt("- `%s` raises %s most (%s points) and lowers %s most (%s points).", r.method, up,
          md.points(st.change[r.method][up]), down, md.points(st.change[r.method][down]))
      end
    end
  end
  if #lines > 0 then add(table.concat(lines, "\n"), "") end
  for _, f in ipairs({"tpr_before_after.svg", "tradeoff_gamma.svg", "accuracy_vs_var.svg"}) do
    local name = st.key .. "-" .. f
    if copy(st.dir .. "/" .. f, options.images .. "/" .. name) then
      add(fmt("![%s: %s](%s/%s)", st.title, f:gsub("%.svg$", ""):gsub("_", " "), link, name), "")
    end
  end
end

local images, others = {}, {}
for _, st in ipairs(loaded) do
  if st.kind == "images" then images[#images + 1] = st else others[#others + 1] = st end
end
if #images > 0 then add(forum.section(images, options.images, link, others), "") end

local power = {}
for _, st in ipairs(loaded) do
  local r = st.row.tpr_weighted_ce
  if r then
    power[#power + 1] = {st.title, tostring(r.seeds or "-"), md.num(r.detectable_D, "%.5f"), md.num(r.D_sd, "%.5f"),
                         md.pct(st.binomial_share), tostring(st.support[st.order[1]] or "-")}
  end
end
if #power > 0 then
  add("## How much data", "", "With the seeds run, the smallest |D| of `tpr_weighted_ce` that a paired t-test detects "
      .. "with 80% power, the spread of D over seeds, and the share of the baseline's Var(s) that is binomial test noise "
      .. "(each class's TPR measured on n test samples):", "",
      md.table({"study", "seeds", "detectable |D| (80%)", "sd of D over seeds", "binomial share of Var(s)",
                "test samples per class"}, power), "")
end

add("## Reproduce", "", "```sh", "scripts/findings-run            # the studies (resumable; -- --slurm default for a cluster)",
    "lwscript scripts/findings.lua   # this document, its figures and the README's table", "```", "")

local text = table.concat(doc, "\n")
local f = assert(io.open(options.out, "w"))
f:write(text)
f:close()
print(fmt("findings.lua: wrote %s (%d studies, %d not run yet) and its figures in %s", options.out, #loaded, #missing,
          options.images))

-- the README's copy of the headline table, between its markers
if options.readme ~= "-" then
  local r = io.open(options.readme)
  local readme = r and r:read("a")
  if r then r:close() end
  local BEGIN, END = "<!-- findings:begin -->", "<!-- findings:end -->"
  local a, b = readme and readme:find(BEGIN, 1, true), readme and readme:find(END, 1, true)
  if a and b then
    local new = readme:sub(1, a + #BEGIN - 1) .. "\n" .. table_text .. "\n" .. readme:sub(b)
    local w = assert(io.open(options.readme, "w"))
    w:write(new)
    w:close()
    print("findings.lua: updated the table in " .. options.readme)
  else
    print(fmt("findings.lua: %s has no %s ... %s markers; its table is not updated", options.readme, BEGIN, END))
  end
end
