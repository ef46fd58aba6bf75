-- Algorithm 1 of the learnability-imbalance study on a tabular set, with an MLP: UCI Letter
-- Recognition (20,000 samples, 16 features, 26 nearly balanced classes, about 150 test
-- samples per class; scripts/get-data writes it from Debian's r-cran-mlbench), the
-- handwritten digits (1,797 samples of 8x8 pixel counts as 64 features, 10 classes) or the
-- wine set (178 samples, 13 features, 3 classes), both CSV files that scikit-learn ships
-- (Debian: python3-sklearn), or any CSV with a label column. On digits and wine the test
-- set has tens of samples per class, and binomial noise is a large part of Var(s).
--
--   .build/release/lwscript scripts/learnability_tabular.lua [options]
--
-- options:
--   --set letter|digits|wine  the set (default letter: data/letter/letter.csv)
--   --csv FILE           any CSV instead (header row; --label names the label column, default the last)
--   --label NAME         the label column of --csv
--   --seeds N            number of seeds (default 10)
--   --epochs N           epochs per run (default 30)
--   --methods all|LIST   every built-in method the data allows, or a comma-separated list
--   --controls           also run each method's control
--   --out DIR            results directory (default runs/learnability_tabular)
--
-- Letter at 10 seeds takes 2.4 minutes on 2 cores (release build, one worker process per
-- core, the default; --workers 1 for one process). The split is stratified: 60% training, 20%
-- validation (for s), 20% test; features are standardised with the training statistics.

local script_options = require("script_options")
local options = script_options.parse(arg, {
  script = "learnability_tabular.lua", study = true,
  usage = "[--set letter|digits|wine] [--csv FILE [--label NAME]] [--seeds N] [--epochs N] [--out DIR]",
  numbers = {"--seeds", "--epochs"}, strings = {"--set", "--csv", "--label", "--out"},
}, {set = "letter", out = "runs/learnability_tabular"})
local study_options = script_options.study(options)

local SKLEARN = "/usr/lib/python3/dist-packages/sklearn/datasets/data/"

-- Reads scikit-learn's CSV layout into a dataset: digits.csv.gz has no header (64 features,
-- then the digit); wine_data.csv starts with "n,d,name1,name2,..." (the class names), then
-- rows of d features and a 0-based class index.
local function read_sklearn(set)
  local path, command
  if set == "digits" then
    path = SKLEARN .. "digits.csv.gz"
    command = "gzip -dc '" .. path .. "'"
  elseif set == "wine" then
    path = SKLEARN .. "wine_data.csv"
  else
    error("learnability_tabular.lua: unknown set '" .. set .. "' (letter, digits, wine)", 0)
  end
  local probe = io.open(path)
  if not probe then
    io.stderr:write("learnability_tabular.lua: ", path, " is missing; scripts/get-data installs python3-sklearn (apt), or pass --csv FILE\n")
    os.exit(1)
  end
  probe:close()
  local f = command and io.popen(command) or io.open(path)
  local rows, classes = {}, nil
  for line in f:lines() do
    local fields = {}
    for field in line:gmatch("[^,]+") do fields[#fields + 1] = field end
    if set == "wine" and classes == nil then
      classes = {table.unpack(fields, 3)}
    elseif #fields > 1 then
      local row = {}
      for k = 1, #fields do row[k] = tonumber(fields[k]) end
      rows[#rows + 1] = row
    end
  end
  f:close()
  if set == "digits" then classes = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"} end
  local d = #rows[1] - 1
  local x, y = tensor.zeros(#rows, d), tensor.zeros(#rows)
  for r, row in ipairs(rows) do
    x[r] = tensor.new({table.unpack(row, 1, d)})
    y[r] = row[d + 1] + 1
  end
  return data.tensors(x, y, {classes = classes})
end

local LETTER = "data/letter/letter.csv"

local all
if options.csv then
  all = data.csv(options.csv, {label = options.label})
elseif options.set == "letter" then
  local probe = io.open(LETTER)
  if not probe then
    io.stderr:write("learnability_tabular.lua: ", LETTER, " is missing; scripts/get-data writes it (Letter Recognition, ",
                    "from Debian's r-cran-mlbench), or pass --set digits|wine or --csv FILE\n")
    os.exit(1)
  end
  probe:close()
  all = data.csv(LETTER, {label = "lettr"})
else
  all = read_sklearn(options.set)
end
local name = options.csv and options.csv:match("([^/]+)$") or options.set
local train, rest = all:split(0.6, {seed = 1})
local val, test = rest:split(0.5, {seed = 1})
train = train:standardize()
val, test = val:standardize(train), test:standardize(train)
print(string.format("%s: %d training, %d validation, %d test samples, %d features, %d classes",
  name, train:size(), val:size(), test:size(), train.shape[1], #train.classes))

local seeds = script_options.seeds(options.seeds or 10)
local study = experiment.learnability{
  -- --workers N, --slurm OPTIONS, --resume, --fresh (docs/experiment.md, "Many processes")
  workers = study_options.workers, slurm = study_options.slurm, resume = study_options.resume,
  methods = study_options.methods, controls = study_options.controls,   -- --methods all|LIST, --controls
  name = name .. ", MLP",
  data = {train = train, val = val, test = test},
  model = function(seed)
    tensor.seed(seed)
    return nn.mlp{inputs = train.shape[1], hidden = {64, 32}, classes = #train.classes, dropout = 0.1}
  end,
  seeds = seeds,
  W = 2,
  gammas = {0.5, 1, 2, 4},
  epochs = options.epochs or 30,
  batch = 32,
  out = options.out,
}
local confused = experiment.most_confused(study)
if confused then print(confused) end
-- an interrupted study exits non-zero, so that a batch job says it did not finish
if study.interrupted then os.exit(130) end
