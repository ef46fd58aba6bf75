-- The main job: Algorithm 1 of the learnability-imbalance study on Fashion-MNIST, with the
-- MLP and the residual CNN of the research. For each model and seed: train with plain
-- cross-entropy, measure the per-class TPRs s on a validation split, compute w = W(s)
-- (tpr_power, gamma 2), retrain with each method (TPR-weighted CE, focal loss, class-balanced
-- weights from TPR pseudo-counts, TPR-driven oversampling, TPR-driven augmentation), and
-- compare Var(s) and Var(s') on the test set, paired by seed. The MLP also sweeps gamma
-- (the accuracy vs Var(s) trade-off).
--
--   scripts/run                                   # set up, build (release), run this
--   .build/release/lwscript scripts/learnability.lua [options]
--
-- options:
--   --full               the full size: 54,000 training images (6,000 for validation), the
--                        paper-size CNN, more epochs and 15 seeds (hours; --workers, --slurm)
--   --models mlp,cnn     which models (default both)
--   --cnn small|paper    the CNN's size: widths 16-32-64 (default) or the paper's (default with
--                        --full; 3.3 times the time per image)
--   --seeds N            number of seeds (default: MLP 10, CNN 6, enough for the t intervals and
--                        power of the verdicts to mean something; --full 15)
--   --epochs N           epochs per run (default: MLP 6, CNN 3)
--   --per-class N        training images per class (default: MLP 400, CNN 300)
--   --out DIR            results directory (default runs/learnability)
--   --methods all|LIST   every built-in method the data allows, or a comma-separated list
--                        (default: the five of the study, docs/experiment.md)
--   --controls           also run each method's control (the same perturbation of training
--                        without the TPR information) and compare the two (twice the runs)
--   --draw-per-seed      each seed draws its own training images (the study's train_subset),
--                        so the spread over seeds includes the choice of data
--   --workers N          N local worker processes share the cells (runs) of each study
--                        (default: one per core; --workers 1 runs everything in this process)
--   --slurm OPTIONS      submit each study to Slurm: "default" or "partition=P,time=T,cpus=N,
--                        mem=M,wait" (the output directory must be on shared storage)
--   --resume, --fresh    go on with a study begun (after Ctrl-C or a failed run); start
--                        afresh (the default, but with --slurm)
--
-- The default finishes in a few minutes on 2 cores (release build). Ctrl-C stops at the next
-- batch and keeps the results of the runs that finished (a second Ctrl-C stops at once).
-- Results: DIR/summary.txt and, per model, DIR/<model>/ (summary.csv, results.json,
-- runs.csv, tpr.csv, history.csv, plots: tpr_before_after.svg, confusion_*.svg,
-- curves_*.svg, tpr_epochs_baseline.svg, accuracy_vs_var.svg, tradeoff_gamma.svg, and
-- runs/seed<k>-<method>/ for each run).

local script_options = require("script_options")
local options = script_options.parse(arg, {
  script = "learnability.lua", study = true,
  usage = "[--full] [--models mlp,cnn] [--seeds N] [--epochs N] [--per-class N] [--cnn small|paper] [--out DIR] [--draw-per-seed]",
  flags = {"--full", "--draw-per-seed"}, numbers = {"--seeds", "--epochs", "--per-class"}, strings = {"--models", "--out", "--cnn"},
}, {full = false, draw_per_seed = false, models = "mlp,cnn", out = "runs/learnability"})
local study_options = script_options.study(options)
local full = options.full
local paper_cnn = options.cnn == "paper" or (options.cnn == nil and full)
if options.cnn and options.cnn ~= "paper" and options.cnn ~= "small" then
  io.stderr:write("learnability.lua: --cnn takes small or paper, got ", options.cnn, " (try --help)\n")
  os.exit(2)
end

local ok, train_all, test_all = pcall(data.fashion_mnist)
if not ok then
  io.stderr:write("learnability.lua: Fashion-MNIST is missing (", tostring(train_all), ")\n",
                  "  install it with scripts/get-data (Debian package dataset-fashion-mnist)\n")
  os.exit(1)
end

local started = sys.clock()
-- Splits: validation images come from the training set (s is measured there, never on test).
local train_pool, val = train_all:split(0.9, {seed = 1})
-- The whole test set, also by default: with 300 test images per class the binomial noise of
-- one Var(s) is about the size of the D in question (about 0.002).
local test = test_all
if not full then
  val = val:subset(100, {seed = 1})
end
local norm = {mean = 0.2860, std = 0.3530}   -- Fashion-MNIST pixel statistics
val, test = val:normalize(norm), test:normalize(norm)
-- the training images of a model: per_class of each class (all of them with --full), drawn
-- once, or by each seed with --draw-per-seed (then the pool, and the size per class)
local function training_set(per_class)
  local n = options.per_class or (not full and per_class) or nil
  if options.draw_per_seed then return train_pool:normalize(norm), n end
  local t = n and train_pool:subset(n, {seed = 1}) or train_pool
  return t:normalize(norm), nil
end

-- the seeds of a model: its default count, or --seeds
local function seeds_of(m) return script_options.seeds(options.seeds or m.seeds) end
local workers = study_options.workers

local models = {
  mlp = {
    title = "MLP 784-256-128-10",
    build = function() return nn.Sequential(nn.Flatten(), nn.mlp{inputs = 784, hidden = {256, 128}, classes = 10}) end,
    epochs = full and 15 or 6,
    seeds = full and 15 or 10,
    per_class = 400,
    batch = 64,
    gammas = {0.5, 1, 2, 4},
  },
  cnn = {
    title = paper_cnn and "residual CNN" or "residual CNN (widths 16-32-64)",
    build = function()
      if paper_cnn then return nn.resnet_cnn{channels = 1, classes = 10, size = 28} end
      return nn.resnet_cnn{channels = 1, classes = 10, size = 28, widths = {16, 32, 64}, dense = 128}
    end,
    epochs = full and 10 or 3,
    seeds = full and 15 or 6,
    per_class = 300,
    batch = 64,
  },
}

print(string.format("Fashion-MNIST: %d validation and %d test images%s%s", val:size(), test:size(),
  full and " (full size)" or "", workers and string.format("; %d worker processes", workers) or ""))

local summaries, interrupted = {}, false
for name in options.models:gmatch("[^,]+") do
  local m = models[name]
  if not m then error("learnability.lua: unknown model '" .. name .. "' (mlp, cnn)", 0) end
  local train, per_seed = training_set(m.per_class)
  print("")
  print(string.format("== %s, %d training images%s", m.title, per_seed and per_seed * #train.classes or train:size(),
                      per_seed and " (drawn per seed)" or ""))
  local study = experiment.learnability{
    -- --workers N, --slurm OPTIONS, --resume, --fresh (docs/experiment.md, "Many processes")
    workers = workers, slurm = study_options.slurm, resume = study_options.resume,
    name = "Fashion-MNIST " .. name:upper(),
    data = {train = train, val = val, test = test},
    model = function(seed) tensor.seed(seed); return m.build() end,
    seeds = seeds_of(m),
    W = 2,                                   -- w_c = (1 - (s_c - mean s) / s_c)^2
    gammas = m.gammas,
    epochs = options.epochs or m.epochs,
    batch = m.batch,
    out = options.out .. "/" .. name,
    methods = study_options.methods, controls = study_options.controls,
    train_subset = per_seed,
  }
  -- the classes the baseline learns worst, and what they are taken for
  local confused = experiment.most_confused(study) or "most confused: -"
  print(confused)
  summaries[#summaries + 1] = "== " .. m.title .. "\n" .. study.text .. "\n" .. confused
  if study.interrupted then interrupted = true; break end
end

local minutes = (sys.clock() - started) / 60
local text = table.concat(summaries, "\n\n") .. string.format("\n\nwall time %.1f minutes\n", minutes)
sys.mkdir(options.out)
local f = assert(io.open(options.out .. "/summary.txt", "w"))
f:write(text)
f:close()
print("")
if interrupted then
  print(string.format("interrupted after %.1f minutes: the results in %s hold the runs that finished; the same command "
                      .. "with --resume goes on", minutes, options.out))
  os.exit(130)
end
print(string.format("done in %.1f minutes; results in %s (summary.txt, one directory per model)", minutes, options.out))
