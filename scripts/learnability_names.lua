-- Algorithm 1 of the learnability-imbalance study on names -> country (10 countries, the
-- names CSV that scripts/get-data builds from the PyPI package names-dataset 3.3.1), with the
-- ConvLSTM of the research (character embedding, 1-D convolution, LSTM). British, Irish,
-- Canadian and American names are the classic confusion. Measured at commit c00f92a on a
-- 2-core Xeon (release build, 2 worker processes): the default took 5.4 minutes, baseline
-- accuracy 0.61 over 3 seeds; results of a run are in its summary.txt, not here.
--
--   scripts/get-data                              # writes data/names/names.csv
--   .build/release/lwscript scripts/learnability_names.lua [options]
--
-- options:
--   --full               all 20,000 names (60/20/20 split), 12 epochs, 10 seeds
--   --per-class N        training names per country (default 800; fewer leaves the
--                        baseline near chance and W(s) extreme for classes with s = 0)
--   --seeds N            number of seeds (default 3, the fewest that give an interval; --full 10)
--   --epochs N           epochs per run (default 8)
--   --csv FILE           the names CSV (default data/names/names.csv)
--   --methods all|LIST   every built-in method the data allows, or a comma-separated list
--   --controls           also run each method's control
--   --out DIR            results directory (default runs/learnability_names)

local script_options = require("script_options")
local options = script_options.parse(arg, {
  script = "learnability_names.lua", study = true,
  usage = "[--full] [--per-class N] [--seeds N] [--epochs N] [--csv FILE] [--out DIR]",
  flags = {"--full"}, numbers = {"--per-class", "--seeds", "--epochs"}, strings = {"--csv", "--out"},
}, {csv = "data/names/names.csv", out = "runs/learnability_names"})
local study_options = script_options.study(options)

local probe = io.open(options.csv)
if not probe then
  io.stderr:write("learnability_names.lua: ", options.csv, " is missing; scripts/get-data writes it\n")
  os.exit(1)
end
probe:close()

local all = data.names(options.csv, {length = 24})
local train, rest = all:split(0.6, {seed = 1})
local val, test = rest:split(0.5, {seed = 1})
-- n per class, or as many as the smallest class has
local function cap(ds, n) return ds:subset(math.min(n, math.min(table.unpack(ds:counts()))), {seed = 1}) end
if not options.full then
  train = cap(train, options.per_class or 800)
  val = cap(val, 100)
  test = cap(test, 150)
end
print(string.format("names: %d training, %d validation, %d test names of %d countries; %d characters",
  train:size(), val:size(), test:size(), #train.classes, #all.vocab))

local seeds = script_options.seeds(options.seeds or (options.full and 10 or 3))
local study = experiment.learnability{
  -- --workers N, --slurm OPTIONS, --resume, --fresh (docs/experiment.md, "Many processes")
  workers = study_options.workers, slurm = study_options.slurm, resume = study_options.resume,
  methods = study_options.methods, controls = study_options.controls,   -- --methods all|LIST, --controls
  name = "names -> country, ConvLSTM",
  data = {train = train, val = val, test = test},
  model = function(seed)
    tensor.seed(seed)
    return nn.conv_lstm{vocab = #all.vocab, classes = #all.classes, embed = 32, channels = 64, hidden = 96, dropout = 0.3}
  end,
  seeds = seeds,
  W = 2,
  epochs = options.epochs or (options.full and 12 or 8),
  batch = 64,
  optimizer = function(params) return optim.Adam(params, {lr = 3e-3}) end,
  out = options.out,
}
local confused = experiment.most_confused(study)
if confused then print(confused) end
-- an interrupted study exits non-zero, so that a batch job says it did not finish
if study.interrupted then os.exit(130) end
