-- Algorithm 1 of the learnability-imbalance study on CIFAR-10, the proposal's main dataset,
-- with the residual CNN on 3x32x32 images: per seed a baseline, s on a validation split, and
-- each built-in method from the same seed, compared on the whole test set.
--
-- CIFAR-10 is not downloaded by lwscript: fetch the binary version yourself (scripts/get-data
-- says how and checks the files) into data/cifar-10-batches-bin, or pass --dir.
--
--   .build/release/lwscript scripts/learnability_cifar.lua [options]
--   lwscript scripts/learnability_cifar.lua --full --slurm "partition=P,time=12:00:00,cpus=8"
--
-- options:
--   --full               all 45,000 training images (5,000 for validation), the paper-size
--                        CNN, 30 epochs, 15 seeds: days of one machine, one command on Slurm
--   --dir DIR            the CIFAR-10 binary files (default data/cifar-10-batches-bin)
--   --per-class N        training images per class (default 500; --full: all)
--   --val-per-class N    validation images per class for s (default 200; --full: 500)
--   --seeds N            number of seeds (default 3; --full 15)
--   --epochs N           epochs per run (default 4; --full 30)
--   --out DIR            results directory (default runs/learnability_cifar)
--   --methods all|LIST   every built-in method the data allows, or a comma-separated list
--   --controls           also run each method's control
--   --workers N, --slurm OPTIONS, --resume, --fresh   (docs/experiment.md, "Many processes")
--
-- Augmentation of every class (flip and shift) is not applied here: TPR-driven augmentation
-- is one of the methods compared, and its control augments every class alike.

local script_options = require("script_options")
local options = script_options.parse(arg, {
  script = "learnability_cifar.lua", study = true,
  usage = "[--full] [--dir DIR] [--per-class N] [--val-per-class N] [--seeds N] [--epochs N] [--out DIR]",
  flags = {"--full"}, numbers = {"--per-class", "--val-per-class", "--seeds", "--epochs"},
  strings = {"--dir", "--out"},
}, {dir = "data/cifar-10-batches-bin", out = "runs/learnability_cifar", full = false})
local study_options = script_options.study(options)
local full = options.full

local ok, train_all, test = pcall(data.cifar10, {dir = options.dir})
if not ok then
  io.stderr:write("learnability_cifar.lua: CIFAR-10 is missing or incomplete in ", options.dir, " (", tostring(train_all), ")\n",
                  "  scripts/get-data says how to fetch the binary version and checks the files\n")
  os.exit(1)
end

local started = sys.clock()
-- validation images (for s) come from the training files; the test set is used whole
local counts = train_all:counts()
local val_n = options.val_per_class or (full and 500 or 200)
local smallest = math.min(table.unpack(counts))
if val_n >= smallest then
  io.stderr:write(string.format("learnability_cifar.lua: --val-per-class %d leaves no training images (a class has %d)\n",
                                val_n, smallest))
  os.exit(2)
end
local train_pool, val = train_all:split(1 - val_n / smallest, {seed = 1})
local per_class = options.per_class or (not full and 500 or nil)
local train = per_class and train_pool:subset(math.min(per_class, math.min(table.unpack(train_pool:counts()))), {seed = 1})
  or train_pool
-- CIFAR-10's per-channel statistics
local norm = {mean = {0.4914, 0.4822, 0.4465}, std = {0.2470, 0.2435, 0.2616}}
train, val, test = train:normalize(norm), val:normalize(norm), test:normalize(norm)

local seeds = script_options.seeds(options.seeds or (full and 15 or 3))
local workers = study_options.workers

print(string.format("CIFAR-10: %d training, %d validation, %d test images; %d seeds%s", train:size(), val:size(),
                    test:size(), #seeds, workers and string.format("; %d worker processes", workers) or ""))
local study = experiment.learnability{
  workers = workers, slurm = study_options.slurm, resume = study_options.resume,
  name = "CIFAR-10 CNN",
  data = {train = train, val = val, test = test},
  model = function(seed)
    tensor.seed(seed)
    if full then return nn.resnet_cnn{channels = 3, classes = 10, size = 32} end
    return nn.resnet_cnn{channels = 3, classes = 10, size = 32, widths = {16, 32, 64}, dense = 128}
  end,
  seeds = seeds,
  W = 2,
  epochs = options.epochs or (full and 30 or 4),
  batch = 64,
  out = options.out,
  methods = study_options.methods, controls = study_options.controls,
}
print(experiment.most_confused(study) or "most confused: -")
local minutes = (sys.clock() - started) / 60
print(string.format("%s in %.1f minutes; results in %s", study.submitted and "submitted" or "done", minutes, options.out))
if study.interrupted then os.exit(130) end
